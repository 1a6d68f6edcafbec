"""A stand-in ComfyUI server that replays recorded traces frame for frame, with fault injection.

It is a real HTTP + websocket server on 127.0.0.1 (a free port), running in background threads:

    with TraceServer("progress") as server:
        client = ComfyClient(server.url)
        result = client.run(prompt)

Like ComfyUI it runs one prompt at a time from a queue. For each POSTed prompt it picks a trace
(the server's `scenario`, or `extra_data["trace_scenario"]` of the POST), answers HTTP as
recorded, sends the recorded websocket frames with the live prompt_id/client_id to the posting
client (status frames, and every frame of a prompt queued without a client_id, to everyone), and
writes the recorded /history entry just before the final `executing` frame with `node: null`
(as ComfyUI does). In the `interrupted` scenario the frames stop before `execution_interrupted`
until someone POSTs /interrupt (or the server stops).

Fault knobs (attributes, settable between jobs):
    frame_delay_s         pause between frames [s]
    history_delay_s       write the history entry this long after the end frame (the history race)
    drop_ws_after_frames  close the client's socket after this many frames of a job, and refuse
                          its reconnects for `ws_outage_s` [s]
    kill_after_frames     die (close every socket, stop listening) after this many frames of a job
    preview_frames        send a binary preview frame after every `progress` frame
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path, PurePosixPath

from .trace_http import TraceRequestHandler, tiny_png
from .traces import SCENARIOS, Trace, binary_payload, comfyui_dir, live_frame, load_trace
from .websocket_frames import OP_BINARY, OP_TEXT, WebSocketPeer

__all__ = ["SCENARIOS", "JobRecord", "TraceServer"]

_PREVIEW_HEADER = struct.pack(">II", 1, 2)  # ComfyUI binary event 1 = PREVIEW_IMAGE, format 2 = PNG


@dataclass
class JobRecord:
    """What the server did with one queued prompt (perf_counter times in seconds)."""

    prompt_id: str
    client_id: str
    scenario: str
    number: int
    prompt: dict
    extra_data: dict
    received_at: float = field(default_factory=time.perf_counter)
    started_at: float | None = None
    history_at: float | None = None
    interrupt: threading.Event = field(default_factory=threading.Event, repr=False)

    def queue_item(self) -> list:
        """This job as ComfyUI lists it in GET /queue."""
        return [self.number, self.prompt_id, self.prompt, self.extra_data, []]


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open connections so that kill() can cut them all."""

    daemon_threads = True
    request_queue_size = 128  # listen backlog (socketserver's 5 resets connections under load)

    def __init__(self, trace_server: TraceServer):
        self.trace = trace_server
        self.connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), TraceRequestHandler)

    def process_request(self, request, client_address):
        with self._conn_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_all(self) -> None:
        with self._conn_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class TraceServer:
    """Replays `tests/fixtures/comfyui/trace_*.jsonl` over real HTTP and websockets on 127.0.0.1."""

    def __init__(self, scenario: str = "success", *, trace_dir: str | Path | None = None,
                 frame_delay_s: float = 0.001, history_delay_s: float = 0.0,
                 drop_ws_after_frames: int | None = None, ws_outage_s: float = 0.5,
                 kill_after_frames: int | None = None, preview_frames: bool = False):
        self.folder = str(Path(trace_dir) if trace_dir else comfyui_dir())
        load_trace(scenario, self.folder)  # fail now on a bad scenario or a missing folder
        self.scenario = scenario
        self.frame_delay_s = frame_delay_s
        self.history_delay_s = history_delay_s
        self.drop_ws_after_frames = drop_ws_after_frames
        self.ws_outage_s = ws_outage_s
        self.kill_after_frames = kill_after_frames
        self.preview_frames = preview_frames
        self.records: dict[str, JobRecord] = {}
        self.interrupts: list[str] = []  # prompt ids interrupted through POST /interrupt
        self.ws_drops: list[str] = []  # websocket client ids whose socket drop_ws_after_frames cut
        self.uploads: dict[tuple[str, str, str], bytes] = {}
        self.dead = False
        self._lock = threading.Condition()
        self._sockets: dict[str, WebSocketPeer] = {}
        self._refuse_ws_until: dict[str, float] = {}
        self._pending: list[JobRecord] = []
        self._running: JobRecord | None = None
        self._history: dict[str, dict] = {}
        self._paused = False
        self._stopping = threading.Event()
        self._number = 0
        self._http: _HttpServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`."""
        if self._http is None:
            raise RuntimeError("TraceServer is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TraceServer:
        """Bind a free port and start serving (returns self)."""
        self._http = _HttpServer(self)
        for target, name in ((self._serve, "trace-http"), (self._work, "trace-worker")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _serve(self) -> None:
        self._http.serve_forever(poll_interval=0.05)

    def kill(self) -> None:
        """Die abruptly: stop listening, cut every connection, run nothing more. Safe from any thread."""
        with self._lock:
            if self.dead:
                return
            self.dead = True
            self._stopping.set()
            running = self._running
            self._lock.notify_all()
        if running is not None:
            running.interrupt.set()  # wake a job waiting for /interrupt
        if self._http is not None:
            threading.Thread(target=self._http.shutdown, daemon=True).start()
            self._http.socket.close()
            self._http.cut_all()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Kill the server and wait (bounded) for its threads."""
        self.kill()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout_s)
        if self._http is not None:
            self._http.server_close()

    def __enter__(self) -> TraceServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def pause(self) -> None:
        """Keep new jobs pending (to build up a queue)."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._lock.notify_all()

    # -- state used by the HTTP handler ------------------------------------------------------
    def trace(self, scenario: str) -> Trace:
        return load_trace(scenario, self.folder)

    def output_names(self) -> set[str]:
        """File names that appear in any trace's history outputs (served by /view)."""
        names = set()
        for scenario in SCENARIOS:
            for output in self.trace(scenario).history_outputs().values():
                for files in output.values():
                    names.update(item["filename"] for item in files if isinstance(item, dict))
        return names

    def enqueue(self, body: dict) -> tuple[int, dict]:
        """Handle POST /prompt: (HTTP status, JSON reply) as recorded, queueing accepted prompts."""
        extra = body.get("extra_data") or {}
        scenario = extra.get("trace_scenario", self.scenario)
        if not isinstance(body.get("prompt"), dict) or scenario not in SCENARIOS:
            error = {"type": "invalid_prompt", "message": "Invalid prompt or trace_scenario",
                     "details": str(scenario), "extra_info": {}}
            return 400, {"error": error, "node_errors": {}}
        trace = self.trace(scenario)
        if not trace.queued:
            return trace.prompt_status, trace.prompt_reply
        prompt_id = str(body.get("prompt_id") or uuid.uuid4())
        client_id = str(body.get("client_id") or "")
        with self._lock:
            job = JobRecord(prompt_id, client_id, scenario, self._number, body["prompt"], extra)
            self._number += 1
            self.records[prompt_id] = job
            self._pending.append(job)
            self._lock.notify_all()
        reply = trace.rewrite(trace.prompt_reply, prompt_id, client_id)
        reply["number"] = job.number
        return 200, reply

    def queue_state(self) -> dict:
        """GET /queue: running and pending items."""
        with self._lock:
            running = [self._running.queue_item()] if self._running else []
            return {"queue_running": running, "queue_pending": [j.queue_item() for j in self._pending]}

    def delete_pending(self, prompt_ids: list[str] | None = None) -> None:
        """POST /queue: delete the given pending prompts (all when None)."""
        with self._lock:
            self._pending = [j for j in self._pending
                             if prompt_ids is not None and j.prompt_id not in prompt_ids]

    def interrupt(self, prompt_id: str | None = None) -> None:
        """POST /interrupt: interrupt the running prompt (only if it is `prompt_id`, when given)."""
        with self._lock:
            job = self._running
        if job is not None and prompt_id in (None, job.prompt_id):
            self.interrupts.append(job.prompt_id)
            job.interrupt.set()

    def store_upload(self, kind: str, subfolder: str, name: str, data: bytes, overwrite: bool) -> str:
        """POST /upload/image, like ComfyUI: without overwrite, a name taken by other bytes becomes
        `name (1).ext`, `name (2).ext`, ...; a name holding the same bytes is reused as it is."""
        stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
        counter = 1
        with self._lock:
            while not overwrite and self.uploads.get((kind, subfolder, name), data) != data:
                name = f"{stem} ({counter}){suffix}"
                counter += 1
            self.uploads[(kind, subfolder, name)] = data
        return name

    def history(self, prompt_id: str) -> dict:
        with self._lock:
            entry = self._history.get(prompt_id)
        return {prompt_id: entry} if entry is not None else {}

    def ws_refused(self, client_id: str) -> bool:
        with self._lock:
            return time.monotonic() < self._refuse_ws_until.get(client_id, 0.0)

    def attach(self, peer: WebSocketPeer) -> bytes:
        """Register a websocket; returns the greeting ComfyUI sends first (status with `sid`)."""
        with self._lock:
            self._sockets[peer.client_id] = peer
            remaining = len(self._pending) + (self._running is not None)
        greeting = {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": remaining}},
                                               "sid": peer.client_id}}
        return json.dumps(greeting).encode()

    def detach(self, peer: WebSocketPeer) -> None:
        with self._lock:
            if self._sockets.get(peer.client_id) is peer:
                del self._sockets[peer.client_id]

    # -- the worker: one job at a time -------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._stopping.is_set() and (self._paused or not self._pending):
                    self._lock.wait(0.5)
                if self._stopping.is_set():
                    return
                job = self._running = self._pending.pop(0)
            job.started_at = time.perf_counter()
            try:
                self._play(job)
            finally:
                with self._lock:
                    self._running = None

    def _play(self, job: JobRecord) -> None:
        """Send the job's frames in order, applying the fault knobs."""
        trace = self.trace(job.scenario)
        frames = trace.frames
        wait_at = next((i for i, f in enumerate(frames) if f.get("type") == "execution_interrupted"), None)
        for index, frame in enumerate(frames):
            if index == wait_at:
                job.interrupt.wait()  # the long node runs until someone POSTs /interrupt (or we die)
            if self._stopping.is_set():
                return
            if _is_end(frame, trace.prompt_id):
                self._write_history(job, trace)
            self._send(job, trace, frame)
            self._apply_faults(job, index + 1)
            if self.frame_delay_s:
                time.sleep(self.frame_delay_s)

    def _send(self, job: JobRecord, trace: Trace, frame: dict) -> None:
        if frame["kind"] == "ws_binary":
            self._send_to(job.client_id or None, OP_BINARY, binary_payload(frame))
            return
        message = live_frame(trace, frame, job.prompt_id, job.client_id)
        if message["type"] == "status":
            with self._lock:
                remaining = len(self._pending) + (self._running is not None)
            message["data"]["status"]["exec_info"]["queue_remaining"] = remaining
            self._send_to(None, OP_TEXT, json.dumps(message).encode())
            return
        self._send_to(job.client_id or None, OP_TEXT, json.dumps(message).encode())
        if message["type"] == "progress" and self.preview_frames:
            self._send_to(job.client_id or None, OP_BINARY, _PREVIEW_HEADER + tiny_png())

    def _send_to(self, client_id: str | None, opcode: int, payload: bytes) -> None:
        """Send to one client, or to every client when None (ComfyUI broadcasts status frames, and
        all frames of a prompt queued without a client_id)."""
        with self._lock:
            if client_id is None:
                peers = list(self._sockets.values())
            else:
                peers = [self._sockets[client_id]] if client_id in self._sockets else []
        for peer in peers:
            if not peer.send(opcode, payload):
                self.detach(peer)  # like ComfyUI: frames for a vanished socket are lost

    def _apply_faults(self, job: JobRecord, frames_sent: int) -> None:
        if frames_sent == self.drop_ws_after_frames:
            with self._lock:
                peer = self._sockets.pop(job.client_id, None)
                self._refuse_ws_until[job.client_id] = time.monotonic() + self.ws_outage_s
            if peer is not None:
                self.ws_drops.append(job.client_id)
                peer.drop()
        if frames_sent == self.kill_after_frames:
            self.kill()

    def _write_history(self, job: JobRecord, trace: Trace) -> None:
        if trace.history_reply is None:
            return
        entry = next(iter(trace.rewrite(trace.history_reply, job.prompt_id, job.client_id).values()))

        def write() -> None:
            with self._lock:
                self._history[job.prompt_id] = entry
            job.history_at = time.perf_counter()

        if self.history_delay_s > 0:
            timer = threading.Timer(self.history_delay_s, write)
            timer.daemon = True
            timer.start()
        else:
            write()


def _is_end(frame: dict, recorded_prompt_id: str | None) -> bool:
    """True for the `executing` frame with `node: null` that ends a prompt."""
    data = frame.get("data") or {}
    return (frame.get("type") == "executing" and data.get("node") is None
            and data.get("prompt_id") == recorded_prompt_id)
