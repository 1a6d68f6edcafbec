"""Poses for Anny bodies: joint rotations in world axes, linear blend skinning, all in NumPy.

A pose is a dict ``bone name -> (3, 3) rotation`` about that bone's head, expressed in the rest
frame's world axes (Atelier's: X left, Y up, Z forward); children inherit their parents' rotations.
Posing never changes the rest shape, so an avatar keeps the measurements of its rest body.

Poses offered (``POSES``): ``a_pose`` (arms ``arm_angle`` degrees below horizontal; GarmentCode's
bodies use ~45°), ``t_pose`` (0°), ``relaxed`` (arms ~75° down, elbows a little bent) and ``walk``
frames (a procedural gait: Anny ships a Blender walk cycle driven by IK targets, which would need an
IK solver, so the gait here is a simple forward-kinematics cycle of hips, knees and arm swing).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError

POSES = ("a_pose", "t_pose", "relaxed", "walk")
WALK_FRAMES = 8


def rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def rot_z(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def rest_arm_angle(heads: np.ndarray, shoulder: int, wrist: int, side: int) -> float:
    """Degrees below horizontal of the shoulder→wrist line in the frontal plane (side +1 left, −1 right)."""
    d = heads[wrist] - heads[shoulder]
    return float(np.degrees(np.arctan2(-d[1], side * d[0])))


def pose_rotations(name: str, heads: np.ndarray, bone, arm_angle: float = 45.0, frame: int = 0) -> dict:
    """Bone name → rotation for pose ``name``; ``bone(name)`` gives a bone index into ``heads`` (J, 3)."""
    if name not in POSES:
        raise InvalidInputError(f"unknown pose {name!r}; choose one of {list(POSES)}", field="pose")
    if not (np.isfinite(arm_angle) and -10.0 <= arm_angle <= 90.0):
        raise InvalidInputError(f"arm angle must lie in [-10, 90] degrees, got {arm_angle!r}", field="arm_angle")
    if name == "t_pose":
        arm_angle = 0.0
    if name in ("relaxed", "walk"):
        arm_angle = 75.0
    rots = {}
    for side, s in ((1, "L"), (-1, "R")):
        rest = rest_arm_angle(heads, bone(f"upperarm01.{s}"), bone(f"wrist.{s}"), side)
        rots[f"upperarm01.{s}"] = rot_z(side * (rest - arm_angle))
        if name == "relaxed":
            rots[f"lowerarm01.{s}"] = rot_x(-12.0)
    if name == "walk":
        phase = 2 * np.pi * (int(frame) % WALK_FRAMES) / WALK_FRAMES
        for side, s in ((1, "L"), (-1, "R")):
            swing = side * np.sin(phase)  # +1: this leg forward
            rots[f"upperleg01.{s}"] = rot_x(-20.0 * swing)
            rots[f"lowerleg01.{s}"] = rot_x(5.0 + 25.0 * max(0.0, -swing))
            rots[f"upperarm01.{s}"] = rot_x(18.0 * swing) @ rots[f"upperarm01.{s}"]
            rots[f"lowerarm01.{s}"] = rot_x(-10.0 - 10.0 * max(0.0, swing))
    return rots


def skin(rest_vertices: np.ndarray, heads: np.ndarray, parents, weights: np.ndarray, indices: np.ndarray,
         rotations: dict, bone) -> tuple[np.ndarray, np.ndarray]:
    """Posed vertices (n, 3) and bone heads (J, 3) by linear blend skinning.

    ``weights``/``indices`` (n, k) per-vertex bone weights; ``parents`` (J,) with parents before children.
    """
    n_bones = len(heads)
    world = np.repeat(np.eye(3)[None], n_bones, 0)
    posed = heads.astype(np.float64).copy()
    local = np.repeat(np.eye(3)[None], n_bones, 0)
    for name, r in rotations.items():
        local[bone(name)] = r
    for j in range(n_bones):
        p = parents[j]
        if p < 0:
            world[j] = local[j]
            continue
        world[j] = world[p] @ local[j]
        posed[j] = posed[p] + world[p] @ (heads[j] - heads[p])
    # vertex x -> sum_k w_k (R_k (x - h_k) + p_k)
    out = np.zeros_like(rest_vertices, dtype=np.float64)
    for k in range(indices.shape[1]):
        b = indices[:, k]
        rel = rest_vertices - heads[b]
        out += weights[:, k, None] * (np.einsum("nij,nj->ni", world[b], rel) + posed[b])
    total = weights.sum(1, keepdims=True)
    out /= np.where(total > 0, total, 1.0)
    shift = np.array([0.0, -out[:, 1].min(), 0.0])
    return out + shift, posed + shift


def pose_arms_rigidly(vertices: np.ndarray, parts: np.ndarray, landmarks: dict, arm_angle: float,
                      arm_ids: tuple[int, int]) -> tuple[np.ndarray, dict]:
    """Rotate each arm (vertices labelled ``arm_ids`` = (left, right)) about its shoulder point in the
    frontal plane so the shoulder→wrist line is ``arm_angle`` degrees below horizontal. For avatars
    without a skeleton (loaded meshes); returns new vertices and landmarks."""
    v = np.asarray(vertices, np.float64).copy()
    lm = {k: np.asarray(p, np.float64).copy() for k, p in landmarks.items()}
    for side, name, part in ((1, "left", arm_ids[0]), (-1, "right", arm_ids[1])):
        if f"shoulder_{name}" not in lm or f"wrist_{name}" not in lm or not np.any(parts == part):
            continue
        pivot = lm[f"shoulder_{name}"] - [side * 0.03, 0.04, 0.0]
        d = lm[f"wrist_{name}"] - pivot
        current = float(np.degrees(np.arctan2(-d[1], side * d[0])))
        r = rot_z(side * (current - arm_angle))
        sel = parts == part
        v[sel] = (v[sel] - pivot) @ r.T + pivot
        for key in (f"wrist_{name}", f"elbow_{name}"):
            if key in lm:
                lm[key] = r @ (lm[key] - pivot) + pivot
    return v, lm
