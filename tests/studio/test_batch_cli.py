"""Scripted runs on the local runner: settings by node title, job.json records, outputs named after the job,
resumable batches, the CLI."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from studio import workflows
from studio.__main__ import main as cli
from studio.batch import read_rows, run_batch, run_job
from studio.runner import LocalRunner

PROMPT = {
    "1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
          "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "SaveImage", "_meta": {"title": "Save"}, "inputs": {"images": ["1", 0], "filename_prefix": "t"}},
}


@pytest.fixture()
def wf(tmp_path):
    path = tmp_path / "canvas.json"
    path.write_text(json.dumps(PROMPT))
    return str(path)


@pytest.fixture()
def runner(runner_dirs):
    return LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])


def test_settings_by_title_id_and_class():
    out = workflows.with_settings(PROMPT, {"Canvas.width": 32, "2.filename_prefix": "x", "EmptyImage.height": 4})
    assert out["1"]["inputs"]["width"] == 32 and out["1"]["inputs"]["height"] == 4
    assert out["2"]["inputs"]["filename_prefix"] == "x" and PROMPT["1"]["inputs"]["width"] == 16  # copy
    with pytest.raises(workflows.WorkflowError, match="no node 'Garment'"):
        workflows.with_settings(PROMPT, {"Garment.size": "M"})
    with pytest.raises(workflows.WorkflowError, match="is a connection"):
        workflows.with_settings(PROMPT, {"Save.images": 3})
    with pytest.raises(workflows.WorkflowError, match="NODE.INPUT"):
        workflows.with_settings(PROMPT, {"width": 3})


def test_job_writes_outputs_and_record(wf, tmp_path, runner):
    record = run_job(wf, {"Canvas.width": 20}, tmp_path / "job", runner=runner)
    assert record["status"] == "done" and record["backend"].startswith("local runner")
    saved = json.loads((tmp_path / "job" / "job.json").read_text())
    assert saved["files"] == ["job_t.png"] and saved["settings"] == {"Canvas.width": 20}  # named after the job
    assert saved["reason"] is None and saved["job"] == "job"
    assert saved["outputs"]["2"]["images"][0]["filename"] == "job_t.png"  # the outputs name the job's own files
    assert Image.open(tmp_path / "job" / "job_t.png").size == (20, 8)
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == ["job.json", "job_t.png"]  # no staging left


def test_two_jobs_do_not_share_a_counter(wf, tmp_path, runner):
    for name in ("a", "b"):
        assert run_job(wf, {}, tmp_path / name, runner=runner)["files"] == [f"{name}_t.png"]
    again = run_job(wf, {}, tmp_path / "a", runner=runner)  # the same folder again: same name, replaced
    assert again["files"] == ["a_t.png"] and sorted(p.name for p in (tmp_path / "a").iterdir()) == ["a_t.png", "job.json"]


def test_job_with_bad_value_records_the_validation_error(wf, tmp_path, runner):
    record = run_job(wf, {"Canvas.width": 0}, tmp_path / "bad", runner=runner)
    assert record["status"] == "failed"
    assert record["reason"] == "Canvas: Value 0 smaller than min of 1 (width)"
    assert record["error"]["node_errors"]["1"]["errors"][0]["type"] == "value_smaller_than_min"
    assert sorted(p.name for p in (tmp_path / "bad").iterdir()) == ["job.json"]


def test_batch_is_resumable(wf, tmp_path, runner):
    rows = [{"Canvas.width": w} for w in (8, 12, 0)]
    first = run_batch(wf, rows, tmp_path / "b", runner=runner)
    assert [r["status"] for r in first] == ["done", "done", "failed"]
    again = run_batch(wf, rows, tmp_path / "b", runner=runner)
    assert [r.get("resumed", False) for r in again] == [True, True, False]
    summary = json.loads((tmp_path / "b" / "batch.json").read_text())
    assert (summary["done"], summary["failed"], summary["not_run"], summary["remaining"]) == (2, 1, 0, 1)
    assert summary["rows"][2]["reason"] == "Canvas: Value 0 smaller than min of 1 (width)"
    assert (tmp_path / "b" / "job_0002" / "job_0002_t.png").is_file()


def test_rows_from_csv_and_yaml(tmp_path):
    (tmp_path / "rows.csv").write_text("Canvas.width,Save.filename_prefix\n32,a\n64,b\n")
    (tmp_path / "rows.yaml").write_text("- {Canvas.width: 32}\n- {Canvas.width: 64, Save.filename_prefix: b}\n")
    assert read_rows(tmp_path / "rows.csv") == [{"Canvas.width": 32, "Save.filename_prefix": "a"},
                                                 {"Canvas.width": 64, "Save.filename_prefix": "b"}]
    assert read_rows(tmp_path / "rows.yaml")[1]["Save.filename_prefix"] == "b"
    (tmp_path / "bad.yaml").write_text("width: 3\n")
    with pytest.raises(workflows.WorkflowError, match="YAML list"):
        read_rows(tmp_path / "bad.yaml")


def test_cli_run_and_errors(wf, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ATELIER_COMFYUI_URLS", raising=False)
    assert cli(["run", wf, "--set", "Canvas.width=24", "--out", str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"
    assert cli(["run", "no_such_workflow", "--out", str(tmp_path / "o2")]) == 2  # a mistake in the command
    assert not (tmp_path / "o2").exists()
    assert cli(["run", wf, "--set", "oops", "--out", str(tmp_path / "o3")]) == 2
    assert "NODE.INPUT=VALUE" in capsys.readouterr().err
    assert cli(["run", wf, "--set", "Canvas.width=0", "--out", str(tmp_path / "o4")]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["reason"] == "Canvas: Value 0 smaller than min of 1 (width)"
    assert "error: Canvas: Value 0 smaller than min of 1 (width)" in captured.err


def test_workflow_needing_comfyui_without_server_says_so(tmp_path, runner):
    prompt = dict(PROMPT, **{"3": {"class_type": "KSampler", "inputs": {}}})
    path = tmp_path / "sdxl.json"
    path.write_text(json.dumps(prompt))
    record = run_job(str(path), {}, tmp_path / "j", runner=runner)
    assert record["status"] == "failed" and "needs a running ComfyUI" in record["reason"]
    assert json.loads((tmp_path / "j" / "job.json").read_text())["status"] == "failed"
