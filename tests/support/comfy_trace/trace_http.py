"""HTTP routes of the trace server, answering the way ComfyUI 0.3.64 does.

The handler holds no state: everything lives on the TraceServer (`self.server.trace`).
"""

from __future__ import annotations

import json
import struct
import zlib
from email.parser import BytesParser
from email.policy import default as default_policy
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

from .websocket_frames import OP_CLOSE, OP_PING, OP_PONG, WebSocketPeer, accept_key, read_frame


@lru_cache(maxsize=1)
def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG (what /view serves for every recorded output file)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@lru_cache(maxsize=4)
def _read_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Form fields of a multipart body: name -> (file name or None, raw bytes)."""
    message = BytesParser(policy=default_policy).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


class TraceRequestHandler(BaseHTTPRequestHandler):
    """Routes: /ws, /prompt, /history/{id}, /queue, /interrupt, /view, /upload/image, /system_stats,
    /object_info, /free."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY, as aiohttp (ComfyUI) does: no 40 ms delayed-ACK stalls

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    # -- plumbing ----------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj).encode())

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _json_body(self) -> dict:
        raw = self._body()
        try:
            value = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            value = {}
        return value if isinstance(value, dict) else {}

    # -- GET ---------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802 - http.server naming
        server = self.server.trace
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/ws":
            return self._websocket(query.get("clientId", [""])[0])
        if path == "/system_stats":
            return self._send(200, _read_bytes(str(Path(server.folder) / "system_stats.json")))
        if path == "/object_info":
            return self._send(200, _read_bytes(str(Path(server.folder) / "object_info.json")))
        if path == "/queue":
            return self._json(200, server.queue_state())
        if path.startswith("/history/"):
            return self._json(200, server.history(path.rsplit("/", 1)[1]))
        if path == "/view":
            return self._view(query)
        return self._json(404, {"error": f"not found: {path}"})

    def _view(self, query: dict) -> None:
        server = self.server.trace
        name = query.get("filename", [""])[0]
        key = (query.get("type", ["output"])[0], query.get("subfolder", [""])[0], name)
        if key in server.uploads:
            return self._send(200, server.uploads[key], "image/png")
        if key[0] == "output" and name in server.output_names():
            return self._send(200, tiny_png(), "image/png")
        return self._send(404, b"", "text/plain")

    # -- POST --------------------------------------------------------------------------------
    def do_POST(self):  # noqa: N802 - http.server naming
        server = self.server.trace
        path = urlsplit(self.path).path
        if path == "/prompt":
            return self._json(*server.enqueue(self._json_body()))
        if path == "/interrupt":
            server.interrupt(self._json_body().get("prompt_id"))
            return self._send(200)
        if path == "/queue":
            body = self._json_body()
            server.delete_pending(None if body.get("clear") else list(body.get("delete", [])))
            return self._send(200)
        if path == "/upload/image":
            return self._upload()
        if path == "/free":
            self._body()
            return self._send(200)
        return self._json(404, {"error": f"not found: {path}"})

    def _upload(self) -> None:
        """Store the image; like ComfyUI, rename to `name (1).ext` unless overwrite is true."""
        server = self.server.trace
        fields = parse_multipart(self.headers.get("Content-Type", ""), self._body())
        if "image" not in fields:
            return self._send(400, b"no image field", "text/plain")
        filename, data = fields["image"]
        name = PurePosixPath(filename or "image.png").name
        subfolder = fields.get("subfolder", (None, b""))[1].decode()
        kind = fields.get("type", (None, b"input"))[1].decode() or "input"
        overwrite = fields.get("overwrite", (None, b""))[1].decode().lower() in ("true", "1")
        stored = server.store_upload(kind, subfolder, name, data, overwrite)
        return self._json(200, {"name": stored, "subfolder": subfolder, "type": kind})

    # -- websocket ---------------------------------------------------------------------------
    def _websocket(self, client_id: str) -> None:
        """Upgrade, register the socket under `clientId`, then read until the client leaves."""
        server = self.server.trace
        key = self.headers.get("Sec-WebSocket-Key")
        if not key or server.ws_refused(client_id):
            self.close_connection = True
            return self._send(503 if key else 400, b"websocket refused", "text/plain")
        peer = WebSocketPeer(self.connection, client_id)
        greeting = server.attach(peer)  # before answering: frames sent from now on wait, not vanish
        try:
            self.send_response(101, "Switching Protocols")
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept_key(key))
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            peer.open(greeting)
            self._read_until_closed(peer)
        except OSError:
            pass
        finally:
            server.detach(peer)

    def _read_until_closed(self, peer: WebSocketPeer) -> None:
        """Answer pings and a close frame; return when the client leaves (OSError when it vanishes)."""
        while True:
            opcode, payload = read_frame(self.connection)
            if opcode == OP_CLOSE:
                peer.send(OP_CLOSE, payload[:2])
                return
            if opcode == OP_PING:
                peer.send(OP_PONG, payload)
