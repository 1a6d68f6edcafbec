"""Errors and results of the ComfyUI client (see comfy_client.py, which re-exports them).

A finished job is a frozen `JobResult` built from ComfyUI's /history entry, the one source of truth
(websocket frames can be lost when a socket drops; the history entry cannot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JobStatus = Literal["success", "error", "interrupted"]


class ComfyError(Exception):
    """Base class of every error the ComfyUI client raises."""


class ComfyServerError(ComfyError):
    """The server at `url` is unreachable, died, timed out or answered something unexpected."""

    def __init__(self, url: str, message: str):
        super().__init__(f"ComfyUI at {url}: {message}")
        self.url = url
        self.reason = message


class NoHealthyServerError(ComfyServerError):
    """None of the configured ComfyUI servers answered."""


class ComfyTimeoutError(ComfyError):
    """A job did not finish within the caller's time limit (the job itself is left alone)."""

    def __init__(self, url: str, prompt_id: str, timeout_s: float):
        super().__init__(f"ComfyUI at {url}: prompt {prompt_id} not finished after {timeout_s:g} s")
        self.url = url
        self.prompt_id = prompt_id


class PromptValidationError(ComfyError):
    """ComfyUI refused the prompt (HTTP 400): `error` is its summary, `node_errors` its per-node detail.

    error:       {"type": "prompt_outputs_failed_validation", "message": ..., "details": ..., ...}
    node_errors: {node_id: {"errors": [{"type", "message", "details", "extra_info"}, ...],
                            "dependent_outputs": [...], "class_type": "EmptyImage"}}
    """

    def __init__(self, url: str, error: dict | str, node_errors: dict):
        self.url = url
        self.error = error if isinstance(error, dict) else {"type": "error", "message": str(error)}
        self.node_errors = node_errors if isinstance(node_errors, dict) else {}
        lines = [f"ComfyUI at {url} refused the prompt: {self.error.get('message', self.error)}"]
        for node_id, messages in self.node_messages().items():
            lines += [f"  node {node_id}: {message}" for message in messages]
        super().__init__("\n".join(lines))

    @property
    def error_type(self) -> str:
        """ComfyUI's error type, e.g. `prompt_no_outputs`."""
        return str(self.error.get("type", ""))

    def node_messages(self) -> dict[str, list[str]]:
        """Readable messages per node id, e.g. {"1": ["EmptyImage.width: Value 99999 bigger than ..."]}."""
        out: dict[str, list[str]] = {}
        for node_id, entry in self.node_errors.items():
            class_type = entry.get("class_type", "?")
            for err in entry.get("errors", []):
                where = f"{class_type}.{err['details']}" if err.get("details") else class_type
                out.setdefault(str(node_id), []).append(f"{where}: {err.get('message', err.get('type'))}")
        return out


@dataclass(frozen=True)
class NodeError:
    """A node that failed while running (ComfyUI's `execution_error` message)."""

    node_id: str
    node_type: str
    exception_type: str
    message: str
    traceback: tuple[str, ...] = ()

    @classmethod
    def from_message(cls, data: dict) -> NodeError:
        return cls(
            node_id=str(data.get("node_id", "")),
            node_type=str(data.get("node_type", "")),
            exception_type=str(data.get("exception_type", "")),
            message=str(data.get("exception_message", "")).strip(),
            traceback=tuple(data.get("traceback") or ()),
        )

    def __str__(self) -> str:
        return f"node {self.node_id} ({self.node_type}) raised {self.exception_type}: {self.message}"

    def to_dict(self) -> dict:
        return {"node_id": self.node_id, "node_type": self.node_type,
                "exception_type": self.exception_type, "message": self.message}


class ComfyExecutionError(ComfyError):
    """Raised by JobResult.raise_for_status() for a job that failed or was interrupted."""

    def __init__(self, result: JobResult):
        reason = str(result.error) if result.error else result.status
        super().__init__(f"ComfyUI at {result.server_url}: prompt {result.prompt_id} {reason}")
        self.result = result


@dataclass(frozen=True)
class JobTimings:
    """Client-side times of one job, in seconds (perf_counter)."""

    queued_to_first_progress_s: float | None  # POST /prompt answered -> first progress frame (None: none)
    total_s: float  # POST /prompt sent -> result in hand (history read)


@dataclass(frozen=True)
class JobResult:
    """A finished ComfyUI job.

    outputs: the history `outputs`: node_id -> {"images": [{"filename", "subfolder", "type"}], "3d": ...}
    cached_nodes: ids of nodes ComfyUI took from its cache instead of running
    error: the failing node for status "error", else None
    """

    prompt_id: str
    status: JobStatus
    outputs: dict[str, dict[str, Any]]
    cached_nodes: tuple[str, ...]
    error: NodeError | None
    timings: JobTimings
    server_url: str
    events: tuple[str, ...] = field(default=(), repr=False)  # ws message types seen, in order

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def raise_for_status(self) -> JobResult:
        """Return self on success, else raise ComfyExecutionError."""
        if not self.ok:
            raise ComfyExecutionError(self)
        return self


def result_from_history(entry: dict, prompt_id: str, server_url: str, timings: JobTimings,
                        events: tuple[str, ...] = ()) -> JobResult:
    """Build a JobResult from one /history/{id} entry ({"prompt", "outputs", "status", "meta"})."""
    status_info = entry.get("status") or {}
    messages = {m[0]: m[1] for m in status_info.get("messages") or [] if isinstance(m, list) and len(m) == 2}
    error = None
    if "execution_interrupted" in messages:
        status: JobStatus = "interrupted"
    elif "execution_error" in messages:
        status, error = "error", NodeError.from_message(messages["execution_error"])
    elif status_info.get("status_str", "success") == "success":
        status = "success"
    else:
        status = "error"
        error = NodeError("", "", "", f"ComfyUI reported status {status_info.get('status_str')!r}")
    cached = tuple(str(n) for n in (messages.get("execution_cached") or {}).get("nodes", []))
    outputs = entry.get("outputs") or {}
    return JobResult(prompt_id, status, outputs, cached, error, timings, server_url, events)


def output_files(outputs: dict) -> list[dict]:
    """Every file entry ({"filename", "subfolder", "type"}) in history outputs, any kind (images, 3d…)."""
    files = []
    for node_output in outputs.values():
        for items in node_output.values():
            if isinstance(items, list):
                files += [item for item in items if isinstance(item, dict) and item.get("filename")]
    return files
