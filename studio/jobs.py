"""Jobs for the UI: run a workflow in the background and turn its events into progress updates.

Both backends report ComfyUI's websocket events (``execution_cached``, ``executing``, ``progress``,
``executed``…); :class:`Job` folds them into one overall fraction and a line of text, so the studio shows
real progress whichever backend runs, and can cancel. A node's own words (``progress_text`` from the
local runner, ComfyUI's binary text frame), such as the one-time body-model build, become that line.
"""

from __future__ import annotations

import queue
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .backends import Backend, Outcome


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
            outcome = self.backend.run(self.prompt, self.out_dir, on_event=lambda k, d: self.events.put((k, d)),
                                       cancel=self.cancel_event)
        except Exception as exc:  # a backend that breaks must still end the job with a message
            outcome = Outcome("error", {}, error={"message": f"{type(exc).__name__}: {exc}"},
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
