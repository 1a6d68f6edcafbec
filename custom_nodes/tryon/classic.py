"""Classic try-on WITHOUT diffusion: parsing + agnostic mask + landmark warp + blending, end to end.

This is what the studio offers when no GPU / ComfyUI is around. It pastes a flat garment photo onto
the person; it does not invent folds or occluded body parts. Results are labelled as such.

* Sleeves are warped per arm segment (:mod:`.sleeves`), so they follow bent and lowered arms; the body
  of the garment takes the landmark TPS warp.
* No pixel of the old garment survives outside the new one: where the parse or pose says arm, neck or
  torso it becomes the person's median visible skin colour; elsewhere it is inpainted (OpenCV Telea, at
  quarter resolution) from the surrounding *background* only, so neither the old garment nor the
  person bleeds into it. Face and hands are pasted back, never old-garment pixels under them.
* The person's shading carries over: the luminance of the old garment's region, normalised by its
  median and lightly blurred (prints are smoothed, folds and light stay), multiplies the new garment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import param
from ..core.progress import report
from .agnostic import MaskSettings, _polygon, agnostic_mask, limb_band, neck_region, torso_polygon
from .blend import feather_composite, match_colours, paste_back, poisson_blend
from .garment import cut_garment, garment_landmarks
from .images import as_rgb
from .labels import ARMS, GARMENT_LABELS, LEGS, L, any_of, check_label_map
from .pose import point, visible
from .sleeves import arm_chain, body_similarity, find_sleeves, warp_sleeve
from .warp import WarpResult, _body_sides, iou, person_targets, warp_garment

LABEL = "classic try-on (no diffusion)"
MASK_KIND = {"top": "upper", "bottom": "lower", "dress": "dress"}
#: The person's shading carried onto the new garment: the old garment's luminance blurred over 1 % of the
#: image height, at half strength (shading^0.5). Measured on bench/bench_tryon_truth.py's rendered truth:
#: the old garment's own folds and print are not the new garment's; at full strength over 0.6 % the
#: shading lowered garment SSIM from 0.296 to 0.251. Light and large folds still carry.
SHADING_BLUR, SHADING_STRENGTH = 0.01, 0.5
PRINT_SIZE = 0.03  # features of the old garment narrower than about half this × height are print, not shading
CROTCH = 0.3  # the trunk reaches this share of the way from the hip joints to the knees
PELVIS = 1.9  # pelvis width over the distance between the hip joints
SHOULDER_TOP = 0.12  # the shoulder's top above its joint, over the shoulders' spacing (arm radius)


@dataclass(frozen=True)
class ClassicSettings:
    kind: str = param("top", choices=("top", "bottom", "dress"), tooltip="What the garment photo shows.")
    mode: str = param("relaxed", choices=("normal", "relaxed"),
                      tooltip="Agnostic mask mode; relaxed frees the whole sleeve/leg region.")
    rigidity: float = param(0.3, lo=0.0, hi=1.0, step=0.05,
                            tooltip="0 = thin-plate spline through every landmark, 1 = affine only.")
    blend: str = param("feather", choices=("feather", "poisson"),
                       tooltip="feather keeps garment colours; poisson hides seams but pulls colours.")
    colour_match: float = param(1.0, lo=0.0, hi=1.0, step=0.05,
                                tooltip="Strength of matching the result's garment colours to the garment photo.")
    cut_method: str = param("auto", choices=("auto", "threshold", "grabcut"),
                            tooltip="How the garment is cut out of its photo.")


@dataclass(frozen=True)
class ClassicResult:
    image: np.ndarray  # (H, W, 3) float32 0..1
    agnostic: np.ndarray  # (H, W) bool, the agnostic mask
    garment_mask: np.ndarray  # (H, W) bool, where the new garment was placed
    quality: float  # warp quality: IoU of the warped garment with the agnostic mask
    colour: dict[str, float]  # ΔE00 of mean garment colour vs the garment photo, before/after matching
    notes: tuple[str, ...] = field(default_factory=tuple)


def _inpaint(image: np.ndarray, hole: np.ndarray, factor: int = 4, exclude: np.ndarray | None = None) -> np.ndarray:
    """Fill ``hole`` from its surroundings (Telea) at 1/``factor`` resolution; other pixels untouched.

    ``exclude``: pixels that must not serve as a source (e.g. the person, to fill from the background only).
    """
    if not hole.any():
        return image
    h, w = hole.shape
    small = cv2.resize(image, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole.astype(np.uint8), small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    small_hole = cv2.dilate(small_hole, np.ones((3, 3), np.uint8))
    if exclude is not None:
        small_ex = cv2.resize(exclude.astype(np.uint8), small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        small_hole |= cv2.dilate(small_ex, np.ones((3, 3), np.uint8))
        if small_hole.all():  # nothing left to fill from
            small_hole = cv2.dilate(cv2.resize(hole.astype(np.uint8), small.shape[1::-1],
                                               interpolation=cv2.INTER_NEAREST), np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(np.round(small * 255).astype(np.uint8), small_hole, 3, cv2.INPAINT_TELEA)
    big = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255
    return np.where(hole[..., None], big, image).astype(np.float32)


def _skin_fill(image: np.ndarray, labels: np.ndarray, pose: np.ndarray, hole: np.ndarray, kind: str,
               limb_width: float = 0.035, body: np.ndarray | None = None,
               repainted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Paint neck and arms (legs for bottoms/dresses) inside ``hole`` with the person's median visible skin colour;
    also the arm/leg-labelled pixels and ``body`` (e.g. the torso polygon). Skin is sampled outside ``hole``
    and ``repainted`` (the agnostic mask and the new garment: what is there now may be old sleeves).

    Returns (image, the part of ``hole`` still unfilled). Without visible skin nothing is painted.
    """
    skin = image[any_of(labels, (L["face"],) + ARMS + LEGS) & ~hole & (True if repainted is None else ~repainted)]
    if len(skin) < 20:
        return image, hole
    limbs = np.zeros(hole.shape, bool)
    chains = ([("shoulder", "elbow", "wrist")] if kind != "bottom" else []) + \
        ([("hip", "knee", "ankle")] if kind != "top" else [])
    for joints in chains:
        for side in ("right", "left"):
            limbs |= limb_band(pose, hole.shape, tuple(f"{side}_{j}" for j in joints), True, limb_width * hole.shape[0])
    if kind != "bottom":
        limbs |= neck_region(pose, labels, hole.shape[0]) & ~any_of(labels, (L["face"],))
        limbs |= any_of(labels, ARMS)
    if kind != "top":
        limbs |= any_of(labels, LEGS)
    if body is not None:
        limbs |= body
    fill = hole & limbs
    out = image.copy()
    out[fill] = np.median(skin, axis=0)
    return out, hole & ~fill


def _warp_with_sleeves(cut, landmarks: dict, targets: dict, pose: np.ndarray, out_shape, rigidity: float,
                       reference: np.ndarray) -> WarpResult:
    """Body by the landmark TPS warp, each sleeve whose arm has shoulder + elbow along that arm's segments."""
    sleeves = find_sleeves(cut.mask, landmarks)
    sides = _body_sides(pose, "shoulder")
    placed = [(sl, chain) for sl in sleeves if (chain := arm_chain(pose, sides[sl.side])) is not None]
    if not placed:
        return warp_garment(cut.image, cut.mask, landmarks, targets, out_shape, rigidity, reference=reference)
    sim = body_similarity(landmarks, targets)
    scale = float(np.sqrt(abs(np.linalg.det(sim[:, :2]))))
    body_mask = cut.mask.copy()
    body_lm = dict(landmarks)
    for sl, _ in placed:
        body_mask &= ~sl.mask
        body_lm.pop(f"sleeve_{sl.side}", None)
    body = warp_garment(cut.image, body_mask, body_lm, targets, out_shape, rigidity)
    image, mask = body.image.copy(), body.mask.copy()
    for sl, chain in placed:  # sleeves over the body: a bent arm in front of the torso stays in front
        root = sim[:, :2] @ sl.root + sim[:, 2]
        img, m = warp_sleeve(cut.image, sl, [root] + chain[1:], scale, out_shape)
        image[m] = img[m]
        mask |= m
    return WarpResult(image, mask, body.src, body.dst, body.names, iou(mask, reference))


def shading_map(person: np.ndarray, region: np.ndarray, blur: float = SHADING_BLUR,
                reach: float = 0.03) -> np.ndarray:
    """(H, W) float32 multiplier from the person's luminance inside ``region`` (the old garment), its print
    dropped by a median over PRINT_SIZE × height, normalised by its median and blurred by ``blur`` × height; outside the region it fades out (normalised convolution over
    ``reach`` × height) towards 1. Clipped to 0.4..1.6."""
    h = region.shape[0]
    out = np.ones(region.shape, np.float32)
    if region.sum() < 20:
        return out
    lum = person @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    ref = max(float(np.median(lum[region])), 1e-3)
    if PRINT_SIZE > 0:  # a median over PRINT_SIZE × height drops dots and thin stripes, keeps folds and light
        k = max(3, int(PRINT_SIZE * h) // 2 * 2 + 1)
        inside = np.where(region, np.clip(lum, 0, 1), min(ref, 1.0))  # nothing from outside bleeds in
        lum = cv2.medianBlur(np.round(inside * 255).astype(np.uint8), k).astype(np.float32) / 255
    m = region.astype(np.float32)
    sig = max(0.5, blur * h)
    ratio = cv2.GaussianBlur(lum / ref * m, (0, 0), sig) / np.maximum(cv2.GaussianBlur(m, (0, 0), sig), 1e-3)
    ratio = np.where(region, ratio, 1.0).astype(np.float32)
    f = 4  # the wide fade is smooth: compute it at quarter resolution
    size = (max(1, region.shape[1] // f), max(1, region.shape[0] // f))
    small_m = cv2.resize(m, size, interpolation=cv2.INTER_AREA)
    small_d = cv2.resize((ratio - 1.0) * m, size, interpolation=cv2.INTER_AREA)
    wide = max(1.0, reach * h / f)
    num = cv2.GaussianBlur(small_d, (0, 0), wide)
    den = cv2.GaussianBlur(small_m, (0, 0), wide)
    small = num / np.maximum(den, 1e-3) * np.clip(den / 0.5, 0, 1)
    ext = 1.0 + cv2.resize(small, region.shape[::-1], interpolation=cv2.INTER_LINEAR)
    return np.clip(np.where(region, ratio, ext), 0.4, 1.6).astype(np.float32)


def classic_tryon(person_image, labels, pose: np.ndarray, garment_image, settings: ClassicSettings | None = None,
                  hands: list[np.ndarray] | None = None, on_progress=None) -> ClassicResult:
    """Dress ``person_image`` (H, W, 3) with the garment photo, given its ATR ``labels`` and (18, 3) ``pose``
    (``hands``: optional hand keypoints, (n, 2) px each)."""
    s = settings or ClassicSettings()
    person = as_rgb(person_image, "person_image")
    labels = check_label_map(labels, person.shape[:2])
    total = 5
    agn = agnostic_mask(labels, pose, MaskSettings(garment=MASK_KIND[s.kind], mode=s.mode), hands)
    report(on_progress, 1, total)
    cut = cut_garment(garment_image, s.cut_method)
    landmarks = garment_landmarks(cut.mask, s.kind)
    report(on_progress, 2, total)
    targets = person_targets(s.kind, landmarks, pose)
    if s.kind == "top":
        warp = _warp_with_sleeves(cut, landmarks, targets, pose, person.shape[:2], s.rigidity, agn.mask)
    else:
        warp = warp_garment(cut.image, cut.mask, landmarks, targets, person.shape[:2], s.rigidity, reference=agn.mask)
    region = warp.mask & ~agn.protected
    if not region.any():
        raise InvalidInputError("the warped garment does not reach the person: check the pose and garment kind",
                                field="pose")
    report(on_progress, 3, total)
    # every old-garment pixel of this person (those under a hand disc too) is repainted unless covered
    old_all = any_of(labels, GARMENT_LABELS[MASK_KIND[s.kind]])
    old = old_all & (agn.mask | agn.face_hands)
    hole = (agn.mask | old) & ~region
    body = torso_polygon_plain(pose, labels.shape) if s.kind != "bottom" else None
    base, hole = _skin_fill(person, labels, pose, hole, s.kind, body=body, repainted=agn.mask | region)
    base = _inpaint(base, hole, exclude=(labels > 0) | agn.mask | old)
    blended = (poisson_blend if s.blend == "poisson" else feather_composite)(base, warp.image, region)
    report(on_progress, 4, total)
    colour = {"delta_e00_before": float("nan"), "delta_e00_after": float("nan")}
    if s.colour_match > 0:
        blended, colour = match_colours(blended, region, cut.image[cut.mask][::7], s.colour_match)
    shade = shading_map(person, old) ** SHADING_STRENGTH
    blended = np.where(region[..., None], np.clip(blended * shade[..., None], 0, 1), blended).astype(np.float32)
    keep = agn.face_hands & ~old_all & (~region | (labels > 0))
    out = paste_back(blended, person, keep)
    report(on_progress, 5, total)
    notes = (LABEL,) + cut.notes
    return ClassicResult(out, agn.mask, region, warp.quality, colour, notes)


def torso_polygon_plain(pose: np.ndarray, shape) -> np.ndarray | None:
    """The trunk, not widened (skin, where the old garment leaves it bare): from the shoulders' tops (a
    SHOULDER_TOP of their spacing above the joints) to the hips, and on below
    the hip joints to the crotch (CROTCH of the way to the knees), as wide as the pelvis (PELVIS × the
    hip joints' spacing) the hip keypoints sit in."""
    mask = torso_polygon(pose, shape)
    if not mask.any():
        return None
    if visible(pose, "right_shoulder", "left_shoulder", "neck"):  # the shoulders' tops, over the joints
        sh = np.stack([point(pose, f"{side}_shoulder") for side in ("right", "left")])
        up = np.array([0.0, -SHOULDER_TOP * float(np.linalg.norm(sh[1] - sh[0]))])
        mask |= _polygon(shape, [sh[0], sh[0] + up, point(pose, "neck") + 2 * up, sh[1] + up, sh[1]])
    if visible(pose, "right_hip", "left_hip", "right_knee", "left_knee"):
        hips = np.stack([point(pose, f"{side}_hip") for side in ("right", "left")])
        drop = CROTCH * (np.stack([point(pose, f"{side}_knee") for side in ("right", "left")]) - hips).mean(0)
        centre = hips.mean(0)  # the pelvis is about twice as wide as its hip joints are apart
        top = centre + PELVIS * (hips - centre)
        mask |= _polygon(shape, [top[0], top[1], top[1] + drop, top[0] + drop])
    return cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8),
                     iterations=max(1, int(0.01 * shape[0]))).astype(bool)
