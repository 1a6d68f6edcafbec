"""Jobs: each one owns a folder with a ``job.json`` record, and the studio follows its progress.

:class:`JobFolder` is a job's folder. Its ``job.json`` says ``running`` from the start and is replaced
(atomically) by ``done``, ``failed`` or ``cancelled`` with the reason in words. Outputs are written to a
hidden staging folder and moved in only when the job succeeds, named after the job
(``<job id>_drape.glb``); a failed job keeps its ``job.json`` and nothing else.

Both backends report ComfyUI's websocket events (``execution_cached``, ``executing``, ``progress``,
``executed``…); :class:`Job` folds them into one overall fraction and a line of text, so the studio shows
real progress whichever backend runs, and can cancel. A node's own words (``progress_text`` from the
local runner, ComfyUI's binary text frame), such as the one-time body-model build, become that line.
"""

from __future__ import annotations

import copy
import dataclasses
import filecmp
import json
import os
import queue
import re
import shutil
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from custom_nodes.core.serial import atomic_write_bytes

from .backends import Backend, Outcome, _unique
from .comfy_types import output_files
from .safety import safe_name

#: job.json status for each Outcome status
STATUS = {"success": "done", "error": "failed", "interrupted": "cancelled"}
STAGING = ".partial"  # outputs of a running job, inside its folder
_COUNTER = re.compile(r"_\d{5}_$")  # ComfyUI's file counter: drape_00010_.glb
_SIDECAR = re.compile(r"(.+)\.seams(?:_\d+)?\.json")  # a pattern's seams (``_2``: a second copy made unique)
_ABSOLUTE_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\](?:[^\s'\"/\\]+[/\\])+([^\s'\"/\\]+)")
_TECHNICAL_KEYS = ("traceback", "current_inputs", "current_outputs", "executed")


def _user_error_names() -> set[str]:
    """Exception types whose messages are written for users: the Atelier errors."""
    from custom_nodes.core import errors

    found, todo = set(), [errors.AtelierError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def node_titles(prompt: dict | None) -> dict[str, str]:
    """Node id → its title (``_meta.title``), else its class type."""
    return {str(nid): e.get("_meta", {}).get("title") or e.get("class_type", str(nid))
            for nid, e in (prompt or {}).items() if isinstance(e, dict)}


def _node_failure(err: dict, titles: dict[str, str]) -> str:
    """A node that raised while running: its own message when it is meant for users."""
    node = str(err.get("node_id", ""))
    title = titles.get(node) or err.get("node_type") or "a node"
    message = str(err.get("exception_message", err.get("message", ""))).strip()
    kind = str(err.get("exception_type", "")).rsplit(".", 1)[-1]
    if not node and message:
        return message
    if "out of memory" in message.lower():
        return f"{title} ran out of memory"
    if kind not in _user_error_names() or not message:
        return (f"{title} failed with an internal error (the details are in the log: studio.log in the work "
                "folder, or ComfyUI's own log when a server ran it)")
    message = _ABSOLUTE_PATH.sub(r"\1", message)  # no folders of the machine that ran it
    field = re.match(r"field '([\w.]+)': (.*)", message, re.S)
    if field and "." not in field.group(1):
        return f"{title}.{field.group(1)}: {field.group(2)}"
    return f"{title}: {message}"


def reason(outcome: Outcome, prompt: dict | None = None) -> str:
    """Why a job did not finish, in the user's words ('' for a finished job); nodes by their titles."""
    if outcome.status == "success":
        return ""
    if outcome.status == "interrupted":
        return "cancelled"
    err = outcome.error or {}
    titles = node_titles(prompt)
    if "node_errors" in err:  # refused before running (validation): one part per bad input
        parts = []
        for nid, entry in (err.get("node_errors") or {}).items():
            title = titles.get(str(nid)) or entry.get("class_type", str(nid))
            for e in entry.get("errors", []):
                detail = f" ({e['details']})" if e.get("details") else ""
                parts.append(f"{title}: {e.get('message', e.get('type', 'invalid'))}{detail}")
        top = err.get("error")
        return "; ".join(parts) or str((top.get("message") if isinstance(top, dict) else top)
                                       or "the workflow was refused")
    if "node_id" in err or "exception_message" in err:
        return _node_failure(err, titles)
    return str(err.get("message") or "the job failed")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class JobFolder:
    """One job's folder: its ``job.json`` record and, once the job succeeded, its outputs.

    ``job_id`` (default: the folder's name) names the outputs: ``<job id>_<name>.<ext>``, where
    ``<name>`` is the node's file name prefix without ComfyUI's counter (``drape`` for ``atelier/drape``).
    """

    def __init__(self, path: str | Path, *, workflow: str | None = None, settings: dict | None = None,
                 job_id: str | None = None):
        self.path = Path(path)
        self.job_id = safe_name(job_id or self.path.resolve().name, default="job")
        self.staging = self.path / STAGING
        self._tag = f"{self.job_id}-{uuid.uuid4().hex[:6]}"  # unique per run: names this run's files
        self._started = time.perf_counter()
        self.record: dict = {"job": self.job_id, "workflow": workflow, "settings": settings or {},
                             "status": "running", "reason": None, "backend": None, "files": [], "outputs": {},
                             "error": None, "started": None, "seconds": None}

    def run(self, backend: Backend, prompt: dict, *, on_event=None, cancel: threading.Event | None = None) -> Outcome:
        """Run ``prompt`` on ``backend`` with this folder's record and outputs; never raises for a
        failed job (Ctrl-C is recorded as cancelled, then raised again)."""
        self.start(backend.describe())
        try:
            outcome = backend.run(self.own_prompt(prompt), self.staging, on_event=on_event, cancel=cancel)
        except KeyboardInterrupt:
            self.finish(Outcome("interrupted", {}, backend=getattr(backend, "name", "")), prompt)
            raise
        except Exception as exc:  # a backend that breaks must still end the job with a reason
            outcome = Outcome("error", {}, error={"message": f"the job stopped unexpectedly ({exc})"},
                              backend=getattr(backend, "name", ""))
        return self.finish(outcome, prompt)

    def own_prompt(self, prompt: dict) -> dict:
        """``prompt`` with every ``filename_prefix`` made this run's own (``atelier/<tag>_drape``), so
        that no other job, process or cache entry shares its output files."""
        out = {}
        for nid, entry in prompt.items():
            inputs = entry.get("inputs", {}) if isinstance(entry, dict) else {}
            prefix = inputs.get("filename_prefix")
            if isinstance(prefix, str):
                folder, _, stem = prefix.replace("\\", "/").rpartition("/")
                own = f"{self._tag}_{stem or 'output'}"
                entry = {**entry, "inputs": {**inputs, "filename_prefix": f"{folder}/{own}" if folder else own}}
            out[nid] = entry
        return out

    def start(self, backend: str | None = None) -> None:
        """Say ``running`` in job.json; outputs of an earlier run of this folder are removed first."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._clear_previous()
        self._started = time.perf_counter()
        self.record.update(status="running", backend=backend, started=_now())
        self._write()

    def finish(self, outcome: Outcome, prompt: dict | None = None) -> Outcome:
        """Move a successful job's outputs into place (or drop a failed job's), then record the end."""
        if outcome.status == "success":
            outcome = self._move_outputs(outcome)
        else:
            outcome = dataclasses.replace(outcome, files=[])
        shutil.rmtree(self.staging, ignore_errors=True)
        done = outcome.status == "success"
        self.record.update(status=STATUS.get(outcome.status, "failed"), reason=reason(outcome, prompt) or None,
                           files=[p.name for p in outcome.files], outputs=outcome.outputs if done else {},
                           error=_trimmed(outcome.error), seconds=round(time.perf_counter() - self._started, 3))
        self._write()
        return outcome

    def fail(self, why: str) -> dict:
        """Record a job that failed before any backend ran it (no server, a bad setting); returns the record."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._clear_previous()
        self.record.update(status="failed", reason=why, started=self.record["started"] or _now(), seconds=0.0)
        self._write()
        return self.record

    # -- inside the folder ---------------------------------------------------------------------------
    def _write(self) -> None:
        atomic_write_bytes(self.path / "job.json", json.dumps(self.record, indent=1, default=str).encode())

    def _clear_previous(self) -> None:
        """Remove the files an earlier run of this folder recorded, and any staging it left."""
        shutil.rmtree(self.staging, ignore_errors=True)
        try:
            old = json.loads((self.path / "job.json").read_text())
        except (OSError, ValueError):
            return
        for name in old.get("files", []) if isinstance(old, dict) else []:
            if isinstance(name, str) and Path(name).name == name and name != "job.json":
                (self.path / name).unlink(missing_ok=True)

    def _final_name(self, staged: str) -> str:
        sidecar = _SIDECAR.fullmatch(staged)  # pattern_00001_.seams.json: named like the pattern it belongs to
        stem, suffix = (sidecar.group(1), ".seams.json") if sidecar else (Path(staged).stem, Path(staged).suffix)
        if stem.startswith(self._tag + "_"):
            stem = stem[len(self._tag) + 1:]
        return f"{self.job_id}_{_COUNTER.sub('', stem) or 'output'}{suffix}"

    def _move_outputs(self, outcome: Outcome) -> Outcome:
        """Staged files → ``<job id>_<name>.<ext>`` in the folder; all or none."""
        moved: list[Path] = []
        renamed: dict[str, str] = {}
        used = {"job.json"}
        try:
            for staged in outcome.files:
                name = self._final_name(staged.name)
                twin = self.path / name
                shared = _SIDECAR.fullmatch(staged.name) and twin in moved  # SVG and DXF list one sidecar
                if shared and filecmp.cmp(staged, twin, shallow=False):
                    renamed[staged.name] = name
                    continue
                final = self.path / _unique(name, used)
                os.replace(staged, final)
                moved.append(final)
                renamed[staged.name] = final.name
        except OSError as exc:
            for path in moved:
                path.unlink(missing_ok=True)
            why = f"the outputs could not be saved in {self.path} ({exc.strerror or exc})"
            return Outcome("error", {}, error={"message": why}, backend=outcome.backend)
        outputs = copy.deepcopy(outcome.outputs)
        for item in output_files(outputs):
            item["filename"] = renamed.get(item["filename"], item["filename"])
        return dataclasses.replace(outcome, outputs=outputs, files=moved)


def _trimmed(error: dict | None) -> dict | None:
    """The error data worth keeping in job.json: no tracebacks or node inputs."""
    if not isinstance(error, dict):
        return error
    return {k: v for k, v in error.items() if k not in _TECHNICAL_KEYS}


@dataclass
class Update:
    fraction: float  # 0..1 over the whole job
    text: str  # what is happening, in words
    outcome: Outcome | None = None  # set on the last update


def progress_text(kind: str, data: dict) -> tuple[str | None, str] | None:
    """(node id, text) of a node's progress text: the local runner's ``progress_text`` event, or
    ComfyUI's binary TEXT frame (event 3: 4-byte node-id length, node id, UTF-8 text); else None."""
    if kind == "progress_text":
        return data.get("node"), str(data.get("text", ""))
    raw = data.get("bytes", b"") if kind == "preview" and data.get("event") == 3 else b""
    if len(raw) < 4:
        return None
    size = struct.unpack(">I", raw[:4])[0]
    return raw[4:4 + size].decode("utf-8", "replace"), raw[4 + size:].decode("utf-8", "replace")


class Job:
    """One workflow run on one backend, in a daemon thread."""

    def __init__(self, backend: Backend, prompt: dict, out_dir: Path, titles: dict[str, str] | None = None):
        self.backend, self.prompt, self.out_dir = backend, prompt, Path(out_dir)
        self.folder = JobFolder(self.out_dir)
        self.titles = titles or {nid: e.get("_meta", {}).get("title", e["class_type"]) for nid, e in prompt.items()}
        self.cancel_event = threading.Event()
        self.events: queue.Queue = queue.Queue()
        self.total = max(1, len(prompt))
        self.finished_nodes: set[str] = set()
        self.current: tuple[str, float] | None = None
        self.started = time.perf_counter()
        self.first_progress_at: float | None = None
        self.thread = threading.Thread(target=self._work, daemon=True)

    def start(self) -> Job:
        self.thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_event.set()

    def _work(self) -> None:
        try:
            outcome = self.folder.run(self.backend, self.prompt, on_event=lambda k, d: self.events.put((k, d)),
                                      cancel=self.cancel_event)
        except Exception as exc:  # e.g. the job folder cannot be written: the job must still end with a message
            outcome = Outcome("error", {}, error={"message": f"the job could not run ({exc})"},
                              backend=getattr(self.backend, "name", "?"))
        self.events.put(("__done__", outcome))

    def _fold(self, kind: str, data: dict) -> str | None:
        said = progress_text(kind, data)
        if said is not None:
            node, text = said
            return f"{self.titles.get(node, node or 'ComfyUI')}: {text}" if text else None
        if kind == "execution_cached":
            self.finished_nodes |= set(data.get("nodes", []))
            return None
        if kind == "executing":
            if self.current:
                self.finished_nodes.add(self.current[0])
            node = data.get("node")
            self.current = (node, 0.0) if node else None
            return f"Running {self.titles.get(node, node)}…" if node else None
        if kind == "progress" and self.current:
            if self.first_progress_at is None:
                self.first_progress_at = time.perf_counter()
            self.current = (self.current[0], data["value"] / max(1, data["max"]))
            return f"{self.titles.get(self.current[0], self.current[0])}: {data['value']}/{data['max']}"
        return None

    @property
    def fraction(self) -> float:
        partial = self.current[1] if self.current else 0.0
        return min(1.0, (len(self.finished_nodes) + partial) / self.total)

    def updates(self, timeout: float = 3600.0) -> Iterator[Update]:
        """Progress updates until the job ends; the last one carries the outcome."""
        deadline = time.monotonic() + timeout
        text = f"Starting on {self.backend.describe()}…"
        yield Update(0.0, text)
        while time.monotonic() < deadline:
            try:
                kind, data = self.events.get(timeout=0.5)
            except queue.Empty:
                continue
            if kind == "__done__":
                word = {"success": "Done", "interrupted": "Cancelled"}.get(data.status, "Failed")
                yield Update(1.0 if data.status == "success" else self.fraction, word, data)
                return
            line = self._fold(kind, data)
            if line:
                text = line
                yield Update(self.fraction, text)
        self.cancel()
        yield Update(self.fraction, "Timed out", Outcome("error", {}, error={"message": "timed out"}))
