"""A fitted avatar: landmarks, part labels, keypoints on the body, poses that keep the measurements."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.avatar.build import pose_anny_avatar
from custom_nodes.avatar.preview import VIEWS, _frame, _to_px, render_view
from custom_nodes.core.avatar import AVATAR_PARTS, OPENPOSE18

PLACEMENT_LANDMARKS = ("neck_base", "shoulder_left", "shoulder_right", "armpit_left", "armpit_right", "waist",
                       "hip", "crotch", "wrist_left", "wrist_right", "ankle_left", "ankle_right")


def test_avatar_stands_on_the_floor_facing_plus_z(female_m):
    avatar, rep = female_m
    lo, hi = avatar.mesh.bounds
    assert abs(lo[1]) < 1e-6 and abs(hi[1] - 1.68) < 0.01
    kp = avatar.keypoints_dict()
    assert kp["nose"][2] > kp["neck"][2] + 0.05  # the face looks towards +Z
    assert kp["left_shoulder"][0] > 0 > kp["right_shoulder"][0]  # the avatar's left is +X
    assert avatar.measurements == pytest.approx(rep.achieved)


def test_placement_landmarks_are_where_a_tailor_expects_them(female_m):
    avatar, _ = female_m
    lm = avatar.landmarks
    assert set(PLACEMENT_LANDMARKS) <= set(lm)
    y = {k: lm[k][1] for k in PLACEMENT_LANDMARKS}
    assert y["ankle_left"] < y["crotch"] < y["hip"] < y["waist"] < y["armpit_left"] < y["shoulder_left"]
    assert y["shoulder_left"] < y["neck_base"] + 0.02 < avatar.height
    assert lm["shoulder_left"][0] > 0.1 and lm["wrist_right"][0] < -0.3
    assert abs(lm["armpit_left"][0] + lm["armpit_right"][0]) < 1e-3  # symmetric


def test_every_body_part_is_labelled_where_it_is(female_m):
    avatar, _ = female_m
    v, part = avatar.mesh.vertices, avatar.vertex_part
    names = np.array(AVATAR_PARTS)[part]
    assert set(AVATAR_PARTS[1:]) <= set(names)
    assert v[names == "head", 1].min() > avatar.landmarks["armpit_left"][1]
    assert np.all(v[names == "arm_left", 0] > 0.08) and np.all(v[names == "arm_right", 0] < -0.08)
    assert v[names == "leg_left", 1].max() < avatar.landmarks["crotch"][1] + 0.03
    assert np.median(v[names == "torso", 1]) > avatar.landmarks["crotch"][1]


def test_keypoints_project_onto_the_body_in_a_rendered_image(female_m):
    avatar, _ = female_m
    img = np.asarray(render_view(avatar, "front", 512))
    body = np.any(np.abs(img.astype(int) - [246, 246, 244]) > 8, axis=-1)
    right = VIEWS["front"][0]
    scale, lo, hi = _frame(avatar, 512, img.shape[1], right)
    centre = 0.5 * ((lo + hi) @ right) - img.shape[1] / (2 * scale)
    px = np.round(_to_px(avatar.keypoints, right, scale, centre, 512)).astype(int)
    on_body = [body[y, x] for x, y in px]
    assert all(on_body), [n for n, ok in zip(OPENPOSE18, on_body, strict=True) if not ok]


@pytest.mark.slow
def test_poses_move_the_arms_and_keep_the_measurements(female_m):
    avatar, _ = female_m
    t = pose_anny_avatar(avatar, "t_pose", with_sdf=False)
    kp = t.keypoints_dict()
    assert abs(kp["left_wrist"][1] - kp["left_shoulder"][1]) < 0.06  # arms horizontal
    a30 = pose_anny_avatar(avatar, "a_pose", arm_angle=30.0, with_sdf=False).keypoints_dict()
    drop = np.degrees(np.arctan2(a30["left_shoulder"][1] - a30["left_wrist"][1],
                                 a30["left_wrist"][0] - a30["left_shoulder"][0]))
    assert abs(drop - 30.0) < 6.0
    for side in ("left", "right"):  # straight arms (Anny rests with elbows bent ~40° forward)
        s, e, w = (np.asarray(a30[f"{side}_{j}"]) for j in ("shoulder", "elbow", "wrist"))
        axis = (w - s) / np.linalg.norm(w - s)
        assert np.linalg.norm((e - s) - axis * np.dot(e - s, axis)) < 0.015, f"{side} elbow off the arm line"
    walk = pose_anny_avatar(avatar, "walk", frame=0, with_sdf=False)  # double support: legs apart
    knees = walk.keypoints_dict()
    assert abs(knees["left_knee"][2] - knees["right_knee"][2]) > 0.1  # one leg forward
    for posed in (t, walk):
        assert posed.measurements == avatar.measurements
        assert abs(posed.mesh.bounds[0, 1]) < 1e-6
        assert len(posed.mesh.vertices) == len(avatar.mesh.vertices)


def test_coco17_from_annys_regressor_agrees_with_openpose18(female_m):
    from custom_nodes.avatar.anny_model import COCO17
    from custom_nodes.avatar.keypoints import coco_keypoints

    avatar, _ = female_m
    coco = coco_keypoints(avatar)
    assert coco.shape == (17, 3)
    op = avatar.keypoints_dict()
    for name in ("nose", "left_shoulder", "right_knee", "left_ankle"):
        assert np.allclose(coco[COCO17.index(name)], op[name], atol=1e-5)
    assert coco[COCO17.index("left_eye")][1] > coco[COCO17.index("left_shoulder")][1]
