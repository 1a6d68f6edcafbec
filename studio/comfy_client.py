"""Client for a ComfyUI server: the HTTP API and `run()`, which follows one job over the websocket.

    client = ComfyClient("http://127.0.0.1:8188")
    result = client.run(prompt, on_event=lambda kind, data: print(kind, data))
    files = download_outputs(result, Path("out/job-1"))

`run()` never hangs: every HTTP call has a timeout, the job has an overall limit, a dropped socket
is reconnected a bounded number of times while /history is polled, and a server that stops
answering raises ComfyServerError naming its URL. `explain()` turns those errors into one line in
the user's words ("ComfyUI at … stopped answering during the job (connection refused)"). One
ComfyClient may run several jobs at once (from several threads): each run listens on its own
websocket client id.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from custom_nodes.core.serial import atomic_write_bytes

from .comfy_job import JobWatch
from .comfy_types import (
    ComfyError,
    ComfyExecutionError,
    ComfyServerError,
    ComfyTimeoutError,
    JobResult,
    JobTimings,
    NodeError,
    NoHealthyServerError,
    PromptValidationError,
    output_files,
    result_from_history,
)

__all__ = [
    "ComfyClient", "ComfyError", "ComfyExecutionError", "ComfyServerError", "ComfyTimeoutError",
    "EventFn", "JobResult", "JobTimings", "NodeError", "NoHealthyServerError", "PromptValidationError",
    "download_outputs", "explain", "output_files", "sanitize_filename",
]

EventFn = Callable[[str, dict], None]  # on_event(type, data): ComfyUI message type names, plus "preview"


class ComfyClient:
    """One ComfyUI server.

    base_url: e.g. "http://127.0.0.1:8188"
    client_id: our id towards ComfyUI (default: a fresh UUID4); each run() listens as f"{client_id}-N"
    timeout: seconds for every HTTP request and websocket connect
    job_timeout_s: default limit for run() [s]
    reconnect_attempts: websocket reconnects (and failed HTTP polls in a row) before giving up
    history_wait_s: how long run() waits for /history after the job ended (the "history race") [s]
    """

    def __init__(self, base_url: str, client_id: str | None = None, timeout: float = 10.0, *,
                 job_timeout_s: float = 1800.0, reconnect_attempts: int = 5, history_wait_s: float = 10.0,
                 poll_interval_s: float = 0.2, idle_poll_s: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id or str(uuid.uuid4())
        self.timeout = timeout
        self.job_timeout_s = job_timeout_s
        self.reconnect_attempts = reconnect_attempts
        self.history_wait_s = history_wait_s
        self.poll_interval_s = poll_interval_s
        self.idle_poll_s = idle_poll_s
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._runs = 0
        self._runs_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ComfyClient({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ComfyClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def ws_url(self) -> str:
        """The websocket endpoint (without clientId)."""
        return re.sub(r"^http", "ws", self.base_url) + "/ws"

    # -- HTTP plumbing -----------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send one request; network failures and timeouts become ComfyServerError."""
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            reason = f"{method} {path} timed out after {self.timeout:g} s"
            raise ComfyServerError(self.base_url, reason) from exc
        except httpx.HTTPError as exc:
            reason = f"{method} {path} failed ({exc or type(exc).__name__})"
            raise ComfyServerError(self.base_url, reason) from exc

    def _checked(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self._request(method, path, **kwargs)
        if response.status_code >= 400:
            error = ComfyServerError(
                self.base_url, f"{method} {path} answered HTTP {response.status_code}: {response.text[:300]}"
            )
            error.http_status = response.status_code
            raise error
        return response

    def _json(self, method: str, path: str, **kwargs):
        response = self._checked(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise ComfyServerError(self.base_url, f"{method} {path} did not answer JSON") from exc

    # -- the API -----------------------------------------------------------------------------
    def system_stats(self) -> dict:
        """GET /system_stats: {"system": {"comfyui_version", "python_version", ...}, "devices": [...]}."""
        return self._json("GET", "/system_stats")

    def version(self) -> str:
        """The ComfyUI version, e.g. "0.3.64"."""
        return str(self.system_stats().get("system", {}).get("comfyui_version", "unknown"))

    def is_healthy(self) -> bool:
        """True when /system_stats answers; never raises."""
        try:
            self.system_stats()
            return True
        except ComfyError:
            return False

    def object_info(self) -> dict:
        """GET /object_info: node class name -> schema."""
        return self._json("GET", "/object_info")

    def upload_image(self, path_or_bytes: str | Path | bytes, name: str | None = None,
                     overwrite: bool = False, subfolder: str = "", type: str = "input") -> str:
        """POST /upload/image; returns the name to put in a LoadImage input.

        ComfyUI may rename the file (e.g. "photo (1).png" when "photo.png" exists and overwrite is
        False): the returned name is the one it stored, prefixed by its subfolder when there is one.
        """
        if isinstance(path_or_bytes, bytes):
            if not name:
                raise ValueError("upload_image: give a file name when uploading bytes")
            data = path_or_bytes
        else:
            data = Path(path_or_bytes).read_bytes()
            name = name or Path(path_or_bytes).name
        form = {"overwrite": "true" if overwrite else "false", "subfolder": subfolder, "type": type}
        reply = self._json("POST", "/upload/image", data=form, files={"image": (name, data)})
        stored = str(reply.get("name", name))
        folder = reply.get("subfolder") or ""
        return f"{folder}/{stored}" if folder else stored

    def queue_prompt(self, prompt: dict, *, client_id: str | None = None, extra_data: dict | None = None,
                     prompt_id: str | None = None) -> str:
        """POST /prompt (API-format prompt); returns the prompt_id (a fresh UUID4 unless given).

        Raises PromptValidationError on HTTP 400 (ComfyUI's `error` + per-node `node_errors`).
        """
        _check_api_format(prompt)
        body = {"prompt": prompt, "client_id": client_id or self.client_id,
                "prompt_id": prompt_id or str(uuid.uuid4())}
        if extra_data:
            body["extra_data"] = extra_data
        response = self._request("POST", "/prompt", json=body)
        if response.status_code == 400:
            try:
                reply = response.json()
            except ValueError:
                reply = {"error": response.text[:300], "node_errors": {}}
            error, node_errors = reply.get("error", reply), reply.get("node_errors", {})
            raise PromptValidationError(self.base_url, error, node_errors)
        if response.status_code >= 400:
            error = ComfyServerError(self.base_url, f"POST /prompt answered HTTP {response.status_code}")
            error.http_status = response.status_code
            raise error
        try:
            return str(response.json().get("prompt_id", body["prompt_id"]))
        except (ValueError, AttributeError) as exc:
            raise ComfyServerError(self.base_url, "POST /prompt did not answer a JSON object") from exc

    def history(self, prompt_id: str) -> dict | None:
        """GET /history/{id}: the entry {"prompt", "outputs", "status", "meta"}; None if not (yet) there."""
        reply = self._json("GET", f"/history/{prompt_id}")
        return reply.get(prompt_id) if isinstance(reply, dict) else None

    def view(self, filename: str, subfolder: str = "", type: str = "output") -> bytes:
        """GET /view: the bytes of an output (or input/temp) file."""
        params = {"filename": filename, "subfolder": subfolder, "type": type}
        return self._checked("GET", "/view", params=params).content

    def queue(self) -> dict:
        """GET /queue: {"queue_running": [[number, prompt_id, ...]], "queue_pending": [...]}."""
        return self._json("GET", "/queue")

    def queue_load(self) -> int:
        """Number of prompts running or waiting on this server."""
        state = self.queue()
        return len(state.get("queue_running", [])) + len(state.get("queue_pending", []))

    def _queue_ids(self) -> tuple[set[str], set[str]]:
        state = self.queue()
        ids = [{str(item[1]) for item in state.get(key, []) if len(item) > 1}
               for key in ("queue_running", "queue_pending")]
        return ids[0], ids[1]

    def cancel(self, prompt_id: str) -> str:
        """Stop a prompt: POST /interrupt if it runs, POST /queue {"delete"} if it waits.

        Returns "interrupted", "deleted" or "not_found" (already finished, or unknown).
        """
        running, pending = self._queue_ids()
        if prompt_id in pending:
            self._checked("POST", "/queue", json={"delete": [prompt_id]})
            running, pending = self._queue_ids()  # it may have started meanwhile
            if prompt_id not in running:
                return "deleted"
        if prompt_id in running:
            self._checked("POST", "/interrupt", json={"prompt_id": prompt_id})
            return "interrupted"
        return "not_found"

    def free(self, unload_models: bool = True, free_memory: bool = True) -> None:
        """POST /free: ask ComfyUI to unload models and/or free cached memory."""
        self._checked("POST", "/free", json={"unload_models": unload_models, "free_memory": free_memory})

    # -- running a job -----------------------------------------------------------------------
    def _run_client_id(self) -> str:
        with self._runs_lock:
            self._runs += 1
            return f"{self.client_id}-{self._runs}"

    def run(self, prompt: dict, on_event: EventFn | None = None, cancel_event: threading.Event | None = None,
            timeout: float | None = None, extra_data: dict | None = None) -> JobResult:
        """Queue `prompt`, follow it to the end and return its result (read from /history).

        on_event(type, data) gets ComfyUI's messages for this prompt (`execution_start`, `executing`,
        `progress`, `progress_state`, `executed`, `execution_success`, ...; `status` too) and
        `preview` for binary preview frames ({"event", "format", "image": bytes}).
        on_event runs in the calling thread; an exception from it ends run() (the job keeps running).
        Setting cancel_event interrupts (or unqueues) the job: the result then has status "interrupted".
        Raises PromptValidationError (HTTP 400), ComfyServerError (server unreachable or died; its
        `stage` says "queue" when the prompt was never queued, "job" when the server went while it ran)
        or ComfyTimeoutError (not finished within `timeout` seconds, default job_timeout_s). explain()
        words any of them for users.
        """
        _check_api_format(prompt)
        limit_s = self.job_timeout_s if timeout is None else timeout
        watch = JobWatch(self, self._run_client_id(), on_event, cancel_event, limit_s)
        watch.connect()  # listen before queueing, so that no frame is missed
        stage = "queue"
        try:
            started = time.perf_counter()
            prompt_id = self.queue_prompt(prompt, client_id=watch.ws_client_id, extra_data=extra_data)
            watch.queued_at = time.perf_counter()
            stage = "job"
            entry = watch.follow(prompt_id)
        except ComfyServerError as exc:
            exc.stage = stage  # for explain(): "does not answer" (never queued) or "stopped answering"
            raise
        finally:
            watch.close()
        timings = JobTimings(watch.first_progress_s(), time.perf_counter() - started)
        if entry is None:  # deleted from the queue before it ran: ComfyUI keeps no history for it
            return JobResult(prompt_id, "interrupted", {}, (), None, timings, self.base_url, watch.seen)
        return result_from_history(entry, prompt_id, self.base_url, timings, watch.seen)

    def download_outputs(self, result: JobResult, out_dir: str | Path) -> list[Path]:
        """See the module function download_outputs()."""
        return download_outputs(result, out_dir, client=self)


def _cause(exc: BaseException) -> str:
    """What went wrong underneath a ComfyServerError, in a few words ("connection refused")."""
    status = getattr(exc, "http_status", None)
    if status is not None:
        return f"it answered with an error, HTTP {status}"
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (httpx.TimeoutException, TimeoutError)):
            return "no answer in time"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                                httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            return "connection lost"
        if isinstance(current, httpx.ConnectError):
            text = str(current).lower()
            if "refused" in text:
                return "connection refused"
            if "name" in text or "address" in text:
                return "unknown host name"
            return "could not connect"
        status = getattr(current, "http_status", None)
        if status is not None:
            return f"it answered with an error, HTTP {status}"
        current = current.__cause__ or current.__context__
    return "no answer"


def explain(exc: ComfyError, stage: str | None = None) -> str:
    """One line in the user's words for a ComfyUI error: which server, when, and why.

    stage: "queue" (before the job was queued), "job" (while it ran) or "download" (fetching its
    outputs); by default the stage run() recorded on the error, else "job".
    """
    url = getattr(exc, "url", "?")
    if isinstance(exc, ComfyTimeoutError):
        return f"ComfyUI at {url} did not finish the job in time"
    stage = stage or getattr(exc, "stage", "job")
    cause = _cause(exc)
    if stage == "queue":
        return f"ComfyUI at {url} does not answer ({cause})"
    if stage == "download":
        return f"ComfyUI at {url} stopped answering while the outputs were downloaded ({cause})"
    return f"ComfyUI at {url} stopped answering during the job ({cause})"


def _check_api_format(prompt: object) -> None:
    """Refuse what ComfyUI would refuse less clearly: a non-dict, or a UI-format workflow."""
    if not isinstance(prompt, dict):
        raise TypeError(f"prompt must be an API-format dict (node id -> node), not {type(prompt).__name__}")
    if "nodes" in prompt and "links" in prompt:
        raise ValueError("this is a UI-format workflow (nodes + links); queue its API format "
                         "(ComfyUI: Workflow > Export (API))")


def sanitize_filename(name: str) -> str:
    """A safe local file name: no folders, only letters, digits, `.`, `_`, `-`; never empty or hidden."""
    from .safety import safe_name

    return safe_name(name, default="output")


def _unique(name: str, used: set[str]) -> str:
    candidate, stem, suffix, counter = name, Path(name).stem, Path(name).suffix, 1
    while candidate in used:
        candidate = f"{stem}_{counter}{suffix}"
        counter += 1
    used.add(candidate)
    return candidate


def download_outputs(result: JobResult, out_dir: str | Path, client: ComfyClient | None = None) -> list[Path]:
    """Fetch every output file of `result` (images, 3d, ...) via /view into `out_dir`.

    File names are sanitised (and made unique within the job); each file is written atomically.
    Returns the written paths, in output order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or ComfyClient(result.server_url)
    used: set[str] = set()
    paths = []
    try:
        for item in output_files(result.outputs):
            data = client.view(item["filename"], item.get("subfolder", ""), item.get("type", "output"))
            target = out / _unique(sanitize_filename(item["filename"]), used)
            atomic_write_bytes(target, data)
            paths.append(target)
    finally:
        if own:
            client.close()
    return paths

