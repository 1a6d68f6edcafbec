"""Garment placement: targets follow the pose, warped garment covers the torso, quality is an IoU."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.tryon.agnostic import MaskSettings, agnostic_mask
from custom_nodes.tryon.garment import cut_garment, garment_landmarks
from custom_nodes.tryon.pose import K
from custom_nodes.tryon.synthetic import synthetic_garment
from custom_nodes.tryon.warp import person_targets, warp_garment


def _prep(kind):
    cut = cut_garment(synthetic_garment(kind, 160, 160))
    return cut, garment_landmarks(cut.mask, kind)


def test_top_targets_follow_the_shoulders_and_arms(people):
    p = people["short_pants"]
    _, lm = _prep("top")
    t = person_targets("top", lm, p.pose)
    assert np.linalg.norm(t["shoulder_left"] - p.pose[K["right_shoulder"], :2]) < 10
    assert np.linalg.norm(t["shoulder_right"] - p.pose[K["left_shoulder"], :2]) < 10
    assert t["sleeve_left"][1] > t["shoulder_left"][1]  # sleeves hang along the arms
    assert t["hem_left"][1] > p.pose[K["right_shoulder"], 1]


@pytest.mark.parametrize("kind, garment", [("top", "upper"), ("bottom", "lower"), ("dress", "dress")])
def test_warped_garment_lands_on_the_body(people, kind, garment):
    p = people["short_pants"]
    cut, lm = _prep(kind)
    agn = agnostic_mask(p.labels, p.pose, MaskSettings(garment=garment, mode="relaxed"))
    res = warp_garment(cut.image, cut.mask, lm, person_targets(kind, lm, p.pose), p.labels.shape, 0.3, agn.mask)
    assert 0.3 < res.quality <= 1.0
    centre = p.pose[K["neck"] if kind != "bottom" else K["right_knee"], :2]
    probe = (centre + [0, 20 if kind != "bottom" else -20]).astype(int)
    assert res.mask[probe[1], probe[0]]
    assert np.isfinite(res.image).all() and res.image.shape == p.image.shape


def test_placing_a_top_without_shoulders_is_a_clear_error(people):
    p = people["short_pants"]
    pose = p.pose.copy()
    pose[K["left_shoulder"], 2] = 0
    with pytest.raises(InvalidInputError, match="shoulders"):
        person_targets("top", _prep("top")[1], pose)
