"""Outputs appear whole or not at all: a download cut short or a move that fails leaves job.json only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from studio.backends import ComfyBackend, LocalBackend
from studio.comfy_client import ComfyClient, ComfyServerError
from studio.jobs import JobFolder
from studio.runner import LocalRunner
from tests.support.comfy_trace import TraceServer
from tests.support.comfy_trace.traces import load_trace

PROMPT = next(iter(load_trace("success").history_reply.values()))["prompt"][2]
CANVAS = {
    "1": {"class_type": "EmptyImage", "_meta": {"title": "Canvas"},
          "inputs": {"width": 8, "height": 8, "batch_size": 2, "color": 0}},
    "2": {"class_type": "SaveImage", "_meta": {"title": "Save"},
          "inputs": {"images": ["1", 0], "filename_prefix": "atelier/look"}},
}


@pytest.fixture
def server():
    with TraceServer("success") as running:
        yield running


def test_download_cut_short_fails_the_job_without_outputs(server, tmp_path, monkeypatch):
    client = ComfyClient(server.url, timeout=5.0, job_timeout_s=30.0)

    def view(*args, **kwargs):
        raise ComfyServerError(server.url, "GET /view failed (connection reset)")

    monkeypatch.setattr(client, "view", view)
    outcome = JobFolder(tmp_path / "job").run(ComfyBackend(client), PROMPT)
    assert outcome.status == "error" and outcome.files == []
    record = json.loads((tmp_path / "job" / "job.json").read_text())
    assert record["status"] == "failed"
    assert record["reason"].startswith(f"ComfyUI at {server.url} stopped answering while the outputs were downloaded")
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == ["job.json"]


def test_outputs_named_after_the_job_on_comfyui(server, tmp_path):
    outcome = JobFolder(tmp_path / "look-1").run(ComfyBackend(ComfyClient(server.url, timeout=5.0)), PROMPT)
    assert [p.name for p in outcome.files] == ["look-1_trace.png"]
    assert outcome.outputs["3"]["images"][0] == {"filename": "look-1_trace.png", "subfolder": "", "type": "output"}


def test_local_outputs_named_after_the_job_and_its_node_prefix(tmp_path, runner_dirs):
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    outcome = JobFolder(tmp_path / "j7").run(LocalBackend(runner), CANVAS)
    assert [p.name for p in outcome.files] == ["j7_look.png", "j7_look_2.png"]  # a batch of two images
    saved = sorted(p.name for p in (runner_dirs["output"] / "atelier").iterdir())
    assert len(saved) == 2 and all(name.startswith("j7-") for name in saved)  # this run's own names there too


def test_a_move_that_fails_removes_what_was_moved(tmp_path, runner_dirs, monkeypatch):
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    real_replace, calls = os.replace, []

    def replace(src, dst):
        if ".partial" in Path(src).parts:  # moving a staged output into place
            calls.append(dst)
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr("studio.jobs.os.replace", replace)
    outcome = JobFolder(tmp_path / "j").run(LocalBackend(runner), CANVAS)
    assert outcome.status == "error" and outcome.files == []
    record = json.loads((tmp_path / "j" / "job.json").read_text())
    assert record["status"] == "failed" and "No space left on device" in record["reason"]
    assert sorted(p.name for p in (tmp_path / "j").iterdir()) == ["job.json"]
