"""Synthetic people and garment photos drawn with OpenCV: test fixtures, docs pictures and node examples.

A synthetic person comes with its exact ATR label map and OpenPose-18 pose, so masks can be checked
against rules (face pixels never masked, torso fully masked…) without any model. Facing the camera,
the person's right side is on the image's left, as in a photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..core.avatar import OPENPOSE18
from .labels import L

#: Keypoints of a standing person: (dx, dy) in person heights from (centre, top of head).
_BODY = {
    "nose": (0.0, 0.075), "neck": (0.0, 0.17), "right_shoulder": (-0.105, 0.185),
    "right_elbow": (-0.14, 0.335), "right_wrist": (-0.16, 0.47), "left_shoulder": (0.105, 0.185),
    "left_elbow": (0.14, 0.335), "left_wrist": (0.16, 0.47), "right_hip": (-0.055, 0.5),
    "right_knee": (-0.06, 0.7), "right_ankle": (-0.065, 0.9), "left_hip": (0.055, 0.5),
    "left_knee": (0.06, 0.7), "left_ankle": (0.065, 0.9), "right_eye": (-0.018, 0.06),
    "left_eye": (0.018, 0.06), "right_ear": (-0.04, 0.07), "left_ear": (0.04, 0.07),
}
COLOURS = {  # RGB 0..1 per ATR label; 255 = skin without a label (neck)
    0: (0.86, 0.88, 0.91), L["hair"]: (0.18, 0.12, 0.08), L["face"]: (0.87, 0.70, 0.58),
    L["upper_clothes"]: (0.80, 0.15, 0.18), L["pants"]: (0.15, 0.22, 0.50), L["skirt"]: (0.15, 0.55, 0.30),
    L["dress"]: (0.50, 0.25, 0.60), L["left_shoe"]: (0.08, 0.08, 0.08), L["right_shoe"]: (0.08, 0.08, 0.08),
    L["left_leg"]: (0.85, 0.68, 0.56), L["right_leg"]: (0.85, 0.68, 0.56), L["left_arm"]: (0.86, 0.69, 0.57),
    L["right_arm"]: (0.86, 0.69, 0.57), L["bag"]: (0.45, 0.30, 0.15), 255: (0.86, 0.69, 0.57),
}


@dataclass(frozen=True)
class SyntheticPerson:
    image: np.ndarray  # (H, W, 3) float32 0..1
    labels: np.ndarray  # (H, W) uint8, ATR-18
    pose: np.ndarray  # (18, 3) float32 [x_px, y_px, confidence]


def person_pose(height: int, width: int, cx: float = 0.5, scale: float = 0.92, top: float = 0.04) -> np.ndarray:
    """(18, 3) pose of a standing person ``scale`` image heights tall, centred at ``cx`` × width."""
    s = scale * height
    pose = np.zeros((18, 3), np.float32)
    for i, name in enumerate(OPENPOSE18):
        dx, dy = _BODY[name]
        pose[i] = (cx * width + dx * s, top * height + dy * s, 1.0)
    return pose


def _line(canvas, pts, width, value):
    pts = np.round(np.asarray(pts)).astype(np.int32)
    for a, b in zip(pts[:-1], pts[1:], strict=False):
        cv2.line(canvas, tuple(int(v) for v in a), tuple(int(v) for v in b), int(value), max(1, int(round(width))))
    for p in pts:
        cv2.circle(canvas, tuple(int(v) for v in p), max(1, int(round(width / 2))), int(value), -1)


def _poly(canvas, pts, value):
    cv2.fillPoly(canvas, [np.round(np.asarray(pts)).astype(np.int32)], int(value))


def _lerp(a, b, t):
    return np.asarray(a, float) + t * (np.asarray(b, float) - np.asarray(a, float))


def _draw_lower(lab, p, s, lower):
    hip_y = (p["right_hip"][1] + p["left_hip"][1]) / 2
    waist = [(p["right_hip"][0] - 0.035 * s, hip_y - 0.04 * s), (p["left_hip"][0] + 0.035 * s, hip_y - 0.04 * s)]
    if lower == "pants":
        for side in ("right", "left"):
            end = _lerp(p[f"{side}_knee"], p[f"{side}_ankle"], 0.85)
            _line(lab, [p[f"{side}_hip"], p[f"{side}_knee"], end], 0.07 * s, L["pants"])
        _poly(lab, [waist[0], waist[1], (p["left_hip"][0] + 0.035 * s, hip_y + 0.06 * s),
                    (p["right_hip"][0] - 0.035 * s, hip_y + 0.06 * s)], L["pants"])
    else:  # skirt or dress hem
        hem_y = p["right_knee"][1] - 0.02 * s
        value = L["skirt"] if lower == "skirt" else L["dress"]
        _poly(lab, [waist[0], waist[1], (p["left_knee"][0] + 0.07 * s, hem_y),
                    (p["right_knee"][0] - 0.07 * s, hem_y)], value)


def _draw_upper(lab, p, s, sleeves, value):
    sh_r, sh_l = np.array(p["right_shoulder"]), np.array(p["left_shoulder"])
    hip_y = (p["right_hip"][1] + p["left_hip"][1]) / 2 + 0.01 * s
    _poly(lab, [sh_r + (-0.01 * s, -0.012 * s), (p["neck"][0] - 0.03 * s, p["neck"][1] - 0.005 * s),
                (p["neck"][0] + 0.03 * s, p["neck"][1] - 0.005 * s), sh_l + (0.01 * s, -0.012 * s),
                (p["left_hip"][0] + 0.035 * s, hip_y), (p["right_hip"][0] - 0.035 * s, hip_y)], value)
    for side in ("right", "left"):
        sh, el, wr = p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]
        if sleeves == "short":
            _line(lab, [sh, _lerp(sh, el, 0.5)], 0.06 * s, value)
        elif sleeves == "long":
            _line(lab, [sh, el, _lerp(el, wr, 0.85)], 0.055 * s, value)


def _draw_head(lab, p, s):
    neck_top = (p["nose"][0], p["nose"][1] + 0.05 * s)
    _poly(lab, [(neck_top[0] - 0.022 * s, neck_top[1]), (neck_top[0] + 0.022 * s, neck_top[1]),
                (p["neck"][0] + 0.028 * s, p["neck"][1] + 0.01 * s), (p["neck"][0] - 0.028 * s, p["neck"][1] + 0.01 * s)],
          255)
    nose = tuple(int(v) for v in np.round(p["nose"]))
    cv2.ellipse(lab, (nose[0], int(nose[1] - 0.03 * s)), (int(0.05 * s), int(0.055 * s)), 0, 0, 360, L["hair"], -1)
    cv2.ellipse(lab, nose, (int(0.04 * s), int(0.055 * s)), 0, 0, 360, L["face"], -1)


def draw_person(lab: np.ndarray, pose: np.ndarray, s: float, upper="short", lower="pants", bag=False) -> None:
    """Paint one person's labels into ``lab`` (uint8, 255 = unlabelled skin). ``upper``: short | long |
    none (sleeves of a top) or ``dress``."""
    p = {name: pose[i, :2].astype(float) for i, name in enumerate(OPENPOSE18)}
    for side, label in (("right", L["right_leg"]), ("left", L["left_leg"])):
        _line(lab, [p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]], 0.05 * s, label)
    _draw_lower(lab, p, s, "dress" if upper == "dress" else lower)
    for side, label in (("right", L["right_shoe"]), ("left", L["left_shoe"])):
        a = p[f"{side}_ankle"]
        cv2.ellipse(lab, (int(a[0]), int(a[1] + 0.02 * s)), (int(0.035 * s), int(0.022 * s)), 0, 0, 360, label, -1)
    for side, label in (("right", L["right_arm"]), ("left", L["left_arm"])):
        sh, el, wr = p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]
        _line(lab, [sh, el, wr], 0.04 * s, label)
        hand = _lerp(el, wr, 1.2)
        cv2.circle(lab, (int(hand[0]), int(hand[1])), int(0.024 * s), label, -1)
    if upper == "dress":
        _draw_upper(lab, p, s, "none", L["dress"])
    else:
        _draw_upper(lab, p, s, upper, L["upper_clothes"])
    _draw_head(lab, p, s)
    if bag:
        h = p["left_hip"] + (0.07 * s, 0.0)
        _poly(lab, [h + (-0.03 * s, -0.03 * s), h + (0.05 * s, -0.03 * s), h + (0.05 * s, 0.07 * s),
                    h + (-0.03 * s, 0.07 * s)], L["bag"])


def colourise(lab: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 picture of a label canvas, with a soft vertical shading so it is not flat."""
    img = np.zeros(lab.shape + (3,), np.float32)
    for value, rgb in COLOURS.items():
        img[lab == value] = rgb
    shade = np.linspace(1.0, 0.9, lab.shape[0], dtype=np.float32)[:, None, None]
    return np.clip(img * shade, 0, 1)


def synthetic_person(height: int = 256, width: int = 192, upper: str = "short", lower: str = "pants",
                     bag: bool = False, cx: float = 0.5, scale: float = 0.92) -> SyntheticPerson:
    """One person on a plain background, with exact labels and pose."""
    lab = np.zeros((height, width), np.uint8)
    pose = person_pose(height, width, cx, scale)
    draw_person(lab, pose, scale * height, upper, lower, bag)
    image = colourise(lab)
    lab[lab == 255] = 0  # neck skin has no ATR label
    return SyntheticPerson(image, lab, pose)


def two_people(height: int = 256, width: int = 320) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Two people side by side (the right one smaller): (image, labels, [pose_left, pose_right])."""
    lab = np.zeros((height, width), np.uint8)
    poses = [person_pose(height, width, 0.3, 0.9), person_pose(height, width, 0.75, 0.7, top=0.2)]
    draw_person(lab, poses[0], 0.9 * height, "short", "pants")
    draw_person(lab, poses[1], 0.7 * height, "long", "skirt")
    image = colourise(lab)
    lab[lab == 255] = 0
    return image, lab, poses


def synthetic_garment(kind: str = "top", height: int = 256, width: int = 256, busy: bool = False,
                      rgb=(0.15, 0.45, 0.75), long_sleeves: bool = False) -> np.ndarray:
    """A flat-lay garment photo (H, W, 3) float32: ``top`` (short-sleeve tee, or long sleeves hanging
    down at 45° when ``long_sleeves``), ``bottom`` (trousers) or ``dress``, striped so a warp is visible,
    on white — or on random clutter when ``busy``."""
    m = np.zeros((height, width), np.uint8)
    h, w = height, width
    cx = w / 2
    if kind == "top":
        body = [(cx - 0.22 * w, 0.2 * h), (cx - 0.08 * w, 0.12 * h), (cx, 0.17 * h), (cx + 0.08 * w, 0.12 * h),
                (cx + 0.22 * w, 0.2 * h), (cx + 0.22 * w, 0.88 * h), (cx - 0.22 * w, 0.88 * h)]
        _poly(m, body, 1)
        for sgn in (-1, 1):
            if long_sleeves:
                _poly(m, [(cx + sgn * 0.21 * w, 0.2 * h), (cx + sgn * 0.49 * w, 0.62 * h),
                          (cx + sgn * 0.41 * w, 0.68 * h), (cx + sgn * 0.21 * w, 0.4 * h)], 1)
            else:
                _poly(m, [(cx + sgn * 0.21 * w, 0.2 * h), (cx + sgn * 0.42 * w, 0.36 * h),
                          (cx + sgn * 0.34 * w, 0.45 * h), (cx + sgn * 0.21 * w, 0.36 * h)], 1)
    elif kind == "bottom":
        _poly(m, [(cx - 0.2 * w, 0.08 * h), (cx + 0.2 * w, 0.08 * h), (cx + 0.26 * w, 0.92 * h),
                  (cx + 0.04 * w, 0.92 * h), (cx, 0.35 * h), (cx - 0.04 * w, 0.92 * h), (cx - 0.26 * w, 0.92 * h)], 1)
    elif kind == "dress":
        _poly(m, [(cx - 0.16 * w, 0.1 * h), (cx - 0.07 * w, 0.06 * h), (cx, 0.12 * h), (cx + 0.07 * w, 0.06 * h),
                  (cx + 0.16 * w, 0.1 * h), (cx + 0.14 * w, 0.4 * h), (cx + 0.3 * w, 0.94 * h),
                  (cx - 0.3 * w, 0.94 * h), (cx - 0.14 * w, 0.4 * h)], 1)
    else:
        raise ValueError(f"unknown garment kind {kind!r}")
    rng = np.random.default_rng(1)
    if busy:
        img = cv2.resize(rng.random((12, 12, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
        img = np.clip(img + 0.25 * rng.random((h, w, 3), dtype=np.float32), 0, 1)
    else:
        img = np.full((h, w, 3), 0.97, np.float32)
    yy = np.arange(h, dtype=np.float32)[:, None]
    stripes = 0.75 + 0.25 * (np.sin(yy / max(h, 1) * 60.0) > 0)
    cloth = np.asarray(rgb, np.float32)[None, None, :] * stripes[..., None]
    inside = m.astype(bool)
    img[inside] = np.broadcast_to(cloth, (h, w, 3))[inside]
    return img
