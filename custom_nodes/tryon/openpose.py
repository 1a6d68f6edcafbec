"""Optional pose detection through controlnet-aux's OpenPose, with local weights only.

controlnet-aux is unmaintained, needs torchvision, and its OpenPose weights are CMU's non-commercial
ones, so this path is optional and never a default: the try-on nodes take POSE_KEYPOINT from
comfyui_controlnet_aux (DWPose/OpenPose) or our avatars instead. Untested here beyond the
missing-package path (controlnet-aux is not installed in our environment).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import DependencyMissingError
from .images import as_rgb
from .models import OPENPOSE_BODY, locate


def detect_poses(image, weights_dir: str | Path | None = None) -> list[np.ndarray]:
    """Every person's (18, 3) pose in pixels, detected by controlnet-aux's OpenPose from local weights."""
    try:
        from controlnet_aux.open_pose import OpenposeDetector
    except ImportError as exc:
        raise DependencyMissingError("controlnet-aux", "OpenPose detection (optional; needs torchvision)") from exc
    folder = locate(OPENPOSE_BODY, weights_dir).parent
    detector = OpenposeDetector.from_pretrained(str(folder), local_files_only=True)
    rgb = np.round(as_rgb(image) * 255).astype(np.uint8)
    h, w = rgb.shape[:2]
    people = []
    for result in detector.detect_poses(rgb, include_hand=False, include_face=False):
        pose = np.zeros((18, 3), np.float32)
        for i, kp in enumerate(result.body.keypoints[:18]):
            if kp is not None:
                pose[i] = (kp.x * w, kp.y * h, max(float(kp.score), 0.5))
        people.append(pose)
    return people
