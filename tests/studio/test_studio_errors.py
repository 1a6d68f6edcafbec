"""Every failure says why, in the user's words: try-on inputs through the real job path (local runner),
batch rows with a bad colour, and nothing internal (paths, NumPy or JSON errors) in what users read."""

from __future__ import annotations

import json
import logging

import pytest
from PIL import Image

import studio_app
from studio import app_logic as logic
from studio.runner import LocalRunner

SAMPLES = logic.sample_inputs()


@pytest.fixture()
def ctx(tmp_path, runner_dirs):
    return logic.StudioContext(tmp_path / "work", LocalRunner(runner_dirs["output"], runner_dirs["input"],
                                                               runner_dirs["temp"]))


def tryon(ctx, **given) -> str:
    """The try-on tab's last status line for the sample inputs with ``given`` replaced."""
    inputs = {"person": SAMPLES["person"], "garment": SAMPLES["garment"], "labels": SAMPLES["labels"],
              "pose": SAMPLES["pose"], **given}
    lines = [text for text, _ in studio_app.tryon_steps(ctx, "browser:test", "s:tryon", *(
        str(inputs[k]) if inputs[k] else None for k in ("person", "garment", "labels", "pose")), [])]
    return lines[-1]


def assert_nothing_internal(text: str, *hidden: str) -> None:
    for word in ("Traceback", "zero-size array", "recursion depth", "/tmp/", "/home/", *hidden):
        assert word not in text, text


def test_the_sample_tries_on(ctx):
    assert {"person", "garment", "labels", "pose", "fabric"} <= set(SAMPLES)
    assert tryon(ctx).startswith("Classic try-on (no diffusion): **Done**")


def test_each_try_on_failure_says_why(ctx, tmp_path):
    pose = json.loads(SAMPLES["pose"].read_text())
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    pose["people"][0]["pose_keypoints_2d"][:2] = [float("nan"), float("nan")]
    (tmp_path / "nan.json").write_text(json.dumps(pose))  # json writes NaN, which Python's reader accepts
    Image.new("RGB", (1, 1)).save(tmp_path / "one.png")
    Image.new("L", (32, 48)).save(tmp_path / "labels.png")
    (tmp_path / "noise.png").write_bytes(bytes(range(256)) * 64)
    cases = {
        "bad.json": ("pose", "is not a JSON file"),
        "deep.json": ("pose", "nested too deeply"),
        "one.png": ("person", "1×1 pixels; it needs at least 16 pixels a side"),
        "labels.png": ("labels", "differ in size"),
        "noise.png": ("garment", "is not a PNG, JPEG or WebP image"),
        "nan.json": ("pose", "NaN or infinite values"),
    }
    for name, (field, expected) in cases.items():
        told = tryon(ctx, **{field: tmp_path / name})
        assert expected in told, (name, told)
        assert "⚠️" in told or "**Failed**" in told, told
        assert_nothing_internal(told, str(tmp_path))
    missing = tryon(ctx, pose=None)
    assert "add the person's pose JSON" in missing


@pytest.mark.slow
def test_a_36_megapixel_photo_is_refused_by_the_node_in_words(ctx, tmp_path):
    Image.new("RGB", (7200, 5000), (120, 110, 100)).save(tmp_path / "big.png", compress_level=1)
    told = tryon(ctx, person=tmp_path / "big.png")
    assert "**Failed**" in told and "36 MP" in told and "downscale" in told, told
    assert_nothing_internal(told, str(tmp_path))


def test_a_node_crash_is_logged_not_shown(ctx, tmp_path, monkeypatch, caplog):
    """An unexpected error inside a node: a sentence naming the step; the traceback goes to the log."""
    from custom_nodes.tryon import nodes

    def boom(*args, **kwargs):
        import numpy as np

        return np.zeros(0).min()  # zero-size array to reduction operation minimum which has no identity

    cls = nodes.NODE_CLASS_MAPPINGS["AtelierLoadPose"]
    monkeypatch.setattr(cls, cls.FUNCTION, boom)
    caplog.set_level(logging.ERROR, logger="atelier.studio")
    told = tryon(ctx)
    assert "Something went wrong in Pose; the details are in the studio log." in told
    assert_nothing_internal(told)
    assert "zero-size array" in caplog.text


def test_batch_with_a_bad_colour_names_it(ctx):
    with pytest.raises(logic.UserError, match="'#12345' is not a colour"):
        logic.parse_colours("#123456, #12345")
    rows = logic.batch_rows(["cotton_jersey"], ["#12345"], ["M"], "tshirt", "female")  # past the form's check
    result = logic.run_batch_rows(ctx, rows, ctx.new_job_dir("browser:x", "batch", "bad colour"), [])
    (item,) = result.items
    assert item.status == "failed" and item.caption == "tshirt · M · cotton_jersey · #12345 · FAILED"
    assert "Colour" in item.reason and "#12345" in item.reason, item.reason
    assert "0/1 jobs succeeded" in result.summary() and f"- {item.label}: {item.reason}" in result.summary()
    assert_nothing_internal(result.summary())


def test_fabric_scan_of_an_unreadable_photo_says_why(tmp_path):
    svg = tmp_path / "swatch.png"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    shown, told = logic.scan_to_catalog(str(svg), "Swatch", "denim", 0, catalog_dir=str(tmp_path / "cat"))
    assert shown is None and "'swatch.png' is not a PNG, JPEG or WebP image" in told
    assert logic.check_image(str(svg)) == (None, "⚠️ 'swatch.png' is not a PNG, JPEG or WebP image the studio can read")


def test_a_cancelled_batch_says_so(ctx):
    import threading

    rows = logic.batch_rows(["cotton_jersey", "denim"], [], ["M"], "tshirt", "female")
    cancel = threading.Event()
    ctx.on_cancel("s:batch", cancel.set)
    assert ctx.cancel("s:batch") and cancel.is_set()  # what the Cancel button does
    result = logic.run_batch_rows(ctx, rows, ctx.new_job_dir("browser:x", "batch", "cancelled"), [], cancel=cancel)
    assert [i.caption for i in result.items] == ["tshirt · M · cotton_jersey · fabric colour · NOT RUN",
                                                 "tshirt · M · denim · fabric colour · NOT RUN"]
    assert result.summary() == "**0/2 jobs succeeded**, 2 cancelled or not run, the batch was cancelled"
    ctx.finished("s:batch")
    assert not ctx.cancel("s:batch")
