"""Classic try-on WITHOUT diffusion: parsing + agnostic mask + landmark warp + blending, end to end.

This is what the studio offers when no GPU / ComfyUI is around. It pastes a flat garment photo onto
the person; it does not invent folds, lighting or occluded body parts (masked pixels the garment does
not cover are filled by OpenCV inpainting at quarter resolution). Results are labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import param
from ..core.progress import report
from .agnostic import MaskSettings, agnostic_mask, limb_band, neck_region
from .blend import feather_composite, match_colours, paste_back, poisson_blend
from .garment import cut_garment, garment_landmarks
from .images import as_rgb
from .labels import ARMS, LEGS, L, any_of, check_label_map
from .warp import person_targets, warp_garment

LABEL = "classic try-on (no diffusion)"
MASK_KIND = {"top": "upper", "bottom": "lower", "dress": "dress"}


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


def _inpaint(image: np.ndarray, hole: np.ndarray, factor: int = 4) -> np.ndarray:
    """Fill ``hole`` from its surroundings (Telea) at 1/``factor`` resolution; other pixels untouched."""
    if not hole.any():
        return image
    h, w = hole.shape
    small = cv2.resize(image, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole.astype(np.uint8), small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    small_hole = cv2.dilate(small_hole, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(np.round(small * 255).astype(np.uint8), small_hole, 3, cv2.INPAINT_TELEA)
    big = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255
    return np.where(hole[..., None], big, image).astype(np.float32)


def _skin_fill(image: np.ndarray, labels: np.ndarray, pose: np.ndarray, hole: np.ndarray, kind: str,
               limb_width: float = 0.035) -> tuple[np.ndarray, np.ndarray]:
    """Paint neck and arms (legs for bottoms/dresses) inside ``hole`` with the person's median visible skin colour.

    Returns (image, the part of ``hole`` still unfilled). Without visible skin nothing is painted.
    """
    skin = image[any_of(labels, (L["face"],) + ARMS + LEGS) & ~hole]
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
    fill = hole & limbs
    out = image.copy()
    out[fill] = np.median(skin, axis=0)
    return out, hole & ~fill


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
    warp = warp_garment(cut.image, cut.mask, landmarks, person_targets(s.kind, landmarks, pose),
                        person.shape[:2], s.rigidity, reference=agn.mask)
    region = warp.mask & ~agn.protected
    if not region.any():
        raise InvalidInputError("the warped garment does not reach the person: check the pose and garment kind",
                                field="pose")
    report(on_progress, 3, total)
    base, hole = _skin_fill(person, labels, pose, agn.mask & ~region, s.kind)
    base = _inpaint(base, hole)
    blended = (poisson_blend if s.blend == "poisson" else feather_composite)(base, warp.image, region)
    report(on_progress, 4, total)
    colour = {"delta_e00_before": float("nan"), "delta_e00_after": float("nan")}
    if s.colour_match > 0:
        blended, colour = match_colours(blended, region, cut.image[cut.mask][::7], s.colour_match)
    out = paste_back(blended, person, agn.face_hands & ~region | agn.face_hands & (labels > 0))
    report(on_progress, 5, total)
    notes = (LABEL,) + cut.notes
    return ClassicResult(out, agn.mask, region, warp.quality, colour, notes)
