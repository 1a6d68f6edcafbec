"""Putting a generated or warped region back into the photo without seams, colour drift or identity drift.

* :func:`feather_composite` — alpha ramp *inside* the mask (distance transform), so pixels outside the
  mask are the original's, bit for bit.
* :func:`poisson_blend` — OpenCV ``seamlessClone`` (gradient-domain): the region keeps the overlay's
  detail and takes the surrounding colour at its border. Pixels outside the mask are the original's.
* :func:`match_colours` — per-channel CIELAB histogram matching of the region to reference pixels
  (the garment photo), with the CIEDE2000 colour difference ΔE00 of the mean colours before and after.
* :func:`paste_back` — face and hands copied back from the original so identity never drifts.

Images are (H, W, 3) float32 RGB 0..1, masks (H, W) bool; lengths are fractions of the image height.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab

from ..core.errors import InvalidInputError


def _check(base: np.ndarray, overlay: np.ndarray, mask: np.ndarray) -> None:
    if base.shape != overlay.shape or base.shape[:2] != mask.shape:
        raise InvalidInputError(f"image {base.shape}, overlay {overlay.shape} and mask {mask.shape} differ in size",
                                field="overlay")


def inner_ramp(mask: np.ndarray, width_px: float) -> np.ndarray:
    """(H, W) float32 alpha: 0 outside ``mask``, rising to 1 over ``width_px`` inside it."""
    if width_px <= 0:
        return mask.astype(np.float32)
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    return np.clip(dist / float(width_px), 0.0, 1.0).astype(np.float32)


def feather_composite(base: np.ndarray, overlay: np.ndarray, mask: np.ndarray, feather: float = 0.01) -> np.ndarray:
    """``overlay`` over ``base`` inside ``mask`` with an inner feather of ``feather`` × image height."""
    _check(base, overlay, mask)
    alpha = inner_ramp(mask, feather * mask.shape[0])[..., None]
    return (base * (1 - alpha) + overlay * alpha).astype(np.float32)


def poisson_blend(base: np.ndarray, overlay: np.ndarray, mask: np.ndarray, mixed: bool = False) -> np.ndarray:
    """Gradient-domain blend of ``overlay`` into ``base`` inside ``mask`` (OpenCV seamlessClone).

    The images are padded by reflection so masks touching the border work; the clone is placed at the
    mask's own position (OpenCV centres the mask's bounding box on ``center``). Outside the mask the
    result is ``base`` exactly.
    """
    _check(base, overlay, mask)
    if not mask.any():
        return base.copy()
    pad = 4
    to8 = lambda a: cv2.copyMakeBorder(np.round(np.clip(a, 0, 1) * 255).astype(np.uint8), pad, pad, pad, pad,  # noqa: E731
                                       cv2.BORDER_REFLECT)
    m = cv2.copyMakeBorder(mask.astype(np.uint8) * 255, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    x, y, w, h = cv2.boundingRect(m)
    centre = (x + w // 2, y + h // 2)
    flag = cv2.MIXED_CLONE if mixed else cv2.NORMAL_CLONE
    out = cv2.seamlessClone(to8(overlay), to8(base), m, centre, flag)[pad:-pad, pad:-pad].astype(np.float32) / 255
    return np.where(mask[..., None], out, base).astype(np.float32)


def _match_channel(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Map ``values`` so their histogram matches ``reference`` (quantile mapping)."""
    order = np.argsort(values)
    quantiles = (np.arange(len(values)) + 0.5) / len(values)
    ref_sorted = np.sort(reference)
    ref_q = (np.arange(len(reference)) + 0.5) / len(reference)
    out = np.empty_like(values)
    out[order] = np.interp(quantiles, ref_q, ref_sorted)
    return out


def delta_e00(rgb_a, rgb_b) -> float:
    """CIEDE2000 ΔE00 between two RGB colours (3,) in 0..1."""
    la = rgb2lab(np.asarray(rgb_a, np.float64).reshape(1, 1, 3))
    lb = rgb2lab(np.asarray(rgb_b, np.float64).reshape(1, 1, 3))
    return float(deltaE_ciede2000(la, lb)[0, 0])


def match_colours(image: np.ndarray, mask: np.ndarray, reference: np.ndarray, strength: float = 1.0
                  ) -> tuple[np.ndarray, dict[str, float]]:
    """Match the colours inside ``mask`` to ``reference`` pixels ((N, 3) or an image) in CIELAB.

    Returns (image, report) where report holds ``delta_e00_before`` / ``delta_e00_after``: ΔE00 between
    the mean colour in the mask and the reference's mean colour. ``strength`` 0..1 blends the correction.
    """
    ref = np.asarray(reference, np.float32).reshape(-1, 3)
    if not mask.any() or len(ref) == 0:
        raise InvalidInputError("colour matching needs a non-empty mask and reference", field="mask")
    region = image[mask].astype(np.float64)
    before = delta_e00(region.mean(0), ref.mean(0))
    lab = rgb2lab(region[:, None, :])[:, 0, :]
    ref_lab = rgb2lab(ref[:, None, :].astype(np.float64))[:, 0, :]
    matched = np.stack([_match_channel(lab[:, c], ref_lab[:, c]) for c in range(3)], 1)
    matched = lab + strength * (matched - lab)
    rgb = np.clip(lab2rgb(matched[:, None, :])[:, 0, :], 0, 1)
    out = image.copy()
    out[mask] = rgb
    after = delta_e00(rgb.mean(0), ref.mean(0))
    return out.astype(np.float32), {"delta_e00_before": before, "delta_e00_after": after}


def paste_back(result: np.ndarray, original: np.ndarray, keep: np.ndarray, feather: float = 0.006) -> np.ndarray:
    """Copy ``keep`` pixels (face, hands) from ``original`` exactly, with a soft ramp just outside them."""
    _check(result, original, keep)
    alpha = 1.0 - inner_ramp(~keep, feather * keep.shape[0])
    return (result * (1 - alpha[..., None]) + original * alpha[..., None]).astype(np.float32)


def blend_region(original: np.ndarray, generated: np.ndarray, mask: np.ndarray, method: str = "poisson",
                 feather: float = 0.01, keep: np.ndarray | None = None, reference: np.ndarray | None = None,
                 colour_strength: float = 1.0) -> tuple[np.ndarray, dict[str, float]]:
    """Put the ``mask`` region of ``generated`` back into ``original``: blend, optional colour match to
    ``reference`` pixels (N, 3), then paste ``keep`` (face, hands) back from the original.

    Returns (image, report) with the ΔE00 figures when colours were matched.
    """
    if method not in ("poisson", "feather"):
        raise InvalidInputError(f"must be poisson or feather, got {method!r}", field="method")
    if generated.shape != original.shape:
        generated = cv2.resize(generated, original.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    if method == "poisson":
        out = poisson_blend(original, generated, mask)
    else:
        out = feather_composite(original, generated, mask, feather)
    report: dict[str, float] = {}
    if reference is not None and colour_strength > 0 and mask.any():
        out, report = match_colours(out, mask, reference, colour_strength)
    if keep is not None and keep.any():
        out = paste_back(out, original, keep)
    return out, report
