"""The classic try-on rules the ground-truth bench (bench/bench_tryon_truth.py) led to, each on a case built
for it: white stripes kept in the cut-out, print-free shading, skin over the whole trunk, area-reduced warps,
diagonal parser specks."""

from __future__ import annotations

import numpy as np

from custom_nodes.tryon.agnostic import _target_person
from custom_nodes.tryon.classic import shading_map, torso_polygon_plain
from custom_nodes.tryon.garment import cut_garment
from custom_nodes.tryon.pose import K
from custom_nodes.tryon.tps import remap_filtered


def _striped_tee(size=200):
    """A tee-shaped block on white whose white stripes run out to its sides (Breton stripe)."""
    img = np.ones((size, size, 3), np.float32)
    truth = np.zeros((size, size), bool)
    truth[30:180, 50:150] = True
    rows = np.arange(size)[:, None]
    navy = truth & ((rows // 8) % 2 == 0)
    img[navy] = (0.11, 0.16, 0.36)
    img[truth & ~navy] = (0.96, 0.95, 0.92)  # as light as the background
    return img, truth


def test_white_stripes_reaching_the_outline_stay_in_the_cut_out():
    img, truth = _striped_tee()
    cut = cut_garment(img)
    assert cut.method == "threshold"
    assert (cut.mask & truth).sum() / truth.sum() > 0.97  # the white stripes were cut away: ~50 %
    assert (cut.mask & ~truth).sum() < 0.02 * truth.sum()


def test_shading_keeps_light_and_drops_the_old_print():
    h, w = 256, 192
    region = np.zeros((h, w), bool)
    region[40:220, 50:140] = True
    light = np.linspace(1.0, 0.6, h, dtype=np.float32)[:, None]  # the person's light falls off downwards
    person = np.repeat((0.7 * light * np.ones((h, w), np.float32))[..., None], 3, 2)
    yy, xx = np.mgrid[:h, :w]
    # white polka dots 4 px (1.5 % of the height) across: under half classic.PRINT_SIZE, so print
    dots = region & (((yy % 16) - 8) ** 2 + ((xx % 16) - 8) ** 2 < 4)
    person[dots] = 0.97
    shade = shading_map(person, region)
    band = region & (yy > 120) & (yy < 140)
    assert shade[band & dots].mean() < shade[band & ~dots].mean() * 1.03  # the dots are gone from it
    assert shade[60][region[60]].mean() > 1.1 * shade[200][region[200]].mean()  # the light is kept


def _pose(points: dict) -> np.ndarray:
    pose = np.zeros((18, 3), np.float32)
    for name, (x, y) in points.items():
        pose[K[name]] = (x, y, 1)
    return pose


def test_trunk_reaches_the_crotch_at_pelvis_width_and_the_shoulder_tops():
    pose = _pose({"neck": (100, 60), "right_shoulder": (80, 62), "left_shoulder": (120, 62),
                  "right_hip": (90, 140), "left_hip": (110, 140), "right_knee": (88, 200), "left_knee": (112, 200)})
    trunk = torso_polygon_plain(pose, (256, 200))
    assert trunk[150, 100] and trunk[150, 84] and trunk[150, 116]  # below the hips, outside the hip joints
    assert not trunk[170, 100]  # not down the legs
    assert trunk[58, 100] and trunk[59, 84]  # above the shoulder joints' line, at the shoulders' tops
    assert not trunk[150, 70]


def test_area_reduced_warp_has_no_moire():
    stripes = np.zeros((400, 400), np.float32)
    stripes[(np.arange(400) // 3) % 2 == 0] = 1.0  # 6 px period, shrunk 5× → below one output pixel
    ys, xs = np.mgrid[:80, :80].astype(np.float32)
    out = remap_filtered(stripes, xs * 5 + 2, ys * 5 + 2)
    assert abs(float(out.mean()) - 0.5) < 0.05 and float(out.std()) < 0.1  # even grey, not aliased bands


def test_a_parser_speck_touching_the_person_diagonally_is_this_person():
    labels = np.zeros((100, 100), np.uint8)
    labels[30:80, 40:60] = 4
    labels[29, 39] = 4  # touches the corner pixel (30, 40) diagonally only
    labels[5:25, 80:95] = 4  # another person, 300 px
    pose = _pose({"neck": (50, 32), "right_shoulder": (42, 34), "left_shoulder": (58, 34),
                  "right_hip": (45, 75), "left_hip": (55, 75)})
    person = _target_person(labels, pose)
    assert person[29, 39] and person[50, 50] and not person[10, 85]
