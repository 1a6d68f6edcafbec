"""POSE_KEYPOINT from comfyui_controlnet_aux (pixels or 0..1), person selection, avatar projection."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.camera import Camera
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.examples import box_avatar
from custom_nodes.tryon.pose import (
    K,
    people_from_pose_keypoint,
    pose_from_avatar,
    select_person,
    to_pose_keypoint,
)
from custom_nodes.tryon.synthetic import person_pose


def _frame(pose, w, h, normalise=False, canvas=None):
    p = np.array(pose, np.float64)
    if normalise:
        p[:, 0] /= w
        p[:, 1] /= h
    cw, ch = canvas or (w, h)
    return {"people": [{"pose_keypoints_2d": p.reshape(-1).tolist(), "face_keypoints_2d": []}],
            "canvas_width": cw, "canvas_height": ch}


def test_pixel_and_normalised_coordinates_give_the_same_pose():
    pose = person_pose(512, 384)
    a = people_from_pose_keypoint(_frame(pose, 384, 512), 384, 512)[0]
    b = people_from_pose_keypoint(_frame(pose, 384, 512, normalise=True), 384, 512)[0]
    assert np.allclose(a, pose, atol=1e-4) and np.allclose(b, pose, atol=1e-3)


def test_pose_on_another_canvas_is_rescaled_to_the_photo():
    pose = person_pose(256, 192)  # detector ran at 256×192, photo is 1024×768
    got = people_from_pose_keypoint(_frame(pose, 192, 256), 768, 1024)[0]
    assert np.allclose(got[:, :2], pose[:, :2] * 4, atol=1e-3)


def test_missing_keypoints_stay_missing():
    pose = person_pose(256, 192)
    pose[K["left_wrist"]] = 0
    got = people_from_pose_keypoint(_frame(pose, 192, 256), 192, 256)[0]
    assert got[K["left_wrist"], 2] == 0 and got[K["right_wrist"], 2] == 1


def test_person_selection():
    big, small = person_pose(256, 192, 0.3, 0.9), person_pose(256, 192, 0.7, 0.4)
    frame = to_pose_keypoint([small, big], 192, 256)
    people = people_from_pose_keypoint(frame, 192, 256)
    chosen, note = select_person(people)
    assert np.allclose(chosen, big) and "2 people" in note
    assert np.allclose(select_person(people, 0)[0], small)
    with pytest.raises(InvalidInputError, match="person 5"):
        select_person(people, 5)


def test_no_person_and_malformed_frames_are_clear_errors():
    with pytest.raises(InvalidInputError, match="no person"):
        select_person(people_from_pose_keypoint({"people": [], "canvas_width": 8, "canvas_height": 8}, 8, 8))
    with pytest.raises(InvalidInputError, match="18"):
        people_from_pose_keypoint({"people": [{"pose_keypoints_2d": [1, 2, 3]}]}, 8, 8)
    with pytest.raises(InvalidInputError, match="people"):
        people_from_pose_keypoint([1, 2], 8, 8)


def test_avatar_keypoints_project_into_the_camera_image():
    cam = Camera.orbit(0.0, 0.0, 5.0, target=(0.0, 0.9, 0.0), width=96, height=128)
    pose = pose_from_avatar(box_avatar(), cam)
    assert pose.shape == (18, 3) and (pose[:, 2] == 1).all()
    assert (pose[:, 0] > 0).all() and (pose[:, 0] < 96).all() and (pose[:, 1] > 0).all() and (pose[:, 1] < 128).all()
    assert pose[K["nose"], 1] < pose[K["right_hip"], 1] < pose[K["right_ankle"], 1]  # head up, y down
    # facing the camera: the avatar's right shoulder (x < 0 in the world) appears on the image's left
    assert pose[K["right_shoulder"], 0] < pose[K["left_shoulder"], 0]


def test_dwpose_hand_keypoints_come_with_their_person():
    from custom_nodes.tryon.pose import parse_frame

    pose = person_pose(256, 192)
    frame = _frame(pose, 192, 256, normalise=True)
    frame["people"][0]["hand_left_keypoints_2d"] = [0.5, 0.5, 0.9, 0.52, 0.5, 0.8, 0.51, 0.53, 0.7]
    frame["people"][0]["hand_right_keypoints_2d"] = [0, 0, 0] * 21  # not detected
    (got, hands), = parse_frame(frame, 192, 256)
    assert len(hands) == 1 and np.allclose(hands[0][0], [96, 128])


def test_load_pose_json_round_trips_and_names_bad_files(tmp_path):
    import json

    from custom_nodes.core.errors import InvalidInputError
    from custom_nodes.tryon.pose import load_pose_json, people_from_pose_keypoint, to_pose_keypoint
    from custom_nodes.tryon.synthetic import person_pose

    pose = person_pose(256, 192)
    (tmp_path / "p.json").write_text(json.dumps(to_pose_keypoint([pose], 192, 256)))
    frames = load_pose_json(tmp_path / "p.json")
    back = people_from_pose_keypoint(frames[0], 192, 256)[0]
    assert np.allclose(back[:, :2], pose[:, :2], atol=1e-3)
    (tmp_path / "bad.json").write_text('{"people": [{"pose_keypoints_2d": [1, 2]}]}')
    with pytest.raises(InvalidInputError, match="bad.json"):
        load_pose_json(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("not json")
    with pytest.raises(InvalidInputError, match="junk.json"):
        load_pose_json(tmp_path / "junk.json")
