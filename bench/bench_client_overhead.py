"""How much time the studio's ComfyUI client adds to a job, against the trace server (progress trace).

    python bench/bench_client_overhead.py [--jobs 30]

Prints, per job (median and 95th percentile):
  overhead      client's total time minus the server's own time (POST /prompt received -> history
                written): HTTP round trips, websocket delivery, JSON, /history read.   target <= 50 ms
  first progress  POST /prompt answered -> first progress frame in the client.       target <= 200 ms
Measured with no pause between frames (pure overhead) and with 20 ms between frames (a paced server,
where first progress includes the server's own 4 frames before it). Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.comfy_client import ComfyClient  # noqa: E402
from tests.support.comfy_trace import TraceServer  # noqa: E402
from tests.support.comfy_trace.traces import load_trace  # noqa: E402

TARGET_OVERHEAD_MS = 50.0
TARGET_FIRST_PROGRESS_MS = 200.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(frame_delay_s: float, jobs: int, warmup: int = 3) -> tuple[list[float], list[float]]:
    """Run jobs one after another; (overheads [ms], first-progress delays [ms])."""
    prompt = next(iter(load_trace("progress").history_reply.values()))["prompt"][2]
    overheads, firsts = [], []
    with TraceServer("progress", frame_delay_s=frame_delay_s) as server:
        client = ComfyClient(server.url, timeout=10.0, job_timeout_s=60.0)
        for index in range(warmup + jobs):
            result = client.run(prompt)
            record = server.records[result.prompt_id]
            if index < warmup or result.status != "success" or record.history_at is None:
                continue
            server_s = record.history_at - record.received_at
            overheads.append(1000.0 * (result.timings.total_s - server_s))
            if result.timings.queued_to_first_progress_s is not None:
                firsts.append(1000.0 * result.timings.queued_to_first_progress_s)
        client.close()
    return overheads, firsts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=30, help="measured jobs per setting")
    args = parser.parse_args()
    print(f"ComfyUI client overhead, {args.jobs} jobs per setting (progress trace, 24 frames)")
    for delay_s in (0.0, 0.02):
        overheads, firsts = measure(delay_s, args.jobs)
        print(f"  frames every {1000 * delay_s:4.0f} ms: "
              f"overhead median {statistics.median(overheads):6.1f} ms, p95 {_p95(overheads):6.1f} ms "
              f"(target <= {TARGET_OVERHEAD_MS:.0f}); "
              f"queue -> first progress median {statistics.median(firsts):6.1f} ms, "
              f"p95 {_p95(firsts):6.1f} ms (target <= {TARGET_FIRST_PROGRESS_MS:.0f})")


if __name__ == "__main__":
    main()
