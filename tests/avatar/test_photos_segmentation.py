"""Cutting the person out of a photo, and refusing photos that are not one whole standing person.

The photos are drawn by the project's renderer from Anny bodies (custom_nodes/avatar/photo_eval.py),
which also gives the exact silhouette to compare against. The u2net_human_seg path is tested on tiny
ONNX files written here (real input/output names and shapes, random or hand-set weights): nothing downloads.
"""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.avatar.silhouette import (
    PhotoRejected,
    as_rgb,
    check_person,
    find_human_seg,
    segment,
    segment_classical,
    silhouette,
)
from custom_nodes.core.errors import FileFormatError, InvalidInputError, ModelMissingError


@pytest.fixture(scope="module")
def photos(anny_body):
    """One rendered female body: front and side photos with their exact coverage masks."""
    from custom_nodes.avatar.photo_eval import photo_pair, sample_bodies

    sample = sample_bodies(anny_body, 1, seed=11)[0]
    return photo_pair(anny_body, sample, seed=11, rows=768, width=576, with_masks=True)


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


def test_classical_cut_matches_the_rendered_silhouette_to_a_pixel(photos):
    front, side, truth_f, truth_s = photos
    for photo, truth in ((front, truth_f), (side, truth_s)):
        mask = segment_classical(photo)
        t = truth > 0.5
        assert _iou(mask, t) > 0.99
        rows = np.where(t.any(1))[0]
        widths = np.array([mask[r].sum() - t[r].sum() for r in rows])
        assert abs(widths.mean()) < 0.5  # no systematic fattening or thinning of the body


def test_silhouette_spans_head_to_soles(photos):
    front, _, truth, _ = photos
    sil = silhouette(front, "front", "classical")
    rows = np.where((truth > 0.5).any(1))[0]
    assert abs(sil.top - rows[0]) <= 1 and abs(sil.bottom - rows[-1]) <= 1
    assert sil.method == "classical" and sil.mask.shape == truth.shape


def test_cluttered_background_is_refused_with_what_to_retake(photos):
    from custom_nodes.avatar.photo_eval import cluttered

    with pytest.raises(PhotoRejected) as err:
        silhouette(cluttered(photos[0], np.random.default_rng(1)), "front", "classical")
    msg = str(err.value)
    assert "cluttered" in msg and "plain" in msg and "Retake" in msg and err.value.view == "front"


def test_cut_off_person_is_refused_naming_the_edge(photos):
    from custom_nodes.avatar.photo_eval import cut_off

    with pytest.raises(PhotoRejected, match=r"cut off at the bottom \(feet\)"):
        silhouette(cut_off(photos[0]), "front", "classical")
    with pytest.raises(PhotoRejected, match=r"cut off at the top \(head\)"):
        top = int(np.where((photos[3] > 0.5).any(1))[0][0])
        silhouette(photos[1][top + 25:].copy(), "side", "classical")


def test_two_people_are_refused(photos):
    from custom_nodes.avatar.photo_eval import two_people

    with pytest.raises(PhotoRejected, match="2 separate figures"):
        silhouette(two_people(photos[0]), "front", "classical")


def test_masks_that_cannot_be_a_person_are_refused():
    empty = np.zeros((600, 400), bool)
    with pytest.raises(PhotoRejected, match="no person found"):
        check_person(empty, "front")
    full = np.ones((600, 400), bool)
    full[:5], full[-5:], full[:, :5], full[:, -5:] = False, False, False, False
    with pytest.raises(PhotoRejected, match="far more than a person"):
        check_person(full, "front")
    small = np.zeros((600, 400), bool)
    small[100:300, 150:250] = True  # 200 px tall, and square-ish
    with pytest.raises(PhotoRejected, match="px tall"):
        check_person(small, "front")
    wide = np.zeros((900, 900), bool)
    wide[300:700, 20:880] = True
    with pytest.raises(PhotoRejected, match="not the shape of a person"):
        check_person(wide, "side")


def test_photo_inputs_are_checked():
    with pytest.raises(InvalidInputError, match="batch of 2"):
        as_rgb(np.zeros((2, 64, 64, 3), np.float32))
    with pytest.raises(InvalidInputError, match="NaN"):
        as_rgb(np.full((64, 64, 3), np.nan, np.float32))
    assert as_rgb(np.full((8, 8, 3), 255, np.uint8)).max() == 1.0
    with pytest.raises(InvalidInputError, match="segmentation"):
        segment(np.zeros((64, 64, 3), np.float32), "front", "magic")


# --- u2net_human_seg on tiny ONNX files ----------------------------------------------------------------
# Protobuf written by hand (the `onnx` package is not a dependency); field numbers from onnx.proto.
from custom_nodes.tryon.tiny_onnx import _field, _tensor, _value_info  # noqa: E402  (one protobuf writer)


def tiny_human_seg(weight: np.ndarray, bias: float, size: int = 320) -> bytes:
    """A model shaped like rembg's u2net_human_seg: input ``input.1`` (1, 3, s, s), seven side outputs
    ``d0``…``d6`` (1, 1, s, s) = sigmoid(3×3 conv). ``weight`` (1, 3, 3, 3)."""
    pads = b"".join(_field(8, 1) for _ in range(4))
    conv = (_field(1, "input.1") + _field(1, "w") + _field(1, "b") + _field(2, "c") + _field(4, "Conv")
            + _field(5, _field(1, "pads") + pads + _field(20, 7)))
    nodes = [conv, _field(1, "c") + _field(2, "d0") + _field(4, "Sigmoid")]
    nodes += [_field(1, "d0") + _field(2, f"d{k}") + _field(4, "Identity") for k in range(1, 7)]
    graph = b"".join(_field(1, n) for n in nodes) + _field(2, "tiny_u2net_human_seg")
    graph += _field(5, _tensor("w", weight)) + _field(5, _tensor("b", np.array([bias], np.float32)))
    graph += _field(11, _value_info("input.1", (1, 3, size, size)))
    graph += b"".join(_field(12, _value_info(f"d{k}", (1, 1, size, size))) for k in range(7))
    return _field(1, 8) + _field(7, graph) + _field(8, _field(1, "") + _field(2, 13))


@pytest.fixture()
def u2net_home(tmp_path, monkeypatch):
    folder = tmp_path / "u2net_home"
    folder.mkdir()
    monkeypatch.setenv("U2NET_HOME", str(folder))
    return folder


def test_random_weight_human_seg_loads_and_decodes_to_a_full_size_mask(u2net_home):
    pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(0)
    (u2net_home / "u2net_human_seg.onnx").write_bytes(tiny_human_seg(rng.normal(0, 1, (1, 3, 3, 3)), 0.1))
    assert find_human_seg() == u2net_home / "u2net_human_seg.onnx"
    photo = rng.uniform(0, 1, (200, 130, 3)).astype(np.float32)
    mask, method = segment(photo, "front", "auto")
    assert method == "u2net_human_seg" and mask.shape == (200, 130) and mask.dtype == bool


def test_human_seg_output_lands_on_the_person_not_transposed(u2net_home, anny_body):
    """Hand-set weights make the network's output high on the dark clothing: the decoded mask must
    cover the clothing where the renderer put it (resizing and orientation are right)."""
    pytest.importorskip("onnxruntime")
    from custom_nodes.avatar.photo_eval import photo_camera, posed_mesh, render_photo, sample_bodies

    body = anny_body
    sample = sample_bodies(body, 1, seed=11)[0]
    v, parts = posed_mesh(body, sample)
    cam = photo_camera(float(v[:, 1].max()), "front", 1.5, 480, 640)
    rng = np.random.default_rng(0)
    photo, cover = render_photo(v, body.faces, np.zeros_like(parts), cam, rng, np.array([0.1, 0.1, 0.12]),
                                np.array([0.92, 0.92, 0.9]))  # parts 0: the whole body in dark clothing
    weight = np.zeros((1, 3, 3, 3), np.float32)
    weight[0, :, 1, 1] = -4.0  # dark in, high out (the input is ImageNet-normalised)
    (u2net_home / "u2net_human_seg.onnx").write_bytes(tiny_human_seg(weight, 0.0))
    mask, method = segment(photo, "front", "u2net_human_seg")
    truth = cover > 0.5
    assert method == "u2net_human_seg"
    assert _iou(mask, truth) > 0.8  # 320² network resolution: edges within a couple of pixels


def test_missing_or_broken_human_seg_falls_back_or_names_the_file(tmp_path, u2net_home, photos):
    assert find_human_seg() is None
    _, method = segment(photos[0], "front", "auto")
    assert method == "classical"
    with pytest.raises(ModelMissingError) as err:
        segment(photos[0], "front", "u2net_human_seg")
    assert "u2net_human_seg.onnx" in str(err.value) and "Apache-2.0" in str(err.value)
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not a model")
    pytest.importorskip("onnxruntime")
    with pytest.raises(FileFormatError, match="ONNX"):
        segment(photos[0], "front", "u2net_human_seg", model_path=bad)


def test_tiny_model_has_the_real_interface(u2net_home):
    ort = pytest.importorskip("onnxruntime")
    path = u2net_home / "m.onnx"
    path.write_bytes(tiny_human_seg(np.ones((1, 3, 3, 3), np.float32), 0.0))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input.1"] and sess.get_inputs()[0].shape == [1, 3, 320, 320]
    assert [o.name for o in sess.get_outputs()] == [f"d{k}" for k in range(7)]
    out = sess.run(None, {"input.1": np.zeros((1, 3, 320, 320), np.float32)})
    assert len(out) == 7 and all(o.shape == (1, 1, 320, 320) for o in out)
