"""Normalising photos before any try-on step: dtype, channels, size budget.

Everything downstream works on (H, W, 3) float32 RGB in 0..1. Grayscale is repeated to RGB, RGBA is
composited over white (a cut-out garment on a transparent canvas becomes a garment on a plain
background, which the garment cut-out then removes again), 16-bit and 8-bit integers are scaled.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError

#: Largest photo we process [pixels]: 16.8 MP (4096²). A 12000² photo would need > 1.7 GB per float
#: copy; the user should downscale it first.
MAX_PIXELS = 4096 * 4096
MIN_SIDE = 16


def check_size(height: int, width: int, field: str = "image") -> None:
    """Refuse images above :data:`MAX_PIXELS` or below :data:`MIN_SIDE` pixels a side."""
    if height * width > MAX_PIXELS:
        raise InvalidInputError(f"{width}×{height} = {width * height / 1e6:.0f} MP is above the "
                                f"{MAX_PIXELS / 1e6:.1f} MP budget; downscale the photo first", field=field)
    if min(height, width) < MIN_SIDE:
        raise InvalidInputError(f"{width}×{height} is too small (at least {MIN_SIDE} px a side)", field=field)


def as_rgb(image, field: str = "image") -> np.ndarray:
    """Any photo array → (H, W, 3) float32 RGB in 0..1.

    Accepts (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); uint8, uint16, bool or float (0..1).
    """
    arr = np.asarray(image)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
        raise InvalidInputError(f"expected an (H, W[, 1|3|4]) image, got shape {arr.shape}", field=field)
    check_size(arr.shape[0], arr.shape[1], field)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535.0
    elif arr.dtype == bool:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind in "fiu":
        arr = arr.astype(np.float32)
        if not np.isfinite(arr).all():
            raise InvalidInputError("the image holds NaN or infinite values", field=field)
        if arr.min() < -1e-3 or arr.max() > 1.0 + 1e-3:
            raise InvalidInputError(f"float images must lie in 0..1, found {arr.min():.3g}..{arr.max():.3g}",
                                    field=field)
    else:
        raise InvalidInputError(f"unsupported image dtype {arr.dtype}", field=field)
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    elif arr.shape[-1] == 4:
        alpha = arr[..., 3:4]
        arr = arr[..., :3] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(np.clip(arr, 0.0, 1.0), dtype=np.float32)


def as_mask(mask, shape: tuple[int, int], field: str = "mask") -> np.ndarray:
    """(H, W) or (1, H, W) mask (bool or float, 1 = masked) → (H, W) bool, checked against ``shape``."""
    arr = np.asarray(mask)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise InvalidInputError(f"a mask must be (H, W), got shape {arr.shape}", field=field)
    if arr.shape != tuple(shape):
        raise InvalidInputError(f"the mask is {arr.shape[1]}×{arr.shape[0]} but the image is "
                                f"{shape[1]}×{shape[0]}", field=field)
    return arr > 0.5 if arr.dtype != bool else arr.copy()
