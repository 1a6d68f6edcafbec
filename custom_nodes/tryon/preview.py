"""Pictures for people: colourised label maps, pose skeletons, mask overlays. (H, W, 3) float32 0..1."""

from __future__ import annotations

import cv2
import numpy as np

from .pose import CONFIDENCE_MIN, K

#: One colour per ATR label (background black), as parsing previews usually show them.
PALETTE = np.array([
    (0, 0, 0), (128, 0, 0), (255, 140, 0), (220, 220, 0), (255, 0, 0), (0, 128, 0), (0, 0, 200), (160, 0, 160),
    (120, 80, 0), (80, 80, 80), (110, 110, 110), (255, 200, 160), (0, 160, 160), (0, 200, 200),
    (180, 120, 255), (120, 60, 220), (140, 90, 40), (255, 120, 180)], np.float32) / 255
LIMBS = [("neck", "right_shoulder"), ("neck", "left_shoulder"), ("right_shoulder", "right_elbow"),
         ("right_elbow", "right_wrist"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("neck", "right_hip"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"), ("neck", "left_hip"),
         ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("neck", "nose"), ("nose", "right_eye"),
         ("right_eye", "right_ear"), ("nose", "left_eye"), ("left_eye", "left_ear")]


def colour_labels(labels: np.ndarray) -> np.ndarray:
    return PALETTE[np.asarray(labels, np.intp)]


def draw_pose(canvas: np.ndarray, pose: np.ndarray, thickness: int | None = None) -> np.ndarray:
    """Skeleton of an (18, 3) pixel pose drawn on a copy of ``canvas`` (H, W, 3)."""
    out = np.ascontiguousarray(canvas, np.float32).copy()
    t = thickness or max(1, out.shape[0] // 150)
    for i, (a, b) in enumerate(LIMBS):
        if pose[K[a], 2] < CONFIDENCE_MIN or pose[K[b], 2] < CONFIDENCE_MIN:
            continue
        hue = np.uint8([[[int(180 * i / len(LIMBS)), 255, 255]]])
        colour = cv2.cvtColor(hue, cv2.COLOR_HSV2RGB)[0, 0] / 255.0
        pa, pb = np.round(pose[K[a], :2]).astype(int), np.round(pose[K[b], :2]).astype(int)
        cv2.line(out, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), tuple(float(c) for c in colour), t)
    for x, y, c in pose:
        if c >= CONFIDENCE_MIN:
            cv2.circle(out, (int(round(x)), int(round(y))), t + 1, (1.0, 1.0, 1.0), -1)
    return out


def overlay(image: np.ndarray, mask: np.ndarray, colour=(1.0, 0.2, 0.6), alpha: float = 0.5) -> np.ndarray:
    """``image`` with ``mask`` tinted, for looking at masks."""
    out = np.array(image, np.float32, copy=True)
    out[mask] = (1 - alpha) * out[mask] + alpha * np.asarray(colour, np.float32)
    return out
