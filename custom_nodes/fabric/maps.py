"""PBR maps from one tileable fabric image: albedo, height, normal, roughness, metallic, 2×2 preview.

A photo has no depth, so height and roughness are *heuristics* (documented below), good for
woven and knitted textiles lit diffusely; they are not measurements.

Height heuristic ("dark is deep"): in a diffusely lit textile the gaps between yarns and the valleys
between loops receive less light, so lightness tracks height. Height = Lab lightness minus its
large-scale blur (so a colour pattern or leftover shading does not become a slope), clipped at the
1st/99th percentiles and stretched to 0..1.

Roughness heuristic: textiles are rough (0.6–0.95). Yarn tops that catch the light (bright in the
height map) are a little smoother than the fuzzy cavities, and busy high-frequency texture is rougher.
roughness = base − 0.15·(height − 0.5) + 0.5·local std of height, clipped to 0.3..1.

Normals follow the tangent-space convention: +X right, +Y up in the texture (OpenGL, green up) or
down (DirectX), +Z out of the surface; encoded as n·0.5 + 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InvalidInputError
from ..core.progress import ProgressFn, report
from .color import lightness_from_luminance, luminance
from .filters import blur, scharr_gradients
from .image_io import check_image

GREEN_CONVENTIONS = ("opengl", "directx")


@dataclass(frozen=True)
class PBRMaps:
    """One tile of a fabric material. All maps share (h, w) and are float32 in 0..1."""

    albedo: np.ndarray  # sRGB, (h, w, 3)
    height: np.ndarray  # 0 = deepest, 1 = highest, (h, w)
    normal: np.ndarray  # tangent space encoded 0..1, (h, w, 3), see ``green``
    roughness: np.ndarray  # (h, w)
    metallic: np.ndarray  # zeros, (h, w): textiles are dielectrics
    green: str = "opengl"

    def preview(self) -> np.ndarray:
        """The albedo repeated 2×2, ``(2h, 2w, 3)``: seams show up as a cross in the middle."""
        return tiled_preview(self.albedo)


def tiled_preview(image: np.ndarray, reps: int = 2) -> np.ndarray:
    """Repeat a tile ``reps × reps`` times so seams become visible; keeps dtype and channels."""
    arr = np.asarray(image)
    return np.tile(arr, (reps, reps) + (1,) * (arr.ndim - 2))


def height_from_albedo(albedo: np.ndarray, *, detail_sigma: float | None = None, wrap: bool = True,
                       checked: bool = False) -> np.ndarray:
    """Height heuristic (see module doc): high-passed Lab lightness stretched to 0..1, ``(h, w)`` float32.

    ``checked``: ``albedo`` is already a validated (h, w, 3) float32 image (skips a copy)."""
    img = albedo if checked else check_image(albedo, "albedo", min_side=2)
    lightness = lightness_from_luminance(luminance(img))
    sigma = detail_sigma if detail_sigma is not None else max(img.shape[:2]) / 16.0
    detail = lightness - blur(lightness, sigma, wrap=wrap)
    lo, hi = np.percentile(detail, [1.0, 99.0])
    if hi - lo < 1e-6:  # a flat colour has no relief
        return np.full(detail.shape, 0.5, np.float32)
    return np.clip((detail - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def height_to_normal(height: np.ndarray, strength: float = 1.0, *, green: str = "opengl",
                     wrap: bool = True) -> np.ndarray:
    """Unit normals of a height field → ``(h, w, 3)`` float32 components in -1..1.

    ``height`` is in pixel units after multiplying by ``strength`` (a bump of height 1 over one pixel
    is a 45° slope at strength 1). Scharr gradients; ``wrap`` uses the opposite border as neighbour.
    """
    if green not in GREEN_CONVENTIONS:
        raise InvalidInputError(f"must be one of {GREEN_CONVENTIONS}, got {green!r}", field="green")
    if not np.isfinite(strength) or strength < 0:
        raise InvalidInputError(f"must be a finite number ≥ 0, got {strength}", field="strength")
    h = np.asarray(height, np.float32)
    if h.ndim != 2:
        raise InvalidInputError(f"expected an (h, w) height map, got shape {h.shape}", field="height")
    gx, gy = scharr_gradients(h * np.float32(strength), wrap=wrap)
    # image rows grow downwards; OpenGL's +Y (green) points up the texture
    ny = gy if green == "opengl" else -gy
    n = np.stack([-gx, ny, np.ones_like(gx)], axis=-1)
    return (n / np.linalg.norm(n, axis=-1, keepdims=True)).astype(np.float32)


def encode_normal(normal: np.ndarray) -> np.ndarray:
    """Unit normals -1..1 → the 0..1 colours stored in a normal map."""
    return (np.asarray(normal, np.float32) * 0.5 + 0.5).astype(np.float32)


def decode_normal(normal_map: np.ndarray) -> np.ndarray:
    """0..1 normal-map colours → normals -1..1, renormalised (8-bit storage loses a little length)."""
    n = np.asarray(normal_map, np.float32) * 2.0 - 1.0
    return (n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)).astype(np.float32)


def roughness_from_height(height: np.ndarray, base: float = 0.8, *, wrap: bool = True) -> np.ndarray:
    """Roughness heuristic (see module doc) → ``(h, w)`` float32 in 0.3..1."""
    if not 0.0 <= base <= 1.0:
        raise InvalidInputError(f"must lie in [0, 1], got {base}", field="roughness_base")
    h = np.asarray(height, np.float32)
    sigma = max(1.0, max(h.shape) / 128.0)
    mean = blur(h, sigma, wrap=wrap)
    local_std = np.sqrt(np.maximum(blur(h * h, sigma, wrap=wrap) - mean * mean, 0.0))
    return np.clip(base - 0.15 * (h - 0.5) + 0.5 * local_std, 0.3, 1.0).astype(np.float32)


def make_pbr_maps(albedo: np.ndarray, *, strength: float = 4.0, green: str = "opengl",
                  roughness_base: float = 0.8, height: np.ndarray | None = None,
                  on_progress: ProgressFn | None = None) -> PBRMaps:
    """All PBR maps of one tileable tile. ``height`` (0..1) overrides the luminance heuristic.

    ``strength`` scales the 0..1 height into pixel units for the normals (4: a full-range bump rises
    4 px, moderate relief for woven fabric at 512–2048 px per tile).
    """
    img = check_image(albedo, "albedo", min_side=2)
    report(on_progress, 0, 3)
    if height is None:
        height = height_from_albedo(img, checked=True)
    elif np.shape(height) != img.shape[:2]:
        raise InvalidInputError(f"height {np.shape(height)} does not match albedo {img.shape[:2]}", field="height")
    height = np.clip(np.asarray(height, np.float32), 0.0, 1.0)
    report(on_progress, 1, 3)
    normal = encode_normal(height_to_normal(height, strength, green=green))
    report(on_progress, 2, 3)
    rough = roughness_from_height(height, roughness_base)
    report(on_progress, 3, 3)
    return PBRMaps(img, height, normal, rough, np.zeros(height.shape, np.float32), green)
