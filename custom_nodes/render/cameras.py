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
from .scenes import GARMENT, RenderScene

PRESETS = ("full_body", "upper_body", "garment_closeup", "flat_lay")


def check_size(width: int, height: int) -> None:
    """Clear errors for impossible image sizes (before any allocation)."""
    for name, value in (("width", width), ("height", height)):
        if int(value) != value or not 1 <= int(value) <= MAX_RESOLUTION:
            raise InvalidInputError(f"must be 1..{MAX_RESOLUTION} px, got {value!r}", field=name)


HIP_FRACTION = 0.5  # hip height as a fraction of standing height, when the scene has no hip keypoints
TURN_STEP_DEG = 15.0  # the fitted distance holds at every yaw on this step, so a turntable never crops


def _upper_body_cut(scene: RenderScene, lo: np.ndarray, hi: np.ndarray) -> float:
    """[m] height where an upper-body shot ends: the hips (OpenPose-18 joints 8 and 11) when the scene knows
    them, else half the subject's height."""
    kp, vis = scene.keypoints, scene.keypoint_visible
    if kp is not None and len(kp) >= 12 and (vis is None or (vis[8] and vis[11])):
        hips = float(np.mean(np.asarray(kp, np.float64)[[8, 11], 1]))
        if lo[1] < hips < hi[1]:
            return hips
    return float(lo[1] + HIP_FRACTION * (hi[1] - lo[1]))


def _region_points(scene: RenderScene, preset: str) -> np.ndarray:
    """[m] (k, 3) the points ``preset`` must show: all of the subject, the garment only, or what lies above
    the hips (the arms hanging below them do not widen an upper-body shot)."""
    faces = scene.faces[scene.face_object == GARMENT] if preset == "garment_closeup" else scene.faces
    if len(faces) == 0:
        faces = scene.faces
    if len(faces) == 0:
        raise InvalidInputError("the scene has no triangles to frame", field="scene")
    used = scene.vertices[np.unique(faces)].astype(np.float64)
    if preset == "upper_body":
        lo, hi = used.min(0), used.max(0)
        cut = _upper_body_cut(scene, lo, hi)
        used = used[used[:, 1] >= cut]
        used = np.concatenate([used, [[used[:, 0].mean(), cut, used[:, 2].mean()]]])  # the frame reaches the cut
    step = max(1, len(used) // 4000)
    return used[::step]


def _fit_distance(points: np.ndarray, target: np.ndarray, yaws, pitch: float, tan_h: float, tan_w: float,
                  margin: float) -> float:
    """[m] the smallest orbit distance from ``target`` at which every point lies inside the view, shrunk by
    ``margin``, at each of ``yaws`` [deg] (pitch in degrees)."""
    q = points - target
    p = np.radians(pitch)
    best = 0.0
    for yaw in np.radians(np.asarray(yaws, np.float64)):
        back = np.array([np.sin(yaw) * np.cos(p), np.sin(p), np.cos(yaw) * np.cos(p)])  # target -> eye
        right = np.cross(-back, [0.0, 1.0, 0.0])
        right /= max(np.linalg.norm(right), 1e-12)
        up = np.cross(right, -back)
        toward = q @ back  # how much nearer the camera than the target each point is
        need = toward + margin * np.maximum(np.abs(q @ right) / tan_w, np.abs(q @ up) / tan_h)
        best = max(best, float(need.max()))
    return best


def frame(scene: RenderScene, preset: str = "full_body", yaw: float = 0.0, pitch: float = 5.0,
          fov_y: float = 30.0, width: int = 768, height: int = 1024, margin: float = 1.1,
          distance: float = 0.0, every_yaw: bool = False) -> Camera:
    """A perspective orbit camera that fits the preset's region, or a top-down flat-lay camera.

    ``yaw``/``pitch``/``fov_y`` in degrees (yaw 0 = the avatar's front, from +Z), ``margin`` ≥ 1 is
    the free space around the region; ``distance`` [m] > 0 replaces the fitted distance (the camera
    still aims at the region's centre). ``every_yaw`` fits a distance that holds all the way round (a
    turntable keeps it for every view), otherwise the region fills the frame at this ``yaw``.
    """
    check_size(width, height)
    if preset not in PRESETS:
        raise InvalidInputError(f"must be one of {PRESETS}, got {preset!r}", field="preset")
    if preset == "flat_lay":
        return flat_lay_camera(scene, width, height, margin)
    points = _region_points(scene, preset)
    lo, hi = points.min(0), points.max(0)
    center = (lo + hi) / 2
    half_h = np.radians(fov_y) / 2
    tan_h, tan_w = np.tan(half_h), np.tan(half_h) * width / height
    if distance <= 0:  # the closest distance that fits at this yaw (and at every turntable step)
        yaws = [*np.arange(0.0, 360.0, TURN_STEP_DEG), yaw] if every_yaw else [yaw]
        distance = max(_fit_distance(points, center, yaws, pitch, tan_h, tan_w, margin), 0.05)
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
