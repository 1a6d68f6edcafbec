"""Map conventions a ControlNet user relies on, and fabric prints at their true scale and grain."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from custom_nodes.core import examples as ex
from custom_nodes.core.camera import Camera
from custom_nodes.render.maps import control_maps, depth_to_uint16
from custom_nodes.render.scenes import build_scene, plane, scene_from_drape, tile_coordinates, uv_sphere


def _sphere_maps(ss=1):
    cam = Camera.orbit(0, 0, 3.0, width=96, height=96)
    return control_maps(build_scene(uv_sphere(0.4, (0, 0.9, 0)), None), cam, ss=ss)


def test_depth_is_near_bright_and_normalised_over_the_subject():
    m = _sphere_maps()
    c = m.depth[48, 48]
    assert c > 0.97 and m.depth[0, 0] == 0.0
    inside = m.subject_mask > 0.99
    assert m.depth[inside].min() < 0.35 and m.depth[inside].min() > 0.1  # far rim ≈ the 0.15 floor
    assert m.depth[48, 30] < c - 0.2  # off-centre points of a sphere are farther
    d16 = depth_to_uint16(m.depth)
    assert d16.dtype == np.uint16 and d16.max() > 64000 and d16[0, 0] == 0


def test_normals_follow_the_normalbae_colours():
    n = _sphere_maps().normal
    assert np.allclose(n[48, 48], [0.5, 0.5, 1.0], atol=0.05)  # facing the camera: blue
    left, right, top, bottom = n[48, 29], n[48, 67], n[29, 48], n[67, 48]
    assert left[0] > 0.75 and right[0] < 0.25  # red is left
    assert top[1] > 0.75 and bottom[1] < 0.25  # green is up
    assert np.allclose(n[0, 0], [0.5, 0.5, 1.0])


def test_textured_plane_shows_its_print_at_true_scale():
    """A 1 m plane, 25 cm tiles of 2×2 checks → 12.5 cm checks = 32 px at 256 px per metre."""
    board = np.zeros((64, 64, 3), np.float32)
    board[:32, :32] = board[32:, 32:] = 1.0
    fabric = replace(ex.jersey(), albedo=board, tile_size=np.array([0.25, 0.25], np.float32))
    cam = Camera(eye=[0, 0, 2.0], target=[0, 0, 0], projection="orthographic", ortho_height=1.0,
                 width=256, height=256)
    m = control_maps(build_scene(None, plane(1.0, 1.0), fabric=fabric), cam, ss=1)
    row = m.albedo[100, :, 0] > 0.5
    edges = np.flatnonzero(row[1:] != row[:-1]) + 1
    assert np.allclose(edges, np.arange(32, 256, 32), atol=1)
    col = m.albedo[:, 100, 0] > 0.5
    assert np.allclose(np.flatnonzero(col[1:] != col[:-1]) + 1, np.arange(32, 256, 32), atol=1)
    # the tile's top-left quarter is white: at the plane's top-left corner (u = 0, v = 1) white starts
    assert m.albedo[2, 2, 0] > 0.5 and m.albedo[2, 40, 0] < 0.5


def test_grain_direction_turns_the_print():
    stripes = np.zeros((16, 16, 3), np.float32)
    stripes[:, :8] = 1.0  # vertical stripes: the warp (grain) runs along them
    fabric = replace(ex.jersey(), albedo=stripes, tile_size=np.array([0.2, 0.2], np.float32))
    cam = Camera(eye=[0, 0, 2.0], target=[0, 0, 0], projection="orthographic", ortho_height=1.0,
                 width=100, height=100)
    mesh = plane(1.0, 1.0)
    panel = np.zeros(mesh.n_vertices, np.int32)
    for grain, varies_along in (([0.0, 1.0], 1), ([1.0, 0.0], 0)):
        uv = tile_coordinates(mesh.uvs, panel, np.array([grain], np.float32), fabric.tile_size)
        a = control_maps(build_scene(None, mesh, garment_tile_uv=uv, fabric=fabric), cam, ss=1).albedo[..., 0]
        assert a.std(axis=varies_along).mean() > 0.3  # stripes cross this axis
        assert a.std(axis=1 - varies_along).mean() < 0.05  # and run along the other


def test_panel_ids_and_masks_of_the_example_drape():
    scene = scene_from_drape(ex.tube_drape())
    front = control_maps(scene, Camera.orbit(0, 0, 3.0, width=64, height=96), ss=1)
    back = control_maps(scene, Camera.orbit(180, 0, 3.0, width=64, height=96), ss=1)
    assert set(np.unique(front.panel_id)) == {-1, 0} and set(np.unique(back.panel_id)) == {-1, 1}
    assert front.garment_mask.sum() > 0 and front.body_mask.sum() > 0
    assert np.allclose(front.subject_mask, np.clip(front.garment_mask + front.body_mask, 0, 1))
    g = front.garment_mask > 0.5
    assert np.allclose(front.albedo[g], 0.5, atol=0.01)  # the example fabric's flat grey tile


def test_lineart_outlines_the_silhouette_and_not_flat_faces():
    m = control_maps(build_scene(ex.box(), None), Camera.orbit(30, 10, 4.0, width=96, height=128), ss=2)
    edge = (m.subject_mask > 0) & (m.subject_mask < 1)
    assert (m.lineart[edge] > 0.2).mean() > 0.8
    assert m.lineart[m.subject_mask == 1].mean() < 0.1
    assert m.lineart.max() > 0.9  # the box's vertical crease, a full line


def test_mannequin_top_panels_face_front_and_back():
    from custom_nodes.render.scenes import mannequin, top_garment

    body, kp = mannequin()
    top, panel = top_garment(segments=48, rows=10)
    scene = build_scene(body, top, garment_panel=panel, keypoints=kp)
    front = control_maps(scene, Camera.orbit(0, 0, 3.0, width=48, height=96), ss=1)
    back = control_maps(scene, Camera.orbit(180, 0, 3.0, width=48, height=96), ss=1)
    # (a sliver of the other panel's inside shows through the hem opening, seen from below)
    assert (front.panel_id == 0).sum() > 20 * max((front.panel_id == 1).sum(), 1)
    assert (back.panel_id == 1).sum() > 20 * max((back.panel_id == 0).sum(), 1)
    x, y = Camera.orbit(0, 0, 3.0, width=48, height=96).project(np.array([[0, 1.2, 0.14]]))[0][0].astype(int)
    assert front.garment_mask[y, x] == 1  # the top covers the chest
    assert body.n_faces > 10000 and np.isfinite(front.depth).all()
