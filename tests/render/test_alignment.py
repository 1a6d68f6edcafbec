"""Every map shares the camera's pixel grid: known 3D points land where depth, masks and pose say."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core import examples as ex
from custom_nodes.core.camera import Camera
from custom_nodes.core.mesh import TriangleMesh
from custom_nodes.render.maps import control_maps
from custom_nodes.render.pose import COLORS
from custom_nodes.render.raster import rasterize
from custom_nodes.render.scenes import build_scene, plane, uv_sphere

_TILT = np.array([[np.cos(0.6), 0, np.sin(0.6), 0.1], [0, 1, 0, 0.9], [-np.sin(0.6), 0, np.cos(0.6), 0.0],
                  [0, 0, 0, 1]])


@pytest.mark.parametrize(("ss", "projection"), [(1, "perspective"), (2, "perspective"), (1, "orthographic")])
def test_depth_map_holds_the_view_depth_of_known_points(ss, projection):
    mesh = plane(0.8, 0.6, divisions=1).transformed(_TILT)  # big triangles: interpolation must be exact
    distance = 2.5 if projection == "perspective" else 1.0  # close: depth varies ±25 % over the plane
    cam = Camera.orbit(20, 10, distance, width=160, height=120, projection=projection, ortho_height=1.2)
    maps = control_maps(build_scene(None, mesh), cam, ss=ss)
    rng = np.random.default_rng(1)
    w = rng.uniform(0.1, 0.9, (40, 3))
    w /= w.sum(1, keepdims=True)
    pts = np.einsum("kj,kjc->kc", w, mesh.vertices[mesh.faces[rng.integers(0, mesh.n_faces, 40)]])
    px, depth = cam.project(pts)
    got = maps.depth_m[px[:, 1].astype(int), px[:, 0].astype(int)]
    # the pixel centre is ≤ 0.71 px from the point; the plane's depth changes < 4 mm per pixel here
    assert np.allclose(got, depth, atol=6e-3)


def test_mask_edges_sit_where_the_corners_project():
    mesh = plane(0.6, 0.4, center=(0.05, 0.95, 0.0))
    cam = Camera.orbit(0, 0, 2.0, width=200, height=150)
    maps = control_maps(build_scene(mesh, None), cam, ss=2)
    px, _ = cam.project(mesh.vertices)
    cols = np.flatnonzero(maps.body_mask.max(0) > 0.5)
    rows = np.flatnonzero(maps.body_mask.max(1) > 0.5)
    assert abs(cols[0] - px[:, 0].min()) <= 1 and abs(cols[-1] + 1 - px[:, 0].max()) <= 1
    assert abs(rows[0] - px[:, 1].min()) <= 1 and abs(rows[-1] + 1 - px[:, 1].max()) <= 1


def test_sphere_silhouette_is_centred_and_watertight():
    sphere = uv_sphere(0.3, (0.2, 1.0, -0.1), rings=24, segments=48)
    cam = Camera.orbit(-30, 15, 2.2, width=128, height=128)
    frags = rasterize(sphere.vertices, sphere.faces, cam, ss=1)
    hit = frags.hit
    ys, xs = np.nonzero(hit)
    c, _ = cam.project(np.array([[0.2, 1.0, -0.1]]))
    assert np.hypot(xs.mean() + 0.5 - c[0, 0], ys.mean() + 0.5 - c[0, 1]) <= 1.0
    for y in range(ys.min(), ys.max() + 1):  # no cracks between triangles: every row is one run
        run = np.flatnonzero(hit[y])
        assert run[-1] - run[0] + 1 == len(run)


def test_pose_keypoints_are_drawn_at_their_projected_pixels():
    av = ex.box_avatar()
    cam = Camera.orbit(0, 0, 4.0, width=256, height=320)
    maps = control_maps(build_scene(av.mesh, None, keypoints=av.keypoints, keypoint_visible=av.keypoint_visible),
                        cam, ss=1)
    px, _ = cam.project(av.keypoints)
    for k in (1, 3, 4, 7, 9, 10, 13):  # joints whose discs do not overlap others
        x, y = int(px[k, 0]), int(px[k, 1])
        assert np.allclose(maps.pose[y, x] * 255, COLORS[k], atol=1), k
    assert np.allclose(maps.keypoints_px[1], px[1])


def test_right_side_of_the_avatar_is_on_the_left_of_a_front_view():
    av = ex.box_avatar()
    scene = build_scene(av.mesh, None, keypoints=av.keypoints, keypoint_visible=av.keypoint_visible)
    front = control_maps(scene, Camera.orbit(0, 0, 3.0, width=96, height=128), ss=1).keypoints_px
    back = control_maps(scene, Camera.orbit(180, 0, 3.0, width=96, height=128), ss=1).keypoints_px
    assert front[2, 0] < front[5, 0] and back[2, 0] > back[5, 0]  # right shoulder vs left shoulder
    assert not np.isnan(front[0]).any() and np.isnan(back[0]).all()  # the nose hides behind the head


def test_garment_in_front_of_the_body_wins_the_depth_test():
    body = ex.box()
    front = plane(0.5, 0.4, center=(0.0, 1.0, 0.15))  # 5 cm in front of the box
    behind = plane(0.5, 0.4, center=(0.0, 0.4, -0.15))  # behind the box
    cam = Camera.orbit(0, 0, 3.0, width=96, height=160)
    maps = control_maps(build_scene(body, TriangleMesh.concatenate([front, behind])), cam, ss=1)
    (x1, y1), (x2, y2) = cam.project(np.array([[0.0, 1.0, 0.15], [0.0, 0.4, 0.1]]))[0].astype(int)
    assert maps.garment_mask[y1, x1] == 1 and maps.body_mask[y1, x1] == 0
    assert maps.body_mask[y2, x2] == 1 and maps.garment_mask[y2, x2] == 0
    x3 = int(cam.project(np.array([[0.22, 0.4, -0.15]]))[0][0, 0])  # behind-plane part outside the box
    assert maps.garment_mask[y2, x3] == 1


def test_supersampling_anti_aliases_mask_edges():
    sphere = uv_sphere(0.4, (0, 0.9, 0))
    cam = Camera.orbit(0, 0, 3.0, width=64, height=64)
    scene = build_scene(sphere, None)
    hard = control_maps(scene, cam, ss=1).body_mask
    soft = control_maps(scene, cam, ss=2).body_mask
    assert set(np.unique(hard)) <= {0.0, 1.0}
    partial = (soft > 0) & (soft < 1)
    assert partial.sum() > 20 and abs(soft.sum() - hard.sum()) < 0.05 * hard.sum()


def test_empty_scene_gives_empty_maps():
    maps = control_maps(build_scene(None, None), Camera.orbit(0, 0, 3.0, width=48, height=32), ss=2)
    for name in ("depth", "lineart", "garment_mask", "body_mask", "subject_mask", "albedo", "pose", "panel_color"):
        assert not getattr(maps, name).any(), name
    assert np.isinf(maps.depth_m).all() and (maps.panel_id == -1).all()
    assert np.allclose(maps.normal, [0.5, 0.5, 1.0])


def test_cloth_touching_or_slightly_inside_the_skin_stays_on_top():
    body = ex.box()  # front face at z = 0.1
    for z in (0.1005, 0.1, 0.098):  # 0.5 mm out, touching, 2 mm inside (solver contact tolerance)
        cloth = plane(0.2, 0.2, center=(0.0, 1.0, z))
        cam = Camera.orbit(0, 0, 3.0, width=64, height=96)
        maps = control_maps(build_scene(body, cloth), cam, ss=1)
        x, y = cam.project(np.array([[0.0, 1.0, z]]))[0][0].astype(int)
        assert maps.garment_mask[y, x] == 1, z
        assert maps.depth_m[y, x] == pytest.approx(3.0 - z, abs=1e-4)  # the stored depth is unbiased
    deep = plane(0.2, 0.2, center=(0.0, 1.0, 0.09))  # 1 cm inside: hidden, as it should be
    maps = control_maps(build_scene(body, deep), Camera.orbit(0, 0, 3.0, width=64, height=96), ss=1)
    assert maps.garment_mask.sum() == 0


def test_torch_backend_matches_numpy():
    pytest.importorskip("torch", reason="torch not installed: the GPU backend cannot be checked")
    scene = build_scene(ex.box(), uv_sphere(0.25, (0.05, 1.0, 0.12), rings=12, segments=24))
    cam = Camera.orbit(25, 10, 3.0, width=96, height=128)
    bias = np.where(scene.face_object == 2, 0.004, 0.0)
    a = rasterize(scene.vertices, scene.faces, cam, 2, cull_back=scene.face_object == 1, depth_bias=bias,
                  backend="numpy")
    b = rasterize(scene.vertices, scene.faces, cam, 2, cull_back=scene.face_object == 1, depth_bias=bias,
                  backend="torch")
    same = a.face == b.face
    assert same.mean() > 0.999  # only exact ties on shared edges may pick the other triangle
    assert np.allclose(a.depth[same & a.hit], b.depth[same & a.hit], atol=1e-5)
    assert np.allclose(a.bary[same], b.bary[same], atol=1e-5)


def test_huge_triangles_are_scanned_in_bands_with_the_same_result(monkeypatch):
    import custom_nodes.render.raster as raster

    quad = plane(3.0, 3.0, center=(0, 0.9, 0.0))  # two triangles, each larger than the image
    sphere = uv_sphere(0.2, (0, 0.9, 0.3), rings=8, segments=16)
    scene = build_scene(quad, sphere)
    cam = Camera.orbit(10, 5, 2.0, width=64, height=48)
    whole = rasterize(scene.vertices, scene.faces, cam, 2, backend="numpy")
    monkeypatch.setattr(raster, "CHUNK", 256)  # force bands of 2 rows for the big triangles
    banded = rasterize(scene.vertices, scene.faces, cam, 2, backend="numpy")
    assert whole.hit.all() and np.array_equal(whole.face, banded.face)
    assert np.allclose(whole.depth, banded.depth) and np.allclose(whole.bary, banded.bary)
