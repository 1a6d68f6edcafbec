"""Drape real garments on Anny M and render them (front, side, back) into docs/images/integration/.

Usage: python tools/integration_pictures.py [tshirt hoodie gc_shirt gc_dress ...] [--fabric=denim ...]
       python tools/integration_pictures.py walk    (the tee following Anny into a walk frame)
(needs the Anny cache; the GarmentCode patterns come from corpus/).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")

OUT = REPO / "docs" / "images" / "integration"
FABRICS = ("cotton_jersey", "denim")
VIEWS = {"front": 0.0, "side": 90.0, "back": 180.0}


def avatar_m():
    from custom_nodes.avatar.nodes import AtelierAvatarFromMeasurements, BodySettings
    from custom_nodes.core.params import widgets

    return AtelierAvatarFromMeasurements().build(**{k: v[1]["default"] for k, v in widgets(BodySettings).items()})[0]


GARMENTCODE = {"gc_shirt": "shirt_mean", "gc_dress": "dress_pencil"}  # folders of corpus/garmentcode (GarmentCode's own)


def placed(kind: str, avatar, edge: float = 0.02):
    """Template ``kind`` (size M female) or a GarmentCode pattern from corpus/ ("gc_shirt", "gc_dress"), meshed and
    placed."""
    from custom_nodes.core.measurements import size_measurements
    from custom_nodes.pattern.params import TemplateSettings
    from custom_nodes.pattern.placement import place_garment
    from custom_nodes.pattern.templates import draft
    from custom_nodes.pattern.triangulate import triangulate

    if kind in GARMENTCODE:
        from custom_nodes.pattern.pattern_io import load_pattern

        pattern = load_pattern(REPO / "corpus" / "garmentcode" / GARMENTCODE[kind] / "specification.json")
    else:
        pattern = draft(size_measurements("M", "female"), TemplateSettings(garment=kind))
    return place_garment(triangulate(pattern, edge), avatar)


def save(rgb: np.ndarray, name: str) -> None:
    img = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    img.save(OUT / name, optimize=True)
    print("wrote", name, (OUT / name).stat().st_size // 1024, "KB")


def _maps_sheet(result, drape_maps, frame_drape) -> np.ndarray:
    """Rows: front, 35°, back; columns: depth, normal, OpenPose, garment/body masks (all pixel-aligned)."""
    rows = []
    for yaw in (0.0, 35.0, 180.0):
        maps = drape_maps(result, frame_drape(result, "full_body", yaw=yaw, width=240, height=320))
        masks = np.stack([maps.garment_mask, maps.body_mask, np.zeros_like(maps.body_mask)], -1)
        rows.append(np.concatenate([np.repeat(maps.depth[..., None], 3, 2), maps.normal, maps.pose, masks], 1))
    return np.concatenate(rows, 0)


def main(kinds: list[str], fabrics: tuple[str, ...] = FABRICS) -> None:
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.render.api import drape_maps, drape_preview, frame_drape

    OUT.mkdir(parents=True, exist_ok=True)
    avatar = avatar_m()
    for kind in kinds:
        garment = placed(kind, avatar)
        for fid in fabrics:
            result = drape(garment, avatar, Catalog().fabric(fid), DrapeSettings(max_frames=250))  # node defaults
            print(report_text(result.report))
            for view, yaw in VIEWS.items():
                cam = frame_drape(result, "full_body", yaw=yaw, width=384, height=512)
                save(drape_preview(result, cam)[..., :3], f"{kind}_{fid}_{view}.png")
            if fid == fabrics[0]:
                save(_maps_sheet(result, drape_maps, frame_drape), f"{kind}_maps_3views.png")
            if fid == FABRICS[0] and kind == "tshirt":
                maps = drape_maps(result, frame_drape(result, "full_body", width=384, height=512))
                save(np.repeat(maps.depth[..., None], 3, 2), f"{kind}_front_depth.png")
                save(maps.normal, f"{kind}_front_normal.png")
                save(maps.pose, f"{kind}_front_openpose.png")
                save(np.stack([maps.garment_mask, maps.body_mask, np.zeros_like(maps.body_mask)], -1),
                     f"{kind}_front_masks.png")


def walk_picture() -> None:
    """docs/images/cloth/tee_a_pose_to_walk.png: the jersey tee carried from the A-pose into walk frame 2
    by AtelierDrapeSequence (12 poses, 6 frames each); poses 0, 4, 8 and 12."""
    from dataclasses import replace

    from custom_nodes.avatar.build import pose_avatar
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.nodes import AtelierDrapeSequence
    from custom_nodes.cloth_sim.sequence import interpolate_avatars
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.render.api import drape_preview, frame_drape

    avatar = avatar_m()
    walk = pose_avatar(avatar, "walk", frame=2)
    jersey = Catalog().fabric("cotton_jersey")
    start = drape(placed("tshirt", avatar), avatar, jersey, DrapeSettings(max_frames=250))
    result = AtelierDrapeSequence().animate(start, walk, 12, 6)[0]
    poses = interpolate_avatars(start.avatar, walk, 12)
    cam = frame_drape(start, "full_body", yaw=30, width=240, height=320)
    views = [drape_preview(start, cam)]
    for k in (3, 7, 11):
        views.append(drape_preview(replace(result, avatar=poses[k], positions=result.sequence[k]), cam))
    out = OUT.parent / "cloth"
    out.mkdir(parents=True, exist_ok=True)
    strip = np.concatenate([v[..., :3] for v in views], 1)
    Image.fromarray((np.clip(strip, 0, 1) * 255).astype(np.uint8)).save(out / "tee_a_pose_to_walk.png", optimize=True)
    print("wrote", out / "tee_a_pose_to_walk.png")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--fabric=")]
    chosen = tuple(a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--fabric="))
    if args == ["walk"]:
        walk_picture()
    else:
        main(args or ["tshirt"], chosen or FABRICS)
