"""Landmarks found from the geometry alone, by bisection on horizontal sections.

These work on any body standing on y = 0 facing +Z in an A-pose (arms away from the torso below the
armpit): Anny bodies use them once per body, loaded user meshes use them for everything. Every search
is a fixed number of bisection steps, so none can hang.
"""

from __future__ import annotations

import numpy as np

from .sections import contains, loop_around, section_polylines

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
