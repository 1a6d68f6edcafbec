"""The one place where ComfyUI tensors become NumPy arrays and back.

IMAGE is ``[B, H, W, C]`` float32 in 0..1; MASK is ``[B, H, W]`` float32 with 1 = masked. Inside
ComfyUI (or wherever torch is installed) outputs are torch tensors, as core nodes expect; without
torch they stay NumPy arrays, which the local runner accepts too.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidInputError


def _torch():
    try:
        import torch

        return torch
    except ImportError:
        return None


def _as_numpy(value, what: str) -> np.ndarray:
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch here
        return value.detach().cpu().float().numpy()
    if isinstance(value, np.ndarray):
        return value.astype(np.float32, copy=False)
    raise InvalidInputError(f"expected a tensor or array, got {type(value).__name__}", field=what)


def image_to_numpy(image) -> np.ndarray:
    """ComfyUI IMAGE → (B, H, W, C) float32 0..1 (a copy; callers may modify it)."""
    arr = np.array(_as_numpy(image, "IMAGE"), dtype=np.float32, copy=True)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3, 4):
        raise InvalidInputError(f"expected [B, H, W, C] with C in 1, 3, 4; got {arr.shape}", field="IMAGE")
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    return np.clip(arr, 0.0, 1.0)


def mask_to_numpy(mask) -> np.ndarray:
    """ComfyUI MASK → (B, H, W) float32 0..1, 1 = masked."""
    arr = np.array(_as_numpy(mask, "MASK"), dtype=np.float32, copy=True)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise InvalidInputError(f"expected [B, H, W], got {arr.shape}", field="MASK")
    return np.clip(arr, 0.0, 1.0)


def numpy_to_image(array: np.ndarray):
    """(H, W, C) or (B, H, W, C) floats 0..1 (or uint8) → ComfyUI IMAGE (RGB, float32)."""
    arr = np.asarray(array)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535.0
    arr = arr.astype(np.float32)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=-1)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3, 4):
        raise InvalidInputError(f"cannot make an IMAGE from shape {arr.shape}", field="IMAGE")
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    arr = np.ascontiguousarray(np.clip(arr[..., :3], 0.0, 1.0))
    torch = _torch()
    return torch.from_numpy(arr) if torch is not None else arr


def numpy_to_mask(array: np.ndarray):
    """(H, W) or (B, H, W) → ComfyUI MASK (float32 0..1)."""
    arr = np.asarray(array, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise InvalidInputError(f"cannot make a MASK from shape {arr.shape}", field="MASK")
    arr = np.ascontiguousarray(np.clip(arr, 0.0, 1.0))
    torch = _torch()
    return torch.from_numpy(arr) if torch is not None else arr


def image_to_uint8(image) -> np.ndarray:
    """ComfyUI IMAGE → (B, H, W, 3) uint8, for saving."""
    return np.round(image_to_numpy(image)[..., :3] * 255.0).astype(np.uint8)
