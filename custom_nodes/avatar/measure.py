"""Tape measurements of any body mesh from its landmarks (ISO 8559-1 names, metres).

Girths are convex-hull perimeters of horizontal sections at landmark heights, taken around the loop
that encloses the landmark (a point on the body axis), so arms cut by the same plane are left out.
Lengths run along the skeleton: arm length is shoulder point → elbow → wrist; inside leg length is the
crotch height above the floor; shoulder width is the straight distance between the shoulder points.
The same code measures fitted Anny bodies and loaded user meshes.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError
from .sections import girth

#: landmark whose height and axis position each girth is taken at
GIRTH_LANDMARKS = {
    "chest_girth": "bust",
    "underbust_girth": "underbust",
    "waist_girth": "waist",
    "hip_girth": "hip",
    "neck_girth": "neck_girth_level",
}


def _lm(landmarks: dict, name: str) -> np.ndarray:
    if name not in landmarks:
        raise InvalidInputError(f"landmark '{name}' is missing; have {sorted(landmarks)}", field="landmarks")
    return np.asarray(landmarks[name], np.float64)


def arm_length(landmarks: dict, side: str) -> float:
    """[m] shoulder point → elbow → wrist on one side (``left``/``right``)."""
    s, e, w = (_lm(landmarks, f"{k}_{side}") for k in ("shoulder", "elbow", "wrist"))
    return float(np.linalg.norm(e - s) + np.linalg.norm(w - e))


def measure_body(vertices: np.ndarray, faces: np.ndarray, landmarks: dict) -> dict[str, float]:
    """All nine size-table measurements [m] of a body standing on y = 0.

    ``vertices`` (n, 3) [m], ``faces`` (m, 3); ``landmarks`` name → (3,) [m] must hold bust,
    underbust, waist, hip, neck_girth_level (points on the body axis), crotch, shoulder_left/right,
    elbow_left/right, wrist_left/right.
    """
    v = np.asarray(vertices, np.float64)
    out = {"height": float(v[:, 1].max() - v[:, 1].min())}
    for name, lm in GIRTH_LANDMARKS.items():
        p = _lm(landmarks, lm)
        out[name] = girth(v, faces, p[1], p[[0, 2]])[0]
    out["inside_leg_length"] = float(_lm(landmarks, "crotch")[1] - v[:, 1].min())
    out["arm_length"] = 0.5 * (arm_length(landmarks, "left") + arm_length(landmarks, "right"))
    out["shoulder_width"] = float(np.linalg.norm(_lm(landmarks, "shoulder_left") - _lm(landmarks, "shoulder_right")))
    return out


def section_loops_for_annotation(vertices: np.ndarray, faces: np.ndarray, landmarks: dict) -> dict:
    """Girth name → (k, 2) loop (x, z) [m] at its height, for annotated pictures; missing ones skipped."""
    out = {}
    for name, lm in GIRTH_LANDMARKS.items():
        if lm in landmarks:
            p = np.asarray(landmarks[lm], np.float64)
            loop = girth(vertices, faces, p[1], p[[0, 2]])[1]
            if loop is not None:
                out[name] = (p[1], loop)
    return out
