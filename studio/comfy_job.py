"""Following one ComfyUI job: websocket frames while they come, /history polling when they do not.

The job ends with the `executing` frame whose `node` is null and whose `prompt_id` is ours; the
result is then read from /history (polled briefly: ComfyUI may send the end frame before the
history entry is readable). A dropped socket is reconnected with exponential backoff, and while it
is down /history is polled, so a result is never lost; when HTTP fails too, several times in a row,
the server is declared gone (ComfyServerError). Everything is bounded by the job's deadline.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from typing import TYPE_CHECKING

import websocket

from .comfy_types import ComfyServerError, ComfyTimeoutError

if TYPE_CHECKING:
    from .comfy_client import ComfyClient, EventFn

_PREVIEW_FORMATS = {1: "jpeg", 2: "png"}  # ComfyUI's binary PREVIEW_IMAGE (event 1) image types
_PROGRESS_TYPES = ("progress", "progress_state")
_MAX_BACKOFF_S = 2.0


def _backoff_s(failures: int) -> float:
    """Wait before retry number `failures` (1, 2, ...): 0.1 s doubling, at most 2 s."""
    return min(_MAX_BACKOFF_S, 0.1 * 2 ** max(0, failures - 1))


def preview_event(payload: bytes) -> dict:
    """Decode a binary frame: 4-byte big-endian event type, then (for previews) 4-byte format + image."""
    event = struct.unpack(">I", payload[:4])[0] if len(payload) >= 4 else 0
    if event == 1 and len(payload) >= 8:
        image_format = struct.unpack(">I", payload[4:8])[0]
        return {"event": event, "format": _PREVIEW_FORMATS.get(image_format, str(image_format)),
                "image": payload[8:]}
    return {"event": event, "bytes": payload[4:]}


def _message_json(payload: str | bytes) -> dict | None:
    """A websocket text frame as a dict; None when it is not a JSON object."""
    try:
        message = json.loads(payload)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


class JobWatch:
    """Watches one prompt for ComfyClient.run(); not meant to be used on its own."""

    RECV_SLICE_S = 0.1  # the loop wakes up this often on a quiet socket to check cancel/deadline [s]
    GREETING_WAIT_S = 2.0  # at most this long for ComfyUI's first frame after connecting [s]

    def __init__(self, client: ComfyClient, ws_client_id: str, on_event: EventFn | None,
                 cancel_event: threading.Event | None, limit_s: float):
        self.client = client
        self.ws_client_id = ws_client_id
        self.on_event = on_event
        self.cancel_event = cancel_event
        self.limit_s = limit_s
        self.deadline = time.monotonic() + limit_s
        self.prompt_id = ""
        self.queued_at: float | None = None  # perf_counter when POST /prompt answered
        self.first_progress_at: float | None = None
        self.seen: tuple[str, ...] = ()  # message types passed to on_event, in order
        self.ended = False
        self._ws: websocket.WebSocket | None = None
        self._ws_failures = 0
        self._next_connect = 0.0
        self._http_failures = 0
        self._cancel_sent = False
        self._greeted = False

    # -- the socket --------------------------------------------------------------------------
    def connect(self) -> bool:
        """One websocket connection attempt; a failure schedules the next one (backoff)."""
        url = f"{self.client.ws_url}?clientId={self.ws_client_id}"
        try:
            ws = websocket.create_connection(url, timeout=self.client.timeout)
        except (websocket.WebSocketException, OSError):
            self._ws_failures += 1
            self._next_connect = time.monotonic() + _backoff_s(self._ws_failures)
            return False
        ws.settimeout(self.RECV_SLICE_S)
        self._ws, self._ws_failures = ws, 0
        self._await_greeting()
        return self._ws is not None

    def _await_greeting(self) -> None:
        """Read frames until ComfyUI's greeting (`status` with our `sid`): from then on, frames for
        our client id reach this socket. Bounded: a server that does not greet costs GREETING_WAIT_S."""
        self._greeted = False
        give_up = time.monotonic() + min(self.client.timeout, self.GREETING_WAIT_S)
        while not self._greeted and self._ws is not None and time.monotonic() < give_up:
            self._receive()

    def close(self) -> None:
        if self._ws is not None:
            try:
                self._ws.close(timeout=0.2)
            except (websocket.WebSocketException, OSError):
                pass
            self._ws = None

    def _can_reconnect(self) -> bool:
        return (self._ws is None and self._ws_failures < self.client.reconnect_attempts
                and time.monotonic() >= self._next_connect)

    # -- following ---------------------------------------------------------------------------
    def follow(self, prompt_id: str) -> dict | None:
        """Follow the prompt to its end; its /history entry, or None if it was unqueued by cancel."""
        self.prompt_id = prompt_id
        next_poll = time.monotonic() + self.client.idle_poll_s
        while not self.ended:
            self._check_deadline()
            if self._cancel_if_asked() == "deleted":
                return None
            if self._can_reconnect() and self.connect():
                next_poll = 0.0  # frames sent while we were away are gone: look at /history now
            if self._ws is None or time.monotonic() >= next_poll:
                entry = self._poll_history()
                if entry is not None:
                    return entry
                next_poll = time.monotonic() + self.client.idle_poll_s
            if self._ws is None:
                time.sleep(self.client.poll_interval_s)
            else:
                self._receive()
        return self._wait_for_history()

    def first_progress_s(self) -> float | None:
        """Seconds from queueing to the first progress frame (None when there was none)."""
        if self.first_progress_at is None or self.queued_at is None:
            return None
        return max(0.0, self.first_progress_at - self.queued_at)

    def _check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise ComfyTimeoutError(self.client.base_url, self.prompt_id, self.limit_s)

    def _cancel_if_asked(self) -> str | None:
        if self._cancel_sent or self.cancel_event is None or not self.cancel_event.is_set():
            return None
        self._cancel_sent = True
        return self.client.cancel(self.prompt_id)

    def _receive(self) -> None:
        """Read one frame (or time out after RECV_SLICE_S) and hand it on."""
        try:
            opcode, payload = self._ws.recv_data()
        except (websocket.WebSocketTimeoutException, TimeoutError):
            return
        except (websocket.WebSocketException, OSError):
            self.close()  # dropped: follow() reconnects and polls /history meanwhile
            return
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.close()
        elif opcode == websocket.ABNF.OPCODE_BINARY:
            self._emit("preview", preview_event(payload))
        else:
            message = _message_json(payload)
            if message is not None:
                self._handle(message)

    def _handle(self, message: dict) -> None:
        """Pass a JSON frame on, unless it belongs to another prompt; notice the end."""
        kind = str(message.get("type", ""))
        data = message.get("data")
        data = data if isinstance(data, dict) else {"value": data}
        owner = data.get("prompt_id")
        # Our socket id is unique to this run, so frames without a prompt_id (status, ...) are ours too.
        if owner is not None and owner != self.prompt_id:
            return
        if kind == "status" and "sid" in data:
            self._greeted = True
        if kind in _PROGRESS_TYPES and self.first_progress_at is None:
            self.first_progress_at = time.perf_counter()
        self._emit(kind, data)
        if kind == "executing" and data.get("node") is None and owner == self.prompt_id:
            self.ended = True

    def _emit(self, kind: str, data: dict) -> None:
        self.seen += (kind,)
        if self.on_event is not None:
            self.on_event(kind, data)

    # -- /history ----------------------------------------------------------------------------
    def _poll_history(self) -> dict | None:
        """One GET /history/{id}; tolerate a few failures in a row, then declare the server gone."""
        try:
            entry = self.client.history(self.prompt_id)
        except ComfyServerError as exc:
            self._http_failures += 1
            if self._http_failures >= self.client.reconnect_attempts:
                raise ComfyServerError(
                    self.client.base_url,
                    f"stopped answering while running prompt {self.prompt_id} "
                    f"({self._http_failures} requests in a row failed; last: {exc.reason})",
                ) from exc
            time.sleep(min(_backoff_s(self._http_failures), max(0.0, self.deadline - time.monotonic())))
            return None
        self._http_failures = 0
        return entry

    def _wait_for_history(self) -> dict:
        """After the end frame: poll /history until the entry appears (bounded by history_wait_s)."""
        give_up = time.monotonic() + self.client.history_wait_s
        while True:
            entry = self._poll_history()
            if entry is not None:
                return entry
            self._check_deadline()
            if time.monotonic() >= give_up:
                raise ComfyServerError(
                    self.client.base_url,
                    f"prompt {self.prompt_id} ended but /history/{self.prompt_id} stayed empty "
                    f"for {self.client.history_wait_s:g} s",
                )
            time.sleep(self.client.poll_interval_s)
