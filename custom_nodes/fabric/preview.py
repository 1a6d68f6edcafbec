"""Swatch previews: a tile repeated 2×2 and lit, so seams, relief and sheen can be judged by eye.

Shading is a simple, documented stand-in for the renderer: Lambert diffuse from a light up-left
and in front (the usual "studio" direction for fabric shots) plus a Blinn-Phong highlight whose
exponent falls with roughness; the result is in sRGB 0..1.
"""

from __future__ import annotations

import numpy as np

from .color import linear_to_srgb, srgb_to_linear
from .maps import decode_normal, tiled_preview

LIGHT = np.array([-0.45, 0.45, 0.77], np.float32)  # up-left, towards the viewer (OpenGL tangent frame)


def shade(albedo: np.ndarray, normal_map: np.ndarray | None = None, roughness: np.ndarray | float = 0.8,
          *, green: str = "opengl") -> np.ndarray:
    """Lit albedo ``(h, w, 3)`` sRGB 0..1. ``normal_map`` 0..1 encoded (None: flat)."""
    alb = np.asarray(albedo, np.float32)
    h, w = alb.shape[:2]
    n = np.broadcast_to(np.array([0, 0, 1], np.float32), (h, w, 3)) if normal_map is None else decode_normal(normal_map)
    if normal_map is not None and green == "directx":
        n = n * np.array([1, -1, 1], np.float32)
    light = LIGHT / np.linalg.norm(LIGHT)
    half = light + np.array([0, 0, 1], np.float32)
    half /= np.linalg.norm(half)
    diffuse = np.clip(n @ light, 0.0, 1.0)
    rough = np.broadcast_to(np.asarray(roughness, np.float32), (h, w))
    exponent = 2.0 / np.maximum(rough ** 4, 1e-3) - 2.0
    spec = 0.04 * (exponent + 2) / 8.0 * np.clip(n @ half, 0.0, 1.0) ** exponent
    lin = srgb_to_linear(alb) * (0.25 + 0.9 * diffuse)[..., None] + np.minimum(spec, 4.0)[..., None]
    return linear_to_srgb(lin)


def swatch_preview(albedo, normal_map=None, roughness=0.8, reps: int = 2, *, green: str = "opengl") -> np.ndarray:
    """A lit ``reps × reps`` repeat of one tile → ``(reps·h, reps·w, 3)`` sRGB 0..1."""
    rough = roughness if np.ndim(roughness) == 0 else tiled_preview(roughness, reps)
    nmap = None if normal_map is None else tiled_preview(normal_map, reps)
    return shade(tiled_preview(albedo, reps), nmap, rough, green=green)


def fabric_swatch(fabric, reps: int = 2, flat_size: int = 64) -> np.ndarray:
    """Lit ``reps × reps`` swatch of a core ``Fabric`` (flat colour when it has no albedo) → sRGB."""
    if fabric.albedo is None:
        albedo = np.broadcast_to(fabric.color, (flat_size, flat_size, 3)).astype(np.float32)
    else:
        albedo = fabric.albedo
    normal = fabric.normal_map if fabric.normal_map is not None and fabric.normal_map.shape[:2] == albedo.shape[:2] \
        else None
    rough = fabric.roughness_map if fabric.roughness_map is not None and \
        fabric.roughness_map.shape == albedo.shape[:2] else fabric.roughness
    return swatch_preview(albedo, normal, rough, reps)
