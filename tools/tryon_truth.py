"""Exact try-on triples rendered from Anny, and the figures that judge a try-on against them.

A triple is made by the project's own drape and renderer, independently of the try-on under test:

* **person** — an Anny body wearing garment A, draped and rendered (plain or textured background), with its
  ATR-18 label map and OpenPose-18 pose taken from the render (what a perfect parser and pose model give);
* **garment photo** — garment B alone, flat-on: B draped on the size-M A-pose body and rendered without the
  body by an orthographic front camera on white, as a product ("ghost mannequin") photo is shot;
* **truth** — the same body in the same pose wearing B, rendered from the person's camera.

The try-on sees the person, labels, pose and garment photo; the truth is what it should have drawn. The
figures (:func:`judge`) use scikit-image's SSIM (Wang et al. 2004, Gaussian σ = 1.5 window) and CIEDE2000
colour difference, over B's garment region in the truth and over the whole image, plus the share of
old-garment pixels left over: pixels of A that the truth changes (ΔE00 ≥ 10 from the person photo) but the
try-on leaves as they were (ΔE00 < 2.3, one just-noticeable difference, Sharma et al. 2005).

Drapes are cached outside the checkout (``--cache``, default ``~/.cache/atelier/tryon_truth``); the cache is
keyed by garment, body and ``CACHE_VERSION`` only, so delete it (or bump the version) after changing the drape.

Usage: python tools/tryon_truth.py --out /tmp/tryon_truth [--limit N]   (renders the triples as PNGs)
The bench that scores them is bench/bench_tryon_truth.py.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")

DEFAULT_CACHE = Path.home() / ".cache" / "atelier" / "tryon_truth"
#: garment name → (template or corpus pattern, classic try-on kind)
GARMENTS = {"tee": ("tshirt", "top"), "hoodie": ("hoodie", "top"), "shirt": ("gc_shirt", "top"),
            "dress": ("shift_dress", "dress")}
WEARS = ("tee", "hoodie", "shirt")  # what the person wears (A); B may also be the dress
#: (size, pose, walk frame): A-pose, relaxed arms and two walk frames, at three sizes
BODIES = (("M", "a_pose", 0), ("S", "relaxed", 0), ("L", "walk", 2), ("M", "walk", 6), ("S", "a_pose", 0),
          ("L", "relaxed", 0))
TEXTURES = ("solid", "stripes", "print")
SOLIDS = ((0.72, 0.12, 0.14), (0.16, 0.22, 0.38), (0.18, 0.45, 0.28), (0.85, 0.62, 0.15))
WIDTH, HEIGHT = 384, 512
CACHE_VERSION = "3"
EDGE = 0.015  # [m] mesh edge: the 2 cm hoodie folds through itself at the shoulders


@dataclass(frozen=True)
class Person:
    """A rendered person: image (H, W, 3) float32 sRGB 0..1, ATR labels (H, W) uint8, pose (18, 3)
    [x px, y px, confidence], and the garment's pixels (H, W) bool: wholly and partly covered."""

    image: np.ndarray
    labels: np.ndarray
    pose: np.ndarray
    garment: np.ndarray
    covered: np.ndarray  # (H, W) bool: any sample of the pixel is garment


@dataclass(frozen=True)
class Triple:
    name: str
    kind: str  # classic try-on kind of garment B
    texture_b: str  # solid, stripes or print
    person: Person  # wearing A
    person_alt: Person  # the same, A in another fabric (tells old-garment pixels from B's look-alikes)
    garment_photo: np.ndarray  # (h, w, 3) float32, B alone on white
    truth: Person  # wearing B, same body, pose and camera


# --- bodies and drapes -------------------------------------------------------------------------------


def _avatar(size: str, pose: str = "a_pose", frame: int = 0):
    from custom_nodes.avatar.nodes import AtelierAvatarFromMeasurements, BodySettings
    from custom_nodes.core.params import widgets

    kw = {k: v[1]["default"] for k, v in widgets(BodySettings).items()}
    kw.update(size=size, pose=pose, walk_frame=frame)
    return AtelierAvatarFromMeasurements().build(**kw)[0]


def _placed(garment: str, size: str, avatar):
    from custom_nodes.core.measurements import size_measurements
    from custom_nodes.pattern.params import TemplateSettings
    from custom_nodes.pattern.pattern_io import load_pattern
    from custom_nodes.pattern.placement import place_garment
    from custom_nodes.pattern.templates import draft
    from custom_nodes.pattern.triangulate import triangulate

    source = GARMENTS[garment][0]
    if source == "gc_shirt":  # GarmentCode's own shirt (corpus/garmentcode, MIT), drafted for its own body
        pattern = load_pattern(REPO / "corpus" / "garmentcode" / "shirt_mean" / "specification.json")
    else:
        pattern = draft(size_measurements(size, "female"), TemplateSettings(garment=source))
    return place_garment(triangulate(pattern, EDGE), avatar)


def drape_on(garment: str, size: str, pose: str, frame: int, cache: Path | None = DEFAULT_CACHE,
             log=print):
    """``garment`` draped in cotton jersey on Anny (female, ``size``) posed as ``pose`` (walk ``frame``), with
    the nodes' defaults. Cached as a pickle under ``cache``. (Carrying an A-pose drape into relaxed arms with
    the drape sequence left sleeves behind the arms; draping on the posed body keeps them on.)"""
    key = hashlib.sha1(f"{CACHE_VERSION}-{garment}-{size}-{pose}-{frame}".encode()).hexdigest()[:12]
    path = None if cache is None else Path(cache) / f"{garment}_{size}_{pose}{frame}_{key}.pkl"
    if path is not None and path.is_file():
        return pickle.loads(path.read_bytes())
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.fabric.catalog import Catalog

    body = _avatar(size, pose, frame)
    result = drape(_placed(garment, size, body), body, Catalog().fabric("cotton_jersey"),
                   DrapeSettings(max_frames=250))
    verdict = "PASS" if result.report.get("passed") else "FAIL"
    log(f"  draped {garment} on {size} {pose}{frame if pose == 'walk' else ''}: {verdict}")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        tmp.write_bytes(pickle.dumps(result))
        tmp.replace(path)
    return result


# --- textures and backgrounds ------------------------------------------------------------------------


def textured(fabric, texture: str, index: int):
    """``fabric`` with a solid colour, the Breton stripe or the polka-dot print as its albedo tile."""
    from PIL import Image

    if texture == "solid":  # plain colour: the jersey's 1.2 cm knit tile only aliases to noise at 384 px wide
        rgb = np.array(SOLIDS[index % len(SOLIDS)], np.float32)
        return replace(fabric, albedo=None, normal_map=None, color=rgb, prints=())
    folder = REPO / "fabrics" / "prints" / {"stripes": "breton_stripe", "print": "polka_dot"}[texture]
    import json

    info = json.loads((folder / "print.json").read_text())
    ink = np.asarray(Image.open(folder / info["image"]).convert("RGBA"), np.float32) / 255
    ground = np.array((0.95, 0.94, 0.9) if texture == "stripes" else (0.75, 0.1, 0.2), np.float32)
    tile = ink[..., :3] * ink[..., 3:] + ground * (1 - ink[..., 3:])  # the print on a plain ground
    return replace(fabric, albedo=tile, color=tile.reshape(-1, 3).mean(0), normal_map=None, roughness_map=None,
                   tile_size=1.5 * np.asarray(info["repeat_size_m"], np.float32), prints=())


def background(kind: str, width: int, height: int) -> np.ndarray:
    """(H, W, 3) sRGB: a plain light grey, or a textured wall (the linen photo tiled, with a gradient)."""
    if kind == "plain":
        return np.full((height, width, 3), 0.9, np.float32)
    from PIL import Image

    tile = np.asarray(Image.open(REPO / "fabrics" / "linen" / "albedo.png").convert("RGB"), np.float32) / 255
    reps = (height // tile.shape[0] + 1, width // tile.shape[1] + 1, 1)
    wall = np.tile(tile, reps)[:height, :width]
    shade = np.linspace(1.05, 0.75, height, dtype=np.float32)[:, None, None]
    return np.clip(wall * np.array([0.95, 0.85, 0.7], np.float32) * shade, 0, 1)


# --- rendering ---------------------------------------------------------------------------------------

ATR_OF_PART = {"head": 11, "arm_left": 14, "arm_right": 15, "leg_left": 12, "leg_right": 13}
BRIEFS = np.array([0.12, 0.12, 0.14], np.float32)  # the body's briefs (below the hips), labelled pants


def _camera(drape):
    from custom_nodes.render.api import frame_drape

    return frame_drape(drape, "full_body", width=WIDTH, height=HEIGHT)


def _shaded(rp, exposure: float = 1.0) -> np.ndarray:
    """(k, 3) sRGB of every hit sample of render pass ``rp`` under the studio lights (as render_preview)."""
    from custom_nodes.render.shading import _aces, shade
    from custom_nodes.render.texture import linear_to_srgb

    return linear_to_srgb(_aces(shade(rp) * exposure)).astype(np.float32)


def render_person(drape, fabric, camera, bg: np.ndarray, garment_label: int, ss: int = 2) -> Person:
    """The dressed body through ``camera`` over ``bg``; labels and pose from the scene itself."""
    from custom_nodes.core.avatar import AVATAR_PARTS
    from custom_nodes.render.maps import render_pass
    from custom_nodes.render.pose import project_keypoints
    from custom_nodes.render.raster import box_down, scatter
    from custom_nodes.render.scenes import GARMENT, scene_from_drape, tile_coordinates
    g = drape.garment
    scene = replace(scene_from_drape(drape), fabric=fabric,  # tile coordinates in this fabric's tiles
                    tile_uv=np.concatenate([np.zeros((drape.avatar.mesh.n_vertices, 2), np.float32),
                                            tile_coordinates(g.rest, g.vertex_panel, g.panel_grain,
                                                             fabric.tile_size)]).astype(np.float32))
    rp = render_pass(scene, camera, ss)
    avatar = drape.avatar
    n_body = avatar.mesh.n_faces
    # per-face label: garment faces → the garment's label; body faces → their part's ATR label
    part = avatar.vertex_part[avatar.mesh.faces[:, 0]]
    face_label = np.zeros(scene.n_faces, np.uint8)
    for name, atr in ATR_OF_PART.items():
        face_label[:n_body][part == AVATAR_PARTS.index(name)] = atr
    face_label[scene.face_object == GARMENT] = garment_label
    hit_label = face_label[rp.frags.hit_face]
    # briefs: torso and legs between 10 cm below the hip joints and 2 cm above, by each sample's height
    view = camera.view_matrix().astype(np.float32)
    world_y = ((rp.position - view[:3, 3]) @ view[:3, :3])[:, 1]
    hips = avatar.keypoints[[8, 11], 1].mean()
    lower = np.isin(hit_label, (0, 12, 13)) & (scene.face_object[rp.frags.hit_face] != GARMENT)
    hit_label[lower & (world_y > hips - 0.10) & (world_y < hips + 0.02)] = 6
    lit = _shaded(rp)
    lit[hit_label == 6] = lit[hit_label == 6] * BRIEFS / 0.8
    H, W = camera.height, camera.width
    bg_ss = np.repeat(np.repeat(bg, ss, 0), ss, 1)
    img = np.where(rp.frags.hit[..., None], scatter(lit, rp.frags), bg_ss)
    image = np.clip(box_down(img, ss), 0, 1)
    samples = scatter(hit_label, rp.frags, fill=0).reshape(H, ss, W, ss).transpose(0, 2, 1, 3).reshape(H, W, -1)
    votes = np.stack([(samples == k).sum(-1) for k in range(18)], -1)
    labels = votes.argmax(-1).astype(np.uint8)
    garment = (samples == garment_label).all(-1)
    covered = (samples == garment_label).any(-1)
    depth = box_down(np.where(rp.frags.hit, rp.frags.depth, np.inf)[..., None], ss)[..., 0]
    px = project_keypoints(avatar.keypoints, avatar.keypoint_visible, camera, depth)
    pose = np.zeros((18, 3), np.float32)
    ok = np.isfinite(px).all(1)
    pose[ok, :2], pose[ok, 2] = px[ok], 1.0
    return Person(image.astype(np.float32), labels, pose, garment, covered)


def garment_photo(drape, fabric, size: int = 512) -> np.ndarray:
    """Garment B alone, orthographic from the front, on white: (size, size, 3) float32 sRGB."""
    from custom_nodes.core.camera import Camera
    from custom_nodes.render.maps import render_pass
    from custom_nodes.render.raster import box_down, scatter
    from custom_nodes.render.scenes import build_scene, tile_coordinates
    g = drape.garment
    tiles = tile_coordinates(g.rest, g.vertex_panel, g.panel_grain, fabric.tile_size)
    scene = build_scene(None, drape.garment_mesh, garment_tile_uv=tiles, garment_panel=g.vertex_panel,
                        fabric=fabric, panel_names=g.panel_names, garment_pattern_uv=g.rest)
    lo, hi = scene.bounds().astype(np.float64)
    centre = (lo + hi) / 2
    cam = Camera(eye=centre + [0, 0, 3.0], target=centre, projection="orthographic",
                 ortho_height=float(1.12 * max(hi[1] - lo[1], hi[0] - lo[0])), width=size, height=size,
                 near=0.1, far=10.0)
    ss = 2
    rp = render_pass(scene, cam, ss)
    lit = _shaded(rp, exposure=1.15)
    img = np.where(rp.frags.hit[..., None], scatter(lit, rp.frags), 1.0)
    return np.clip(box_down(img, ss), 0, 1).astype(np.float32)


# --- the triples -------------------------------------------------------------------------------------


def plan(limit: int | None = None) -> list[tuple]:
    """(index, body, A, B, texture A, texture B, background) for every triple, in a fixed order: each body
    wears each top A and is re-dressed in every other garment B (tops and the dress)."""
    rows = []
    for b, body in enumerate(BODIES):
        for a in WEARS:
            for garment_b in GARMENTS:
                if garment_b == a:
                    continue
                i = len(rows)  # A's and B's textures always differ: pixels alike in both are undecidable
                rows.append((i, body, a, garment_b, TEXTURES[(i + b) % 3], TEXTURES[(i + b + 1) % 3],
                             ("plain", "textured")[(i // 3 + b) % 2]))
    return rows[:limit] if limit else rows


def make_triples(limit: int | None = None, cache: Path | None = DEFAULT_CACHE, rows=None, log=print,
                 skipped: list | None = None):
    """Yield :class:`Triple` objects for ``plan(limit)`` (or the given ``rows``). A triple whose drape the
    solver refuses is left out, logged and appended to ``skipped`` as (name, reason)."""
    from custom_nodes.core.errors import AtelierError
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.tryon.labels import L

    jersey = Catalog().fabric("cotton_jersey")
    photos: dict = {}
    refused: dict = {}
    for i, (size, pose, frame), a, b, tex_a, tex_b, bg_kind in rows or plan(limit):
        name = f"{i:02d}_{size}_{pose}{frame if pose == 'walk' else ''}_{a}-{tex_a}_to_{b}-{tex_b}_{bg_kind}"
        try:
            worn, other = (_drape_or_refused(g, size, pose, frame, cache, log, refused) for g in (a, b))
        except AtelierError as exc:
            log(f"  skipped {name}: {exc}")
            if skipped is not None:
                skipped.append((name, str(exc)))
            continue
        cam = _camera(worn)
        bg = background(bg_kind, cam.width, cam.height)
        fab_a, fab_b = textured(jersey, tex_a, i), textured(jersey, tex_b, i + 1)
        kind = GARMENTS[b][1]
        person = render_person(worn, fab_a, cam, bg, L["upper_clothes"])
        person_alt = render_person(worn, textured(jersey, "solid", i + 2), cam, bg, L["upper_clothes"])
        truth = render_person(other, fab_b, cam, bg, L["dress"] if kind == "dress" else L["upper_clothes"])
        key = (b, tex_b, i + 1 if tex_b == "solid" else 0)
        if key not in photos:
            photos[key] = garment_photo(drape_on(b, "M", "a_pose", 0, cache, log), fab_b)
        yield Triple(name, kind, tex_b, person, person_alt, photos[key], truth)


def _drape_or_refused(garment, size, pose, frame, cache, log, refused: dict):
    """drape_on, remembering a refusal so the same drape is not tried again for the next triple."""
    key = (garment, size, pose, frame)
    if key in refused:
        raise refused[key]
    try:
        return drape_on(garment, size, pose, frame, cache, log)
    except Exception as exc:
        refused[key] = exc
        raise


# --- the ruler -----------------------------------------------------------------------------------------


def judge(result: np.ndarray, triple: Triple, result_alt: np.ndarray | None = None) -> dict:
    """Figures of a try-on ``result`` (H, W, 3) sRGB 0..1 against ``triple.truth``.

    Garment region = B's pixels in the truth. SSIM is averaged over the region's pixels of the full SSIM
    map (channels averaged); L1 is the mean absolute sRGB difference; ΔE00 the mean CIEDE2000.

    ``leftover`` = share of A's pixels outside B (not even partly B in the truth, which changes them) that
    the try-on leaves as they were in the person photo: old garment surviving outside the new one. Given
    ``result_alt``, the try-on of ``triple.person_alt`` (A in another fabric), a pixel counts only when it
    follows A in both photos, so a pixel of B that happens to share A's colour (white stripes and white
    dots) is not counted. Inside B's region the old garment showing through is what SSIM and ΔE00 see.
    """
    from skimage.color import deltaE_ciede2000, rgb2lab
    from skimage.metrics import structural_similarity

    res = np.clip(np.asarray(result, np.float64), 0, 1)
    gt = triple.truth.image.astype(np.float64)
    if res.shape != gt.shape:
        raise ValueError(f"result {res.shape} and truth {gt.shape} differ in size")
    _, ssim_map = structural_similarity(gt, res, channel_axis=2, data_range=1.0, gaussian_weights=True,
                                        sigma=1.5, use_sample_covariance=False, full=True)
    ssim_map = ssim_map.mean(-1)
    lab_res, lab_gt = rgb2lab(res), rgb2lab(gt)
    de = deltaE_ciede2000(lab_gt, lab_res)
    l1 = np.abs(gt - res).mean(-1)
    region = triple.truth.garment
    outside = triple.person.garment & ~triple.truth.covered
    pairs = [(triple.person, res)] + ([(triple.person_alt, np.clip(result_alt, 0, 1))] if result_alt is not None
                                      else [])
    changed, kept = outside.copy(), outside.copy()
    for person, out in pairs:
        lab_src = rgb2lab(person.image.astype(np.float64))
        changed &= deltaE_ciede2000(lab_src, lab_gt) >= 10.0
        kept &= deltaE_ciede2000(lab_src, rgb2lab(np.asarray(out, np.float64))) < 2.3
    kept &= changed
    return {"ssim_garment": float(ssim_map[region].mean()), "l1_garment": float(l1[region].mean()),
            "de_garment": float(de[region].mean()), "ssim_image": float(ssim_map.mean()),
            "l1_image": float(l1.mean()), "de_image": float(de.mean()),
            "leftover": float(kept.sum() / max(changed.sum(), 1)), "leftover_px": int(kept.sum())}


def strip(t: Triple, *results: np.ndarray) -> np.ndarray:
    """(H, W·k, 3) person | garment photo (square, scaled to the height) | truth | each result."""
    from PIL import Image

    h = t.person.image.shape[0]
    photo = np.asarray(Image.fromarray((t.garment_photo * 255).astype(np.uint8)).resize((h, h)), np.float32) / 255
    return np.concatenate([np.clip(p, 0, 1) for p in (t.person.image, photo, t.truth.image, *results)], 1)


def save_triple(t: Triple, out: Path, result: np.ndarray | None = None) -> Path:
    """One strip PNG: person | garment photo | truth [| result]."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{t.name}.png"
    image = strip(t, *([] if result is None else [result]))
    Image.fromarray((image * 255).astype(np.uint8)).save(path, optimize=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/tryon_truth"))
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    for t in make_triples(args.limit, args.cache):
        print("wrote", save_triple(t, args.out))


if __name__ == "__main__":
    main()
