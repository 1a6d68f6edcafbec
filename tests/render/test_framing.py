"""Camera presets frame what they name, judged on the analytic mannequin, whose joints are placed by hand
(custom_nodes/render/scenes.py ``mannequin``: hips at 0.90 m, knees at 0.50 m, crown at 1.755 m) and not by
the framing code, and on the rendered subject mask's bounding box."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.render.cameras import frame
from custom_nodes.render.maps import control_maps
from custom_nodes.render.scenes import build_scene, mannequin

HIP, KNEE = 8, 9  # OpenPose-18 indices (right hip, right knee)
W, H = 96, 128


@pytest.fixture(scope="module")
def person():
    body, kp = mannequin()
    return build_scene(body, None, keypoints=kp, keypoint_visible=np.ones(18, bool)), kp


def _mask_rows(scene, cam):
    rows = np.flatnonzero(control_maps(scene, cam, ss=1).subject_mask.max(1) > 0)
    return rows[0], rows[-1]


@pytest.mark.parametrize("yaw", [0.0, 30.0, 90.0])
def test_upper_body_frames_head_to_hips(person, yaw):
    scene, kp = person
    cam = frame(scene, "upper_body", yaw=yaw, pitch=0.0, width=W, height=H)
    hip_row, knee_row = cam.project(np.array([kp[HIP], kp[KNEE]]))[0][:, 1]
    top, bottom = _mask_rows(scene, cam)
    assert 0 < top < 0.14 * H  # the head is in, with a small margin above it (the old preset left 16 %)
    assert bottom == H - 1  # cut by the frame's lower edge, as an upper-body shot is
    assert 0.7 * H < hip_row < 1.1 * H  # the frame ends near the hips...
    assert knee_row > 1.15 * H  # ...well above the knees (the old preset showed down to the shins)


def test_full_body_frames_the_whole_person(person):
    scene, _ = person
    cam = frame(scene, "full_body", yaw=0.0, pitch=0.0, width=W, height=H)
    top, bottom = _mask_rows(scene, cam)
    assert 0 < top and bottom < H - 1  # nothing cut
    assert bottom - top > 0.8 * H  # and the person fills the height


def test_a_turntable_framing_holds_at_every_yaw(person):
    """Fitted once for all views, the A-pose arms stay inside the frame seen from any side."""
    from custom_nodes.core.camera import Camera

    scene, _ = person
    base = frame(scene, "full_body", yaw=0.0, pitch=0.0, width=W, height=H, every_yaw=True)
    distance = float(np.linalg.norm(base.eye - base.target))
    for yaw in range(0, 360, 20):
        cam = Camera.orbit(yaw, 0.0, distance, target=tuple(base.target), fov_y=base.fov_y, width=W, height=H,
                           near=base.near, far=base.far)
        mask = control_maps(scene, cam, ss=1).subject_mask > 0
        assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any()), yaw
