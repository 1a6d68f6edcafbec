"""Quick preview render of a drape: orthographic painter's-algorithm shading with NumPy + PIL.

Good enough to see folds, seams and penetrations; the render domain does the real maps.
"""

from __future__ import annotations

import numpy as np

from ..core.drape import DrapeResult


def _rotation(yaw_deg: float) -> np.ndarray:
    a = np.radians(yaw_deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def render_meshes(meshes: list[tuple[np.ndarray, np.ndarray, tuple]], size: int = 384,
                  yaw_deg: float = 0.0) -> np.ndarray:
    """Shade ``(vertices (n,3) [m], faces (m,3), rgb 0..1)`` meshes seen from +Z after a yaw; (H, W, 3) float32."""
    from PIL import Image, ImageDraw

    rot = _rotation(yaw_deg)
    allv = np.concatenate([v for v, _, _ in meshes]) @ rot.T
    lo, hi = allv.min(0), allv.max(0)
    scale = 0.9 * size / max(hi[0] - lo[0], hi[1] - lo[1], 1e-6)
    mid = (lo + hi) / 2
    img = Image.new("RGB", (size, size), (245, 245, 245))
    draw = ImageDraw.Draw(img)
    tris, depth, colour = [], [], []
    light = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
    for k, (verts, faces, rgb) in enumerate(meshes):
        v = verts.astype(np.float64) @ rot.T
        p = v[faces]
        n = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        shade = 0.25 + 0.75 * np.abs(n @ light)  # two-sided
        tris.append(p)
        depth.append(p[:, :, 2].max(1) + 0.02 * k)  # later meshes (cloth) win ties with the body
        colour.append(np.clip(np.outer(shade, rgb), 0, 1))
    tris, depth, colour = np.concatenate(tris), np.concatenate(depth), np.concatenate(colour)
    for i in np.argsort(depth):  # far to near (camera on +Z)
        xy = [((q[0] - mid[0]) * scale + size / 2, size / 2 - (q[1] - mid[1]) * scale) for q in tris[i]]
        c = tuple(int(255 * c) for c in colour[i])
        draw.polygon(xy, fill=c, outline=c)
    return np.asarray(img, np.float32) / 255.0


def render_drape(result: DrapeResult, size: int = 384, yaw_deg: float = 0.0, with_body: bool = True) -> np.ndarray:
    """Preview (H, W, 3) float32 in 0..1 of the draped garment (in its fabric colour) on the avatar."""
    meshes = []
    if with_body and result.avatar.name != "none":
        meshes.append((result.avatar.mesh.vertices, result.avatar.mesh.faces, (0.85, 0.72, 0.62)))
    meshes.append((result.positions, result.garment.faces, tuple(result.fabric.color.tolist())))
    return render_meshes(meshes, size, yaw_deg)
