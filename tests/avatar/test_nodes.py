"""The avatar nodes as a ComfyUI user drives them."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.avatar.nodes import (
    AtelierAvatarFromMeasurements,
    AtelierAvatarKeypoints,
    AtelierMeasureAvatar,
    AtelierPoseAvatar,
)
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.examples import box_avatar


def _defaults():
    spec = AtelierAvatarFromMeasurements.INPUT_TYPES()["required"]
    return {k: (v[1]["default"]) for k, v in spec.items()}


@pytest.mark.slow
def test_size_preset_with_a_waist_override_in_cm(anny_body):
    avatar, report, preview = AtelierAvatarFromMeasurements().build(**{**_defaults(), "size": "L", "body": "male",
                                                                       "waist_girth_cm": 95.0})
    assert abs(avatar.measurements["waist_girth"] - 0.95) <= 0.01
    assert "waist_girth" in report and "95.0" in report and "residual" in report
    assert tuple(preview.shape[:1]) == (1,) and preview.shape[-1] == 3 and preview.shape[1] == 512


def test_impossible_override_is_refused_by_name(anny_body):
    with pytest.raises(InvalidInputError, match="height"):
        AtelierAvatarFromMeasurements().build(**{**_defaults(), "height_cm": 500.0})


def test_pose_keypoint_output_is_what_controlnet_aux_reads(female_m):
    avatar, _ = female_m
    kps, preview = AtelierAvatarKeypoints().keypoints(avatar, 512, 768, 0.0)
    assert isinstance(kps, list) and len(kps) == 1
    frame = kps[0]
    assert frame["canvas_width"] == 512 and frame["canvas_height"] == 768
    flat = frame["people"][0]["pose_keypoints_2d"]
    assert len(flat) == 54
    pts = np.array(flat).reshape(18, 3)
    assert np.all(pts[:, 2] == 1.0)  # every Anny keypoint is visible from the front
    assert np.all((pts[:, 0] > 0) & (pts[:, 0] < 512) & (pts[:, 1] > 0) & (pts[:, 1] < 768))
    nose, neck, r_ank = pts[0], pts[1], pts[10]
    assert nose[1] < neck[1] < r_ank[1]  # image y grows downwards
    assert pts[2, 0] < pts[5, 0]  # the avatar's right shoulder is on the picture's left


def test_measure_and_pose_nodes_leave_their_input_alone():
    avatar = box_avatar()
    before = avatar.mesh.vertices.copy()
    table, image = AtelierMeasureAvatar().measure(avatar)
    assert "waist_girth" in table and image.shape[0] == 1
    (posed,) = AtelierPoseAvatar().pose(avatar, "t_pose", 45.0, 0)
    assert posed.pose == "t_pose" and np.array_equal(avatar.mesh.vertices, before)
    with pytest.raises(InvalidInputError, match="Anny"):
        AtelierPoseAvatar().pose(avatar, "walk", 45.0, 1)
