"""UI jobs: progress folds events into one fraction, cancel stops the job, failures end with a message; every
job folder has a job.json (running → done / failed / cancelled, with the reason) and no partial outputs."""

from __future__ import annotations

import json
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
    assert [p.name for p in updates[-1].outcome.files] == ["job_j.png"]  # named after the job (its folder)
    assert updates[-1].outcome.outputs["3"]["images"][0]["filename"] == "job_j.png"
    record = json.loads((tmp_path / "job" / "job.json").read_text())
    assert record["status"] == "done" and record["files"] == ["job_j.png"]


class _Stuck:
    name = "stuck"

    def describe(self):
        return "a backend that waits for cancel"

    def run(self, prompt, out_dir, on_event=None, cancel=None):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "half.glb").write_bytes(b"half")  # a partial output
        on_event("executing", {"node": "1"})
        cancel.wait(10)
        return Outcome("interrupted", {}, [out_dir / "half.glb"], backend=self.name)


class _Broken(_Stuck):
    def run(self, prompt, out_dir, on_event=None, cancel=None):
        raise ConnectionError("server went away")


class _HalfDone(_Stuck):
    def run(self, prompt, out_dir, on_event=None, cancel=None):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "drape_00001_.glb").write_bytes(b"written before the failure")
        return Outcome("error", {"3": {"3d": [{"filename": "drape_00001_.glb"}]}}, [out_dir / "drape_00001_.glb"],
                       error={"node_id": "2", "node_type": "ImageInvert", "exception_type": "InvalidInputError",
                              "exception_message": "field 'image': too dark", "traceback": ["File /srv/x.py"]},
                       backend=self.name)


def test_cancel_ends_the_job(tmp_path):
    job = Job(_Stuck(), PROMPT, tmp_path / "job").start()
    updates = job.updates()
    next(updates)
    assert "Running Canvas" in next(updates).text
    assert json.loads((tmp_path / "job" / "job.json").read_text())["status"] == "running"  # while it runs
    threading.Timer(0.05, job.cancel).start()
    last = list(updates)[-1]
    assert last.text == "Cancelled" and last.outcome.status == "interrupted" and last.outcome.files == []
    record = json.loads((tmp_path / "job" / "job.json").read_text())
    assert (record["status"], record["reason"]) == ("cancelled", "cancelled")
    assert [p.name for p in (tmp_path / "job").iterdir()] == ["job.json"]  # the partial output is gone


def test_backend_crash_ends_with_message(tmp_path):
    last = list(Job(_Broken(), PROMPT, tmp_path / "job").start().updates())[-1]
    assert last.text == "Failed" and "server went away" in last.outcome.error["message"]
    record = json.loads((tmp_path / "job" / "job.json").read_text())
    assert record["status"] == "failed" and "server went away" in record["reason"]
    assert "ConnectionError" not in record["reason"]


def test_failed_job_keeps_only_its_record_with_the_reason(tmp_path):
    last = list(Job(_HalfDone(), PROMPT, tmp_path / "job").start().updates())[-1]
    assert last.text == "Failed" and last.outcome.files == []
    assert [p.name for p in (tmp_path / "job").iterdir()] == ["job.json"]
    record = json.loads((tmp_path / "job" / "job.json").read_text())
    assert record["status"] == "failed" and record["files"] == [] and record["outputs"] == {}
    assert record["reason"] == "ImageInvert.image: too dark"  # the node's own words, by its title
    assert "traceback" not in record["error"]
