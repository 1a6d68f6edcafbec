"""Garment photo preparation: cut the garment out of its background and find its landmarks.

Cut-out without weights: the background colour is the median of the image border; if the border is
(nearly) one colour, pixels far from it in CIELAB are garment (``threshold``); if not, OpenCV GrabCut
starts from a rectangle inset from the border (``grabcut``). A matting model (``matting.py``) can be
passed instead when its ONNX file is present. Landmarks come from the cut-out's outline: collar,
shoulders, sleeve ends and hem corners for tops; waist corners, crotch and leg hems for bottoms;
collar, shoulders and hem corners for dresses. All positions are (x, y) pixels of the garment photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage

from ..core.errors import InvalidInputError
from .images import as_rgb

KINDS = ("top", "bottom", "dress")
#: Border pixels within this CIELAB distance of the median count as background.
BG_TOLERANCE = 12.0
#: A border is "plain" when at least this fraction of it matches one colour.
PLAIN_BORDER = 0.85
#: Light bands up to this fraction of the photo's size across are closed into the garment (threshold cut).
STRIPE_REACH = 0.05


@dataclass(frozen=True)
class GarmentCut:
    image: np.ndarray  # (H, W, 3) float32 0..1, the photo (unchanged)
    mask: np.ndarray  # (H, W) bool, True = garment
    method: str  # threshold | grabcut | matting
    border_uniformity: float  # fraction of border pixels matching the background colour, 0..1
    notes: tuple[str, ...] = field(default_factory=tuple)


def _lab(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(image, np.float32), cv2.COLOR_RGB2Lab)


def _border(arr: np.ndarray, width: int = 2) -> np.ndarray:
    return np.concatenate([arr[:width].reshape(-1, arr.shape[-1]), arr[-width:].reshape(-1, arr.shape[-1]),
                           arr[:, :width].reshape(-1, arr.shape[-1]), arr[:, -width:].reshape(-1, arr.shape[-1])])


def _clean(mask: np.ndarray) -> np.ndarray:
    """Largest connected component, holes filled, specks opened away (radius ~0.4 % of the size)."""
    r = max(1, int(0.004 * max(mask.shape)))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, k)
    comp, n = ndimage.label(m)
    if n == 0:
        return np.zeros(mask.shape, bool)
    sizes = ndimage.sum(m, comp, index=np.arange(1, n + 1))
    return ndimage.binary_fill_holes(comp == 1 + int(np.argmax(sizes)))


def _close_light_bands(mask: np.ndarray, reach: float = STRIPE_REACH) -> np.ndarray:
    """Vertical closing over ``reach`` × the photo's height: horizontal bands of the garment as light as the
    background (white stripes, a pale yoke) that run out to its outline are garment, not background cutting
    into it. Only bands with garment above and below are closed, so the gap between trouser legs or under a
    sleeve, open at one end, stays open."""
    r = max(1, int(reach * mask.shape[0] / 2))
    k = np.ones((2 * r + 1, 1), np.uint8)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, k).astype(bool)


def _grabcut(image: np.ndarray, max_side: int = 320, iterations: int = 4) -> np.ndarray:
    """GrabCut from a rectangle inset 3 % from the border, run at ≤ ``max_side`` px, mask upsampled."""
    h, w = image.shape[:2]
    f = min(1.0, max_side / max(h, w))
    small = cv2.resize((image * 255).astype(np.uint8), (max(8, int(w * f)), max(8, int(h * f))),
                       interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    inset = max(1, int(0.03 * max(sh, sw)))
    gc = np.zeros((sh, sw), np.uint8)
    cv2.setRNGSeed(0)  # GrabCut's GMM start uses OpenCV's global RNG: same photo, same cut
    cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), gc, (inset, inset, sw - 2 * inset, sh - 2 * inset),
                np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64), iterations, cv2.GC_INIT_WITH_RECT)
    fg = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    return cv2.resize(fg, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


def cut_garment(image, method: str = "auto", matting=None) -> GarmentCut:
    """Separate a garment photo (any dtype/channels, see :func:`as_rgb`) from its background.

    ``method``: ``auto`` (threshold on a plain background, GrabCut otherwise), ``threshold``
    (refuses busy backgrounds), ``grabcut``, or ``matting`` (needs ``matting``, a callable image →
    (H, W) alpha 0..1 such as :class:`~.matting.OnnxMatting`).
    """
    rgb = as_rgb(image, "garment_image")
    lab = _lab(rgb)
    edge = _border(lab)
    bg = np.median(edge, axis=0)
    uniformity = float((np.linalg.norm(edge - bg, axis=1) < BG_TOLERANCE).mean())
    notes: list[str] = []
    if method not in ("auto", "threshold", "grabcut", "matting"):
        raise InvalidInputError(f"must be auto, threshold, grabcut or matting, got {method!r}", field="method")
    if method == "matting":
        if matting is None:
            raise InvalidInputError("method 'matting' needs a matting model", field="matting")
        raw = np.asarray(matting(rgb)) > 0.5
    elif method == "threshold" or (method == "auto" and uniformity >= PLAIN_BORDER):
        if uniformity < PLAIN_BORDER:
            raise InvalidInputError(f"busy background: only {uniformity:.0%} of the border is one colour; "
                                    "photograph the garment on a plain background, or use grabcut/matting",
                                    field="garment_image")
        raw = _close_light_bands(np.linalg.norm(lab - bg, axis=-1) > BG_TOLERANCE)
        method = "threshold"
    else:
        if uniformity < PLAIN_BORDER:
            notes.append(f"busy background ({uniformity:.0%} of the border is one colour): cut with GrabCut, "
                         "check the mask")
        raw = _grabcut(rgb)
        method = "grabcut"
    mask = _clean(raw)
    frac = float(mask.mean())
    if frac < 0.01:
        raise InvalidInputError("no garment found in the photo (the cut-out is empty)", field="garment_image")
    if frac > 0.97:
        raise InvalidInputError("the cut-out fills the whole photo: no background to separate",
                                field="garment_image")
    return GarmentCut(rgb, mask, method, uniformity, tuple(notes))


def _row_extremes(mask: np.ndarray, y0: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(mask[y0:y1 + 1])
    left, right = np.argmin(xs), np.argmax(xs)
    return (np.array([xs[left], ys[left] + y0], float) + 0.5, np.array([xs[right], ys[right] + y0], float) + 0.5)


def _top_of_column(mask: np.ndarray, x: float) -> np.ndarray:
    col = np.clip(int(x), 0, mask.shape[1] - 1)
    rows = np.nonzero(mask[:, col])[0]
    return np.array([col + 0.5, rows.min() + 0.5]) if rows.size else np.array([col + 0.5, 0.5])


def _sleeve_end(mask, shoulder, body_x, side: int, margin: float) -> np.ndarray | None:
    """Centre of the cuff: the sleeve pixels (outside the body band) farthest from the shoulder."""
    ys, xs = np.nonzero(mask)
    out = xs + 0.5 < body_x - margin if side < 0 else xs + 0.5 > body_x + margin
    if out.sum() < 0.005 * mask.sum():
        return None
    pts = np.stack([xs[out], ys[out]], 1) + 0.5
    d = np.linalg.norm(pts - shoulder, axis=1)
    return pts[d >= 0.9 * d.max()].mean(0)


def garment_landmarks(mask: np.ndarray, kind: str) -> dict[str, np.ndarray]:
    """Named (2,) pixel landmarks of a garment cut-out (H, W) bool; ``kind`` in :data:`KINDS`.

    Left/right are image left/right (a flat-lay garment seen from the front).
    """
    if kind not in KINDS:
        raise InvalidInputError(f"must be one of {KINDS}, got {kind!r}", field="kind")
    mask = np.asarray(mask, bool)
    ys, xs = np.nonzero(mask)
    if ys.size < 20:
        raise InvalidInputError("the garment mask is (nearly) empty", field="garment_mask")
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    h, w = y1 - y0 + 1, x1 - x0 + 1
    band = max(1, int(0.03 * h))
    hem_l, hem_r = _row_extremes(mask, y1 - band, y1)
    out: dict[str, np.ndarray] = {}
    if kind == "bottom":
        out["waist_left"], out["waist_right"] = _row_extremes(mask, y0, y0 + band)
        out["hem_left"], out["hem_right"] = hem_l, hem_r
        cx = 0.5 * (out["waist_left"][0] + out["waist_right"][0])
        col = mask[y0:, int(cx)]
        gap = np.nonzero(~col)[0]
        if gap.size and gap.min() < 0.9 * h:
            out["crotch"] = np.array([cx, y0 + gap.min() + 0.5])
        return out
    cx = 0.5 * (hem_l[0] + hem_r[0])
    out["collar"] = _top_of_column(mask, cx)
    if kind == "dress":
        out["shoulder_left"], out["shoulder_right"] = _row_extremes(mask, y0, y0 + max(1, int(0.05 * h)))
    else:
        inset = 0.02 * w
        out["shoulder_left"] = _top_of_column(mask, hem_l[0] + inset)
        out["shoulder_right"] = _top_of_column(mask, hem_r[0] - inset)
        for name, shoulder, side, body_x in (("sleeve_left", out["shoulder_left"], -1, hem_l[0]),
                                             ("sleeve_right", out["shoulder_right"], 1, hem_r[0])):
            end = _sleeve_end(mask, shoulder, body_x, side, 0.03 * w)
            if end is not None:
                out[name] = end
    out["hem_left"], out["hem_right"] = hem_l, hem_r
    return out
