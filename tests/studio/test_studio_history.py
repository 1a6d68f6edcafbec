"""Jobs survive a restart: the history is read back from the job folders, tolerantly, and each owner
sees only their own jobs."""

from __future__ import annotations

import json

import pytest

import studio_app
from studio import app_logic as logic
from studio.runner import LocalRunner


@pytest.fixture()
def work(tmp_path):
    return tmp_path / "work"


def studio(work, login=False):
    """A studio context as a fresh process would make it (nothing carried over in memory)."""
    return logic.StudioContext(work, LocalRunner(work / "output", work / "input", work / "temp"), login=login)


def make_job(ctx, owner, record, kind="drape", what="tshirt · M · denim", files=()):
    folder = ctx.new_job_dir(owner, kind, what)
    if record is not None:
        (folder / "job.json").write_text(record if isinstance(record, str) else json.dumps(record))
    for name in files:
        (folder / name).write_bytes(b"x")
    return folder


def test_jobs_are_listed_after_a_restart_with_status_and_reason(work):
    before = studio(work)
    ana = "browser:" + "a" * 32
    done = make_job(before, ana, {"status": "done", "reason": None, "files": ["j_drape.glb"],
                                  "started": "2026-01-02T10:00:00+00:00"}, files=["j_drape.glb"])
    failed = make_job(before, ana, {"status": "failed", "reason": "Colour: cannot read a colour from 'x' in "
                                    "/srv/atelier/jobs/abc", "started": "2026-01-02T11:00:00+00:00"})
    old_style = make_job(before, ana, {"status": "error", "error": {"node_id": "7", "node_type": "AtelierDrape",
                                       "exception_type": "SimulationDivergedError", "exception_message": "NaN"},
                                       "started": "2026-01-02T09:00:00+00:00"})
    running = make_job(before, ana, {"status": "running", "started": "2026-01-02T12:00:00+00:00"})
    cancelled = make_job(before, ana, {"status": "cancelled", "started": "2026-01-02T08:00:00+00:00"})
    garbage = make_job(before, ana, "{ not json", what="broken")
    missing = make_job(before, ana, None, what="no record")

    after = studio(work)  # a restart: a new process reads the folders
    jobs = {j.id: j for j in logic.list_jobs(after, ana)}
    assert set(jobs) == {f.name for f in (done, failed, old_style, running, cancelled, garbage, missing)}
    assert jobs[done.name].status == "done" and [p.name for p in jobs[done.name].files] == ["j_drape.glb"]
    assert jobs[failed.name].status == "failed" and jobs[failed.name].reason.endswith("from 'x' in abc")
    assert jobs[old_style.name].status == "failed" and jobs[old_style.name].reason == "AtelierDrape: NaN"
    assert jobs[running.name].status == "stopped" and "stopped while this job was running" in jobs[running.name].reason
    assert jobs[cancelled.name].status == "cancelled" and jobs[cancelled.name].files == []
    assert jobs[garbage.name].status == "unknown" and jobs[missing.name].status == "unknown"
    listed = logic.list_jobs(after, ana)
    dated = [j.id for j in listed if j.started.startswith("2026-01-02")]
    assert dated == [running.name, failed.name, done.name, old_style.name, cancelled.name]  # newest first
    assert jobs[running.name].row()[0] == "2026-01-02 12:00"

    after.live.add(running.name)  # still running in this process
    assert logic.find_job(after, ana, running.name).status == "running"


def test_each_browser_sees_only_its_own_jobs(work):
    ctx = studio(work)
    ana, bob = "browser:" + "a" * 32, "browser:" + "b" * 32
    mine = make_job(ctx, ana, {"status": "done", "files": []})
    theirs = make_job(ctx, bob, {"status": "done", "files": []})
    cli = make_job(ctx, "", {"status": "done", "files": []})  # no owner recorded (older job, or the CLI)
    assert [j.id for j in logic.list_jobs(ctx, ana)] == [mine.name]
    assert logic.find_job(ctx, ana, theirs.name) is None and logic.find_job(ctx, ana, "../../etc") is None
    assert logic.list_jobs(ctx, "") == []  # no token: nothing
    shared = studio(work, login=True)  # one account behind a login: its jobs and those with no owner
    user = "user:studio"
    own = make_job(shared, user, {"status": "done", "files": []})
    assert {j.id for j in logic.list_jobs(shared, user)} == {own.name, cli.name}


def test_batch_folders_are_summarised(work):
    ctx = studio(work)
    ana = "browser:" + "a" * 32
    folder = ctx.new_job_dir(ana, "batch", "tshirt · 3 combinations")
    (folder / "batch.json").write_text(json.dumps({"workflow": "drape_preview", "jobs": 3, "succeeded": 2}))
    (folder / "batch.zip").write_bytes(b"zip")
    job = logic.find_job(ctx, ana, folder.name)
    assert job.status == "failed" and job.reason == "2 of 3 jobs succeeded" and job.files == [folder / "batch.zip"]
    (folder / "batch.json").write_text(json.dumps({"workflow": "drape_preview", "total": 4, "done": 1, "failed": 0,
                                                   "cancelled": 1, "not_run": 2, "stopped": "cancelled"}))
    job = logic.find_job(ctx, ana, folder.name)
    assert job.status == "cancelled" and job.reason == "1 of 4 jobs succeeded"
    (folder / "batch.json").write_text(json.dumps({"total": 2, "done": 0, "stopped": "No ComfyUI server answered: "
                                                   "http://gpu:8188 refused the connection"}))
    assert logic.find_job(ctx, ana, folder.name).reason == ("0 of 2 jobs succeeded; No ComfyUI server answered: "
                                                            "http://gpu:8188 refused the connection")
    ctx.live.add(folder.name)
    assert logic.find_job(ctx, ana, folder.name).status == "running"


def test_the_studio_records_who_started_a_job(work, runner_dirs):
    """Through the try-on's real path: the job folder says its owner and kind, and job.json its end."""
    ctx = logic.StudioContext(work, LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"]))
    samples = logic.sample_inputs()
    owner = "browser:" + "c" * 32
    lines = list(studio_app.tryon_steps(ctx, owner, "s:tryon", str(samples["person"]), str(samples["garment"]),
                                        str(samples["labels"]), str(samples["pose"]), []))
    assert "**Done**" in lines[-1][0]
    (job,) = logic.list_jobs(studio(work), owner)
    assert job.kind == "try-on" and job.status == "done" and any(p.suffix == ".png" for p in job.files)
