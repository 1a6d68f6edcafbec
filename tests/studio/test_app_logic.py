"""What the studio's buttons do, tested without a browser."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio import app_logic as logic
from studio.backends import LocalBackend, Outcome
from studio.runner import LocalRunner


@pytest.fixture()
def backend(runner_dirs):
    return LocalBackend(LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"]))


def test_catalog_gallery_lists_and_searches():
    everything = logic.catalog_gallery("")
    assert len(everything) >= 12 and all(path.endswith("albedo.png") for path, _ in everything)
    denim = logic.catalog_gallery("denim")
    assert denim and all("Denim" in caption for _, caption in denim)
    assert logic.catalog_gallery("no such fabric xyz") == []


def test_scan_to_catalog_makes_maps_and_an_entry(tmp_path):
    from skimage import data

    photo = tmp_path / "bricks.png"
    Image.fromarray(np.dstack([data.brick()] * 3)).save(photo)
    shown, report = logic.scan_to_catalog(str(photo), "Test bricks", "denim", 0, catalog_dir=str(tmp_path / "cat"))
    assert [caption for _, caption in shown] == ["albedo", "normal", "roughness", "2x2 preview"]
    saved = json.loads((tmp_path / "cat" / "test_bricks" / "fabric.json").read_text())
    assert saved["name"] == "Test bricks" and "seam_after" in report
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert logic.scan_to_catalog(str(bad), "x", "denim", 0, catalog_dir=str(tmp_path / "cat"))[1].startswith("⚠️")


def test_batch_rows_cover_every_combination():
    rows = logic.batch_rows(["denim", "linen"], ["#ff0000", "#00ff00"], ["S", "M", "L"], "tshirt", "male")
    assert len(rows) == 12
    assert {(r["Fabric.fabric_id"], r["Colour.colour"], r["Avatar.size"]) for r in rows} == {
        (f, c, s) for f in ("denim", "linen") for c in ("#ff0000", "#00ff00") for s in ("S", "M", "L")}
    assert all(r["Garment.size"] == r["Avatar.size"] for r in rows)
    assert "Colour.colour" not in logic.batch_rows(["denim"], [], ["M"], "tshirt", "female")[0]


def test_errors_read_like_sentences():
    rejected = Outcome("error", {}, error={"error": {"message": "Prompt outputs failed validation"}, "node_errors": {
        "3": {"class_type": "AtelierDrape", "errors": [{"message": "Value 0 smaller than min of 1",
                                                         "details": "max_frames"}]}}})
    assert "AtelierDrape (node 3): Value 0 smaller than min of 1 — max_frames" in logic.describe_error(rejected)
    crashed = Outcome("error", {}, error={"node_type": "AtelierDrape", "exception_message": "diverged at frame 3\n"})
    assert logic.describe_error(crashed) == "AtelierDrape failed: diverged at frame 3"
    assert logic.describe_error(Outcome("interrupted", {})) == "cancelled"
    assert logic.describe_error(Outcome("success", {})) == ""


def test_tryon_prompt_stages_uploads_and_needs_a_pose(backend, tmp_path, runner_dirs):
    for name in ("person.png", "garment.png", "labels.png"):
        Image.new("RGB", (8, 8)).save(tmp_path / name)
    (tmp_path / "pose.json").write_text('{"people": []}')
    prompt = logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"),
                                str(tmp_path / "labels.png"), str(tmp_path / "pose.json"))
    assert prompt[logic.by_title(prompt, "Person labels")]["inputs"]["image"] == "labels.png"
    assert {"person.png", "garment.png", "labels.png", "pose.json"} <= {p.name for p in runner_dirs["input"].iterdir()}
    no_labels = logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"), None,
                                   str(tmp_path / "pose.json"))
    assert logic.by_title(no_labels, "Person labels") is None
    assert no_labels[logic.by_title(no_labels, "Parse")]["inputs"]["source"] == "segformer"
    with pytest.raises(Exception, match="pose JSON"):
        logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"), None, None)


def test_replace_node_swaps_a_template_for_a_loader():
    prompt = {"1": {"class_type": "AtelierPatternTemplate", "inputs": {"garment": "tshirt"}, "_meta": {"title": "Garment"}},
              "2": {"class_type": "AtelierTriangulate", "inputs": {"pattern": ["1", 0]}, "_meta": {"title": "Mesh"}}}
    out = logic.replace_node(prompt, "Garment", "AtelierPatternLoad", {"path": "shirt.json"})
    assert out["1"]["class_type"] == "AtelierPatternLoad" and out["2"]["inputs"]["pattern"] == ["1", 0]
    assert prompt["1"]["class_type"] == "AtelierPatternTemplate"


def test_render_form_reaches_the_sdxl_workflow(backend):
    form = logic.RenderForm(logic.DesignForm("hoodie", "L", "male", "denim", "#112233"), "beach", "smiling", 7,
                            0.5, 0.3, 0.9, 0.8)
    prompt = logic.render_prompt(form)
    node = {e["_meta"]["title"]: e["inputs"] for e in prompt.values()}
    assert node["Garment"]["garment"] == "hoodie" and node["Avatar"]["size"] == "L" == node["Garment"]["size"]
    assert node["Sampler"]["seed"] == 7 and node["Apply openpose"]["strength"] == 0.9
    assert node["Prompt text"]["environment"] == "beach" and node["IP-Adapter"]["weight"] == 0.8
    missing = logic.needs_comfyui(prompt, backend)
    assert "needs a running ComfyUI" in missing and "ComfyUI_IPAdapter_plus" in missing
    assert logic.needs_comfyui(logic.workflows.load("tryon_classic"), backend) == ""
