"""Anny bodies in Atelier: landmarks that follow the shape, measurements, avatars.

Landmarks are tied to template vertices or bones picked once on the neutral body, so they move with
every shape and pose: the bust point, the back of the buttocks, the crotch, the shoulder points
(acromion: the top of the shoulder above the arm joint), the armpits; waist from Anny's own waist
vertex ring; elbows, wrists, knees and ankles from the skeleton.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anny_model import AnnyBody
from .landmarks import find_armpit, find_crotch
from .measure import measure_body

#: underbust level, as a fraction of the way from the bust point down to the waist
UNDERBUST_FRACTION = 0.35
#: neck girth is taken this far [m] above the neck joint (the base of the neck)
NECK_GIRTH_OFFSET = 0.012
SPINE = ("root", "spine04", "spine03", "spine02", "spine01", "neck01", "neck02", "neck03", "head")


@dataclass(frozen=True)
class AnnyLandmarkIds:
    """Template vertex / bone ids the landmarks follow (picked once per loaded model)."""

    waist_ring: np.ndarray  # (k,) vertex ids, Anny's waist loop
    crotch: int
    bust: tuple  # (left, right) vertex ids
    hip_back: int
    shoulder: tuple  # (left, right) vertex ids, acromion
    armpit: tuple  # (left, right) vertex ids
    spine: tuple  # bone ids along the body axis, root to head
    bones: dict  # landmark name → bone id (elbows, wrists, knees, ankles, hips, neck)


def _nearest(v, point):
    return int(np.argmin(np.linalg.norm(v - point, axis=1)))


def pick_landmark_ids(body: AnnyBody) -> AnnyLandmarkIds:
    """Pick the landmark vertices on the neutral template (geometric rules, mirrored left/right)."""
    from anny.anthropometry import BASE_MESH_WAIST_VERTICES

    v, h = (a[0] for a in body.rest(*body.params()))
    base = body.model.base_mesh_vertex_indices.numpy().tolist()
    ring = np.array([base.index(i) for i in BASE_MESH_WAIST_VERTICES])
    waist_y = v[ring, 1].mean()
    mid = np.abs(v[:, 0]) < 2e-3
    band = mid & (v[:, 1] > 0.3 * v[:, 1].max()) & (v[:, 1] < waist_y)
    joint = h[body.bone("upperarm01.L")]
    axis = h[body.bone("spine01")][[0, 2]]
    crotch_pt = find_crotch(v, body.faces, h[0][[0, 2]], 0.3 * v[:, 1].max(), h[0][1])
    crotch = np.where(band)[0][np.argmin(np.linalg.norm(v[band] - crotch_pt, axis=1))]
    sel = (v[:, 0] > 0.03) & (v[:, 0] < 0.14) & (v[:, 1] > waist_y + 0.08) & (v[:, 1] < joint[1] - 0.03)
    bust_l = np.where(sel)[0][np.argmax(v[sel, 2])]
    sel = (np.abs(v[:, 0]) < 0.1) & (v[:, 1] > v[crotch, 1]) & (v[:, 1] < waist_y)
    hip_back = np.where(sel)[0][np.argmin(v[sel, 2])]
    # acromion: the corner of the shoulder seen from the front, furthest up-and-out from the arm joint
    sel = (np.linalg.norm(v - joint, axis=1) < 0.07) & (np.abs(v[:, 2] - joint[2]) < 0.03) & (v[:, 1] > joint[1])
    shoulder_l = np.where(sel)[0][np.argmax(v[sel, 0] + v[sel, 1])]
    armpit_l = _nearest(v, find_armpit(v, body.faces, 1, joint, axis))

    def mirror(i):
        return _nearest(v, v[i] * [-1, 1, 1])

    bones = {}
    for side, s in (("left", "L"), ("right", "R")):
        for name, bone in (("elbow", "lowerarm01"), ("wrist", "wrist"), ("knee", "lowerleg01"),
                           ("ankle", "foot"), ("hip_joint", "upperleg02")):
            bones[f"{name}_{side}"] = body.bone(f"{bone}.{s}")
    bones["neck"] = body.bone("neck01")
    return AnnyLandmarkIds(ring, int(crotch), (int(bust_l), mirror(bust_l)), int(hip_back),
                           (int(shoulder_l), mirror(shoulder_l)), (int(armpit_l), mirror(armpit_l)),
                           tuple(body.bone(b) for b in SPINE), bones)


def axis_point(heads: np.ndarray, spine: tuple, y: float) -> np.ndarray:
    """Point (3,) on the spine polyline at height ``y`` (the body axis), clamped to its ends."""
    pts = heads[list(spine)]
    order = np.argsort(pts[:, 1])
    pts = pts[order]
    return np.array([np.interp(y, pts[:, 1], pts[:, k]) for k in range(3)])


def anny_landmarks(v: np.ndarray, h: np.ndarray, ids: AnnyLandmarkIds) -> dict[str, np.ndarray]:
    """Landmark name → (3,) [m] for one Anny body: vertices (n, 3), bone heads (J, 3)."""
    waist = v[ids.waist_ring].mean(0)
    bust_y = 0.5 * (v[ids.bust[0], 1] + v[ids.bust[1], 1])
    under_y = bust_y - UNDERBUST_FRACTION * (bust_y - waist[1])
    neck = h[ids.bones["neck"]]
    lm = {
        "waist": waist, "bust": axis_point(h, ids.spine, bust_y), "underbust": axis_point(h, ids.spine, under_y),
        "hip": axis_point(h, ids.spine, v[ids.hip_back, 1]), "crotch": v[ids.crotch].copy(),
        "neck_base": neck.copy(), "neck_girth_level": neck + [0.0, NECK_GIRTH_OFFSET, 0.0],
        "head_top": v[np.argmax(v[:, 1])].copy(),
    }
    for k, side in enumerate(("left", "right")):
        lm[f"shoulder_{side}"] = v[ids.shoulder[k]].copy()
        lm[f"armpit_{side}"] = v[ids.armpit[k]].copy()
        lm[f"bust_point_{side}"] = v[ids.bust[k]].copy()
    for name, bone in ids.bones.items():
        if name != "neck":
            lm[name] = h[bone].copy()
    return lm


def measure_anny(body: AnnyBody, ids: AnnyLandmarkIds, v: np.ndarray, h: np.ndarray) -> dict[str, float]:
    """The nine measurements [m] of one rest-pose Anny body."""
    return measure_body(v, body.faces, anny_landmarks(v, h, ids))
