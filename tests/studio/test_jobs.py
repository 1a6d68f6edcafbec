"""UI jobs: progress folds events into one fraction, cancel stops the job, failures end with a message."""

from __future__ import annotations

import threading

from studio.backends import LocalBackend, Outcome
from studio.jobs import Job
from studio.runner import LocalRunner

PROMPT = {
    "1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
          "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
    "3": {"class_type": "SaveImage", "_meta": {"title": "Save"}, "inputs": {"images": ["2", 0], "filename_prefix": "j"}},
}


def test_job_reports_progress_and_outcome(runner_dirs, tmp_path):
    backend = LocalBackend(LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"]))
    updates = list(Job(backend, PROMPT, tmp_path / "job").start().updates())
    fractions = [u.fraction for u in updates]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("Running Canvas" in u.text for u in updates)
    assert updates[-1].outcome.status == "success"
    assert [p.name for p in updates[-1].outcome.files] == ["j_00001_.png"]


class _Stuck:
    name = "stuck"

    def describe(self):
        return "a backend that waits for cancel"

    def run(self, prompt, out_dir, on_event=None, cancel=None):
        on_event("executing", {"node": "1"})
        cancel.wait(10)
        return Outcome("interrupted", {}, backend=self.name)


class _Broken(_Stuck):
    def run(self, prompt, out_dir, on_event=None, cancel=None):
        raise ConnectionError("server went away")


def test_cancel_ends_the_job(tmp_path):
    job = Job(_Stuck(), PROMPT, tmp_path).start()
    updates = job.updates()
    next(updates)
    assert "Running Canvas" in next(updates).text
    threading.Timer(0.05, job.cancel).start()
    last = list(updates)[-1]
    assert last.text == "Cancelled" and last.outcome.status == "interrupted"


def test_backend_crash_ends_with_message(tmp_path):
    last = list(Job(_Broken(), PROMPT, tmp_path).start().updates())[-1]
    assert last.text == "Failed" and "server went away" in last.outcome.error["message"]
