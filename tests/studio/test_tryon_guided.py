"""Issue #18: without the pose (and parsing) models, the Try-on tab takes clicked joints and a box instead —
click state, the drawn view, the pose JSON / label map it writes, and a whole classic try-on from them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import studio_app
from custom_nodes.tryon.guided import CLICK_JOINTS, INSTALL_POSE
from custom_nodes.tryon.labels import L
from custom_nodes.tryon.pose import K, load_pose_json, people_from_pose_keypoint
from studio import app_logic as logic
from studio.backends import LocalBackend
from studio.runner import LocalRunner

SAMPLES = logic.sample_inputs()


@pytest.fixture()
def ctx(tmp_path, runner_dirs):
    return logic.StudioContext(tmp_path / "work", LocalRunner(runner_dirs["output"], runner_dirs["input"],
                                                               runner_dirs["temp"]))


@pytest.fixture()
def no_models(monkeypatch):
    """Neither the DWPose file nor the SegFormer parser, whatever this machine has installed."""
    monkeypatch.setattr(logic, "pose_detector_installed", lambda: False)
    monkeypatch.setattr(logic, "parser_installed", lambda: False)


@pytest.fixture(scope="module")
def photo():
    return logic.read_person(SAMPLES["person"])


@pytest.fixture(scope="module")
def sample_clicks(photo):
    """Clicks as a user makes them on the sample, in the radio's order: the joints where the sample pose JSON
    has them, then the corners of the label map's box grown by 5 % of the photo."""
    h, w = photo.shape[:2]
    pose = people_from_pose_keypoint(json.loads(SAMPLES["pose"].read_text()), w, h)[0]
    labels = np.asarray(Image.open(SAMPLES["labels"]))
    ys, xs = np.nonzero(labels)
    pad = 0.05 * max(h, w)
    corners = [(max(0, xs.min() - pad), max(0, ys.min() - pad)), (min(w - 1, xs.max() + pad), min(h - 1, ys.max() + pad))]
    clicks, target = logic.guided_clear()
    for item in logic.guided_items():
        assert target == item  # each click moves on to the next item
        x, y = pose[K[item], :2] if item in K else corners[logic.GUIDED_BOX.index(item)]
        clicks, target = logic.guided_click(clicks, target, x, y)
    return clicks


def test_clicks_advance_undo_and_clear():
    items = logic.guided_items()
    assert items == (*CLICK_JOINTS, "box_corner_1", "box_corner_2")
    assert [v for _, v in logic.guided_choices()] == list(items)
    clicks, target = logic.guided_clear()
    assert (clicks, target) == ({}, "neck")
    clicks, target = logic.guided_click(clicks, target, 100, 50, scale=0.5)
    assert clicks == {"neck": [200.0, 100.0]} and target == "right_shoulder"  # kept in photo pixels
    clicks, target = logic.guided_click(clicks, "box_corner_2", 10, 20)
    assert target == "right_shoulder"  # after the last item: back to the first one not set
    clicks, target = logic.guided_click(clicks, "neck", 7, 8)  # clicking an item again moves it
    assert clicks["neck"] == [7.0, 8.0] and list(clicks) == ["box_corner_2", "neck"] and target == "right_shoulder"
    clicks, target = logic.guided_undo(clicks)
    assert clicks == {"box_corner_2": [10.0, 20.0]} and target == "neck"  # the undone item is asked again
    assert logic.guided_undo({}) == ({}, "neck")
    assert logic.guided_clear() == ({}, "neck")
    everything = {i: [1.0, 1.0] for i in items}
    assert logic.guided_click(everything, "left_elbow", 3, 3)[1] == "left_elbow"  # all set: stay for corrections
    assert logic.guided_click({}, "no such joint", 3, 3) == ({"neck": [3.0, 3.0]}, "right_shoulder")


def test_progress_says_what_is_still_needed():
    clicks = {"neck": [1, 1], "right_shoulder": [10, 5], "left_shoulder": [30, 5]}
    text = logic.guided_progress(clicks)
    assert "2 of 10 clicked" in text and "Next: **right elbow**" in text
    assert "Still needed: right elbow, left elbow, right wrist, left wrist, right hip, left hip, box corner 1, " \
           "box corner 2." in text
    assert logic.guided_missing(clicks, need_box=False)[-1] == "left hip"
    swapped = logic.guided_progress({"right_shoulder": [30, 5], "left_shoulder": [10, 5]})
    assert "from the front, the person's right is on your left" in swapped
    done = logic.guided_progress({i: [1, 1] for i in logic.guided_items()})
    assert "10 of 10 clicked" in done and "Cut out the person" in done


def test_the_view_is_the_photo_with_the_clicks_drawn(photo, sample_clicks):
    plain = logic.guided_view(photo, {})
    assert plain.shape == photo.shape and plain.dtype == np.uint8 and np.array_equal(plain, photo)
    drawn = logic.guided_view(photo, sample_clicks)
    assert drawn.shape == photo.shape
    for item in ("right_elbow", "left_hip"):  # a dot on each clicked joint
        x, y = (round(v) for v in sample_clicks[item])
        assert np.abs(drawn[y, x].astype(int) - photo[y, x]).sum() > 60, item
    x0, y0, x1, y1 = (round(v) for v in logic.guided_box(sample_clicks))
    assert tuple(drawn[(y0 + y1) // 2, x0]) == (60, 220, 60)  # the box's left side
    guided = logic.guided_cutout(photo, sample_clicks)
    cut = logic.guided_view(photo, sample_clicks, guided.labels, guided.person_mask)
    assert cut.shape == photo.shape
    assert cut[-3:, -3:].mean() < 0.5 * photo[-3:, -3:].mean()  # outside the person: dimmed
    torso = np.argwhere(guided.labels == L["upper_clothes"])[len(np.argwhere(guided.labels == L["upper_clothes"])) // 2]
    assert cut[tuple(torso)][0] > 200 and cut[tuple(torso)][2] < 120  # upper clothes tinted red


def test_a_large_photo_is_shown_scaled_and_clicked_in_photo_pixels():
    big = np.full((3200, 2400, 3), 128, np.uint8)
    assert logic.guided_scale(big) == 0.5
    clicks, _ = logic.guided_click({}, "neck", 600, 400, scale=logic.guided_scale(big))
    assert clicks["neck"] == [1200.0, 800.0]
    view = logic.guided_view(big, clicks)
    assert view.shape == (1600, 1200, 3) and view[400, 600].tolist() != [128, 128, 128]
    assert logic.guided_on_view(big, 1199, 1599) and not logic.guided_on_view(big, 1300, 10)
    assert not logic.guided_on_view(big, float("nan"), 10) and not logic.guided_on_view(big, "1", 10)


def test_the_cutout_refuses_in_words(photo, sample_clicks):
    with pytest.raises(logic.UserError, match=r"^click left wrist, right hip, left hip, box corner 1, box corner 2 "):
        logic.guided_cutout(photo, {k: sample_clicks[k] for k in list(sample_clicks)[:6]})
    flat = {**sample_clicks, "box_corner_2": [sample_clicks["box_corner_1"][0] + 2, sample_clicks["box_corner_1"][1] + 2]}
    with pytest.raises(logic.UserError) as told:
        logic.guided_cutout(photo, flat)
    assert "empty" in str(told.value) and "field" not in str(told.value)


def test_a_guided_run_stages_the_pose_and_labels_and_tries_on(ctx, runner_dirs, tmp_path, photo, sample_clicks,
                                                             no_models):
    person, garment = str(SAMPLES["person"]), str(SAMPLES["garment"])
    job_dir = ctx.new_job_dir("browser:test", "try-on", "classic try-on")
    labels, pose, note = logic.guided_fallback(person, None, None, sample_clicks, job_dir)
    assert "Pose from your clicks, label map cut out from your box" in note and INSTALL_POSE in note
    assert {p.name for p in (job_dir / "guided").iterdir()} == {"person_pose.json", "person_labels.png"}
    # the pose file is what Load Pose reads, with the clicked joints where they were clicked
    frames = load_pose_json(pose)
    written = people_from_pose_keypoint(frames[0], photo.shape[1], photo.shape[0])[0]
    for joint in CLICK_JOINTS:
        np.testing.assert_allclose(written[K[joint], :2], sample_clicks[joint], atol=0.01)
    coarse = np.asarray(Image.open(labels))
    assert coarse.shape == photo.shape[:2] and {L["upper_clothes"], L["right_arm"], L["face"]} <= set(np.unique(coarse))
    backend = LocalBackend(ctx.runner)
    prompt = logic.tryon_prompt(backend, person, garment, labels, pose, job_dir)
    staged_pose = prompt[logic.by_title(prompt, "Pose")]
    assert staged_pose["class_type"] == "AtelierLoadPose"
    assert staged_pose["inputs"]["path"] == f"{job_dir.name}_person_pose.json"
    assert prompt[logic.by_title(prompt, "Person labels")]["inputs"]["image"] == f"{job_dir.name}_person_labels.png"
    assert prompt[logic.by_title(prompt, "Parse")]["inputs"]["source"] == "label_map"
    assert {f"{job_dir.name}_person_pose.json", f"{job_dir.name}_person_labels.png"} <= {
        p.name for p in runner_dirs["input"].iterdir()}

    # the whole tab: no pose JSON, no label map, the clicks → a classic try-on in-process
    lines = list(studio_app.tryon_steps(ctx, "browser:test", "s:tryon", person, garment, None, None, [],
                                        sample_clicks))
    text, files = lines[-1]
    assert text.startswith("Classic try-on (no diffusion): **Done**") and "Pose from your clicks" in text, text
    assert files and all(tmp_path in f.parents for f in files)  # written in the work folder, not the checkout
    result = np.asarray(Image.open(files[0]).convert("RGB"))
    assert result.shape == photo.shape
    red = np.array([0.80, 0.15, 0.18])
    top = np.asarray(Image.open(SAMPLES["labels"])) == L["upper_clothes"]
    was = (np.linalg.norm(photo / 255 - red, axis=-1) < 0.12) & top
    left = (np.linalg.norm(result / 255 - red, axis=-1) < 0.12) & top
    assert was.sum() > 5000 and left.sum() < 0.05 * was.sum()  # the red top is replaced by the garment


def test_with_a_label_map_only_the_pose_comes_from_the_clicks(ctx, sample_clicks, no_models):
    job_dir = ctx.new_job_dir("browser:test", "try-on", "classic try-on")
    joints = {k: v for k, v in sample_clicks.items() if k not in logic.GUIDED_BOX}  # no box needed
    labels, pose, note = logic.guided_fallback(str(SAMPLES["person"]), str(SAMPLES["labels"]), None, joints, job_dir)
    assert labels == str(SAMPLES["labels"]) and note.startswith("Pose from your clicks.")
    assert [p.name for p in (job_dir / "guided").iterdir()] == ["person_pose.json"]
    assert logic.guided_fallback(str(SAMPLES["person"]), None, str(SAMPLES["pose"]), {}, job_dir) == (
        None, str(SAMPLES["pose"]), "")  # a pose JSON given: nothing from clicks


def test_missing_clicks_are_named_with_the_install_command(ctx, sample_clicks, no_models, tmp_path):
    some = {k: sample_clicks[k] for k in ("neck", "right_shoulder", "left_shoulder", "right_elbow", "left_elbow")}
    lines = list(studio_app.tryon_steps(ctx, "browser:test", "s:tryon", str(SAMPLES["person"]),
                                        str(SAMPLES["garment"]), None, None, [], some))
    text, files = lines[-1]
    assert files is None and text.startswith("⚠️ add the person's pose JSON, or click the person's joints")
    assert ("still needed: right wrist, left wrist, right hip, left hip, box corner 1, box corner 2" in text), text
    assert f"`{INSTALL_POSE}`" in text
    for hidden in ("Traceback", "field '", str(tmp_path), "/tmp/"):
        assert hidden not in text
    with_labels = list(studio_app.tryon_steps(ctx, "browser:test", "s:tryon", str(SAMPLES["person"]),
                                              str(SAMPLES["garment"]), str(SAMPLES["labels"]), None, [], some))
    assert "still needed: right wrist, left wrist, right hip, left hip)" in with_labels[-1][0]


def test_results_show_the_photo_and_the_result_side_by_side(tmp_path):
    """The gallery's first image is photo | result at one scale: a lone result in a gallery thumbnail is
    shown cropped to the gallery's height (the head and chest only)."""
    result = tmp_path / "job_tryon_classic.png"
    Image.open(SAMPLES["person"]).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(result)
    shown = logic.tryon_gallery(SAMPLES["person"], [result])
    assert [caption for _, caption in shown] == ["photo | classic try-on", "classic try-on"]
    sheet = Image.open(shown[0][0])
    w, h = Image.open(SAMPLES["person"]).size
    assert sheet.height == h and sheet.width > 2 * w and shown[0][0].parent == tmp_path
    sdxl = tmp_path / "job_tryon_sdxl.png"
    Image.new("RGB", (2 * w, 2 * h), (0, 90, 200)).save(sdxl)  # another size: scaled whole to the photo's height
    sheet = Image.open(logic.tryon_gallery(SAMPLES["person"], [result, sdxl])[0][0])
    assert sheet.size[1] == h and sheet.size[0] > 3 * w
    assert sheet.getpixel((sheet.width - 2, h - 2)) == (0, 90, 200)


def test_the_tab_offers_the_guided_clicks_without_the_models(ctx, no_models):
    import gradio as gr

    app = studio_app.build_app(ctx)
    blocks = list(app.blocks.values())
    section = next(b for b in blocks if isinstance(b, gr.Accordion) and b.label == logic.GUIDED_TITLE)
    assert section.visible
    radio = next(b for b in blocks if isinstance(b, gr.Radio) and b.elem_id == "tryon-guided-target")
    assert [v for _, v in radio.choices] == list(logic.guided_items())
    text = " ".join(str(getattr(b, "value", "")) for b in blocks if isinstance(b, gr.Markdown))
    assert INSTALL_POSE in text
    gallery = next(b for b in blocks if isinstance(b, gr.Gallery) and b.elem_id == "tryon-results")
    assert gallery.object_fit == "contain" and gallery.preview
