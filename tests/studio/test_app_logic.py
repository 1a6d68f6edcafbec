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
    catalog = str(tmp_path / "cat")
    shown, report = logic.scan_to_catalog(str(photo), "Test bricks", "denim", 0, catalog_dir=catalog)
    assert [caption for _, caption in shown] == ["albedo", "normal", "roughness", "2x2 preview"]
    saved = json.loads((tmp_path / "cat" / "test_bricks" / "fabric.json").read_text())
    assert saved["name"] == "Test bricks" and "seam_after" in report and str(tmp_path) not in report
    again = logic.scan_to_catalog(str(photo), "Test bricks", "denim", 0, catalog_dir=catalog)
    assert again[0] is None and "Tick 'Replace my fabric of the same name'" in again[1]
    assert logic.scan_to_catalog(str(photo), "Test bricks", "denim", 0, catalog_dir=catalog, overwrite=True)[0]
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert logic.scan_to_catalog(str(bad), "x", "denim", 0, catalog_dir=catalog)[1].startswith("⚠️")
    long = logic.scan_to_catalog(str(photo), "y" * 61, "denim", 0, catalog_dir=catalog)[1]
    assert "61 characters long; keep it to 60" in long
    scanned = logic.scan_to_catalog(str(photo), "Bricks", "test_bricks", 0, catalog_dir=catalog)[1]
    assert "'Behaves like' must be one of the physical presets" in scanned


def test_behaves_like_offers_only_presets_with_physics():
    from custom_nodes.fabric.presets import PRESETS

    offered = [value for _, value in logic.physical_presets()]
    assert offered and set(offered) == set(PRESETS)


def test_batch_rows_cover_every_combination():
    rows = logic.batch_rows(["denim", "linen"], ["#ff0000", "#00ff00"], ["S", "M", "L"], "tshirt", "male")
    assert len(rows) == 12
    assert {(r["Fabric.fabric_id"], r["Colour.colour"], r["Avatar.size"]) for r in rows} == {
        (f, c, s) for f in ("denim", "linen") for c in ("#ff0000", "#00ff00") for s in ("S", "M", "L")}
    assert all(r["Garment.size"] == r["Avatar.size"] for r in rows)
    assert "Colour.colour" not in logic.batch_rows(["denim"], [], ["M"], "tshirt", "female")[0]


def test_batch_size_and_colours_are_checked():
    with pytest.raises(logic.UserError, match="make 240 jobs; a batch may hold at most 200"):
        logic.batch_rows([f"f{i}" for i in range(12)], ["#000000"] * 4, ["XS", "S", "M", "L", "XL"], "tshirt", "female")
    assert logic.parse_colours("#FF0000, #00ff00 #0000ff") == ["#ff0000", "#00ff00", "#0000ff"]
    with pytest.raises(logic.UserError, match="'#zz0000' is not a colour; write it as #rrggbb"):
        logic.parse_colours("#ff0000, #zz0000")


def test_batch_items_carry_captions_and_reasons(tmp_path):
    prompt = logic.workflows.load("drape_preview")
    report_id = logic.by_title(prompt, "Show report")
    (tmp_path / "a_drape_preview.png").write_bytes(b"png")
    row = logic.batch_rows(["denim"], ["#112233"], ["L"], "trousers", "male")[0]
    done = logic.batch_item({"status": "done", "files": ["a_drape_preview.png", "a_drape.glb"],
                             "outputs": {report_id: {"text": ["Drape FAIL: x\n  why: seams not closed"]}}},
                            row, tmp_path, prompt)
    assert done.caption == "trousers · L · denim · #112233 · FAIL" and done.preview == tmp_path / "a_drape_preview.png"
    assert done.reason == "seams not closed"
    ok = logic.batch_item({"status": "success", "files": ["a_drape_preview.png"],
                           "outputs": {report_id: {"text": ["Drape PASS: x"]}}}, row, tmp_path, prompt)
    assert ok.caption.endswith("· PASS")
    failed = logic.batch_item({"status": "error", "error": {"node_id": "6", "node_type": "AtelierRecolourFabric",
                                                            "exception_type": "InvalidInputError",
                                                            "exception_message": "field 'colour': cannot read"}},
                              row, tmp_path, prompt)
    assert failed.caption.endswith("· FAILED") and failed.reason == "Colour: field 'colour': cannot read"
    reasoned = logic.batch_item({"status": "failed", "reason": "No ComfyUI answered at /srv/x/y"}, row, tmp_path, prompt)
    assert reasoned.reason == "No ComfyUI answered at y"
    result = logic.BatchResult([done, ok, failed], tmp_path)
    assert result.succeeded == 2 and "2/3 jobs succeeded" in result.summary()
    assert "trousers · L · denim · #112233: Colour: field 'colour': cannot read" in result.summary()
    assert [c for _, c in result.gallery()] == [done.caption, ok.caption]


def test_errors_read_like_sentences(caplog):
    prompt = {"3": {"class_type": "AtelierDrape", "inputs": {}, "_meta": {"title": "Drape"}}}
    rejected = Outcome("error", {}, error={"error": {"message": "Prompt outputs failed validation"}, "node_errors": {
        "3": {"class_type": "AtelierDrape", "errors": [{"message": "Value 0 smaller than min of 1",
                                                         "details": "max_frames"}]}}})
    assert "Drape: Value 0 smaller than min of 1 — max_frames" in logic.describe_error(rejected, prompt)
    diverged = Outcome("error", {}, error={"node_id": "3", "node_type": "AtelierDrape", "exception_type":
                                           "SimulationDivergedError", "exception_message": "diverged at frame 3\n"})
    assert logic.describe_error(diverged, prompt) == "Drape: diverged at frame 3"
    crashed = Outcome("error", {}, error={"node_id": "3", "node_type": "AtelierDrape", "exception_type": "ValueError",
                                          "exception_message": "zero-size array to reduction operation minimum"})
    told = logic.describe_error(crashed, prompt)
    assert told == "Something went wrong in Drape; the details are in the studio log." and "zero-size" in caplog.text
    lost = Outcome("error", {}, error={"type": "server_unreachable", "message": "ComfyUI at http://gpu:8188 stopped "
                                       "answering while the job ran"})
    assert logic.describe_error(lost).startswith("ComfyUI at http://gpu:8188 stopped")
    assert logic.describe_error(Outcome("error", {}, error={"message": "timed out"})).startswith("The job took too long")
    assert logic.describe_error(Outcome("interrupted", {})) == "Cancelled."
    assert logic.describe_error(Outcome("success", {})) == ""


def test_tryon_prompt_stages_uploads_and_needs_a_pose(backend, tmp_path, runner_dirs):
    for name in ("person.png", "garment.png", "labels.png"):
        Image.new("RGB", (32, 32)).save(tmp_path / name)
    (tmp_path / "pose.json").write_text('{"people": []}')
    prompt = logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"),
                                str(tmp_path / "labels.png"), str(tmp_path / "pose.json"))
    assert prompt[logic.by_title(prompt, "Person labels")]["inputs"]["image"] == "labels.png"
    assert {"person.png", "garment.png", "labels.png", "pose.json"} <= {p.name for p in runner_dirs["input"].iterdir()}
    no_labels = logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"), None,
                                   str(tmp_path / "pose.json"))
    assert logic.by_title(no_labels, "Person labels") is None
    assert no_labels[logic.by_title(no_labels, "Parse")]["inputs"]["source"] == "segformer"
    with pytest.raises(logic.UserError, match="pose JSON.*install.py models --download --only dwpose_wholebody"):
        logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"), None, None)


def test_without_a_pose_json_the_installed_detector_finds_the_pose(backend, tmp_path, runner_dirs, monkeypatch):
    """Issue #18: with the DWPose file in the models folder, no pose JSON is needed; Detect Pose takes the
    photo and the parse in place of the pose file's loader."""
    import custom_nodes.core.paths as paths
    from custom_nodes.tryon.tiny_onnx import tiny_rtmpose_onnx

    models = tmp_path / "models"
    (models / "atelier" / "dwpose").mkdir(parents=True)
    monkeypatch.setattr(paths, "MODELS_DIR", models)
    assert not logic.pose_detector_installed()
    (models / "atelier" / "dwpose" / "dw-ll_ucoco_384.onnx").write_bytes(tiny_rtmpose_onnx(133, 48, 64))
    assert logic.pose_detector_installed()
    for name in ("person.png", "garment.png"):
        Image.new("RGB", (32, 32)).save(tmp_path / name)
    prompt = logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"), None, None)
    node = prompt[logic.by_title(prompt, "Pose")]
    assert node["class_type"] == "AtelierDetectPose"
    assert node["inputs"]["image"] == [logic.by_title(prompt, "Person photo"), 0]
    assert node["inputs"]["parse"] == [logic.by_title(prompt, "Parse"), 0]
    users = [n for n in prompt.values() if [logic.by_title(prompt, "Pose"), 0] in n["inputs"].values()]
    assert users and all(n["class_type"].startswith("Atelier") for n in users)


def test_uploads_land_in_their_own_job_folder(backend, tmp_path, runner_dirs):
    """Two sessions uploading 'person.png' get two job folders and two staged names; nothing is shared."""
    ctx = logic.StudioContext(tmp_path / "work", backend.runner)
    for name in ("person.png", "garment.png"):
        Image.new("RGB", (32, 32), (200, 10, 10)).save(tmp_path / name)
    (tmp_path / "pose.json").write_text('{"people": []}')
    staged = []
    for _ in range(2):
        job_dir = ctx.new_job_dir("browser:abc", "try-on", "classic try-on")
        prompt = logic.tryon_prompt(backend, str(tmp_path / "person.png"), str(tmp_path / "garment.png"), None,
                                    str(tmp_path / "pose.json"), job_dir)
        name = prompt[logic.by_title(prompt, "Person photo")]["inputs"]["image"]
        assert name == f"{job_dir.name}_person.png" and (runner_dirs["input"] / name).is_file()
        assert {p.name for p in (job_dir / "uploads").iterdir()} == {"person.png", "garment.png", "pose.json"}
        staged.append(name)
    assert staged[0] != staged[1]


def test_design_prompt_frames_the_garment(backend):
    node = {}
    for template, preset in (("tshirt", "upper_body"), ("hoodie", "upper_body"), ("trousers", "full_body"),
                             ("shift_dress", "full_body"), ("skirt_aline", "full_body")):
        prompt = logic.design_prompt(logic.DesignForm(template), backend)
        node = {e["_meta"]["title"]: e["inputs"] for e in prompt.values()}
        assert node["Camera"]["preset"] == preset == node["Turntable"]["preset"], template
    with pytest.raises(logic.UserError, match="'red' is not a colour"):
        logic.design_prompt(logic.DesignForm(colour="red"), backend)


def test_a_failed_drape_report_is_not_done():
    report = ("Drape FAIL: tshirt in Denim (2211 vertices)\n  frames 200 (static at None)\n"
              "  why: 37 body crossings > 35 (mostly in front, back)\n  why: not static: time limit\n"
              "  note: fabric stretched")
    assert logic.drape_verdict(report) == ("FAIL", ["37 body crossings > 35 (mostly in front, back)",
                                                    "not static: time limit"])
    result = logic.DesignResult(None, [], None, report, [], "local", "success", "", *logic.drape_verdict(report))
    assert result.headline() == "Drape FAIL" and "37 body crossings" in result.explanation()
    passed = logic.DesignResult(None, [], None, "Drape PASS: tee", [], "local", "success", "", "PASS")
    assert passed.headline() == "Done" and passed.explanation() == ""
    failed = logic.DesignResult(None, [], None, "", [], "local", "error", "Pose: bad file")
    assert failed.headline() == "Failed" and failed.explanation() == "Pose: bad file"


def test_backend_uses_only_servers_from_the_environment(backend, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(logic, "choose_backend", lambda prompt, servers, runner: seen.append(servers) or backend)
    ctx = logic.StudioContext(tmp_path, backend.runner, ["http://gpu:8188"])
    ctx.backend({}, ["http://169.254.169.254/", "http://gpu:8188"])
    ctx.backend({}, "http://127.0.0.1:22")
    ctx.backend({})
    assert seen == [["http://gpu:8188"], [], ["http://gpu:8188"]]


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
