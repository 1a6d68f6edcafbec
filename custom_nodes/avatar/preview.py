"""Front and side pictures of an avatar: flat-shaded orthographic drawing with PIL (painter's algorithm).

Front view looks from +Z (the avatar's left is on the picture's right, as in a photo); side view looks
from +X (the avatar faces left). Optional overlays: OpenPose keypoints and the girth levels with their
measured values, for the "Measure Avatar" node.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..core.avatar import AVATAR_PARTS, Avatar

PART_COLOURS = np.array([[0.7, 0.7, 0.7], [0.80, 0.66, 0.58], [0.86, 0.72, 0.62], [0.74, 0.62, 0.56],
                         [0.74, 0.62, 0.56], [0.70, 0.60, 0.56], [0.70, 0.60, 0.56]])
LIMBS = [(1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
         (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17)]
VIEWS = {"front": (np.array([1.0, 0, 0]), np.array([0, 0, 1.0])),  # (image-right axis, towards viewer)
         "side": (np.array([0, 0, -1.0]), np.array([1.0, 0, 0]))}


def _frame(avatar: Avatar, height: int, width: int | None = None, right: np.ndarray | None = None):
    """Pixels per metre so the body fits ``height`` (and ``width`` along ``right``, if given)."""
    lo, hi = avatar.mesh.bounds.astype(np.float64)
    scale = height / (max(hi[1] - lo[1], 0.5) * 1.08)
    if width is not None:
        across = float(np.abs(hi - lo) @ np.abs(right))
        scale = min(scale, width / max(across * 1.06, 1e-3))
    return scale, lo, hi


def _to_px(points, right, scale, centre, height):
    p = np.asarray(points, np.float64)
    x = (p @ right - centre) * scale
    y = height - (p[:, 1] * scale + 0.04 * height)
    return np.c_[x, y]


def render_view(avatar: Avatar, view: str = "front", height: int = 512, keypoints: bool = False) -> Image.Image:
    """One view as an RGB PIL image, ``height`` px tall and as wide as the body needs (≤ height)."""
    right, toward = VIEWS[view]
    lo, hi = avatar.mesh.bounds.astype(np.float64)
    across = float(np.abs(hi - lo) @ np.abs(right)) / max(float(hi[1] - lo[1]), 0.5)
    width = int(np.clip(height * across * 0.98 + 0.04 * height, 0.25 * height, height))
    scale, lo, hi = _frame(avatar, height, width, right)
    v = avatar.mesh.vertices.astype(np.float64)
    f = avatar.mesh.faces
    centre = 0.5 * ((lo + hi) @ right) - width / (2 * scale)
    px = _to_px(v, right, scale, centre, height)
    depth = (v[f] @ toward).mean(1)
    normals = avatar.mesh.face_normals.astype(np.float64)
    facing = normals @ toward > 0
    light = np.clip(normals @ (toward * 0.8 + np.array([0.3, 0.5, 0.0])), 0, None)
    colour = PART_COLOURS[avatar.vertex_part[f[:, 0]] % len(AVATAR_PARTS)] * (0.35 + 0.65 * light[:, None])
    img = Image.new("RGB", (width, height), (246, 246, 244))
    draw = ImageDraw.Draw(img)
    for i in np.argsort(depth):
        if facing[i]:
            c = tuple(int(255 * min(1.0, x)) for x in colour[i])
            draw.polygon([tuple(q) for q in px[f[i]]], fill=c)
    if keypoints:
        _draw_keypoints(draw, avatar, right, scale, centre, height)
    return img


def _draw_keypoints(draw, avatar, right, scale, centre, height):
    kp = _to_px(avatar.keypoints, right, scale, centre, height)
    vis = avatar.keypoint_visible
    for a, b in LIMBS:
        if vis[a] and vis[b]:
            draw.line([tuple(kp[a]), tuple(kp[b])], fill=(40, 90, 220), width=2)
    for (x, y), ok in zip(kp, vis, strict=False):
        if ok:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(230, 40, 40))


def render_preview(avatar: Avatar, height: int = 512, keypoints: bool = False) -> np.ndarray:
    """Front and side views side by side: (height, W, 3) float32 in 0..1."""
    views = [render_view(avatar, v, height, keypoints) for v in ("front", "side")]
    canvas = Image.new("RGB", (sum(im.width for im in views), height))
    x = 0
    for im in views:
        canvas.paste(im, (x, 0))
        x += im.width
    return np.asarray(canvas, np.float32) / 255.0


def render_measurements(avatar: Avatar, height: int = 640) -> np.ndarray:
    """Front view with each girth level drawn and labelled in cm: (height, width, 3) float32 0..1."""
    from .measure import GIRTH_LANDMARKS

    img = render_view(avatar, "front", height)
    wide = Image.new("RGB", (img.width + 230, height), (246, 246, 244))
    wide.paste(img, (0, 0))
    draw = ImageDraw.Draw(wide)
    right = VIEWS["front"][0]
    scale, lo, hi = _frame(avatar, height, img.width, right)
    centre = 0.5 * ((lo + hi) @ right) - img.width / (2 * scale)
    rows = []
    for name, lm in GIRTH_LANDMARKS.items():
        key = "neck_base" if lm == "neck_girth_level" else lm
        if name in avatar.measurements and key in avatar.landmarks:
            rows.append((name, avatar.landmarks[key]))
    for name, point in rows:
        y = _to_px(point[None], right, scale, centre, height)[0, 1]
        draw.line([(4, y), (img.width - 4, y)], fill=(200, 60, 40), width=1)
        draw.text((img.width + 6, y - 6), f"{name}: {avatar.measurements[name] * 100:.1f} cm", fill=(120, 30, 20))
    y0 = 10
    for name in ("height", "inside_leg_length", "arm_length", "shoulder_width"):
        if name in avatar.measurements:
            draw.text((img.width + 6, y0), f"{name}: {avatar.measurements[name] * 100:.1f} cm", fill=(30, 30, 30))
            y0 += 14
    return np.asarray(wide, np.float32) / 255.0
