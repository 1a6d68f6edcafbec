"""Test and benchmark scenes built from core types: sheets, a sphere, a cylinder body, sewn tubes.

These stand in for the pattern and avatar domains (triangulated, placed garments and Anny bodies with
their SDF proxies) so the solver can be tested and timed on its own.
"""

from __future__ import annotations

import numpy as np

from ..core.avatar import AVATAR_PARTS, Avatar
from ..core.garment import Garment
from ..core.mesh import TriangleMesh
from ..core.sdf import SDFGrid


def grid_panel(width: float, height: float, spacing: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """A rectangle [m] meshed with right triangles: rest coords (n, 2), faces (m, 3), columns, rows."""
    nx = max(int(round(width / spacing)), 1) + 1
    ny = max(int(round(height / spacing)), 1) + 1
    u, v = np.meshgrid(np.linspace(0, width, nx), np.linspace(0, height, ny))
    rest = np.stack([u.ravel(), v.ravel()], 1).astype(np.float32)
    i = np.arange(nx - 1)[None, :] + nx * np.arange(ny - 1)[:, None]
    a, b, c, d = i, i + 1, i + nx + 1, i + nx
    flip = ((np.arange(nx - 1)[None, :] + np.arange(ny - 1)[:, None]) % 2).astype(bool)  # alternate diagonals
    t1 = np.where(flip[..., None], np.stack([a, b, d], -1), np.stack([a, b, c], -1))
    t2 = np.where(flip[..., None], np.stack([b, c, d], -1), np.stack([a, c, d], -1))
    faces = np.concatenate([t1.reshape(-1, 3), t2.reshape(-1, 3)]).astype(np.int32)
    return rest, faces, nx, ny


def sheet(size: float = 0.5, spacing: float = 0.02, height: float = 1.0, vertical: bool = False,
          name: str = "sheet") -> Garment:
    """A square sheet centred on x = z = 0: horizontal at y = ``height``, or hanging in the z = 0 plane."""
    rest, faces, _, _ = grid_panel(size, size, spacing)
    if vertical:
        pos = np.stack([rest[:, 0] - size / 2, height - size + rest[:, 1], np.zeros(len(rest))], 1)
    else:
        pos = np.stack([rest[:, 0] - size / 2, np.full(len(rest), height), size / 2 - rest[:, 1]], 1)
    return Garment(name, rest, pos.astype(np.float32), faces, np.zeros(len(rest), np.int32), ("sheet",),
                   ("torso",), np.array([[0.0, 1.0]], np.float32), np.zeros((0, 2), np.int32),
                   np.zeros(0, np.int32), ())


def top_row(garment: Garment) -> np.ndarray:
    """Ids of the vertices on the top edge (largest rest v) of a sheet."""
    v = garment.rest[:, 1]
    return np.flatnonzero(v > v.max() - 1e-6).astype(np.int32)


def sdf_grid(fn, lo, hi, voxel: float) -> SDFGrid:
    """Sample an analytic SDF ``fn(points (k, 3)) -> (k,)`` on a grid covering [lo, hi]."""
    lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
    n = np.ceil((hi - lo) / voxel).astype(int) + 1
    pts = lo + voxel * np.stack(np.meshgrid(*[np.arange(k) for k in n], indexing="ij"), -1)
    return SDFGrid(lo, voxel, fn(pts.reshape(-1, 3)).reshape(pts.shape[:3]).astype(np.float32), band=1.0)


def _surface_avatar(name: str, verts: np.ndarray, faces: np.ndarray, sdf: SDFGrid) -> Avatar:
    mesh = TriangleMesh(verts.astype(np.float32), faces.astype(np.int32), name=name)
    kp = np.zeros((18, 3), np.float32)
    return Avatar(name, mesh, np.full(len(verts), AVATAR_PARTS.index("torso")), kp,
                  keypoint_visible=np.zeros(18, bool), sdf=sdf)


def sphere_avatar(radius: float = 0.2, center=(0.0, 0.6, 0.0), voxel: float = 0.01) -> Avatar:
    """A sphere 'body' (an icosphere mesh, ~1.5 cm edges at 0.2 m) with its exact SDF sampled on a grid."""
    import trimesh

    c = np.asarray(center, np.float64)
    ico = trimesh.creation.icosphere(subdivisions=4, radius=radius)
    sdf = sdf_grid(lambda p: np.linalg.norm(p - c, axis=1) - radius, c - radius - 0.1, c + radius + 0.1, voxel)
    return _surface_avatar("sphere", ico.vertices + c, ico.faces, sdf)


def _profile_sdf(profile: np.ndarray):
    """SDF of the solid of revolution about the y axis whose outline is the polyline ``profile`` (k, 2) of
    (radius [m], y [m]) from the bottom axis point to the top axis point."""
    a, b = profile[:-1], profile[1:]

    def fn(p):
        q = np.stack([np.hypot(p[:, 0], p[:, 2]), p[:, 1]], 1)  # (n, 2) in the (radius, y) half-plane
        ab = b - a
        t = np.clip(np.einsum("nkd,kd->nk", q[:, None] - a, ab) / np.einsum("kd,kd->k", ab, ab), 0, 1)
        dist = np.linalg.norm(q[:, None] - (a + t[..., None] * ab), axis=2).min(1)
        # inside when the ray from q towards +radius crosses the outline an odd number of times
        ya, yb = a[:, 1], b[:, 1]
        cross = ((ya > q[:, 1:2]) != (yb > q[:, 1:2]))
        r_at = a[:, 0] + (q[:, 1:2] - ya) / np.where(yb != ya, yb - ya, 1) * (b[:, 0] - a[:, 0])
        inside = np.sum(cross & (r_at > q[:, :1]), axis=1) % 2 == 1
        return np.where(inside, -dist, dist)

    return fn


def torso_avatar(profile=((0.0, 0.0), (0.13, 0.0), (0.16, 0.75), (0.16, 0.9), (0.12, 1.1), (0.12, 1.6),
                          (0.0, 1.6)), voxel: float = 0.015) -> Avatar:
    """A round 'body' standing on y = 0: a solid of revolution through (radius, y) points [m]. The default
    has hips (r = 16 cm at y = 0.75–0.9 m) under a waist (r = 12 cm from 1.1 to 1.6 m), so a skirt-like tube
    comes to rest on the hips."""
    prof = np.asarray(profile, np.float64)
    rmax, top = prof[:, 0].max(), prof[:, 1].max()
    sdf = sdf_grid(_profile_sdf(prof), (-rmax - 0.12, -0.05, -rmax - 0.12), (rmax + 0.12, top + 0.1, rmax + 0.12),
                   voxel)
    u = np.linspace(0, 2 * np.pi, 33)[:-1]
    ring = np.stack([np.cos(u), np.zeros_like(u), np.sin(u)], 1)
    rows = [ring * r + np.array([0, y, 0]) for r, y in prof[1:-1]]
    verts = np.concatenate(rows)
    k, m = len(u), len(rows)
    i = np.arange(k)
    faces = np.concatenate([np.stack([j * k + i, (j + 1) * k + i, (j + 1) * k + (i + 1) % k], 1) for j in range(m - 1)]
                           + [np.stack([j * k + i, (j + 1) * k + (i + 1) % k, j * k + (i + 1) % k], 1)
                              for j in range(m - 1)])
    return _surface_avatar("torso", verts, faces, sdf)


def cylinder_avatar(radius: float = 0.13, height: float = 1.4, voxel: float = 0.015) -> Avatar:
    """An upright capped cylinder 'body' standing on y = 0 (a torso-like collider)."""
    return torso_avatar(((0.0, 0.0), (radius, 0.0), (radius, height), (0.0, height)), voxel)


def tube(circumference: float = 0.9, length: float = 0.5, spacing: float = 0.02, gap: float = 0.04,
         center_y: float = 0.9, body_radius: float = 0.13) -> Garment:
    """Two flat panels (front, back) in front of and behind a cylinder, sewn along both sides.

    The panels start flat ``gap`` beyond the body; the sewing has to wrap them around it.
    """
    w = circumference / 2
    rest, faces, nx, ny = grid_panel(w, length, spacing)
    n = len(rest)
    z = body_radius + gap
    front = np.stack([rest[:, 0] - w / 2, center_y - length / 2 + rest[:, 1], np.full(n, z)], 1)
    back = np.stack([w / 2 - rest[:, 0], center_y - length / 2 + rest[:, 1], np.full(n, -z)], 1)
    col = np.arange(n) % nx
    left, right = np.flatnonzero(col == 0), np.flatnonzero(col == nx - 1)
    # front's right edge (x = +w/2) meets back's left edge (rest u = 0 is at x = +w/2), and vice versa
    pairs = np.concatenate([np.stack([right, left + n], 1), np.stack([left, right + n], 1)]).astype(np.int32)
    seam_of = np.concatenate([np.zeros(len(right)), np.ones(len(left))]).astype(np.int32)
    return Garment("tube", np.concatenate([rest, rest]), np.concatenate([front, back]).astype(np.float32),
                   np.concatenate([faces, faces + n]), np.repeat(np.arange(2), n).astype(np.int32),
                   ("front", "back"), ("torso", "torso"), np.array([[0, 1], [0, 1]], np.float32), pairs, seam_of,
                   ("right side", "left side"))


def skirt(waist: float = 0.8, hem: float = 1.4, length: float = 0.55, spacing: float = 0.02, top_y: float = 1.12,
          gap: float = 0.04, body_radius: float = 0.16) -> Garment:
    """An A-line skirt: two trapezoid panels (waist and hem circumferences [m]) sewn along both sides,
    starting flat in front of and behind the body, waistband at ``top_y``."""
    rest, faces, nx, ny = grid_panel(1.0, length, spacing)
    t = 1.0 - rest[:, 1] / length  # 0 at the waistband, 1 at the hem
    half = 0.5 * (waist + (hem - waist) * t) / 2
    rest = np.stack([(rest[:, 0] - 0.5) * 2 * half, rest[:, 1]], 1).astype(np.float32)
    n = len(rest)
    z = body_radius + gap
    y = top_y - length + rest[:, 1]
    front = np.stack([rest[:, 0], y, np.full(n, z)], 1)
    back = np.stack([-rest[:, 0], y, np.full(n, -z)], 1)
    col = np.arange(n) % nx
    left, right = np.flatnonzero(col == 0), np.flatnonzero(col == nx - 1)
    pairs = np.concatenate([np.stack([right, left + n], 1), np.stack([left, right + n], 1)]).astype(np.int32)
    seam_of = np.concatenate([np.zeros(len(right)), np.ones(len(left))]).astype(np.int32)
    return Garment("skirt", np.concatenate([rest, rest]), np.concatenate([front, back]).astype(np.float32),
                   np.concatenate([faces, faces + n]), np.repeat(np.arange(2), n).astype(np.int32),
                   ("front", "back"), ("torso", "torso"), np.array([[0, 1], [0, 1]], np.float32), pairs, seam_of,
                   ("right side", "left side"))
