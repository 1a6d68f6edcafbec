"""User avatars: units, up axis, floor, facing, budget, and refusing what is not a body."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.avatar.load import avatar_from_user_mesh, load_avatar
from custom_nodes.avatar.user_mesh import cluster_decimate
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.examples import box
from custom_nodes.core.mesh import TriangleMesh
from custom_nodes.core.mesh_io import save_mesh


@pytest.fixture(scope="module")
def male_l(anny_body):
    from custom_nodes.avatar.build import avatar_from_measurements, size_preset

    return avatar_from_measurements(size_preset("L", "male"), with_sdf=False)[0]


def test_obj_in_cm_z_up_comes_out_in_metres_y_up_on_the_floor(male_l, tmp_path):
    v = male_l.mesh.vertices.astype(np.float64)
    zup_cm = np.c_[v[:, 0], -v[:, 2], v[:, 1]] * 100 + [12, -30, 7]  # Z up, centimetres, off-centre
    path = save_mesh(TriangleMesh(zup_cm.astype(np.float32), male_l.mesh.faces, name="scan"), tmp_path / "scan.obj")
    a = load_avatar(path)
    lo, hi = a.mesh.bounds
    assert a.metadata["normalised"]["unit"] == "cm" and a.metadata["normalised"]["up_axis"] == "z"
    assert abs(lo[1]) < 1e-6 and abs(hi[1] - male_l.height) < 2e-3  # metres, on the floor
    kp = a.keypoints_dict()
    assert kp["nose"][2] > a.landmarks["waist"][2] + 0.05  # faces +Z
    assert kp["left_wrist"][0] > 0.3 > -0.3 > kp["right_wrist"][0]
    # the same tape code measures the loaded body like the fitted one
    for name in ("height", "chest_girth", "waist_girth", "neck_girth", "inside_leg_length"):
        assert abs(a.measurements[name] - male_l.measurements[name]) < 0.02, name
    assert a.sdf is not None and a.sdf.query(np.array([a.landmarks["waist"]]))[0][0] < 0
    placement = ("neck_base", "shoulder_left", "shoulder_right", "armpit_left", "armpit_right", "waist", "hip",
                 "crotch", "wrist_left", "wrist_right", "ankle_left", "ankle_right")
    for name in placement:  # estimated from sections alone, within a few cm of the fitted body's own
        assert np.linalg.norm(a.landmarks[name] - male_l.landmarks[name]) < 0.06, name


def test_y_up_glb_with_its_feet_pointing_to_minus_x_is_turned_to_face_plus_z(male_l, tmp_path):
    v = male_l.mesh.vertices.astype(np.float64)
    turned = np.c_[v[:, 2], v[:, 1], -v[:, 0]]  # faces −X... rotate 90° about Y
    path = save_mesh(TriangleMesh(turned.astype(np.float32), male_l.mesh.faces), tmp_path / "turned.glb")
    a = load_avatar(path, with_sdf=False)
    assert a.keypoints_dict()["nose"][2] > a.landmarks["waist"][2] + 0.05
    assert abs(a.landmarks["shoulder_left"][0] - male_l.landmarks["shoulder_left"][0]) < 0.03


def chair(scale: float = 1.0) -> TriangleMesh:
    parts = [box((0.04, 0.45, 0.04), (x, 0.225, z)) for x in (-0.2, 0.2) for z in (-0.2, 0.2)]
    parts += [box((0.45, 0.04, 0.45), (0, 0.47, 0)), box((0.45, 0.45, 0.03), (0, 0.7, -0.21))]
    m = TriangleMesh.concatenate(parts, name="chair")
    return TriangleMesh(m.vertices * scale, m.faces, name="chair")


@pytest.mark.parametrize("scale", [1.0, 100.0, 1.85])
def test_a_chair_is_refused_with_a_clear_message(scale):
    with pytest.raises(InvalidInputError, match="not a body"):
        avatar_from_user_mesh(chair(scale), with_sdf=False)


def test_meshes_without_faces_or_with_nans_are_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="no faces"):
        avatar_from_user_mesh(TriangleMesh(np.zeros((3, 3), np.float32), np.zeros((0, 3), np.int32)))
    bad = box()
    v = bad.vertices.copy()
    v[0, 0] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        avatar_from_user_mesh(TriangleMesh(v, bad.faces))
    (tmp_path / "empty.obj").write_text("# nothing\n")
    with pytest.raises(InvalidInputError, match="empty.obj"):
        load_avatar(tmp_path / "empty.obj")


@pytest.mark.slow
def test_two_million_triangles_are_decimated_within_budget(male_l):
    import trimesh

    v, f = male_l.mesh.vertices, male_l.mesh.faces
    for _ in range(3):  # 27 k → 1.75 M triangles
        v, f = trimesh.remesh.subdivide(v, f)
    feet = np.where(v[f].mean(1)[:, 1] < 0.2)[0]  # and once more on the feet (no tape goes there)
    v, f = trimesh.remesh.subdivide(v, f, face_index=feet)
    big = TriangleMesh(v.astype(np.float32), f)
    assert big.n_faces >= 2_000_000
    small = cluster_decimate(big, 60_000)
    assert small.n_vertices <= 60_000 and small.n_faces > 30_000
    a = avatar_from_user_mesh(big, with_sdf=False)
    assert a.mesh.n_vertices <= 60_000 and a.metadata["normalised"]["decimated_to"] <= 60_000
    assert abs(a.measurements["waist_girth"] - male_l.measurements["waist_girth"]) < 0.02


def test_glb_with_sub_meshes_is_merged_and_welded(male_l, tmp_path):
    v, f = male_l.mesh.vertices, male_l.mesh.faces
    upper = v[f].mean(1)[:, 1] > male_l.landmarks["waist"][1]  # two sub-meshes, split at the waist
    parts = [TriangleMesh(v, f[upper], name="upper"), TriangleMesh(v, f[~upper], name="lower")]
    path = save_mesh(parts, tmp_path / "two_parts.glb")
    a = load_avatar(path, with_sdf=False)
    assert a.metadata["normalised"]["unit"] == "m" and a.metadata["normalised"]["up_axis"] == "y"
    assert a.mesh.n_vertices <= len(v)  # the seam between the parts is welded
    assert abs(a.measurements["waist_girth"] - male_l.measurements["waist_girth"]) < 0.02


def test_t_pose_scan_loads_and_can_be_turned_into_an_a_pose(anny_body):
    from custom_nodes.avatar.build import avatar_from_measurements, pose_avatar, size_preset
    from custom_nodes.core.avatar import AVATAR_PARTS

    t, _ = avatar_from_measurements(size_preset("M", "male"), pose="t_pose", with_sdf=False)
    v = t.mesh.vertices.astype(np.float64)
    a = avatar_from_user_mesh(TriangleMesh(np.c_[v[:, 0], -v[:, 2], v[:, 1]] * 100, t.mesh.faces), with_sdf=False)
    assert abs(a.landmarks["wrist_left"][1] - a.landmarks["shoulder_left"][1]) < 0.08  # arms out
    names = np.array(AVATAR_PARTS)[a.vertex_part]
    assert a.mesh.vertices[names == "arm_left", 1].min() > a.landmarks["waist"][1]  # hips are not arms
    posed = pose_avatar(a, "a_pose", 45.0, with_sdf=False)
    kp = posed.keypoints_dict()
    drop = np.degrees(np.arctan2(kp["left_shoulder"][1] - kp["left_wrist"][1], kp["left_wrist"][0] - kp["left_shoulder"][0]))
    assert 35 < drop < 55
    assert posed.measurements == a.measurements
