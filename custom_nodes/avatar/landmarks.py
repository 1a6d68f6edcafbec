"""Landmarks found from the geometry alone, by bisection on horizontal sections.

These work on any body standing on y = 0 facing +Z in an A-pose (arms away from the torso below the
armpit): Anny bodies use them once per body, loaded user meshes use them for everything. Every search
is a fixed number of bisection steps or a short scan, so none can hang.

Landmark names (``Avatar.landmarks``, metres), the same for fitted and loaded bodies:

* on the body axis (centre of the torso section at that height): ``neck_base``, ``bust``,
  ``underbust``, ``waist`` (narrowest torso girth), ``hip`` (fullest girth over the buttocks);
* on the surface: ``crotch``, ``shoulder_left/right`` (the shoulder point: corner of the shoulder seen
  from the front), ``armpit_left/right`` (apex of the armpit, torso side), ``head_top``;
* joints: ``elbow_*``, ``wrist_*``, ``knee_*``, ``ankle_*``, ``hip_joint_*`` (Anny: from its skeleton;
  loaded meshes: from proportions along the limbs). Left is +X, the avatar's own left.
"""

from __future__ import annotations

import numpy as np

from .sections import contains, loop_around, polygon_area, section_polylines

BISECT_STEPS = 14  # 2^-14 of a 30 cm bracket is 0.02 mm


def _torso_loop(v, f, y, centre_xz):
    return loop_around(section_polylines(v, f, y), np.asarray(centre_xz, np.float64))


def find_armpit(v: np.ndarray, f: np.ndarray, side: int, joint: np.ndarray, axis_xz) -> np.ndarray:
    """Armpit apex [m] (3,) on side +1 (left, +X) or −1: the highest height where the torso section
    no longer reaches out to the shoulder joint ``joint`` (3,), i.e. the arm has come away."""
    def separated(y):
        loop = _torso_loop(v, f, y, axis_xz)
        return loop is not None and float((side * loop[:, 0]).max()) < side * float(joint[0])

    lo, hi = float(joint[1]) - 0.30, float(joint[1])
    if not separated(lo):
        lo = float(joint[1]) - 0.45
    for _ in range(BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if separated(mid) else (lo, mid)
    loop = _torso_loop(v, f, lo, axis_xz)
    if loop is None:
        return np.array([side * 0.6 * joint[0] + (1 - side) * 0, lo, axis_xz[1]])
    k = int(np.argmax(side * loop[:, 0]))
    return np.array([loop[k, 0], lo, loop[k, 1]])


def find_crotch(v: np.ndarray, f: np.ndarray, axis_xz, y_lo: float, y_hi: float) -> np.ndarray:
    """Crotch point [m] (3,): the lowest height in [y_lo, y_hi] whose section encloses the body axis."""
    point = np.asarray(axis_xz, np.float64)

    def closed(y):
        return any(len(lp) >= 3 and contains(lp, point) for lp in section_polylines(v, f, y))

    lo, hi = float(y_lo), float(y_hi)
    for _ in range(BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if closed(mid) else (mid, hi)
    return np.array([point[0], hi, point[1]])


def _scan(v, f, ys, centre_xz, fn):
    """Evaluate ``fn(loop)`` on the loop around ``centre_xz`` at each height; −inf where there is none."""
    out = []
    for y in ys:
        loop = loop_around(section_polylines(v, f, y), np.asarray(centre_xz, np.float64))
        out.append(fn(loop) if loop is not None else -np.inf)
    return np.array(out)


def find_armpit_from_loops(v, f, side: int, axis_xz, y_lo: float, y_hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Armpit [m] (3,) and the arm-loop centre just below it, for a mesh without a skeleton: the highest
    height in [y_lo, y_hi] where a separate loop (the upper arm) sits on that side of the torso."""
    def arm_loop(y):
        loops = section_polylines(v, f, y)
        torso = loop_around(loops, np.asarray(axis_xz, np.float64))
        if torso is None:
            return None, None
        edge = float((side * torso[:, 0]).max())
        arms = [lp for lp in loops if lp is not torso and len(lp) >= 3
                and float((side * lp[:, 0]).min()) > edge - 1e-4 and polygon_area(lp) > 4e-4]
        return (min(arms, key=lambda lp: float((side * lp[:, 0]).min())) if arms else None), torso

    lo, hi = float(y_lo), float(y_hi)
    if arm_loop(lo)[0] is None:
        raise ValueError("no arm hangs apart from the torso below the shoulders (is this an A-pose?)")
    for _ in range(BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if arm_loop(mid)[0] is not None else (lo, mid)
    arm, torso = arm_loop(lo)
    k = int(np.argmax(side * torso[:, 0]))
    c = arm.mean(0)
    return np.array([torso[k, 0], lo, torso[k, 1]]), np.array([c[0], lo, c[1]])


def find_armpit_t_pose(v, f, side: int, axis, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Armpit [m] (3,) and the arm-joint estimate for arms stretched out sideways (T-pose)."""
    torso = loop_around(section_polylines(v, f, 0.72 * h), np.asarray(axis, np.float64))
    if torso is None:
        raise ValueError("no torso section at chest height")
    edge = float((side * torso[:, 0]).max())
    root = v[(side * v[:, 0] > edge + 0.03) & (side * v[:, 0] < edge + 0.06) & (v[:, 1] > 0.65 * h)]
    if len(root) < 3:
        raise ValueError("the arms neither hang apart from the torso (A-pose) nor stretch out (T-pose)")
    pit = np.array([side * edge, float(root[:, 1].min()), axis[1]])
    joint = np.array([side * (edge + 0.02), float(root[:, 1].mean()), float(root[:, 2].mean())])
    return pit, joint


def _limb_landmarks(v, f, side: int, name: str, axis, crotch_y: float, h: float) -> dict[str, np.ndarray]:
    """Armpit, shoulder point, wrist, elbow, knee and ankle on one side, from sections and proportions.
    Arms may hang (A-pose, found by bisection on sections) or stretch out sideways (T-pose)."""
    try:
        pit, arm = find_armpit_from_loops(v, f, side, axis, 0.62 * h, 0.86 * h)
        joint = np.array([arm[0], pit[1] + 0.035 * h, arm[2]])
    except ValueError:
        pit, joint = find_armpit_t_pose(v, f, side, axis, h)
    lm = {f"armpit_{name}": pit}
    near = (np.linalg.norm(v - joint, axis=1) < 0.07) & (np.abs(v[:, 2] - joint[2]) < 0.03) & (v[:, 1] > joint[1])
    cand = np.where(near)[0] if near.any() else np.array([np.argmin(np.linalg.norm(v - joint, axis=1))])
    shoulder = v[cand[np.argmax(side * v[cand, 0] + v[cand, 1])]]  # corner of the shoulder, seen from the front
    lm[f"shoulder_{name}"] = shoulder
    arm_pts = v[v[:, 1] > crotch_y - 0.1 * h]
    tip = arm_pts[np.argmax(side * arm_pts[:, 0])] if len(arm_pts) else pit  # the fingertips
    reach = tip - shoulder
    frac = max(0.0, 1 - 0.11 * h / max(np.linalg.norm(reach), 1e-6))  # a hand is ~11 % of stature
    lm[f"wrist_{name}"] = shoulder + frac * reach
    lm[f"elbow_{name}"] = shoulder + 0.5 * frac * reach
    for joint_name, frac_h in (("ankle", 0.045), ("knee", 0.285)):
        pts = v[(np.abs(v[:, 1] - frac_h * h) < 0.01 * h) & (side * v[:, 0] > 0)]
        lm[f"{joint_name}_{name}"] = pts.mean(0) if len(pts) else np.array([side * 0.1, frac_h * h, 0.0])
    lm[f"hip_joint_{name}"] = np.array([side * 0.05 * h, crotch_y + 0.01 * h, axis[1]])
    return lm


def _girth_levels(v, f, axis, crotch_y: float, pit_y: float, shoulder_w: float, h: float) -> dict[str, float]:
    """Heights [m] of the waist (narrowest), hip (fullest), bust (fullest) and neck base (where the
    section narrows to under 45 % of the shoulder width), each by a short scan of sections."""
    from .sections import hull_perimeter

    ys = np.linspace(crotch_y + 0.3 * (pit_y - crotch_y), pit_y - 0.3 * (pit_y - crotch_y), 13)
    g = _scan(v, f, ys, axis, hull_perimeter)
    waist_y = ys[np.argmin(np.where(np.isfinite(g), g, np.inf))]
    ys = np.linspace(crotch_y + 0.035 * h, waist_y - 0.03, 10)
    hip_y = ys[np.argmax(_scan(v, f, ys, axis, hull_perimeter))]
    ys = np.linspace(pit_y - 0.07 * h, pit_y - 0.01 * h, 8)
    bust_y = ys[np.argmax(_scan(v, f, ys, axis, hull_perimeter))]
    ys = np.linspace(pit_y, 0.93 * h, 24)
    narrow = _scan(v, f, ys, axis, lambda lp: float(np.ptp(lp[:, 0]))) < 0.45 * shoulder_w
    neck_y = ys[np.argmax(narrow)] if np.any(narrow) else 0.83 * h
    return {"waist": waist_y, "hip": hip_y, "bust": bust_y, "neck_base": neck_y,
            "underbust": bust_y - 0.35 * (bust_y - waist_y)}


def estimate_landmarks(v: np.ndarray, f: np.ndarray) -> dict[str, np.ndarray]:
    """Landmarks [m] of a body standing on y = 0 facing +Z in an A-pose, from sections only.

    Proportions are used where geometry says nothing (joint heights, hand length). Raises
    ``ValueError`` when the body is not in a pose this can read (arms against the torso).
    """
    v = np.asarray(v, np.float64)
    h = float(v[:, 1].max())
    loops = [lp for lp in section_polylines(v, f, 0.6 * h) if len(lp) >= 3]
    if not loops:
        raise ValueError("no closed section at waist height")
    axis = max(loops, key=polygon_area).mean(0)  # the torso is the largest section at waist height
    lm: dict[str, np.ndarray] = {"head_top": v[np.argmax(v[:, 1])]}
    lm["crotch"] = find_crotch(v, f, axis, 0.3 * h, 0.6 * h)
    for side, name in ((1, "left"), (-1, "right")):
        lm.update(_limb_landmarks(v, f, side, name, axis, lm["crotch"][1], h))
    shoulder_w = abs(lm["shoulder_left"][0] - lm["shoulder_right"][0])
    levels = _girth_levels(v, f, axis, lm["crotch"][1], lm["armpit_left"][1], shoulder_w, h)
    for name, y in levels.items():
        lm[name] = np.array([axis[0], y, axis[1]])
    lm["neck_girth_level"] = lm["neck_base"] + [0.0, 0.012, 0.0]
    return lm
