"""Fabric tile sampling and colour-space helpers."""

from __future__ import annotations

import numpy as np

from ..core.fabric import Fabric


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(c, np.float32), 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(c, np.float32), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055).astype(np.float32)


def sample_tile(tile: np.ndarray, uv: np.ndarray, wrap: bool = True) -> np.ndarray:
    """Bilinear lookup of an (h, w, c) or (h, w) ``tile`` at tile coordinates ``uv`` (k, 2), wrapping
    (a repeating tile) or, with ``wrap=False``, clamped to the edge pixels (one placed image).

    ``u`` runs left → right across the image, ``v`` bottom → top (row 0 of the image is v = 1), the
    glTF/OpenGL texture convention with V flipped — the same mapping the GLB export writes.
    """
    t = np.asarray(tile, np.float32)
    if t.ndim == 2:
        t = t[..., None]
    h, w = t.shape[:2]
    u, v = (np.mod(uv[:, 0], 1.0), np.mod(uv[:, 1], 1.0)) if wrap else (uv[:, 0], uv[:, 1])
    x = u * w - 0.5
    y = (1.0 - v) * h - 0.5
    if not wrap:
        x, y = np.clip(x, 0.0, w - 1.0), np.clip(y, 0.0, h - 1.0)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0)[:, None].astype(np.float32), (y - y0)[:, None].astype(np.float32)
    if wrap:
        x0, x1 = x0 % w, (x0 + 1) % w
        y0, y1 = y0 % h, (y0 + 1) % h
    else:
        x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    top = t[y0, x0] * (1 - fx) + t[y0, x1] * fx
    bottom = t[y1, x0] * (1 - fx) + t[y1, x1] * fx
    out = top * (1 - fy) + bottom * fy
    return out if np.asarray(tile).ndim == 3 else out[:, 0]


def fabric_albedo(fabric: Fabric | None, uv: np.ndarray) -> np.ndarray:
    """sRGB 0..1 colour (k, 3) of ``fabric`` at tile coordinates ``uv`` (k, 2).

    The albedo tile when the fabric has one, else its flat ``color``; grey without a fabric.
    """
    if fabric is None:
        return np.full((len(uv), 3), 0.7, np.float32)
    if fabric.albedo is not None and fabric.albedo.size:
        return np.clip(sample_tile(fabric.albedo, uv), 0.0, 1.0)
    return np.broadcast_to(fabric.color, (len(uv), 3)).astype(np.float32)


def panel_palette(n: int) -> np.ndarray:
    """(n, 3) float32 distinct, saturated sRGB colours for panel ids (golden-angle hues)."""
    hue = (np.arange(n) * 0.618034) % 1.0
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hue[:, None] * 6.0) % 6.0
    rgb = 1.0 - 0.85 * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return rgb.astype(np.float32)


def face_tangents(vertices: np.ndarray, faces: np.ndarray, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-face tangent (+u) and bitangent (+v) directions [world], (m, 3) each, from the UV gradient.

    Faces whose UVs are degenerate get zero vectors (callers fall back to the plain normal).
    """
    v, t = np.asarray(vertices, np.float64), np.asarray(uv, np.float64)
    e1, e2 = v[faces[:, 1]] - v[faces[:, 0]], v[faces[:, 2]] - v[faces[:, 0]]
    d1, d2 = t[faces[:, 1]] - t[faces[:, 0]], t[faces[:, 2]] - t[faces[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    ok = np.abs(det) > 1e-12
    r = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)[:, None]
    return (e1 * d2[:, 1:] - e2 * d1[:, 1:]) * r, (e2 * d1[:, :1] - e1 * d2[:, :1]) * r
