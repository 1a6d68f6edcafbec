"""Render the pictures in this folder: control-map sheets, studio previews, a flat lay, a turntable.

Run from the repository root: ``python docs/images/render/make_pictures.py``.
Scenes: core's example drape (tube on the box body), the box body in an analytic skirt, and the
analytic mannequin in a top + dirndl skirt (stand-ins until the avatar and cloth domains land).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT.parents[2]))

from custom_nodes.core import examples as ex  # noqa: E402
from custom_nodes.core.mesh import TriangleMesh  # noqa: E402
from custom_nodes.render import api  # noqa: E402
from custom_nodes.render.cameras import frame  # noqa: E402
from custom_nodes.render.maps import control_maps  # noqa: E402
from custom_nodes.render.scenes import (  # noqa: E402
    build_scene,
    checker_tile,
    cylinder_skirt,
    mannequin,
    plane,
    scene_from_drape,
    top_garment,
)
from custom_nodes.render.shading import render_preview  # noqa: E402
from custom_nodes.render.turntable import turntable_frames, write_mp4  # noqa: E402

NAMES = ("depth", "normal", "openpose", "lineart", "albedo", "panel ids", "masks (R garment, G body)")


def _u8(a):
    a = np.asarray(a, np.float32)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, -1)
    return (np.clip(a, 0, 1) * 255).astype(np.uint8)


def _label(img: np.ndarray, text: str) -> np.ndarray:
    im = Image.fromarray(img)
    ImageDraw.Draw(im).text((4, 2), text, fill=(255, 255, 0))
    return np.asarray(im)


def maps_sheet(scene, cam, path):
    m = control_maps(scene, cam, ss=2)
    masks = np.stack([m.garment_mask, m.body_mask, np.zeros_like(m.body_mask)], -1)
    tiles = [m.depth, m.normal, m.pose, m.lineart, m.albedo, m.panel_color, masks]
    Image.fromarray(np.concatenate([_label(_u8(t), n) for t, n in zip(tiles, NAMES, strict=True)], 1)).save(path)


def preview_sheet(scene, yaws, path, w=320, h=480):
    views = [render_preview(scene, frame(scene, "full_body", yaw=y, width=w, height=h)) for y in yaws]
    Image.fromarray(_u8(np.concatenate(views, 1))).save(path)


def dress_scene():
    body, kp = mannequin()
    top, panel = top_garment()
    skirt = cylinder_skirt(top_radius=0.2, top_y=1.0, bottom_radius=0.34, length=0.5)
    fabric = replace(ex.jersey(), name="gingham", albedo=checker_tile(2, 64, ((0.16, 0.27, 0.62), (0.93, 0.93, 0.96))),
                     tile_size=np.array([0.08, 0.08], np.float32))
    return build_scene(body, TriangleMesh.concatenate([top, skirt]), fabric=fabric, keypoints=kp,
                       garment_panel=np.r_[panel, np.full(skirt.n_vertices, 2)], panel_names=("front", "back", "skirt"))


def skirt_on_box_scene():
    av = ex.box_avatar()
    fabric = replace(ex.jersey(), albedo=checker_tile(2, 32, ((0.72, 0.12, 0.12), (0.95, 0.9, 0.8))))
    return build_scene(av.mesh, cylinder_skirt(), fabric=fabric, keypoints=av.keypoints,
                       keypoint_visible=av.keypoint_visible)


def main():
    scenes = {"dress": dress_scene(), "skirt_on_box": skirt_on_box_scene(),
              "example_drape": scene_from_drape(ex.tube_drape())}
    for name, scene in scenes.items():
        for yaw in (0, 35, 180):
            maps_sheet(scene, frame(scene, "full_body", yaw=yaw, width=224, height=336), OUT / f"maps_{name}_yaw{yaw}.png")
        preview_sheet(scene, (0, 35, 180), OUT / f"preview_{name}.png")
    dress = scenes["dress"]
    maps_sheet(dress, frame(dress, "garment_closeup", yaw=20, width=224, height=336), OUT / "maps_dress_closeup.png")
    drape = replace(ex.tube_drape(), fabric=replace(ex.jersey(), albedo=checker_tile(2, 32)))
    cam = api.frame_drape(drape, "flat_lay", width=384, height=192)
    m = api.drape_maps(drape, cam)
    Image.fromarray(np.concatenate([_u8(m.albedo), _u8(m.panel_color)], 1)).save(OUT / "flat_lay_example_drape.png")
    board = np.zeros((64, 64, 3), np.float32)
    board[:32, :32] = board[32:, 32:] = 1.0
    fabric = replace(ex.jersey(), albedo=board, tile_size=np.array([0.25, 0.25], np.float32))
    from custom_nodes.core.camera import Camera

    cam = Camera(eye=[0, 0, 2.0], target=[0, 0, 0], projection="orthographic", ortho_height=1.0, width=256, height=256)
    Image.fromarray(_u8(control_maps(build_scene(None, plane(1.0, 1.0), fabric=fabric), cam).albedo)).save(
        OUT / "texture_scale_plane_1m_tiles_25cm.png")
    frames = turntable_frames(dress, views=36, width=256, height=320, ss=2)
    write_mp4(frames, OUT / "turntable_dress.mp4", fps=12)
    Image.fromarray(_u8(np.concatenate(frames[::6], 1))).save(OUT / "turntable_dress_every_60deg.png")


if __name__ == "__main__":
    main()
