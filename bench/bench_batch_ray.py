"""The same pack-only batch three ways: the local runner serially, the thread scheduler, and Ray.

    .venv/bin/python bench/bench_batch_ray.py [--rows 24] [--cpus 2] [--out /tmp/bench_ray]

The batch is ``batch_colorways`` (pattern, avatar, drape, preview, control maps) at a coarse, fast setting
(coarse mesh, short drape, small images), one colour per row, so all rows share one avatar. Three ways:

* ``serial``: ``studio.batch.execute_batch`` on one local runner (today's default without servers);
* ``threads``: the same thread scheduler driving ``--cpus`` in-process local runners, one thread each (as it
  drives several ComfyUI servers; no ComfyUI is installed here, so local runners stand in for the servers);
* ``ray``: ``studio.ray_backend.execute_batch_ray`` on a local Ray with ``--cpus`` CPUs (started before the
  timing; its start-up is printed apart).

Prints rows per minute for each, and Ray's overhead per row: the wall time per row of a batch of trivial
rows (a 16×8 canvas) times the CPUs, i.e. what Ray adds to a row that does no work. Other jobs may share the
machine's CPUs: run it on a quiet machine and read the figures with that in mind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")
os.environ.setdefault("ATELIER_TAICHI_THREADS", "1")  # one CPU per row, in every way

COARSE = {"Mesh.edge_length": 5.0, "Drape.max_frames": 40, "Drape.sew_frames": 25, "Drape.substeps": 8,
          "Drape.self_collision": False, "Drape.min_settle_frames": 5, "Camera.width": 192, "Camera.height": 256,
          "Preview.supersample": 1, "Control maps.supersample": 1, "Avatar.fit_iterations": 4}
COLOURS = ["#1f3a5f", "#a23b2c", "#2e6b3f", "#d9b44a", "#6b4c9a", "#222222", "#e8e2d0", "#c46b8a"]
CANVAS = {"1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
                "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0}},
          "2": {"class_type": "SaveImage", "_meta": {"title": "Save"},
                "inputs": {"images": ["1", 0], "filename_prefix": "t"}}}


def rows(n: int) -> list[dict]:
    return [{**COARSE, "Colour.colour": COLOURS[i % len(COLOURS)], "Garment.size": "SML"[i % 3]}
            for i in range(n)]


def timed(label: str, work, n: int) -> float:
    start = time.perf_counter()
    report = work()
    wall = time.perf_counter() - start
    done = report.count("done", "success")
    print(f"{label:8s} {n} rows in {wall:7.1f} s: {60 * n / wall:6.2f} rows/min ({done} done)", flush=True)
    if done != n:
        bad = [r.get("reason") for r in report.records if r.get("status") != "done"][:3]
        print(f"         not all done: {bad}", flush=True)
    return wall


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--out", default=None)
    parser.add_argument("--ways", default="serial,threads,ray")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_ray_"))
    shutil.rmtree(out, ignore_errors=True)
    import studio.batch as batch
    from studio.backends import LocalBackend
    from studio.runner import LocalRunner

    batch_rows, ways, results = rows(args.rows), args.ways.split(","), {}
    print(f"{args.rows} rows of batch_colorways (coarse), {args.cpus} CPUs; machine has {os.cpu_count()} "
          f"(load average {os.getloadavg()[0]:.1f} at start)", flush=True)
    # warm-up outside the timings: imports, the Anny model, Taichi's kernels (each way gets a warm process
    # or, for Ray, warm workers)
    batch.execute_batch("batch_colorways", batch_rows[:1], out / "warm", runner=LocalRunner())
    if "serial" in ways:
        results["serial"] = timed("serial", lambda: batch.execute_batch(
            "batch_colorways", batch_rows, out / "serial", runner=LocalRunner()), args.rows)
    if "threads" in ways:
        backends = [LocalBackend(LocalRunner()) for _ in range(args.cpus)]
        real = batch._backends
        batch._backends = lambda *a, **k: backends  # the scheduler's threads, one per stand-in server
        try:
            results["threads"] = timed("threads", lambda: batch.execute_batch(
                "batch_colorways", batch_rows, out / "threads"), args.rows)
        finally:
            batch._backends = real
    if "ray" in ways:
        import ray

        from studio.ray_backend import RaySettings, _connect, execute_batch_ray

        start = time.perf_counter()
        _connect(ray, RaySettings(num_cpus=args.cpus))
        print(f"ray      start-up {time.perf_counter() - start:.1f} s (not in the timings)", flush=True)
        execute_batch_ray("batch_colorways", batch_rows[:args.cpus], out / "ray_warm", settings=RaySettings())
        results["ray"] = timed("ray", lambda: execute_batch_ray(
            "batch_colorways", batch_rows, out / "ray", settings=RaySettings()), args.rows)
        canvas = out / "canvas.json"
        canvas.write_text(json.dumps(CANVAS))
        trivial = [{"Canvas.width": 8 + i} for i in range(48)]
        execute_batch_ray(str(canvas), trivial[:4], out / "trivial_warm", settings=RaySettings())
        start = time.perf_counter()
        execute_batch_ray(str(canvas), trivial, out / "trivial", settings=RaySettings())
        per_row = (time.perf_counter() - start) * args.cpus / len(trivial)
        print(f"ray      overhead per row (trivial rows, wall x CPUs / rows): {per_row:.3f} s", flush=True)
        ray.shutdown()
    best_local = min(v for k, v in results.items() if k != "ray") if len(results) > 1 else None
    if best_local and "ray" in results:
        print(f"ray vs best local: {100 * (best_local / results['ray'] - 1):+.1f} % throughput", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
