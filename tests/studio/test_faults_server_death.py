"""A ComfyUI that dies mid-job: the job fails with the reason, the batch stops cleanly and resumes.

The stand-in ComfyUI is the trace server in its own process (``python -m tests.support.comfy_trace``),
killed with SIGKILL; the CLI runs as a process too, so its exit status and stderr are the user's.
"""

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

from studio.backends import NoServerError, choose_backend
from studio.batch import execute_batch, run_batch, run_job
from studio.runner import LocalRunner
from tests.support.comfy_trace import TraceServer

REPO = Path(__file__).resolve().parents[2]
PROMPT = {
    "1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
          "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "SaveImage", "_meta": {"title": "Save"}, "inputs": {"images": ["1", 0], "filename_prefix": "t"}},
}
WAIT_S = 60.0  # only reached when a behaviour is broken


class ServerProcess:
    """``python -m tests.support.comfy_trace`` in a child process; its stdout lines arrive on a queue."""

    def __init__(self, scenario: str = "progress", port: int = 0, frame_delay_s: float = 0.1):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.comfy_trace", scenario, "--port", str(port),
             "--frame-delay", str(frame_delay_s)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for("listening on ").split()[-1]

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait_for(self, start: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if line.startswith(start):
                return line
        pytest.fail(f"the trace server never printed '{start}…' (it printed {self.seen})")

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> list[str]:
        """Stop it; every line it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        time.sleep(0.1)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen


@pytest.fixture
def servers():
    started: list[ServerProcess] = []

    def start(**kwargs) -> ServerProcess:
        started.append(ServerProcess(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def cli(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "ATELIER_COMFYUI_URLS"}
    return subprocess.Popen([sys.executable, "-m", "studio", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def wf(tmp_path):
    path = tmp_path / "canvas.json"
    path.write_text(json.dumps(PROMPT))
    rows = tmp_path / "rows.csv"
    rows.write_text("Canvas.width\n8\n12\n16\n")
    return str(path), str(rows)


def test_sigkilled_comfyui_fails_the_job_stops_the_batch_and_a_rerun_resumes(servers, wf, tmp_path):
    workflow, rows = wf
    out = tmp_path / "out"
    server = servers(frame_delay_s=0.1)  # the progress trace: about 2 s per job
    batch = cli("batch", workflow, rows, "--server", server.url, "--out", str(out))
    server.wait_for("queued 1")  # the second row's prompt is on the server…
    time.sleep(0.4)  # …and running
    server.sigkill()
    stdout, stderr = batch.communicate(timeout=WAIT_S)

    assert batch.returncode == 1
    assert "Traceback" not in stderr and "Error" not in stderr  # no Python exception, only words
    job2 = json.loads((out / "job_0002" / "job.json").read_text())
    assert job2["status"] == "failed"
    assert job2["reason"].startswith(f"ComfyUI at {server.url} stopped answering during the job (")
    assert sorted(p.name for p in (out / "job_0002").iterdir()) == ["job.json"]  # no partial output
    assert not (out / "job_0003").exists()
    summary = json.loads((out / "batch.json").read_text())
    assert (summary["done"], summary["failed"], summary["not_run"], summary["remaining"]) == (1, 1, 1, 2)
    assert [r["status"] for r in summary["rows"]] == ["done", "failed", "not run"]
    assert summary["rows"][1]["reason"] == job2["reason"] and server.url in summary["stopped"]
    assert "rerun the same command to finish the remaining 2 rows" in stdout.lower()
    assert job2["reason"] in stdout
    backends = {json.loads((out / f"job_000{n}" / "job.json").read_text())["backend"] for n in (1, 2)}
    assert backends == {f"ComfyUI at {server.url}"}  # never the local runner

    port = server.url.rsplit(":", 1)[1]
    again_server = servers(port=int(port), frame_delay_s=0.01)
    again = cli("batch", workflow, rows, "--server", again_server.url, "--out", str(out))
    stdout, stderr = again.communicate(timeout=WAIT_S)
    assert again.returncode == 0, stdout + stderr
    assert sum(line.startswith("queued") for line in again_server.stop()) == 2  # only the unfinished rows ran
    summary = json.loads((out / "batch.json").read_text())
    assert (summary["done"], summary["remaining"]) == (3, 0)
    assert [r.get("resumed", False) for r in summary["rows"]] == [True, False, False]
    assert sorted(p.name for p in (out / "job_0002").iterdir()) == ["job.json", "job_0002_trace.png"]


def test_run_with_only_a_dead_server_fails_clearly_and_never_runs_locally(servers, wf, tmp_path):
    workflow, _ = wf
    server = servers(frame_delay_s=0.001)
    server.sigkill()
    job = cli("run", workflow, "--set", "Canvas.width=8", "--server", server.url, "--out", str(tmp_path / "job"))
    stdout, stderr = job.communicate(timeout=WAIT_S)
    assert job.returncode == 1 and "Traceback" not in stderr
    record = json.loads((tmp_path / "job" / "job.json").read_text())
    assert record["status"] == "failed" and record["backend"] is None
    assert record["reason"] == (f"No ComfyUI server answered, so nothing was run: "
                                f"ComfyUI at {server.url} does not answer (connection refused)")
    assert f"error: {record['reason']}" in stderr
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == ["job.json"]


def test_ctrl_c_cancels_the_running_job_on_comfyui_and_stops_cleanly(servers, wf, tmp_path):
    workflow, rows = wf
    server = servers(scenario="interrupted", frame_delay_s=0.01)  # its job runs until interrupted
    batch = cli("batch", workflow, rows, "--server", server.url, "--out", str(tmp_path / "out"))
    server.wait_for("queued 0")
    time.sleep(0.5)
    batch.send_signal(signal.SIGINT)
    stdout, stderr = batch.communicate(timeout=WAIT_S)
    assert batch.returncode == 130 and "Traceback" not in stderr
    record = json.loads((tmp_path / "out" / "job_0001" / "job.json").read_text())
    assert record["status"] == "cancelled"
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert [r["status"] for r in summary["rows"]] == ["cancelled", "not run", "not run"]
    assert summary["stopped"] == "cancelled" and "finish the remaining 3 rows" in stdout


# --- in-process: the same rules without child processes ------------------------------------------


@pytest.fixture
def trace_servers():
    started: list[TraceServer] = []

    def start(scenario: str = "progress", **knobs) -> TraceServer:
        started.append(TraceServer(scenario, **knobs).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def test_no_silent_fallback_to_the_local_runner(trace_servers, wf, tmp_path, runner_dirs):
    workflow, _ = wf
    dead = trace_servers()
    dead.stop()
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    with pytest.raises(NoServerError, match=f"ComfyUI at {dead.url} does not answer"):
        choose_backend(PROMPT, [dead.url], runner)
    record = run_job(workflow, {}, tmp_path / "one", [dead.url], runner=runner)
    assert record["status"] == "failed" and "does not answer" in record["reason"]
    report = execute_batch(workflow, [{}, {}], tmp_path / "b", [dead.url], runner=runner)
    assert [r["status"] for r in report.records] == ["not run", "not run"]
    assert report.stopped.startswith("No ComfyUI server answered") and report.servers[0]["state"] == "not answering"
    assert json.loads((tmp_path / "b" / "batch.json").read_text())["not_run"] == 2
    assert runner.history == {}  # nothing ran on the local runner


def test_batch_goes_on_with_the_other_server(trace_servers, wf, tmp_path):
    workflow, _ = wf
    dying = trace_servers(kill_after_frames=8, frame_delay_s=0.02)
    healthy = trace_servers(frame_delay_s=0.02)
    rows = [{"Canvas.width": w} for w in (8, 9, 10, 11, 12)]
    records = run_batch(workflow, rows, tmp_path / "b", [dying.url, healthy.url])
    failed = [r for r in records if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["reason"].startswith(f"ComfyUI at {dying.url} stopped answering")
    assert sum(r["status"] == "done" for r in records) == 4
    summary = json.loads((tmp_path / "b" / "batch.json").read_text())
    assert summary["stopped"] is None and summary["remaining"] == 1
    states = {s["url"]: s["state"] for s in summary["servers"]}
    assert states == {dying.url: "lost", healthy.url: "used"}
    folder = tmp_path / "b" / failed[0]["folder"]
    assert sorted(p.name for p in folder.iterdir()) == ["job.json"]
