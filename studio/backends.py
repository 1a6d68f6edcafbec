"""Where a job runs: a ComfyUI server (queue API) or the in-process local runner — one interface.

``choose_backend`` picks a configured ComfyUI that answers (the shortest queue when there are several).
With no server configured it uses the local runner when the workflow allows it; with servers
configured it never falls back to the local runner: when none answers it raises
:class:`NoServerError` naming each server and why. ``Backend.describe()`` says which backend runs.

``Backend.run(prompt, out_dir)`` copies the job's output files into ``out_dir`` and returns an
:class:`Outcome` whose ``outputs`` name those copies (file names only, no server folders). A ComfyUI
that dies or cannot be reached ends the job as an ``error`` outcome of type ``server_unreachable``
with the reason in words; it never raises.
"""

from __future__ import annotations

import copy
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import preflight
from .comfy_types import output_files
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


class NoServerError(RuntimeError):
    """ComfyUI servers are configured but none of them answers; the message says which and why."""


class Backend(Protocol):
    name: str

    def object_info(self) -> dict: ...

    def run(self, prompt: dict, out_dir: Path, on_event: EventFn | None = None,
            cancel: threading.Event | None = None) -> Outcome: ...

    def describe(self) -> str: ...

    def stage(self, path: Path) -> str: ...


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``stem_2.ext``, ``stem_3.ext``… when it is taken (then marked as taken)."""
    candidate, stem, suffix, counter = name, Path(name).stem, Path(name).suffix, 2
    while candidate in used:
        candidate = f"{stem}_{counter}{suffix}"
        counter += 1
    used.add(candidate)
    return candidate


def _copy_outputs(outputs: dict, roots: dict[str, Path], out_dir: Path) -> tuple[dict, list[Path]]:
    """Copy every file named in ``outputs`` (images, 3d, videos…) from its folder into ``out_dir``.

    Returns a copy of ``outputs`` naming the copies (file name only), and the copies' paths.
    """
    from .safety import safe_name

    outputs = copy.deepcopy(outputs)
    files, used = [], set()
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in output_files(outputs):
        src = roots.get(item.get("type", "output"), roots["output"]) / item.get("subfolder", "") / item["filename"]
        if src.is_file():
            dst = out_dir / _unique(safe_name(item["filename"], default="output"), used)
            shutil.copyfile(src, dst)
            item.update(filename=dst.name, subfolder="")
            files.append(dst)
    return outputs, files


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
            entry = self.runner.run(prompt, on_event=on_event, cancel=cancel, all_outputs=True)  # a job wants them all
        except PromptRejected as exc:
            return Outcome("error", {}, error=exc.body, backend=self.name)
        status = entry["status"]["status_str"]
        messages = dict((m[0], m[1]) for m in entry["status"]["messages"])
        if "execution_interrupted" in messages:
            status = "interrupted"
        outputs, files = _copy_outputs(entry["outputs"], self.runner.dirs, Path(out_dir))
        return Outcome(status, outputs, files, messages.get("execution_error"), self.name, entry["values"])


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

    def problem(self) -> str | None:
        """Why this server cannot take a job now, in words; None when it answers."""
        from .comfy_client import ComfyError, explain

        try:
            self.client.system_stats()
        except ComfyError as exc:
            return explain(exc, "queue")
        return None

    def run(self, prompt, out_dir, on_event=None, cancel=None) -> Outcome:
        from .comfy_client import ComfyError, PromptValidationError, download_outputs

        try:
            result = self.client.run(prompt, on_event=on_event, cancel_event=cancel)
        except PromptValidationError as exc:
            return Outcome("error", {}, error={"error": exc.error, "node_errors": exc.node_errors}, backend=self.name)
        except ComfyError as exc:
            return self._lost(exc)
        error = result.error.to_dict() if result.error is not None else None
        if result.status != "success":
            return Outcome(result.status, {}, [], error, self.name)
        outputs = copy.deepcopy(result.outputs)
        try:
            files = [Path(f) for f in download_outputs(result, Path(out_dir), self.client)]
        except ComfyError as exc:
            return self._lost(exc, "download")
        for item, path in zip(output_files(outputs), files):  # download_outputs keeps this order
            item.update(filename=path.name, subfolder="")
        return Outcome(result.status, outputs, files, error, self.name)

    def _lost(self, exc, stage: str | None = None) -> Outcome:
        """A failed job for a server that died, cannot be reached, or ran past the time limit."""
        from .comfy_client import ComfyTimeoutError, explain

        kind = "timeout" if isinstance(exc, ComfyTimeoutError) else "server_unreachable"
        error = {"type": kind, "message": explain(exc, stage), "server": self.client.base_url}
        return Outcome("error", {}, error=error, backend=self.name)


def comfy_backends(servers: list[str]) -> tuple[list[ComfyBackend], dict[str, str]]:
    """A backend for each server that answers (shortest queue first), and why each other one does not
    (URL → reason in words)."""
    from .comfy_client import ComfyClient
    from .scheduler import survey

    loads = survey([ComfyClient(url) for url in servers])
    problems = {}
    for entry in loads:
        if not entry.healthy:
            problems[entry.client.base_url] = entry.error or f"ComfyUI at {entry.client.base_url} does not answer"
            entry.client.close()
    healthy = sorted((entry for entry in loads if entry.healthy), key=lambda entry: entry.load)
    return [ComfyBackend(entry.client) for entry in healthy], problems


def no_server_message(problems: dict[str, str]) -> str:
    return "No ComfyUI server answered, so nothing was run: " + "; ".join(problems.values())


def choose_backend(prompt: dict, servers: list[str] | None = None, runner: LocalRunner | None = None) -> Backend:
    """A ComfyUI server that answers (shortest queue) when servers are given, else the local runner.

    Raises NoServerError when servers are given and none answers (never falls back to the local
    runner), and RuntimeError when no server is given and the local runner cannot run ``prompt``.
    """
    if servers:
        backends, problems = comfy_backends(servers)
        if not backends:
            raise NoServerError(no_server_message(problems))
        for spare in backends[1:]:
            spare.client.close()
        return backends[0]
    local = LocalBackend(runner)
    check = preflight.check(prompt, local.object_info())
    if not check.ok:
        raise RuntimeError("No ComfyUI server is configured, and the local runner cannot run this workflow: "
                           + " ".join(check.messages()))
    return local
