"""Where a job runs: a ComfyUI server (queue API) or the in-process local runner — one interface.

``choose_backend`` picks a configured ComfyUI that answers (the shortest queue when there are several)
and falls back to the local runner when none does and the workflow allows it; ``Backend.describe()``
says which, so the UI can show it.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import preflight
from .runner import EventFn, LocalRunner, PromptRejected


@dataclass
class Outcome:
    """A finished job, whichever backend ran it."""

    status: str  # "success" | "error" | "interrupted"
    outputs: dict[str, dict]  # /history outputs: node id → {"images": [...], "3d": [...], ...}
    files: list[Path] = field(default_factory=list)  # output files copied into the job folder
    error: dict | None = None  # execution_error data, or validation error body
    backend: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # in-process node outputs (local runner only)


class Backend(Protocol):
    name: str

    def object_info(self) -> dict: ...

    def run(self, prompt: dict, out_dir: Path, on_event: EventFn | None = None,
            cancel: threading.Event | None = None) -> Outcome: ...

    def describe(self) -> str: ...

    def stage(self, path: Path) -> str: ...


def _copy_outputs(outputs: dict, roots: dict[str, Path], out_dir: Path) -> list[Path]:
    """Copy every file named in ``outputs`` (images, 3d, videos…) from its folder into ``out_dir``."""
    files = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for ui in outputs.values():
        for items in ui.values():
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict) or "filename" not in item:
                    continue
                src = roots.get(item.get("type", "output"), roots["output"]) / item.get("subfolder", "") / item["filename"]
                if src.is_file():
                    dst = out_dir / Path(item["filename"]).name
                    shutil.copyfile(src, dst)
                    files.append(dst)
    return files


class LocalBackend:
    name = "local"

    def __init__(self, runner: LocalRunner | None = None):
        self.runner = runner or LocalRunner()

    def describe(self) -> str:
        return "local runner (in-process, no ComfyUI: Atelier nodes and image I/O only)"

    def stage(self, path: Path) -> str:
        """Copy an input file into the runner's input folder; returns the name nodes refer to it by."""
        from .safety import safe_name

        folder = self.runner.dirs["input"]
        folder.mkdir(parents=True, exist_ok=True)
        name = safe_name(Path(path).name)
        shutil.copyfile(path, folder / name)
        return name

    def object_info(self) -> dict:
        return self.runner.object_info()

    def run(self, prompt, out_dir, on_event=None, cancel=None) -> Outcome:
        try:
            entry = self.runner.run(prompt, on_event=on_event, cancel=cancel)
        except PromptRejected as exc:
            return Outcome("error", {}, error=exc.body, backend=self.name)
        status = entry["status"]["status_str"]
        messages = dict((m[0], m[1]) for m in entry["status"]["messages"])
        if "execution_interrupted" in messages:
            status = "interrupted"
        files = _copy_outputs(entry["outputs"], self.runner.dirs, Path(out_dir))
        return Outcome(status, entry["outputs"], files, messages.get("execution_error"), self.name, entry["values"])


class ComfyBackend:
    name = "comfyui"

    def __init__(self, client):
        self.client = client

    def describe(self) -> str:
        return f"ComfyUI at {self.client.base_url}"

    def stage(self, path: Path) -> str:
        """Upload an input file to the server's input folder; returns the name the server chose."""
        from .safety import safe_name

        return self.client.upload_image(Path(path), name=safe_name(Path(path).name), overwrite=True)

    def object_info(self) -> dict:
        return self.client.object_info()

    def run(self, prompt, out_dir, on_event=None, cancel=None) -> Outcome:
        from .comfy_client import PromptValidationError, download_outputs

        try:
            result = self.client.run(prompt, on_event=on_event, cancel_event=cancel)
        except PromptValidationError as exc:
            return Outcome("error", {}, error={"error": exc.error, "node_errors": exc.node_errors}, backend=self.name)
        files = download_outputs(result, Path(out_dir), self.client) if result.status == "success" else []
        error = result.error.to_dict() if result.error is not None else None
        return Outcome(result.status, result.outputs, [Path(f) for f in files], error, self.name)


def choose_backend(prompt: dict, servers: list[str] | None = None, runner: LocalRunner | None = None) -> Backend:
    """A ComfyUI server that answers (shortest queue), else the local runner if it can run ``prompt``."""
    if servers:
        from .comfy_client import ComfyClient
        from .scheduler import pick_server

        clients = [ComfyClient(url) for url in servers]
        try:
            chosen = pick_server(clients)
        except Exception as exc:  # no server answered: fall back below, naming why if we cannot
            chosen, reason = None, str(exc)
        for client in clients:
            if client is not chosen:
                client.close()
        if chosen is not None:
            return ComfyBackend(chosen)
    else:
        reason = "no ComfyUI server is configured"
    local = LocalBackend(runner)
    check = preflight.check(prompt, local.object_info())
    if not check.ok:
        raise RuntimeError(f"{reason}; and the local runner cannot run this workflow: " + " ".join(check.messages()))
    return local
