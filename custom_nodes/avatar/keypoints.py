"""Keypoints: COCO-17 from Anny's keypoint regressor, OpenPose-18 from those, and ComfyUI's POSE_KEYPOINT.

POSE_KEYPOINT is what comfyui_controlnet_aux's pose estimators output and its pose nodes read: a list
(one entry per image) of ``{"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, y1, c1, …]}],
"canvas_width": W, "canvas_height": H}`` with 18 OpenPose keypoints in pixel coordinates (x right,
y down) and confidence 1 for a visible point, 0 (with x = y = 0) for a missing one.
"""

from __future__ import annotations

import numpy as np

from ..core.avatar import OPENPOSE18
from ..core.camera import Camera
from ..core.errors import InvalidInputError
from .anny_model import COCO17


def openpose_from_coco(coco: np.ndarray) -> np.ndarray:
    """(17, 3) COCO keypoints → (18, 3) OpenPose-18; the neck is the midpoint of the shoulders."""
    c = {name: coco[i] for i, name in enumerate(COCO17)}
    c["neck"] = 0.5 * (c["left_shoulder"] + c["right_shoulder"])
    return np.stack([c[name] for name in OPENPOSE18]).astype(np.float32)


def project(points: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """World points (n, 3) [m] → pixel coordinates (n, 2) (x right, y down) and depth (n,) [m]."""
    p = np.c_[np.asarray(points, np.float64), np.ones(len(points))]
    cam = p @ camera.view_matrix().T
    clip = cam @ camera.projection_matrix().T
    ndc = clip[:, :2] / clip[:, 3:4]
    px = np.c_[(ndc[:, 0] + 1) * 0.5 * camera.width, (1 - ndc[:, 1]) * 0.5 * camera.height]
    return px, -cam[:, 2]


def pose_keypoint(keypoints: np.ndarray, visible: np.ndarray, camera: Camera) -> list[dict]:
    """ComfyUI POSE_KEYPOINT (one image, one person) for OpenPose-18 ``keypoints`` (18, 3) [m]."""
    keypoints = np.asarray(keypoints, np.float64)
    if keypoints.shape != (18, 3):
        raise InvalidInputError(f"expected (18, 3) OpenPose keypoints, got {keypoints.shape}", field="keypoints")
    px, depth = project(keypoints, camera)
    inside = (px[:, 0] >= 0) & (px[:, 0] < camera.width) & (px[:, 1] >= 0) & (px[:, 1] < camera.height)
    ok = np.asarray(visible, bool) & inside & (depth > 0)
    flat = []
    for (x, y), good in zip(px, ok, strict=False):
        flat += [float(x), float(y), 1.0] if good else [0.0, 0.0, 0.0]
    return [{"people": [{"pose_keypoints_2d": flat, "face_keypoints_2d": None, "hand_left_keypoints_2d": None,
                         "hand_right_keypoints_2d": None}],
             "canvas_width": int(camera.width), "canvas_height": int(camera.height)}]


def coco_keypoints(avatar) -> np.ndarray | None:
    """COCO-17 keypoints [m] (17, 3) of an Anny avatar (from Anny's regressor, in its current pose);
    None for avatars without them (loaded meshes). Order: :data:`COCO17`."""
    coco = avatar.metadata.get("coco17")
    return None if coco is None else np.asarray(coco, np.float32).reshape(17, 3)
