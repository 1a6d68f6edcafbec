"""The CLI refuses settings the workflow does not have (naming the valid ones, closest first), and says per
row why a value was refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio import workflows
from studio.__main__ import main as cli
from studio.batch import check_settings

REPO = Path(__file__).resolve().parents[2]
COLOUR = {
    "5": {"class_type": "AtelierFabricFromCatalog", "_meta": {"title": "Fabric"},
          "inputs": {"fabric_id": "cotton_jersey", "colourway": "", "catalog_dir": ""}},
    "6": {"class_type": "AtelierRecolourFabric", "_meta": {"title": "Colour"},
          "inputs": {"fabric": ["5", 0], "colour": "", "colourway": "custom"}},
    "9": {"class_type": "PreviewAny", "_meta": {"title": "Show"}, "inputs": {"source": ["6", 0]}},
}


@pytest.fixture(autouse=True)
def _no_servers(monkeypatch):
    monkeypatch.delenv("ATELIER_COMFYUI_URLS", raising=False)


def test_misspelt_input_is_refused_with_exit_2_and_no_traceback(tmp_path):
    """The issue's own command: a typo used to drape a default T-shirt and exit 0."""
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "ATELIER_COMFYUI_URLS"}
    done = subprocess.run([sys.executable, "-m", "studio", "run", "drape_preview", "--set", "Garment.garmnet=hoodie",
                           "--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "node 'Garment' has no input 'garmnet'; did you mean 'Garment.garment'?" in done.stderr
    assert "Its inputs: body, body_length," in done.stderr
    assert not out.exists()  # nothing ran, no job folder


def test_unknown_node_suggests_the_closest(tmp_path, capsys):
    assert cli(["run", "drape_preview", "--set", "Garmnt.size=L", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "the workflow has no node 'Garmnt'; did you mean 'Garment.size'?" in err
    assert "Its nodes: Avatar, Camera," in err


def test_check_settings_accepts_titles_ids_class_types_and_declared_inputs():
    prompt = workflows.load("drape_preview")
    check_settings(prompt, ["Garment.garment", "1.size", "AtelierDrape.max_frames", "Colour.colour"])
    with pytest.raises(workflows.WorkflowError, match="NODE.INPUT"):
        check_settings(prompt, ["garment"])
    with pytest.raises(workflows.WorkflowError, match="has no input 'zzz'\\. Its inputs"):
        check_settings(prompt, ["Garment.zzz"])  # nothing close: no suggestion


def test_batch_with_an_unknown_column_runs_nothing(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("Garment.garment,Fabric.fabirc_id\ntshirt,denim\n")
    assert cli(["batch", "drape_preview", str(rows), "--out", str(tmp_path / "b")]) == 2
    assert "did you mean 'Fabric.fabric_id'?" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_bad_colour_row_says_why_in_output_and_batch_json(tmp_path, capsys):
    workflow = tmp_path / "colour.json"
    workflow.write_text(json.dumps(COLOUR))
    rows = tmp_path / "rows.yaml"
    rows.write_text("- {Colour.colour: '#ff0000'}\n- {Colour.colour: bluish}\n")
    assert cli(["batch", str(workflow), str(rows), "--out", str(tmp_path / "b")]) == 1
    captured = capsys.readouterr()
    why = "Colour.colour: cannot read a colour from 'bluish'; write '#rrggbb' or 'r, g, b' in 0..1"
    assert "1 of 2 rows done, 1 failed" in captured.out
    assert f"row 2 (job_0002) failed: {why}" in captured.out and why in captured.err
    summary = json.loads((tmp_path / "b" / "batch.json").read_text())
    assert summary["rows"][1]["status"] == "failed" and summary["rows"][1]["reason"] == why
    record = json.loads((tmp_path / "b" / "job_0002" / "job.json").read_text())
    assert record["status"] == "failed" and record["reason"] == why
    assert "InvalidInputError" not in captured.out + captured.err
