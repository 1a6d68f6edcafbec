"""Tape measurements on analytic shapes: exact to 1 mm."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.avatar.measure import arm_length, measure_body
from custom_nodes.avatar.sections import girth, hull_perimeter, section_polylines


def tube(profile_xz: np.ndarray, y0: float = 0.0, y1: float = 1.0, rings: int = 4) -> tuple:
    """Closed prism whose cross-section is the (k, 2) ``profile_xz`` loop (counter-clockwise)."""
    k = len(profile_xz)
    ys = np.linspace(y0, y1, rings)
    verts = [[x, y, z] for y in ys for x, z in profile_xz]
    faces = []
    for r in range(rings - 1):
        for i in range(k):
            a, b = r * k + i, r * k + (i + 1) % k
            faces += [[a, b + k, b], [a, a + k, b + k]]
    verts += [[0, y0, 0], [0, y1, 0]]
    n = len(ys) * k
    faces += [[n, (i + 1) % k, i] for i in range(k)] + [[n + 1, (rings - 1) * k + i, (rings - 1) * k + (i + 1) % k]
                                                       for i in range(k)]
    return np.array(verts, float), np.array(faces)


def ellipse(a: float, b: float, k: int = 720, centre=(0.0, 0.0)) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, k, endpoint=False)
    return np.c_[centre[0] + a * np.cos(t), centre[1] + b * np.sin(t)]


def test_cylinder_girth_is_exact():
    v, f = tube(ellipse(0.15, 0.15))
    g, loop = girth(v, f, 0.5, (0.0, 0.0))
    assert abs(g - 2 * np.pi * 0.15) < 1e-3
    assert loop.shape[1] == 2


@pytest.mark.parametrize("a,b", [(0.16, 0.11), (0.2, 0.08)])
def test_elliptic_cylinder_girth_is_exact(a, b):
    v, f = tube(ellipse(a, b))
    h = ((a - b) / (a + b)) ** 2
    ramanujan = np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))
    assert abs(girth(v, f, 0.37, (0.0, 0.0))[0] - ramanujan) < 1e-3


def test_girth_bridges_hollows_like_a_tape():
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    r = 0.12 * (1 + 0.6 * np.cos(2 * t))  # a waisted "peanut" section
    v, f = tube(np.c_[r * np.cos(t), r * np.sin(t)])
    loop = section_polylines(v, f, 0.5)[0]
    along_skin = np.sum(np.linalg.norm(np.roll(loop, -1, 0) - loop, axis=1))
    tape = girth(v, f, 0.5, (0, 0))[0]
    assert tape < along_skin - 0.005
    assert abs(tape - hull_perimeter(loop)) < 1e-9


def test_girth_leaves_out_arms_cut_by_the_same_plane():
    torso = tube(ellipse(0.15, 0.10))
    arm = tube(ellipse(0.04, 0.04, centre=(0.30, 0.0)))
    v = np.vstack([torso[0], arm[0]])
    f = np.vstack([torso[1], arm[1] + len(torso[0])])
    g, _ = girth(v, f, 0.5, (0.0, 0.0))
    assert abs(g - girth(*torso, 0.5, (0.0, 0.0))[0]) < 1e-9
    assert abs(girth(v, f, 0.5, (0.30, 0.0))[0] - 2 * np.pi * 0.04) < 1e-3


def test_no_section_above_the_mesh():
    v, f = tube(ellipse(0.1, 0.1))
    assert section_polylines(v, f, 2.0) == []
    assert girth(v, f, 2.0, (0, 0)) == (0.0, None)


def test_lengths_follow_the_skeleton():
    lm = {"shoulder_left": [0.2, 1.4, 0], "elbow_left": [0.2, 1.1, 0], "wrist_left": [0.2, 1.1, 0.25]}
    assert abs(arm_length(lm, "left") - 0.55) < 1e-9


def test_measure_body_on_a_cylinder_person():
    v, f = tube(ellipse(0.15, 0.15), 0.0, 1.7, rings=18)
    lm = {name: [0, y, 0] for name, y in (("bust", 1.3), ("underbust", 1.2), ("waist", 1.0), ("hip", 0.9),
                                          ("neck_girth_level", 1.5), ("crotch", 0.8))}
    lm.update({"shoulder_left": [0.2, 1.4, 0], "shoulder_right": [-0.2, 1.4, 0], "elbow_left": [0.3, 1.1, 0],
               "elbow_right": [-0.3, 1.1, 0], "wrist_left": [0.4, 0.8, 0], "wrist_right": [-0.4, 0.8, 0]})
    m = measure_body(v, f, lm)
    assert abs(m["height"] - 1.7) < 1e-6 and abs(m["inside_leg_length"] - 0.8) < 1e-6
    assert abs(m["waist_girth"] - 2 * np.pi * 0.15) < 1e-3
    assert abs(m["shoulder_width"] - 0.4) < 1e-9
