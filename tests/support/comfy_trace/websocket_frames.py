"""The few pieces of RFC 6455 a test server needs: the handshake answer and frame (de)coding.

Server side only: frames we send are unmasked, frames a client sends are masked. Messages are
short (ComfyUI's JSON frames are a few kB), so there is no fragmentation support on the way out
and continuation frames are simply skipped on the way in.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


def accept_key(client_key: str) -> str:
    """The `Sec-WebSocket-Accept` value answering a client's `Sec-WebSocket-Key`."""
    digest = hashlib.sha1((client_key.strip() + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked frame (server to client)."""
    head = bytes([0x80 | opcode])
    size = len(payload)
    if size < 126:
        head += bytes([size])
    elif size < 1 << 16:
        head += bytes([126]) + struct.pack(">H", size)
    else:
        head += bytes([127]) + struct.pack(">Q", size)
    return head + payload


def _read_exact(sock: socket.socket, size: int) -> bytes:
    """Read exactly `size` bytes; raise ConnectionError when the peer goes away first."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("websocket peer closed the connection")
        chunks += chunk
    return bytes(chunks)


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """Read one frame from a client: (opcode, unmasked payload). Blocks until a frame arrives."""
    first, second = _read_exact(sock, 2)
    opcode = first & 0x0F
    size = second & 0x7F
    if size == 126:
        size = struct.unpack(">H", _read_exact(sock, 2))[0]
    elif size == 127:
        size = struct.unpack(">Q", _read_exact(sock, 8))[0]
    mask = _read_exact(sock, 4) if second & 0x80 else b"\0\0\0\0"
    data = _read_exact(sock, size)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class WebSocketPeer:
    """One connected websocket client of a server; sends are serialised by a lock.

    A peer is registered before the handshake answer goes out (so that no frame meant for the
    client is lost), but other threads' sends wait until open() has sent the first frame.
    """

    OPEN_WAIT_S = 5.0

    def __init__(self, sock: socket.socket, client_id: str):
        self.sock = sock
        self.client_id = client_id
        self._lock = threading.Lock()
        self._open = threading.Event()

    def open(self, first_text: bytes) -> None:
        """Send the first (text) frame after the handshake, then let other senders through."""
        try:
            with self._lock:
                self.sock.sendall(encode_frame(OP_TEXT, first_text))
        except OSError:
            pass
        self._open.set()

    def send(self, opcode: int, payload: bytes) -> bool:
        """Send one frame; False when the peer is gone (or never finished its handshake)."""
        if not self._open.wait(self.OPEN_WAIT_S):
            return False
        try:
            with self._lock:
                self.sock.sendall(encode_frame(opcode, payload))
            return True
        except OSError:
            return False

    def drop(self) -> None:
        """Cut the connection without a close frame, like a network failure."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
