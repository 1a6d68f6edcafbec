"""The classic try-on on a real-photo footing: no old-garment pixel survives, sleeves follow the arms,
the person's shading carries over. Checked on synthetic people whose labels and pose are exact."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from custom_nodes.tryon.classic import LABEL, classic_tryon, shading_map
from custom_nodes.tryon.labels import L
from custom_nodes.tryon.pose import K
from custom_nodes.tryon.synthetic import (
    SyntheticPerson,
    colourise,
    draw_person,
    person_pose,
    synthetic_garment,
    synthetic_person,
)


def arms_bent(height=256, width=192, upper="long", forearm=(0.12, -0.06)) -> SyntheticPerson:
    """A person whose elbows are bent: upper arms down and out, forearms turned (dx, dy) person heights."""
    pose = person_pose(height, width)
    s = 0.92 * height
    for side, sgn in (("right", -1), ("left", 1)):
        el = pose[K[f"{side}_shoulder"], :2] + (sgn * 0.05 * s, 0.14 * s)
        pose[K[f"{side}_elbow"], :2] = el
        pose[K[f"{side}_wrist"], :2] = el + (sgn * forearm[0] * s, forearm[1] * s)
    lab = np.zeros((height, width), np.uint8)
    draw_person(lab, pose, s, upper, "pants")
    image = colourise(lab)
    lab[lab == 255] = 0
    return SyntheticPerson(image, lab, pose)


def _old_garment_left(person, result) -> int:
    """Old-garment pixels outside the new garment whose colour is (nearly) unchanged."""
    old = person.labels == L["upper_clothes"]
    unchanged = np.abs(result.image - person.image).max(-1) < 0.03
    return int((old & ~result.garment_mask & unchanged).sum())


@pytest.mark.parametrize("make", [
    lambda: synthetic_person(256, 192, "long", "pants"),
    lambda: synthetic_person(256, 192, "short", "pants"),
    lambda: arms_bent(),
], ids=["long_sleeves", "short_sleeves", "bent_arms"])
def test_no_old_garment_pixel_survives_outside_the_new_one(make):
    person = make()
    res = classic_tryon(person.image, person.labels, person.pose, synthetic_garment("top", 256, 256))
    assert _old_garment_left(person, res) == 0
    old_red = np.array([0.80, 0.15, 0.18], np.float32)
    outside = ~res.garment_mask
    near_red = np.linalg.norm(res.image - old_red, axis=-1) < 0.12  # the old top's colour, shaded or not
    assert int((near_red & outside).sum()) == 0
    assert res.notes[0] == LABEL == "classic try-on (no diffusion)"


def test_old_garment_becomes_skin_on_the_arms_and_background_elsewhere():
    person = synthetic_person(256, 192, "long", "pants")
    res = classic_tryon(person.image, person.labels, person.pose, synthetic_garment("top", 256, 256))
    old_bare = (person.labels == L["upper_clothes"]) & ~res.garment_mask
    skin = np.array([0.86, 0.69, 0.57], np.float32)
    bg = np.array([0.86, 0.88, 0.91], np.float32)
    d_skin = np.linalg.norm(res.image - skin, axis=-1)
    d_bg = np.linalg.norm(res.image - bg, axis=-1)
    # the old long sleeves below the new short ones: skin (allow the synthetic vertical shading)
    el, wr = person.pose[K["right_elbow"], :2], person.pose[K["right_wrist"], :2]
    forearm = np.zeros(person.labels.shape, np.uint8)
    a, b = el + 0.2 * (wr - el), el + 0.7 * (wr - el)
    cv2.line(forearm, tuple(int(v) for v in a), tuple(int(v) for v in b), 1, 2)
    forearm = forearm.astype(bool) & old_bare
    assert forearm.sum() > 10 and np.median(d_skin[forearm]) < 0.12
    assert (np.minimum(d_skin, d_bg)[old_bare] < 0.2).mean() > 0.95


def test_sleeves_follow_a_bent_arm():
    """Long sleeves on raised forearms: the warped sleeve covers the forearm, past the elbow."""
    person = arms_bent(forearm=(0.13, -0.05))
    garment = synthetic_garment("top", 256, 256, long_sleeves=True)
    res = classic_tryon(person.image, person.labels, person.pose, garment)
    for side in ("right", "left"):
        el, wr = person.pose[K[f"{side}_elbow"], :2], person.pose[K[f"{side}_wrist"], :2]
        seg = np.zeros(person.labels.shape, np.uint8)
        a, b = el + 0.25 * (wr - el), el + 0.6 * (wr - el)
        cv2.line(seg, tuple(int(v) for v in np.round(a)), tuple(int(v) for v in np.round(b)), 1, 2)
        seg = seg.astype(bool)
        assert (res.garment_mask & seg).sum() / seg.sum() > 0.8, side


def test_shading_is_normalised_and_carries_the_persons_light():
    person = synthetic_person(256, 192, "long", "pants")
    old = person.labels == L["upper_clothes"]
    shade = shading_map(person.image, old)
    assert abs(float(np.median(shade[old])) - 1.0) < 0.02
    ys = np.nonzero(old.any(1))[0]
    top, bottom = ys.min() + 10, ys.max() - 10  # the synthetic person darkens downwards
    assert shade[top][old[top]].mean() > shade[bottom][old[bottom]].mean()
    assert np.all(shade[0] == 1.0)  # far from the garment: untouched


def test_folds_of_the_old_garment_show_on_the_new_one():
    person = synthetic_person(256, 192, "short", "pants")
    image = person.image.copy()
    old = person.labels == L["upper_clothes"]
    fold = old & (np.arange(192)[None, :] > 96) & (np.arange(192)[None, :] < 102)
    image[fold] *= 0.6  # a dark vertical fold
    res = classic_tryon(image, person.labels, person.pose, synthetic_garment("top", 256, 256))
    lum = res.image.mean(-1)
    ring = old & res.garment_mask & (np.arange(192)[None, :] > 86) & (np.arange(192)[None, :] < 92)
    inside = fold & res.garment_mask
    # carried at half strength (classic.SHADING_STRENGTH, measured against rendered truth): a fold 40 % dark
    # leaves the new garment about 12 % darker there; without the shading it would be 0 %
    assert inside.sum() > 20 and lum[inside].mean() < 0.93 * lum[ring].mean()
