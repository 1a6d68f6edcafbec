"""Choosing a ComfyUI server when several are configured: the healthy one with the shortest queue.

    clients = clients_from_env()            # ATELIER_COMFYUI_URLS="http://gpu1:8188,http://gpu2:8188"
    client = pick_server(clients)           # asks every server's /queue at once
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .comfy_client import ComfyClient, ComfyError, NoHealthyServerError, explain

URLS_ENV = "ATELIER_COMFYUI_URLS"


def server_urls(value: str | None = None) -> list[str]:
    """Server URLs from a comma-separated string (default: $ATELIER_COMFYUI_URLS); blanks dropped."""
    raw = os.environ.get(URLS_ENV, "") if value is None else value
    return [url.strip().rstrip("/") for url in raw.split(",") if url.strip()]


def clients_from_env(**client_kwargs) -> list[ComfyClient]:
    """One ComfyClient per URL in $ATELIER_COMFYUI_URLS (keyword arguments go to ComfyClient)."""
    return [ComfyClient(url, **client_kwargs) for url in server_urls()]


@dataclass(frozen=True)
class ServerLoad:
    """What one server said: `load` = running + pending prompts, or None with `error` (in the user's
    words, naming the server) when unreachable."""

    client: ComfyClient
    load: int | None
    error: str | None = None

    @property
    def healthy(self) -> bool:
        return self.load is not None


def _load_of(client: ComfyClient) -> ServerLoad:
    try:
        return ServerLoad(client, client.queue_load())
    except ComfyError as exc:
        return ServerLoad(client, None, explain(exc, "queue"))
    except (KeyError, TypeError, ValueError, AttributeError):  # answered, but not like ComfyUI's /queue
        return ServerLoad(client, None, f"{client.base_url} answered, but not like ComfyUI does")


def survey(clients: list[ComfyClient]) -> list[ServerLoad]:
    """Ask every server's /queue concurrently (each bounded by its client's timeout), in input order."""
    if not clients:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(clients)), thread_name_prefix="comfy-survey") as pool:
        return list(pool.map(_load_of, clients))


def pick_server(clients: list[ComfyClient]) -> ComfyClient:
    """The healthy server with the fewest running + pending prompts (ties: the first listed).

    Raises NoHealthyServerError, naming every server and why it failed, when none answers.
    """
    if not clients:
        raise NoHealthyServerError("(none)", f"no ComfyUI server configured (set {URLS_ENV})")
    loads = survey(clients)
    healthy = [entry for entry in loads if entry.healthy]
    if not healthy:
        reasons = "; ".join(entry.error or "" for entry in loads)
        urls = ", ".join(client.base_url for client in clients)
        raise NoHealthyServerError(urls, f"no server answered: {reasons}")
    return min(healthy, key=lambda entry: entry.load).client
