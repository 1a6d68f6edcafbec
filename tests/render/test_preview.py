"""Studio preview, turntable and framing: what a buyer and a merchandiser look at."""

from __future__ import annotations

import numpy as np

from custom_nodes.core import examples as ex
from custom_nodes.core.camera import Camera
from custom_nodes.render import api
from custom_nodes.render.cameras import flat_lay_camera, frame
from custom_nodes.render.maps import control_maps
from custom_nodes.render.scenes import build_scene, plane, scene_from_drape, uv_sphere
from custom_nodes.render.shading import render_preview
from custom_nodes.render.turntable import turntable_frames, write_mp4


def test_preview_is_lit_from_the_key_side_over_a_gradient(skirt_scene):
    cam = Camera.orbit(0, 0, 3.0, width=96, height=96)
    img = render_preview(build_scene(uv_sphere(0.4, (0, 0.9, 0)), None), cam)
    assert np.isfinite(img).all() and img.min() >= 0 and img.max() <= 1
    lum = img.mean(-1)
    assert lum[48, 30] > lum[48, 66] + 0.1  # key light from the upper left
    assert lum[2, 48] > lum[93, 5] + 0.05  # backdrop: light at the top, darker at the floor


def test_preview_keeps_the_fabric_colour_and_a_neutral_skin(skirt_scene):
    cam = frame(skirt_scene, "full_body", width=96, height=160)
    img = render_preview(skirt_scene, cam)
    maps = control_maps(skirt_scene, cam)
    garment, body = maps.garment_mask > 0.99, maps.body_mask > 0.99
    red = img[garment]
    assert (red[:, 0] > red[:, 1] + 0.1).mean() > 0.3  # the red checks stay red
    skin = img[body].mean(0)
    assert abs(skin[0] - skin[2]) < 0.2 and skin.mean() > 0.3  # warm-neutral, not saturated, not black


def test_framing_presets_keep_the_subject_in_the_image(skirt_scene):
    for preset, yaw in (("full_body", 0), ("full_body", 135), ("upper_body", 45), ("garment_closeup", 0)):
        cam = frame(skirt_scene, preset, yaw=yaw, width=80, height=120)
        m = control_maps(skirt_scene, cam, ss=1)
        region = m.garment_mask if preset == "garment_closeup" else m.subject_mask
        rows = np.flatnonzero(region.max(1) > 0)
        assert rows[0] > 0 and rows[-1] < 119 if preset != "upper_body" else rows[0] > 0
        assert region.mean() > 0.05
    full = frame(skirt_scene, "full_body", width=80, height=120)
    upper = frame(skirt_scene, "upper_body", width=80, height=120)
    assert upper.target[1] > full.target[1]


def test_flat_lay_shows_every_panel_from_above():
    drape = ex.tube_drape()
    cam = api.frame_drape(drape, "flat_lay", width=128, height=64)
    assert cam.projection == "orthographic"
    m = api.drape_maps(drape, cam, ss=1)
    assert set(np.unique(m.panel_id)) == {-1, 0, 1}
    assert m.body_mask.sum() == 0
    assert flat_lay_camera(api.flat_lay_scene(drape), 64, 64).ortho_height > 0.6  # the 0.6 m panels fit


def test_turntable_frames_and_mp4(tmp_path, skirt_scene):
    frames = turntable_frames(skirt_scene, views=4, width=48, height=64, ss=1)
    assert frames.shape == (4, 64, 48, 3) and np.isfinite(frames).all()
    assert not np.allclose(frames[0], frames[1])
    first = render_preview(skirt_scene, frame(skirt_scene, "full_body", 0.0, 5.0, 30.0, 48, 64, every_yaw=True), ss=1)
    assert np.abs(frames[0] - first).max() < 1e-3  # view 0 is the front view of the same framing
    path = write_mp4(frames, tmp_path / "tt.mp4", fps=8)
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    decoded = [np.frombuffer(f, np.uint8).reshape(64, 48, 3) for f in reader]
    assert meta["size"] == (48, 64) and len(decoded) == 4
    assert np.abs(decoded[0].astype(float) / 255 - frames[0]).mean() < 0.05  # it plays what we rendered
    assert [p.name for p in tmp_path.iterdir()] == ["tt.mp4"]  # no temp files left


def test_drape_turntable_writes_the_mp4(tmp_path):
    frames = api.drape_turntable(ex.tube_drape(), tmp_path / "sub" / "t.mp4", views=2, width=32, height=32, ss=1)
    assert frames.shape == (2, 32, 32, 3) and (tmp_path / "sub" / "t.mp4").stat().st_size > 0
    assert scene_from_drape(ex.tube_drape()).n_faces == 16


def test_key_light_casts_a_shadow_down_and_right_of_an_occluder():
    from custom_nodes.core.mesh import TriangleMesh
    from custom_nodes.render.maps import render_pass
    from custom_nodes.render.shading import KEY, key_shadow

    wall = plane(2.0, 2.0, center=(0, 1.0, 0.0), divisions=8)
    card = plane(0.3, 0.3, center=(0, 1.0, 0.4))
    scene = build_scene(TriangleMesh.concatenate([wall, card]), None)
    cam = Camera.orbit(0, 0, 3.0, width=96, height=96, target=(0, 1.0, 0))
    rp = render_pass(scene, cam, ss=1)
    lit = key_shadow(rp, KEY)
    dark = lit < 0.5
    assert 0.02 < dark.mean() < 0.3
    row, col = np.divmod(rp.frags.hit_index[dark], 96)
    assert col.mean() > 48 and row.mean() > 48  # key from the upper left → shadow to the lower right
    assert (lit[rp.position[:, 2] > -2.7] == 1).all()  # the card itself is lit


def test_fabric_normal_map_bumps_the_preview():
    from dataclasses import replace

    from custom_nodes.render.maps import render_pass
    from custom_nodes.render.shading import bumped_normals

    ridges = np.full((8, 8, 3), [0.5, 0.5, 1.0], np.float32)
    ridges[:, :4, 0], ridges[:, 4:, 0] = 0.15, 0.85  # normals tilt −u then +u: vertical ridges
    cam = Camera(eye=[0, 0, 2.0], target=[0, 0, 0], projection="orthographic", ortho_height=1.0, width=64, height=64)
    flat_fabric = replace(ex.jersey(), albedo=None, tile_size=np.array([0.25, 0.25], np.float32))
    ridged = replace(flat_fabric, normal_map=ridges)
    flat_img = render_preview(build_scene(None, plane(1.0, 1.0), fabric=flat_fabric), cam, ss=1)
    bump_img = render_preview(build_scene(None, plane(1.0, 1.0), fabric=ridged), cam, ss=1)
    assert flat_img[20:44, 20:44].std(axis=1).mean() < 0.01
    assert bump_img[20:44, 20:44].mean(0).std() > 0.03  # columns alternate light / dark
    rp = render_pass(build_scene(None, plane(1.0, 1.0), fabric=ridged), cam, ss=1)
    n = bumped_normals(rp)
    assert np.allclose(np.linalg.norm(n, axis=1), 1, atol=1e-5)
    col = rp.frags.hit_index % 64
    assert n[col == 4, 0].mean() < -0.3 and n[col == 12, 0].mean() > 0.3  # first half-tile tilts −x
