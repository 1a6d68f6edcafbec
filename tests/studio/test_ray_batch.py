"""Batches on a local Ray (2 CPUs): the same folders and records as the local runner, and the faults of a
cluster: a killed worker, a killed ComfyUI actor, a killed ComfyUI server. Each row is recorded once.

Needs the ``cluster`` extra (``pip install "atelier[cluster]"``); skipped without it. The stand-in
ComfyUI is the trace server in its own process (``python -m tests.support.comfy_trace``)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason='Ray is not installed: pip install "atelier[cluster]" to run these tests')

from studio.ray_backend import RaySettings, _connect, execute_batch_ray  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 90.0
CANVAS = {"1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
                "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0}},
          "2": {"class_type": "SaveImage", "_meta": {"title": "Save"},
                "inputs": {"images": ["1", 0], "filename_prefix": "t"}}}
SPLIT = {**CANVAS,  # the canvas on the pack's side; a ComfyUI-only node after it
         "3": {"class_type": "ImageBlur", "_meta": {"title": "Blur"},
               "inputs": {"image": ["1", 0], "blur_radius": 1, "sigma": 1.0, "blur_mode": "x"}},
         "4": {"class_type": "SaveImage", "_meta": {"title": "Save render"},
               "inputs": {"images": ["3", 0], "filename_prefix": "render"}}}


@pytest.fixture(scope="module")
def cluster():
    started = _connect(ray, RaySettings(num_cpus=2))
    yield ray
    if started:
        ray.shutdown()


def _workflow(tmp_path: Path, prompt: dict) -> str:
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(prompt))
    return str(path)


class Server:
    """``python -m tests.support.comfy_trace`` in a child process (SIGKILL-able)."""

    def __init__(self, frame_delay_s: float = 0.02):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.comfy_trace", "progress",
                                      "--frame-delay", str(frame_delay_s)], cwd=REPO, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(x.strip()) for x in self.proc.stdout], daemon=True).start()
        self.url = self.wait_for("listening on ").split()[-1]

    def wait_for(self, start: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line.startswith(start):
                return line
        pytest.fail(f"the trace server never printed {start!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def servers():
    started: list[Server] = []
    yield lambda **kw: started.append(Server(**kw)) or started[-1]
    for server in started:
        server.stop()


def _in_thread(work) -> tuple[threading.Thread, dict]:
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("report", work()), daemon=True)
    thread.start()
    return thread, box


def _assert_each_row_once(out: Path, n: int, files_per_row: int) -> dict:
    summary = json.loads((out / "batch.json").read_text())
    assert [r["row"] for r in summary["rows"]] == list(range(1, n + 1))
    assert (summary["done"], summary["failed"], summary["remaining"]) == (n, 0, 0), summary
    for i in range(1, n + 1):
        folder = out / f"job_{i:04d}"
        names = sorted(p.name for p in folder.iterdir())
        assert len(names) == files_per_row + 1 and "job.json" in names and ".partial" not in names, names
    assert sorted(p.name for p in out.iterdir()) == ["batch.json"] + [f"job_{i:04d}" for i in range(1, n + 1)]
    return summary


def test_pack_only_batch_lands_like_the_local_runner_and_resumes(cluster, tmp_path):
    workflow = _workflow(tmp_path, CANVAS)
    rows = [{"Canvas.width": w} for w in (8, 12, 0)]
    report = execute_batch_ray(workflow, rows, tmp_path / "b", settings=RaySettings())
    assert [r["status"] for r in report.records] == ["done", "done", "failed"]
    assert report.records[2]["reason"] == "Canvas: Value 0 smaller than min of 1 (width)"
    assert sorted(p.name for p in (tmp_path / "b" / "job_0002").iterdir()) == ["job.json", "job_0002_t.png"]
    record = json.loads((tmp_path / "b" / "job_0001" / "job.json").read_text())
    assert record["status"] == "done" and record["backend"].startswith("Ray worker")
    again = execute_batch_ray(workflow, rows, tmp_path / "b", settings=RaySettings())
    assert [r.get("resumed", False) for r in again.records] == [True, True, False]
    summary = json.loads((tmp_path / "b" / "batch.json").read_text())
    assert (summary["done"], summary["failed"], summary["remaining"]) == (2, 1, 1)


def test_a_killed_worker_is_retried_and_no_row_is_lost_or_doubled(cluster, tmp_path):
    @ray.remote(num_cpus=1)
    def pid_after(seconds: float) -> int:
        time.sleep(seconds)
        return os.getpid()

    pool = set(ray.get([pid_after.remote(0.5) for _ in range(2)]))  # the two workers of the 2 CPUs
    workflow = _workflow(tmp_path, CANVAS)
    rows = [{"Canvas.width": 2400 + i, "Canvas.height": 2400} for i in range(6)]  # about a second each
    running = threading.Event()
    thread, box = _in_thread(lambda: execute_batch_ray(
        workflow, rows, tmp_path / "b", settings=RaySettings(max_retries=3),
        on_progress=lambda p: p.running and running.set()))
    assert running.wait(WAIT_S)
    time.sleep(1.0)
    victim = sorted(pool)[0]
    born = _start_time(victim)
    os.kill(victim, signal.SIGKILL)
    thread.join(4 * WAIT_S)
    assert box["report"].stopped is None
    _assert_each_row_once(tmp_path / "b", len(rows), files_per_row=1)
    assert _dead(victim, born)  # the worker really died


def _stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state first), or None when there is none."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _start_time(pid: int) -> str | None:
    fields = _stat(pid)
    return None if fields is None else fields[19]  # field 22 of stat: start time in clock ticks


def _dead(pid: int, born: str | None, wait_s: float = 10.0) -> bool:
    """Whether the process that had ``pid`` (started at ``born``) is gone: no such pid, a zombie not yet reaped
    by its parent (the raylet, where ``os.kill(pid, 0)`` still succeeds), or the pid now names a newer process.
    A process killed in uninterruptible sleep dies when its I/O returns, so this waits up to ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while True:
        fields = _stat(pid)
        if fields is None or fields[0] in ("Z", "X") or fields[19] != born:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def test_a_dead_comfyui_gives_its_rows_back_to_the_pool(cluster, servers, tmp_path):
    dying, healthy = servers(frame_delay_s=0.05), servers(frame_delay_s=0.02)
    workflow = _workflow(tmp_path, SPLIT)
    rows = [{"Canvas.width": w} for w in range(8, 14)]
    thread, box = _in_thread(lambda: execute_batch_ray(workflow, rows, tmp_path / "b", [dying.url, healthy.url],
                                                       RaySettings(server_depth=1)))
    dying.wait_for("queued 0")
    time.sleep(0.3)
    dying.proc.send_signal(signal.SIGKILL)
    thread.join(4 * WAIT_S)
    report = box["report"]
    assert report.stopped is None
    summary = _assert_each_row_once(tmp_path / "b", len(rows), files_per_row=2)
    assert {s["url"]: s["state"] for s in summary["servers"]} == {dying.url: "lost", healthy.url: "used"}
    backends = {json.loads((tmp_path / "b" / r["folder"] / "job.json").read_text())["backend"] for r in summary["rows"]}
    assert all(b.endswith(f"ComfyUI at {healthy.url}") for b in backends)  # every row ended on the live one


def test_a_killed_comfyui_actor_restarts_and_its_row_runs_again(cluster, servers, tmp_path):
    server = servers(frame_delay_s=0.03)
    workflow = _workflow(tmp_path, SPLIT)
    rows = [{"Canvas.width": w} for w in range(8, 12)]
    thread, box = _in_thread(lambda: execute_batch_ray(workflow, rows, tmp_path / "b", [server.url],
                                                       RaySettings(server_depth=1)))
    server.wait_for("queued 0")
    names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith("atelier-comfy")]
    assert len(names) == 1
    ray.kill(ray.get_actor(names[0]), no_restart=False)
    thread.join(4 * WAIT_S)
    assert box["report"].stopped is None
    _assert_each_row_once(tmp_path / "b", len(rows), files_per_row=2)
    server.wait_for("queued 4")  # 4 rows, and the one whose actor died sent again


def test_cancel_stops_cleanly_and_a_rerun_finishes_the_rest(cluster, tmp_path):
    workflow = _workflow(tmp_path, CANVAS)
    rows = [{"Canvas.width": 2400 + i, "Canvas.height": 2400} for i in range(6)]
    cancel, done = threading.Event(), threading.Event()
    report = execute_batch_ray(workflow, rows, tmp_path / "b", settings=RaySettings(), cancel=cancel,
                               on_row=lambda r: (done.set(), cancel.set()))  # Ctrl-C after the first row
    assert report.stopped == "cancelled" and 1 <= report.count("done") < len(rows)
    assert report.count("done") + report.count("cancelled") + report.count("not run") == len(rows)
    again = execute_batch_ray(workflow, rows, tmp_path / "b", settings=RaySettings())
    assert again.stopped is None and again.count("done") == len(rows)
    assert sum(bool(r.get("resumed")) for r in again.records) == report.count("done")
    _assert_each_row_once(tmp_path / "b", len(rows), files_per_row=1)
