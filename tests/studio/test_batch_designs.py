"""Batch rows that name saved designs: ``design=<id>[@version]`` fills the workflow's Load Design node, or its
pattern, avatar, fabric and drape nodes; a missing design or a design the workflow cannot show is refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from custom_nodes.core.design import Body, Design, Look, PatternSource, Print
from custom_nodes.design import DesignStore
from custom_nodes.pattern.params import TemplateSettings
from studio import workflows
from studio.__main__ import main as cli
from studio.batch import design_settings, expand_design_rows, read_rows

pytest.importorskip("sqlalchemy", reason="the 'designs' extra is not installed")

PROMPT = {
    "1": {"class_type": "AtelierLoadDesign", "_meta": {"title": "Design"}, "inputs": {"design_id": "", "version": 0}},
    "2": {"class_type": "PreviewAny", "_meta": {"title": "Show"}, "inputs": {"source": ["1", 5]}},
}


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("ATELIER_DB_URL", f"sqlite:///{tmp_path / 'designs.sqlite'}")
    monkeypatch.delenv("ATELIER_COMFYUI_URLS", raising=False)
    with DesignStore() as s:
        yield s


@pytest.fixture()
def tee(store):
    """A tee saved twice: v1 in linen, v2 in denim with more chest ease."""
    v1 = store.create(Design.new("Batch tee", "tshirt", "S", "linen", body=Body("S", "female", {"waist_girth": 0.7})))
    design = replace(v1.design, look=Look("denim", "black"),
                     pattern=PatternSource(TemplateSettings(chest_ease=16.0)))
    return v1, store.save(v1.design_id, design)


def test_a_load_design_workflow_gets_the_id_and_the_version(store, tee):
    v1, v2 = tee
    assert design_settings(PROMPT, f"{v1.design_id}@1") == {"1.design_id": v1.design_id, "1.version": 1}
    assert design_settings(PROMPT, v1.design_id)["1.version"] == 2  # no version: the latest, pinned now


def test_batch_cli_runs_one_job_per_design_row(store, tee, tmp_path, capsys):
    v1, v2 = tee
    wf = tmp_path / "design.json"
    wf.write_text(json.dumps(PROMPT))
    rows = tmp_path / "rows.csv"
    rows.write_text(f"design\n{v1.design_id}@1\n{v1.design_id}\n")
    assert read_rows(rows)[0] == {"design": f"{v1.design_id}@1"}  # kept as text (ids are never numbers)
    assert cli(["batch", str(wf), str(rows), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert [r["status"] for r in summary["rows"]] == ["done", "done"]
    assert [r["settings"]["1.version"] for r in summary["rows"]] == [1, 2]
    shown = [json.loads((tmp_path / "out" / f"job_000{i}" / "job.json").read_text())["outputs"]["2"]["text"][0]
             for i in (1, 2)]
    assert shown[0].startswith("Batch tee v1") and "fabric linen" in shown[0]
    assert shown[1].startswith("Batch tee v2") and "fabric denim in black" in shown[1]


def test_run_accepts_a_design_too(store, tee, tmp_path, capsys):
    v1, _ = tee
    wf = tmp_path / "design.json"
    wf.write_text(json.dumps(PROMPT))
    assert cli(["run", str(wf), "--set", f"design={v1.design_id}@1", "--out", str(tmp_path / "o")]) == 0
    record = json.loads((tmp_path / "o" / "job.json").read_text())
    assert record["settings"] == {"1.design_id": v1.design_id, "1.version": 1}


def test_a_template_workflow_gets_the_designs_widgets(store, tee):
    """No Load Design node: the design's settings go into the pack's nodes, the row's own columns win."""
    _, v2 = tee
    prompt = workflows.load("batch_colorways")
    ids = {e["_meta"]["title"]: nid for nid, e in prompt.items()}
    rows = expand_design_rows(prompt, [{"design": v2.design_id, "Colour.colour": "#112233"}])
    row = rows[0]
    assert row[f"{ids['Garment']}.chest_ease"] == 16.0 and row[f"{ids['Garment']}.size"] == "S"
    assert row[f"{ids['Avatar']}.waist_girth_cm"] == 70.0 and row[f"{ids['Avatar']}.body"] == "female"
    assert row[f"{ids['Fabric']}.fabric_id"] == "denim" and row[f"{ids['Fabric']}.colourway"] == "black"
    assert row[f"{ids['Drape']}.max_frames"] == v2.design.drape.max_frames
    assert row["Colour.colour"] == "#112233" and "design" not in row
    applied = workflows.with_settings(prompt, row)  # every key is a real, settable input
    assert applied[ids["Garment"]]["inputs"]["chest_ease"] == 16.0
    assert applied[ids["Place"]]["inputs"]["avatar"] == prompt[ids["Place"]]["inputs"]["avatar"]  # links untouched


def test_missing_designs_and_designs_a_workflow_cannot_show_are_refused(store, tee, tmp_path, capsys):
    v1, _ = tee
    with pytest.raises(workflows.WorkflowError, match="row 2: design 'f00@1': no design with id 'f00'"):
        expand_design_rows(PROMPT, [{"design": v1.design_id}, {"design": "f00@1"}])
    with pytest.raises(workflows.WorkflowError, match="has versions 1–2; there is no version 5"):
        design_settings(PROMPT, f"{v1.design_id}@5")
    art = store.add_media(b"\x89PNG artwork", "flowers.png", "print")
    printed = store.save(v1.design_id, replace(v1.design, look=Look("linen", print=Print(art))))
    with pytest.raises(workflows.WorkflowError, match="has its prints, which only a Load Design node brings"):
        design_settings(workflows.load("batch_colorways"), printed.design_id)
    canvas = {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}}
    with pytest.raises(workflows.WorkflowError, match="no node a design can fill"):
        design_settings(canvas, f"{v1.design_id}@1")
    wf = tmp_path / "design.json"
    wf.write_text(json.dumps(PROMPT))
    (tmp_path / "rows.csv").write_text("design\nnot-a-design\n")
    assert cli(["batch", str(wf), str(tmp_path / "rows.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "row 1: design 'not-a-design': no design with id 'not-a-design'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # a mistake in the command runs nothing
