"""Garment cut-out (plain / busy backgrounds, odd image formats) and contour landmarks."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.tryon.garment import cut_garment, garment_landmarks
from custom_nodes.tryon.synthetic import synthetic_garment


def _truth(kind):
    img = synthetic_garment(kind, 200, 200)
    return img, (np.abs(img - 0.97).max(-1) > 1e-3)


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize("kind", ["top", "bottom", "dress"])
def test_plain_background_is_cut_by_threshold(kind):
    img, truth = _truth(kind)
    cut = cut_garment(img)
    assert cut.method == "threshold" and cut.border_uniformity > 0.99
    assert _iou(cut.mask, truth) > 0.98


def test_busy_background_uses_grabcut_with_a_note_or_refuses_threshold():
    _, truth = _truth("top")
    busy = synthetic_garment("top", 200, 200, busy=True)
    with pytest.raises(InvalidInputError, match="busy background"):
        cut_garment(busy, "threshold")
    cut = cut_garment(busy)
    assert cut.method == "grabcut" and any("busy" in n for n in cut.notes)
    assert _iou(cut.mask, truth) > 0.9


def test_grayscale_rgba_and_16_bit_photos_are_accepted():
    img, truth = _truth("top")
    grey = img.mean(-1)
    assert _iou(cut_garment(grey).mask, truth) > 0.95
    rgba = np.dstack([img, np.ones(img.shape[:2], np.float32)])
    assert _iou(cut_garment(rgba).mask, truth) > 0.98
    u16 = np.round(img * 65535).astype(np.uint16)
    assert _iou(cut_garment(u16).mask, truth) > 0.98
    # transparent background: composited over white, then cut as a plain background
    cutout = np.dstack([img, truth.astype(np.float32)])
    cutout[~truth, :3] = 0.0
    assert _iou(cut_garment(cutout).mask, truth) > 0.98


def test_empty_photo_and_huge_photo_are_refused():
    with pytest.raises(InvalidInputError, match="no garment"):
        cut_garment(np.full((100, 100, 3), 0.9, np.float32))
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (12000, 12000, 3))
    with pytest.raises(InvalidInputError, match="MP budget"):
        cut_garment(huge)


def test_top_landmarks_sit_where_a_tailor_would_put_them():
    lm = garment_landmarks(_truth("top")[1], "top")
    assert set(lm) == {"collar", "shoulder_left", "shoulder_right", "sleeve_left", "sleeve_right", "hem_left", "hem_right"}
    assert lm["shoulder_left"][0] < lm["collar"][0] < lm["shoulder_right"][0]
    assert lm["sleeve_left"][0] < lm["shoulder_left"][0] and lm["sleeve_right"][0] > lm["shoulder_right"][0]
    assert lm["hem_left"][1] > lm["sleeve_left"][1] > lm["shoulder_left"][1]
    assert abs(lm["collar"][0] - 100) < 3


def test_bottom_and_dress_landmarks():
    b = garment_landmarks(_truth("bottom")[1], "bottom")
    assert b["waist_left"][1] < b["crotch"][1] < b["hem_left"][1]
    assert b["waist_left"][0] < b["crotch"][0] < b["waist_right"][0]
    d = garment_landmarks(_truth("dress")[1], "dress")
    assert "sleeve_left" not in d
    assert d["hem_right"][0] - d["hem_left"][0] > d["shoulder_right"][0] - d["shoulder_left"][0]
    with pytest.raises(InvalidInputError, match="kind"):
        garment_landmarks(_truth("dress")[1], "hat")
