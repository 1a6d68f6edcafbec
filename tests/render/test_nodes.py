"""The Render nodes as ComfyUI calls them: one IMAGE/MASK per map, files in the output folder."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from custom_nodes.core import examples as ex
from custom_nodes.core.bridge import image_to_numpy, mask_to_numpy
from custom_nodes.core.paths import using_directories
from custom_nodes.render.nodes import (
    AtelierCamera,
    AtelierExportGLB,
    AtelierExportOBJ,
    AtelierRenderMaps,
    AtelierRenderPreview,
)


def test_camera_and_maps_nodes_share_one_pixel_grid(tmp_path):
    drape = ex.tube_drape()
    (cam,) = AtelierCamera().make(drape, preset="upper_body", yaw=20.0, pitch=0.0, fov_y=30.0, width=48,
                                  height=64, margin=1.1, distance=0.0)
    (far,) = AtelierCamera().make(drape, preset="upper_body", yaw=20.0, pitch=0.0, fov_y=30.0, width=48,
                                  height=64, margin=1.1, distance=450.0)
    assert np.linalg.norm(far.eye - far.target) == pytest.approx(4.5, abs=1e-5)  # cm at the node
    with using_directories(output=tmp_path):
        out = AtelierRenderMaps().render(drape, cam, supersample=2, crease_angle=40.0, save_depth_16bit=True)
    images, masks, path = out[:6], out[6:9], out[9]
    for img in images:
        assert image_to_numpy(img).shape == (1, 64, 48, 3)
    for m in masks:
        assert mask_to_numpy(m).shape == (1, 64, 48)
    png = Image.open(tmp_path / path)
    assert png.mode.startswith("I;16") or png.mode == "I"
    depth16 = np.asarray(png)
    depth = image_to_numpy(images[0])[0, ..., 0]
    assert np.allclose(depth16 / 65535.0, depth, atol=1e-3)
    (prev,) = AtelierRenderPreview().render(drape, cam, supersample=1, exposure=1.0)
    assert image_to_numpy(prev).shape == (1, 64, 48, 3)


def test_export_nodes_write_files_and_show_them_in_3d(tmp_path):
    with using_directories(output=tmp_path):
        glb = AtelierExportGLB().export(ex.tube_drape(), "atelier/look")
        obj = AtelierExportOBJ().export(ex.tube_drape(), "atelier/look")
    assert glb["result"] == ("atelier/look_00001_.glb",) and obj["result"] == ("atelier/look_00001_.obj",)
    assert glb["ui"]["3d"] == [{"filename": "look_00001_.glb", "subfolder": "atelier", "type": "output"}]
    assert (tmp_path / "atelier" / "look_00001_.glb").read_bytes()[:4] == b"glTF"
    assert (tmp_path / "atelier" / "look_00001_.mtl").exists()


def test_turntable_node_writes_mp4_and_an_animated_preview(tmp_path):
    from custom_nodes.render.nodes import AtelierTurntable

    kwargs = AtelierTurntable.contract_inputs(tmp_path)
    with using_directories(output=tmp_path):
        out = AtelierTurntable().render(**kwargs)
    frames, mp4 = out["result"]
    assert image_to_numpy(frames).shape == (3, 48, 32, 3)
    assert (tmp_path / mp4).stat().st_size > 0 and mp4.endswith(".mp4")
    shown = out["ui"]["images"][0]
    webp = Image.open(tmp_path / shown["subfolder"] / shown["filename"])
    assert webp.format == "WEBP" and webp.n_frames == 3 and out["ui"]["animated"] == (True,)
