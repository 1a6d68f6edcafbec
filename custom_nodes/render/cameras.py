"""Cameras that frame the subject: orbit + presets (full body, upper body, garment close-up, flat lay).

All presets return a core :class:`Camera` (pixel/depth conventions live there). Framing fits the
chosen region of the scene's bounding box into the vertical and horizontal field of view with a
margin, so the subject fills the frame at any aspect ratio.
"""

from __future__ import annotations

import numpy as np

from ..core.camera import MAX_RESOLUTION, Camera
from ..core.errors import InvalidInputError
from ..core.garment import Garment
from ..core.mesh import TriangleMesh
from .scenes import RenderScene

PRESETS = ("full_body", "upper_body", "garment_closeup", "flat_lay")


def check_size(width: int, height: int) -> None:
    """Clear errors for impossible image sizes (before any allocation)."""
    for name, value in (("width", width), ("height", height)):
        if int(value) != value or not 1 <= int(value) <= MAX_RESOLUTION:
            raise InvalidInputError(f"must be 1..{MAX_RESOLUTION} px, got {value!r}", field=name)


def _region(scene: RenderScene, preset: str) -> np.ndarray:
    """(2, 3) [m] box to frame for ``preset``."""
    lo, hi = scene.bounds().astype(np.float64)
    if preset == "upper_body":
        return np.stack([[lo[0], lo[1] + 0.5 * (hi[1] - lo[1]), lo[2]], hi])
    if preset == "garment_closeup":
        return scene.garment_bounds().astype(np.float64)
    return np.stack([lo, hi])


def frame(scene: RenderScene, preset: str = "full_body", yaw: float = 0.0, pitch: float = 5.0,
          fov_y: float = 30.0, width: int = 768, height: int = 1024, margin: float = 1.1,
          distance: float = 0.0) -> Camera:
    """A perspective orbit camera that fits the preset's region, or a top-down flat-lay camera.

    ``yaw``/``pitch``/``fov_y`` in degrees (yaw 0 = the avatar's front, from +Z), ``margin`` ≥ 1 is
    the free space around the region; ``distance`` [m] > 0 replaces the fitted distance (the camera
    still aims at the region's centre).
    """
    check_size(width, height)
    if preset not in PRESETS:
        raise InvalidInputError(f"must be one of {PRESETS}, got {preset!r}", field="preset")
    if preset == "flat_lay":
        return flat_lay_camera(scene, width, height, margin)
    lo, hi = _region(scene, preset)
    center = (lo + hi) / 2
    half_y = 0.5 * (hi[1] - lo[1])
    radius_xz = 0.5 * np.hypot(hi[0] - lo[0], hi[2] - lo[2])  # fits the width from every yaw
    half_h = np.radians(fov_y) / 2
    half_w = np.arctan(np.tan(half_h) * width / height)
    if distance <= 0:
        distance = radius_xz + margin * max(half_y / np.tan(half_h), radius_xz / np.tan(half_w))
    radius = float(np.linalg.norm(hi - lo)) / 2
    near = max(0.01, min(0.05, 0.5 * (distance - radius)))
    return Camera.orbit(yaw, pitch, float(distance), target=tuple(center), fov_y=fov_y, width=width,
                        height=height, near=near, far=float(distance + 4 * radius + 1.0))


def flat_lay_camera(scene: RenderScene, width: int, height: int, margin: float = 1.1) -> Camera:
    """Orthographic camera looking straight down (−Y) at the scene, image up = −Z (the garment's back)."""
    lo, hi = scene.bounds().astype(np.float64)
    center = (lo + hi) / 2
    extent_x, extent_z = hi[0] - lo[0], hi[2] - lo[2]
    ortho_h = margin * max(extent_z, extent_x * height / width, 1e-3)
    eye = center + [0.0, max(hi[1] - center[1], 0) + 1.0, 0.0]
    return Camera(eye=eye, target=center, up=np.array([0, 0, -1.0], np.float32), projection="orthographic",
                  ortho_height=float(ortho_h), width=width, height=height, near=0.01, far=10.0)


def flat_lay_mesh(garment: Garment, gap: float = 0.05) -> tuple[TriangleMesh, np.ndarray]:
    """The garment's panels laid flat on y = 0, side by side in pattern space (x = u, z = −v) [m].

    Returns the mesh (pattern UVs kept) and per-vertex panel ids (n,).
    """
    rest = garment.rest.astype(np.float64)
    verts = np.zeros((len(rest), 3))
    x0 = 0.0
    for p in range(len(garment.panel_names)):
        sel = garment.vertex_panel == p
        if not sel.any():
            continue
        r = rest[sel]
        lo, hi = r.min(0), r.max(0)
        verts[sel, 0] = r[:, 0] - lo[0] + x0
        verts[sel, 2] = -(r[:, 1] - lo[1])
        x0 += hi[0] - lo[0] + gap
    verts[:, 0] -= x0 / 2
    faces = garment.faces
    # pattern faces are CCW in (u, v); with z = −v they face +Y (up), towards the flat-lay camera
    return TriangleMesh(verts.astype(np.float32), faces, garment.rest, garment.name), garment.vertex_panel
