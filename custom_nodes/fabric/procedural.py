"""Procedural fabric tiles synthesised in NumPy: woven (plain, twill, satin), knitted, brushed, leather.

Every generator returns ``(albedo, height)``: sRGB ``(n, n, 3)`` and ``(n, n)`` float32 in 0..1. All of
them are periodic by construction (integer yarn counts per tile, wrap-around noise), so the tiles
repeat without seams. They are stylised, not photographs: yarn cross-sections are half-sine bumps,
interlacing is a weave matrix (1 = warp on top), fibre texture is noise smeared along the yarn.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError
from .filters import blur


def _noise(n: int, rng: np.random.Generator, sigma: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Tileable noise ``(n, n)`` with zero mean, unit std, smeared by (sigma_y, sigma_x) [px]."""
    from scipy.ndimage import gaussian_filter

    z = gaussian_filter(rng.standard_normal((n, n)).astype(np.float32), sigma, mode="wrap")
    return (z - z.mean()) / max(float(z.std()), 1e-6)


def _profile(t: np.ndarray, gap: float = 0.0) -> np.ndarray:
    """Half-sine yarn cross-section over t in 0..1 (0 at the yarn edges); ``gap`` leaves open space."""
    width = 1.0 - gap
    s = np.clip((t - gap / 2) / width, 0.0, 1.0)
    return np.sqrt(np.sin(np.pi * s)).astype(np.float32)


def weave_matrix(kind: str) -> np.ndarray:
    """Interlacing repeat ``(r, r)`` (rows = weft picks, columns = warp ends; 1 = warp on top)."""
    i, j = np.meshgrid(np.arange(4), np.arange(4))
    if kind == "plain":
        return ((np.add.outer(np.arange(2), np.arange(2))) % 2).astype(np.float32)
    if kind == "twill31":
        return (((i - j) % 4) != 3).astype(np.float32)
    if kind == "twill22":
        return (((i + j) % 4) < 2).astype(np.float32)
    if kind == "satin5":
        i5, j5 = np.meshgrid(np.arange(5), np.arange(5))
        return (((2 * i5 - j5) % 5) != 0).astype(np.float32)
    raise InvalidInputError(f"unknown weave {kind!r}", field="weave")


def woven(n: int, kind: str, ends: int, picks: int, warp_rgb, weft_rgb, *, gap: float = 0.08,
          slub: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A woven tile: ``ends`` warp yarns (vertical) × ``picks`` weft yarns per tile, ``kind`` weave.

    ``slub`` (0..1) varies yarn thickness and shade along and between yarns (linen's irregularity).
    """
    rng = np.random.default_rng(seed)
    m = weave_matrix(kind)
    r = m.shape[0]
    if ends % r or picks % r:
        raise InvalidInputError(f"yarn counts must be multiples of the repeat {r}", field="ends/picks")
    x = (np.arange(n) + 0.5) / n * ends
    y = (np.arange(n) + 0.5) / n * picks
    u, v = np.meshgrid(x % 1.0, y % 1.0)
    ii, jj = np.meshgrid(np.floor(x).astype(int), np.floor(y).astype(int))
    top = m[jj % r, ii % r]
    thick_w = 1.0 + slub * 0.35 * _noise(n, rng, (n / picks * 2.0, 0.5))
    thick_f = 1.0 + slub * 0.35 * _noise(n, rng, (0.5, n / ends * 2.0))
    hw = _profile(u, gap) * thick_w * (top * (0.6 + 0.4 * np.sin(np.pi * v)) + (1 - top) * 0.3)
    hf = _profile(v, gap) * thick_f * ((1 - top) * (0.6 + 0.4 * np.sin(np.pi * u)) + top * 0.3)
    warp_on_top = hw >= hf
    height = np.maximum(hw, hf)
    fibre_w = _noise(n, rng, (n / picks * 1.5, 0.6))
    fibre_f = _noise(n, rng, (0.6, n / ends * 1.5))
    fibre = np.where(warp_on_top, fibre_w, fibre_f)
    base = np.where(warp_on_top[..., None], np.asarray(warp_rgb, np.float32), np.asarray(weft_rgb, np.float32))
    shade = 0.55 + 0.45 * height / max(float(height.max()), 1e-6) + 0.05 * fibre
    if slub:
        shade = shade + slub * 0.06 * np.where(warp_on_top, thick_w, thick_f)
    albedo = np.clip(base * shade[..., None], 0.0, 1.0)
    height = height + 0.04 * fibre
    return albedo.astype(np.float32), _normalise(height)


def knit(n: int, wales: int, courses: int, rgb, *, heather: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Jersey face: columns (wales) of V-shaped loops, ``courses`` rows of loops per tile.

    ``heather`` (0..1) mixes lighter and darker fibres like a melange yarn.
    """
    rng = np.random.default_rng(seed)
    x = (np.arange(n) + 0.5) / n * wales
    y = (np.arange(n) + 0.5) / n * courses
    u, v = np.meshgrid(x % 1.0, y % 1.0)
    height = np.zeros_like(u)
    # each loop's legs reach into the neighbouring wale and course, so heights match across cells
    for du in (-1, 0, 1):
        for dv in (-1, 0, 1):
            uu, vv = u - du, v - dv
            vc = np.clip(vv, 0.0, 1.0)
            taper = np.clip(1.0 - np.maximum(-vv, vv - 1.0) / 0.2, 0.0, 1.0)
            for centre in (0.1 + 0.4 * vc, 0.9 - 0.4 * vc):  # the two legs of the V, meeting at the bottom
                d = np.abs(uu - centre) / 0.26
                leg = np.sqrt(np.clip(1.0 - d * d, 0.0, 1.0)) * (0.75 + 0.25 * np.sin(np.pi * vc)) * taper
                height = np.maximum(height, leg)
    fibre = _noise(n, rng, (n / courses * 0.8, 0.7))
    melange = _noise(n, rng, (0.8, 0.8))
    shade = 0.5 + 0.5 * height + 0.05 * fibre + heather * 0.18 * melange
    albedo = np.clip(np.asarray(rgb, np.float32) * shade[..., None] + heather * 0.06 * melange[..., None], 0, 1)
    return albedo.astype(np.float32), _normalise(height + 0.05 * fibre)


def brushed(n: int, rgb, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Brushed pile (fleece): soft multi-scale fuzz, no visible yarn structure."""
    rng = np.random.default_rng(seed)
    height = 0.5 * _noise(n, rng, (6.0, 6.0)) + 0.35 * _noise(n, rng, (2.0, 2.0)) + 0.25 * _noise(n, rng, (0.7, 0.7))
    height = _normalise(height)
    albedo = np.asarray(rgb, np.float32) * (0.75 + 0.3 * height)[..., None]
    return np.clip(albedo, 0, 1).astype(np.float32), height


def leather_grain(n: int, rgb, *, cells: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Leather: a tileable Voronoi grain (creases where two cells meet) plus fine pores."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    pts = rng.random((cells, 2)) * n
    tiled = np.concatenate([pts + np.array([dx, dy]) * n for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
    yy, xx = np.mgrid[0:n, 0:n] + 0.5
    dist, _ = cKDTree(tiled).query(np.column_stack([xx.ravel(), yy.ravel()]), k=2)
    crease = (dist[:, 1] - dist[:, 0]).reshape(n, n)
    cell = np.sqrt(np.clip(crease / (0.5 * n / np.sqrt(cells)), 0.0, 1.0))
    pores = _noise(n, rng, (0.6, 0.6))
    height = _normalise(blur(cell.astype(np.float32), 1.0, wrap=True) + 0.08 * pores)
    albedo = np.asarray(rgb, np.float32) * (0.7 + 0.35 * height + 0.03 * pores)[..., None]
    return np.clip(albedo, 0, 1).astype(np.float32), height


def _normalise(h: np.ndarray) -> np.ndarray:
    lo, hi = float(h.min()), float(h.max())
    return ((h - lo) / max(hi - lo, 1e-6)).astype(np.float32)


# --- print artwork: one repeat each, sRGB + alpha (h, w, 4), periodic ---------------------------------


def checkerboard(n: int = 64, squares: int = 4, dark=(0.08, 0.08, 0.09), light=(0.93, 0.92, 0.89)) -> np.ndarray:
    """``squares × squares`` checks over ``n × n`` px, opaque, dark at the top-left."""
    if n % squares:
        raise InvalidInputError(f"{n} px do not split into {squares} equal squares", field="squares")
    cells = np.arange(n) * squares // n
    board = (cells[:, None] + cells[None, :]) % 2
    rgb = np.asarray([dark, light], np.float32)[board]
    return np.concatenate([rgb, np.ones((n, n, 1), np.float32)], -1)


def stripes(n: int = 16, rgb=(0.11, 0.16, 0.36), fraction: float = 0.5) -> np.ndarray:
    """Horizontal stripes: the top ``fraction`` of each repeat inked in ``rgb``, the rest clear (the fabric
    shows through)."""
    alpha = (np.arange(n) < round(n * fraction)).astype(np.float32)[:, None, None] * np.ones((n, n, 1), np.float32)
    return np.concatenate([np.broadcast_to(np.asarray(rgb, np.float32), (n, n, 3)), alpha], -1)


def dots(n: int = 64, rgb=(0.96, 0.96, 0.94), radius: float = 0.14) -> np.ndarray:
    """Staggered polka dots (one in the centre, one on the corners) of ``radius`` × the repeat, anti-aliased,
    on clear ground."""
    c = (np.arange(n) + 0.5) / n
    x, y = np.meshgrid(c, c)
    d = np.minimum(np.hypot(x - 0.5, y - 0.5), np.hypot(np.minimum(x, 1 - x), np.minimum(y, 1 - y)))
    alpha = np.clip((radius - d) * n + 0.5, 0.0, 1.0).astype(np.float32)[..., None]
    return np.concatenate([np.broadcast_to(np.asarray(rgb, np.float32), (n, n, 3)), alpha], -1)
