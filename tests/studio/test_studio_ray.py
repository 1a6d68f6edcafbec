"""The Batch tab on Ray (issue #19, point 4): with ATELIER_RAY_ADDRESS set, a batch runs on that cluster
and its status shows rows done, failed and running, throughput and ETA while it runs; Cancel still works.
Without the variable the tab runs batches in-process as before."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import pytest

import studio_app
from studio import app_logic as logic
from studio import ray_backend
from studio.batch import NOT_RUN, BatchReport
from studio.runner import LocalRunner

CANVAS = {"1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
                "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0}},
          "2": {"class_type": "SaveImage", "_meta": {"title": "Save"},
                "inputs": {"images": ["1", 0], "filename_prefix": "t"}}}


@pytest.fixture()
def ctx(tmp_path, monkeypatch):
    work = tmp_path / "work"
    monkeypatch.setenv("ATELIER_WORK_DIR", str(work))
    return logic.StudioContext(work, LocalRunner(work / "output", work / "input", work / "temp"))


def request(session="s1"):
    return SimpleNamespace(session_hash=session, username=None)


def batch_fn(app, name):
    return next(f.fn for f in app.fns.values() if f.name == name)


def test_without_the_variable_nothing_changes(ctx, monkeypatch):
    monkeypatch.delenv(logic.RAY_ENV, raising=False)
    assert logic.ray_address() is None
    app = studio_app.build_app(ctx)
    names = {f.name for f in app.fns.values()}
    assert "run_on_ray" not in names and "run" in names


def test_progress_text():
    text = logic.ray_progress_text({"total": 10, "done": 3, "failed": 1, "running": 2, "rows_per_minute": 4.5,
                                    "eta_s": 80.0}, "ray://head:10001")
    assert "4/10 rows" in text and "done 3" in text and "failed 1" in text and "running 2" in text
    assert "4.5 rows/min" in text and "ETA 1 min 20 s" in text and "ray://head:10001" in text
    assert "ETA —" in logic.ray_progress_text({"total": 2})


def fake_ray(steps, wait_for_cancel=False):
    """An execute_batch_ray that reports ``steps`` (done, failed, running) and, optionally, waits for Cancel."""
    seen = {}

    def execute(workflow, rows, out_dir, servers=None, settings=None, on_row=None, on_progress=None, cancel=None):
        seen["address"] = settings.address
        progress = ray_backend.Progress(len(rows))
        records = [{"row": i + 1, "folder": f"job_{i + 1:04d}", "status": NOT_RUN, "settings": r}
                   for i, r in enumerate(rows)]
        for done, failed, running in steps:
            progress.done, progress.failed, progress.running = done, failed, running
            progress.finished_here = done + failed
            on_progress(progress)
            time.sleep(0.05)
        report = BatchReport(records)
        if wait_for_cancel:
            assert cancel.wait(20), "Cancel did not reach the Ray batch"
            report.stopped = "cancelled"
        else:
            for i in range(len(rows)):
                records[i] = {**records[i], "status": "done" if i < steps[-1][0] else "failed", "reason": "boom"}
        (out_dir / "batch.json").write_text(json.dumps(report.summary(workflow)))
        return report

    return execute, seen


def test_the_batch_tab_shows_ray_progress(ctx, monkeypatch):
    monkeypatch.setenv(logic.RAY_ENV, "ray://head:10001")
    execute, seen = fake_ray([(0, 0, 2), (1, 0, 2), (2, 1, 1), (3, 1, 0)])
    monkeypatch.setattr(ray_backend, "execute_batch_ray", execute)
    app = studio_app.build_app(ctx)
    run = batch_fn(app, "run_on_ray")
    outs = list(run(request(), "tshirt", "female", ["cotton_jersey", "denim"], ["S", "M"], "", [], "t" * 40))
    texts = [o[0] for o in outs]
    assert seen["address"] == "ray://head:10001"
    assert "0/4 rows" in texts[0]
    assert any("1/4 rows" in t and "done 1" in t and "running 2" in t for t in texts)
    assert any("4/4 rows" in t and "done 3" in t and "failed 1" in t and "rows/min" in t and "ETA" in t for t in texts)
    assert "3/4 jobs succeeded" in texts[-1] and "Ray" in texts[-1]
    assert outs[-1][2] is not None  # the zip


def test_cancel_reaches_a_ray_batch(ctx, monkeypatch):
    monkeypatch.setenv(logic.RAY_ENV, "auto")
    execute, _ = fake_ray([(0, 0, 2)], wait_for_cancel=True)
    monkeypatch.setattr(ray_backend, "execute_batch_ray", execute)
    app = studio_app.build_app(ctx)
    run = batch_fn(app, "run_on_ray")
    cancel = batch_fn(app, "cancel_batch")
    texts = []
    for out in run(request("s2"), "tshirt", "female", ["cotton_jersey"], ["S", "M"], "", [], "t" * 40):
        texts.append(out[0])
        if "running 2" in out[0]:
            assert "Cancelling" in cancel(request("s2"))
    assert "the batch was cancelled" in texts[-1]
    assert cancel(request("s2")) == "No batch is running."


def test_a_missing_ray_is_told_in_words(ctx, monkeypatch):
    monkeypatch.setenv(logic.RAY_ENV, "auto")

    def missing():
        raise ray_backend.RayMissing(ray_backend.INSTALL_HINT)

    monkeypatch.setattr(ray_backend, "require_ray", missing)
    app = studio_app.build_app(ctx)
    outs = list(batch_fn(app, "run_on_ray")(request(), "tshirt", "female", ["cotton_jersey"], ["M"], "", [], ""))
    assert "ATELIER_RAY_ADDRESS is set" in outs[-1][0] and "pip install" in outs[-1][0]


def test_a_real_batch_on_a_local_ray(ctx, monkeypatch, tmp_path):
    """A tiny batch on a local Ray (2 CPUs) through the studio's batch function."""
    ray = pytest.importorskip("ray", reason='Ray is not installed: pip install "atelier[cluster]" to run this test')
    workflow = tmp_path / "wf.json"
    workflow.write_text(json.dumps(CANVAS))
    monkeypatch.setenv(logic.RAY_ENV, "auto")  # joined as it is: the test started it already
    started = ray_backend._connect(ray, ray_backend.RaySettings(num_cpus=2))
    try:
        seen: list[dict] = []
        out = ctx.new_job_dir("o", "batch", "canvas")
        rows = [{"Canvas.width": 16}, {"Canvas.width": 24}, {"Canvas.width": 32}]
        result = logic.run_batch_rows(ctx, rows, out, [], on_ray=seen.append, workflow=str(workflow),
                                      cancel=threading.Event())
    finally:
        if started:
            ray.shutdown()
    assert result.succeeded == 3, result.summary()
    assert seen[-1]["total"] == 3 and seen[-1]["done"] == 3 and seen[-1]["failed"] == 0
    assert seen[-1]["rows_per_minute"] > 0
    assert all((out / f"job_{i:04d}" / "job.json").is_file() for i in (1, 2, 3))
