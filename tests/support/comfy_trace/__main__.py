"""Run the trace server as its own process, standing in for a ComfyUI that a test can SIGKILL.

    python -m tests.support.comfy_trace [SCENARIO] [--port N] [--frame-delay S]

Prints ``listening on http://127.0.0.1:PORT`` once it serves, then ``queued N`` for every prompt it
accepts (N counts from 0), flushing each line, and serves until it is killed (or gets SIGTERM).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .trace_server import SCENARIOS, TraceServer, _HttpServer


class _HttpServerOnPort(_HttpServer):
    """The trace server's HTTP server on a chosen port (0: a free one); reusable right after a kill."""

    def __init__(self, trace_server: TraceServer, port: int):
        self.port_wanted = port
        super().__init__(trace_server)

    def server_bind(self) -> None:
        self.server_address = ("127.0.0.1", self.port_wanted)
        super().server_bind()


class ProcessTraceServer(TraceServer):
    """A TraceServer on a chosen port that says on stdout which prompts it accepts."""

    def __init__(self, scenario: str, port: int = 0, **knobs):
        super().__init__(scenario, **knobs)
        self.port = port

    def start(self) -> TraceServer:
        self._http = _HttpServerOnPort(self, self.port)
        for target, name in ((self._serve, "trace-http"), (self._work, "trace-worker")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def enqueue(self, body: dict) -> tuple[int, dict]:
        status, reply = super().enqueue(body)
        if status == 200 and "number" in reply:
            print(f"queued {reply['number']}", flush=True)
        return status, reply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.comfy_trace")
    parser.add_argument("scenario", nargs="?", default="success", choices=sorted(SCENARIOS))
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--frame-delay", type=float, default=0.001, help="pause between websocket frames [s]")
    args = parser.parse_args(argv)
    server = ProcessTraceServer(args.scenario, args.port, frame_delay_s=args.frame_delay).start()
    print(f"listening on {server.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
