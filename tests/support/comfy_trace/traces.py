"""Recorded ComfyUI traces (`tests/fixtures/comfyui/trace_*.jsonl`), loaded and re-addressed to live ids.

A trace is one `POST /prompt` reply, the websocket frames that followed it, and the
`GET /history/{id}` reply. Replaying it for a new prompt means swapping the recorded prompt_id and
client_id (the websocket `sid`) for the live ones everywhere they appear.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


#: scenario name -> trace file (in tests/fixtures/comfyui/)
SCENARIOS: dict[str, str] = {
    "success": "trace_success.jsonl",
    "cached_rerun": "trace_cached_rerun.jsonl",
    "validation_error": "trace_validation_error.jsonl",
    "no_outputs": "trace_no_outputs.jsonl",
    "execution_error": "trace_execution_error.jsonl",
    "progress": "trace_progress.jsonl",
    "interrupted": "trace_interrupted.jsonl",
}


def comfyui_dir() -> Path:
    """The folder with ComfyUI's recorded answers, kept in the repository (``tests/fixtures/comfyui``)."""
    return Path(__file__).resolve().parents[2] / "fixtures" / "comfyui"


@dataclass(frozen=True)
class Trace:
    """One recorded ComfyUI exchange.

    frames: the websocket frames of the job in order, as recorded (`{"kind": "ws", "type", "data"}`
    or `{"kind": "ws_binary", "event", "bytes"}`), without the greeting sent on connect.
    """

    name: str
    prompt_status: int
    prompt_reply: dict
    frames: tuple[dict, ...]
    history_reply: dict | None
    prompt_id: str | None
    client_id: str | None

    @property
    def queued(self) -> bool:
        """True when ComfyUI accepted the prompt (HTTP 200) and ran it."""
        return self.prompt_status == 200

    def rewrite(self, obj: Any, prompt_id: str, client_id: str) -> Any:
        """`obj` with the recorded prompt/client ids replaced by the live ones (a deep copy)."""
        text = json.dumps(obj)
        for old, new in ((self.prompt_id, prompt_id), (self.client_id, client_id)):
            if old:
                text = text.replace(old, new)
        return json.loads(text)

    def history_outputs(self) -> dict:
        """The recorded `outputs` of the history entry ({} when the prompt never ran)."""
        if not self.history_reply:
            return {}
        return next(iter(self.history_reply.values())).get("outputs", {})


def live_frame(trace: Trace, frame: dict, prompt_id: str, client_id: str) -> dict:
    """A recorded ws frame re-addressed to the live ids, with timestamps set to now (ms)."""
    data = trace.rewrite(frame["data"], prompt_id, client_id)
    if isinstance(data, dict) and "timestamp" in data:
        data["timestamp"] = int(time.time() * 1000)
    return {"type": frame["type"], "data": data}


def binary_payload(frame: dict) -> bytes:
    """The bytes of a recorded `ws_binary` frame (stored as base64, or as a list of ints)."""
    raw = frame.get("bytes", b"")
    if isinstance(raw, list):
        return bytes(raw)
    return base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)


def _is_greeting(line: dict) -> bool:
    return line.get("type") == "status" and "sid" in line.get("data", {})


@cache
def load_trace(scenario: str, folder: str | None = None) -> Trace:
    """Load the trace of a scenario (see SCENARIOS); `folder` defaults to comfyui_dir()."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown trace scenario {scenario!r}; choose one of {sorted(SCENARIOS)}")
    path = Path(folder or comfyui_dir()) / SCENARIOS[scenario]
    lines = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines() if text.strip()]
    http = [line for line in lines if line["kind"] == "http"]
    post = next(line for line in http if line["method"] == "POST" and line["path"] == "/prompt")
    history = next((line["reply"] for line in http if line["path"].startswith("/history")), None)
    ws = [line for line in lines if line["kind"] in ("ws", "ws_binary")]
    greeting = next((line for line in ws if _is_greeting(line)), None)
    client_id = greeting["data"]["sid"] if greeting else None
    return Trace(
        name=scenario,
        prompt_status=post["status"],
        prompt_reply=post["reply"],
        frames=tuple(line for line in ws if line is not greeting),
        history_reply=history,
        prompt_id=post["reply"].get("prompt_id"),
        client_id=client_id,
    )
