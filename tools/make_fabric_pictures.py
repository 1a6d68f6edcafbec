"""Render the fabric pictures in docs/images/fabric/ (tiling before/after, scan steps, catalog).

    python tools/make_fabric_pictures.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from custom_nodes.fabric.catalog import Catalog  # noqa: E402
from custom_nodes.fabric.color import linear_to_srgb, srgb_to_linear  # noqa: E402
from custom_nodes.fabric.maps import make_pbr_maps, tiled_preview  # noqa: E402
from custom_nodes.fabric.preview import swatch_preview  # noqa: E402
from custom_nodes.fabric.procedural import woven  # noqa: E402
from custom_nodes.fabric.scan import scan_fabric  # noqa: E402
from custom_nodes.fabric.tileable import METHODS, make_tileable, seam_score  # noqa: E402

OUT = REPO / "docs" / "images" / "fabric"
PANEL = 256


def panel(img: np.ndarray, label: str, size: int = PANEL) -> np.ndarray:
    im = Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).resize((size, size), Image.LANCZOS)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, 7 * len(label) + 8, 14), fill=(0, 0, 0))
    draw.text((4, 2), label, fill=(255, 255, 255))
    return np.asarray(im)


def save(rows: list[list[np.ndarray]], name: str, colours: int = 256) -> None:
    """One PNG sheet, palette-quantised (keeps files under ~300 kB)."""
    sheet = np.concatenate([np.concatenate(r, axis=1) for r in rows], axis=0)
    path = OUT / name
    Image.fromarray(sheet).quantize(colours, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"{path.relative_to(REPO)}: {sheet.shape[1]}×{sheet.shape[0]}, {path.stat().st_size / 1e3:.0f} kB")


def tiling_pictures() -> None:
    from skimage import data

    for name in ("brick", "grass", "gravel"):
        img = getattr(data, name)().astype(np.float32) / 255.0
        img = np.repeat(img[..., None], 3, -1) if img.ndim == 2 else img[..., :3]
        h, w = img.shape[:2]
        junction = np.s_[h - 128:h + 128, w - 128:w + 128]  # full resolution around the 2x2 corner
        row = [panel(tiled_preview(img), f"{name} 2x2 as is, seam {seam_score(img):.1f}")]
        zoom = [panel(tiled_preview(img)[junction], "zoom: corner where 4 tiles meet")]
        for method in METHODS:
            tile = make_tileable(img, method)
            row.append(panel(tiled_preview(tile), f"{method}, seam {seam_score(tile):.1f}"))
            zoom.append(panel(tiled_preview(tile)[junction], f"zoom: {method}"))
        save([row, zoom], f"tiling_{name}.png", colours=64)


def scan_picture() -> None:
    albedo, _ = woven(512, "twill31", 96, 72, (0.13, 0.2, 0.38), (0.42, 0.45, 0.52), slub=0.5)
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float32) / 512
    lit = linear_to_srgb(srgb_to_linear(albedo) * (0.35 + 1.1 * np.exp(-((xx - 0.8) ** 2 + (yy - 0.2) ** 2) / 0.2))[..., None])
    corners = np.float32([[90, 60], [560, 110], [520, 470], [60, 420]])
    hom = cv2.getPerspectiveTransform(np.float32([[0, 0], [512, 0], [512, 512], [0, 512]]), corners)
    photo = cv2.warpPerspective(lit, hom, (640, 520), borderValue=(0.08, 0.08, 0.08))
    result = scan_fabric(photo, detect=True, crop=0.03, max_size=512)
    tile = make_tileable(result.image, "histogram")
    maps = make_pbr_maps(tile)
    canvas = np.zeros((640, 640, 3), np.float32)
    canvas[60:580, :] = photo
    save([[panel(canvas, "photo (corners detected)"), panel(result.image, "rectified + delit"),
           panel(maps.normal, "normal (OpenGL)"), panel(maps.roughness[..., None].repeat(3, -1), "roughness"),
           panel(swatch_preview(maps.albedo, maps.normal, maps.roughness), "tileable, lit 2x2")]], "scan_steps.png")


def catalog_picture() -> None:
    cat = Catalog()
    tiles = []
    for entry in cat.entries():
        maps = cat.load_maps(entry.id)
        tiles.append(panel(swatch_preview(maps.albedo, maps.normal, maps.roughness), entry.id, 192))
    save([tiles[i:i + 4] for i in range(0, len(tiles), 4)], "catalog.png")
    ways = []
    for fabric_id in ("denim", "silk_charmeuse", "cotton_jersey"):
        for name, _ in cat.get(fabric_id).colourways:
            f = cat.fabric(fabric_id, name)
            ways.append(panel(swatch_preview(f.albedo, f.normal_map, f.roughness_map), f"{fabric_id}: {name}", 192))
    save([ways[i:i + 3] for i in range(0, len(ways), 3)], "colourways.png")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    tiling_pictures()
    scan_picture()
    catalog_picture()
