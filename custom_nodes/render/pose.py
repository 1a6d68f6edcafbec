"""OpenPose-18 skeleton image from 3D keypoints, drawn the way comfyui_controlnet_aux draws it.

The limb sequence, the 18 colours, the stick width (4 px), limbs at 60 % colour as filled rotated
ellipses and joints as 4 px discs in full colour all follow ``draw_bodypose`` in controlnet_aux's
``open_pose/util.py`` (itself from ControlNet's annotator), so OpenPose ControlNets see what they
were trained on. Drawing is plain NumPy (no OpenCV); like controlnet_aux, shapes sit on integer pixel
indices (``int(x)``), so a joint disc covers the pixel that holds the projected keypoint.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.camera import Camera

#: 1-based OpenPose-18 index pairs; the first 17 are drawn (controlnet_aux's ``limbSeq``).
LIMB_SEQ = ((2, 3), (2, 6), (3, 4), (4, 5), (6, 7), (7, 8), (2, 9), (9, 10), (10, 11), (2, 12), (12, 13),
            (13, 14), (2, 1), (1, 15), (15, 17), (1, 16), (16, 18))
#: RGB 0..255, one per keypoint and per limb.
COLORS = ((255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
          (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
          (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85))
STICK_WIDTH = 4
#: Face keypoints (nose, eyes, ears) are dropped when the body hides them (a view from behind).
FACE_POINTS = (0, 14, 15, 16, 17)


def project_keypoints(keypoints: np.ndarray, visible: np.ndarray, camera: Camera,
                      depth: np.ndarray | None = None, tolerance: float = 0.06) -> np.ndarray:
    """Pixel positions (18, 2) [px] of the keypoints; NaN rows for the ones not drawn.

    A keypoint is dropped when it is marked invisible, behind the camera, outside the image, or (for
    face points, given the pixel ``depth`` map (H, W) [m]) more than ``tolerance`` [m] behind the
    surface seen at its pixel.
    """
    px, d = camera.project(keypoints)
    ok = np.asarray(visible, bool) & (d > camera.near)
    ok &= (px[:, 0] >= 0) & (px[:, 0] < camera.width) & (px[:, 1] >= 0) & (px[:, 1] < camera.height)
    if depth is not None:
        for k in FACE_POINTS:
            if ok[k]:
                surface = depth[int(px[k, 1]), int(px[k, 0])]
                ok[k] = not (np.isfinite(surface) and d[k] > surface + tolerance)
    out = px.astype(np.float64)
    out[~ok] = np.nan
    return out


def _fill(canvas: np.ndarray, inside: np.ndarray, x0: int, y0: int, color) -> None:
    h, w = inside.shape
    H, W = canvas.shape[:2]
    xs, ys = slice(max(x0, 0), min(x0 + w, W)), slice(max(y0, 0), min(y0 + h, H))
    sub = inside[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
    canvas[ys, xs][sub] = color


def _ellipse(canvas, center, half_len: int, half_width: int, angle_deg: int, color) -> None:
    """Filled rotated ellipse on integer pixel indices (what cv2.ellipse2Poly + fillConvexPoly paints)."""
    r = max(half_len, half_width) + 1
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float64)
    a = math.radians(angle_deg)
    u = xx * math.cos(a) + yy * math.sin(a)
    v = -xx * math.sin(a) + yy * math.cos(a)
    inside = (u / max(half_len, 0.5)) ** 2 + (v / max(half_width, 0.5)) ** 2 <= 1.0
    _fill(canvas, inside, center[0] - r, center[1] - r, color)


def _disc(canvas, center, radius: int, color) -> None:
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    _fill(canvas, xx ** 2 + yy ** 2 <= radius ** 2, center[0] - radius, center[1] - radius, color)


def draw_openpose(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """(height, width, 3) uint8 skeleton on black from pixel ``points`` (18, 2), NaN = missing."""
    canvas = np.zeros((height, width, 3), np.uint8)
    for (i, j), color in zip(LIMB_SEQ, COLORS[:len(LIMB_SEQ)], strict=True):
        a, b = points[i - 1], points[j - 1]
        if np.isnan(a).any() or np.isnan(b).any():
            continue
        length = math.hypot(*(a - b))
        angle = math.degrees(math.atan2(a[1] - b[1], a[0] - b[0]))
        mid = (int((a[0] + b[0]) / 2), int((a[1] + b[1]) / 2))
        _ellipse(canvas, mid, int(length / 2), STICK_WIDTH, int(angle), [int(c * 0.6) for c in color])
    for p, color in zip(points, COLORS, strict=True):
        if not np.isnan(p).any():
            _disc(canvas, (int(p[0]), int(p[1])), STICK_WIDTH, color)
    return canvas
