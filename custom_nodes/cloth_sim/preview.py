"""Quick preview render of a drape: orthographic, z-buffered, two-sided Lambert shading in NumPy.

Good enough to see folds, seams and penetrations; the render domain does the real maps.
"""

from __future__ import annotations

import numpy as np

from ..core.drape import DrapeResult


def _rotation(yaw_deg: float) -> np.ndarray:
    a = np.radians(yaw_deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def _raster(img: np.ndarray, zbuf: np.ndarray, tri: np.ndarray, colour: np.ndarray) -> None:
    """Z-buffered fill of one screen-space triangle (3, 3): x, y in pixels, z larger = nearer."""
    h, w = zbuf.shape
    x0, y0 = np.floor(tri[:, :2].min(0)).astype(int)
    x1, y1 = np.ceil(tri[:, :2].max(0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w - 1), min(y1, h - 1)
    if x1 < x0 or y1 < y0:
        return
    px, py = np.meshgrid(np.arange(x0, x1 + 1) + 0.5, np.arange(y0, y1 + 1) + 0.5)
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = tri
    den = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy)
    if abs(den) < 1e-12:
        return
    l0 = ((by - cy) * (px - cx) + (cx - bx) * (py - cy)) / den
    l1 = ((cy - ay) * (px - cx) + (ax - cx) * (py - cy)) / den
    l2 = 1 - l0 - l1
    inside = (l0 >= -1e-6) & (l1 >= -1e-6) & (l2 >= -1e-6)
    z = l0 * az + l1 * bz + l2 * cz
    win = zbuf[y0:y1 + 1, x0:x1 + 1]
    hit = inside & (z > win)
    win[hit] = z[hit]
    img[y0:y1 + 1, x0:x1 + 1][hit] = colour


def render_meshes(meshes: list[tuple[np.ndarray, np.ndarray, tuple]], size: int = 384,
                  yaw_deg: float = 0.0) -> np.ndarray:
    """Shade ``(vertices (n,3) [m], faces (m,3), rgb 0..1)`` meshes seen from +Z after a yaw, orthographic,
    z-buffered, two-sided Lambert; returns (H, W, 3) float32 in 0..1."""
    rot = _rotation(yaw_deg)
    allv = np.concatenate([v for v, _, _ in meshes]) @ rot.T
    lo, hi = allv.min(0), allv.max(0)
    scale = 0.9 * size / max(hi[0] - lo[0], hi[1] - lo[1], 1e-6)
    mid = (lo + hi) / 2
    img = np.full((size, size, 3), 0.96, np.float32)
    zbuf = np.full((size, size), -np.inf)
    light = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
    for k, (verts, faces, rgb) in enumerate(meshes):
        v = verts.astype(np.float64) @ rot.T
        p = v[faces]
        n = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        shade = np.clip(np.outer(0.25 + 0.75 * np.abs(n @ light), rgb), 0, 1)
        screen = np.stack([(p[..., 0] - mid[0]) * scale + size / 2, size / 2 - (p[..., 1] - mid[1]) * scale,
                           p[..., 2] + 1e-3 * k], -1)  # later meshes (cloth) win exact ties with the body
        for tri, c in zip(screen, shade, strict=True):
            _raster(img, zbuf, tri, c)
    return img


def render_drape(result: DrapeResult, size: int = 384, yaw_deg: float = 0.0, with_body: bool = True) -> np.ndarray:
    """Preview (H, W, 3) float32 in 0..1 of the draped garment (in its fabric colour) on the avatar."""
    meshes = []
    if with_body and result.avatar.name != "none":
        meshes.append((result.avatar.mesh.vertices, result.avatar.mesh.faces, (0.85, 0.72, 0.62)))
    meshes.append((result.positions, result.garment.faces, tuple(result.fabric.color.tolist())))
    return render_meshes(meshes, size, yaw_deg)
