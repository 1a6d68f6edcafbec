"""Seam repair by image quilting with a minimum-error boundary cut (Efros & Freeman 2001).

After rolling a photo by half a tile its wrap seams sit on the middle column and the middle row. Each
seam is covered by a band copied from elsewhere in the (rolled) image — the candidate whose edges
agree best with what lies either side of the seam — and the band is stitched in along the cheapest
path through each overlap: the path minimising the summed squared colour difference between band
and background, found by dynamic programming exactly as in the quilting paper. Bands run the full
height (or width) of the tile and the rolled image is continuous across its own wrap, so the result
stays tileable.
"""

from __future__ import annotations

import numpy as np

from ..core.progress import ProgressFn, report


def min_error_path(cost: np.ndarray) -> np.ndarray:
    """Cheapest top-to-bottom path through ``cost`` ``(h, w)``, moving at most one column per row.

    Returns the column index per row, ``(h,)`` int32 (Efros & Freeman's boundary cut). Forward pass
    accumulates the cheapest cost to reach each pixel; the path is traced back from the cheapest end.
    """
    h, w = cost.shape
    acc = cost.astype(np.float64).copy()
    pad = np.full(w + 2, np.inf)
    for y in range(1, h):
        pad[1:-1] = acc[y - 1]
        acc[y] += np.minimum(np.minimum(pad[:-2], pad[1:-1]), pad[2:])
    path = np.empty(h, np.int32)
    path[-1] = int(np.argmin(acc[-1]))
    for y in range(h - 1, 0, -1):
        lo = max(path[y] - 1, 0)
        path[y - 1] = lo + int(np.argmin(acc[y - 1, lo:path[y] + 2]))
    return path


def _band_mask(h: int, overlap: int, left_path: np.ndarray, right_path: np.ndarray) -> np.ndarray:
    """Mask ``(h, 2·overlap)``: 1 where the band replaces the background (between the two cuts)."""
    cols = np.arange(2 * overlap)[None, :]
    return ((cols >= left_path[:, None]) & (cols <= right_path[:, None] + overlap)).astype(np.float32)


def _columns(img: np.ndarray, start: int, width: int) -> np.ndarray:
    """Columns ``start … start + width − 1`` of ``img``, wrapping around the right border."""
    return img[:, (start + np.arange(width)) % img.shape[1]]


def _candidate_cost(img: np.ndarray, start: int, offset: int, overlap: int) -> float:
    """How badly the band starting at column ``offset`` disagrees with the background band at
    ``start`` in their two outer quarter-strips (every other row: this only ranks candidates)."""
    q = max(1, overlap // 2)
    cost = 0.0
    for shift in (0, 2 * overlap - q):
        bg = img[::2, start + shift:start + shift + q]
        cost += float(((bg - _columns(img[::2], offset + shift, q)) ** 2).sum())
    return cost


def patch_vertical_seam(img: np.ndarray, overlap: int, rng: np.random.Generator, candidates: int = 24) -> np.ndarray:
    """Cover the seam between columns w/2−1 and w/2 with the best band and min-error cuts."""
    h, w = img.shape[:2]
    start = w // 2 - overlap
    band_w = 2 * overlap
    # candidate bands keep clear of the seam itself (they must not contain it)
    lo, hi = w // 2 + overlap, w + w // 2 - 3 * overlap
    offsets = rng.integers(lo, max(lo + 1, hi), size=candidates) % w
    costs = [_candidate_cost(img, start, int(o), overlap) for o in offsets]
    band = _columns(img, int(offsets[int(np.argmin(costs))]), band_w)
    bg = img[:, start:start + band_w]
    err = ((bg - band) ** 2).sum(axis=-1)
    left = min_error_path(err[:, :overlap])
    right = min_error_path(err[:, overlap:])
    mask = _band_mask(h, overlap, left, right)[..., None]
    out = img.copy()
    out[:, start:start + band_w] = mask * band + (1.0 - mask) * bg
    return out


def quilt_tileable(img: np.ndarray, overlap_fraction: float = 0.125, seed: int = 0,
                   on_progress: ProgressFn | None = None) -> np.ndarray:
    """Roll by half a tile and repair both middle seams by quilting → ``(h, w, 3)`` float32 tile."""
    h, w = img.shape[:2]
    rng = np.random.default_rng(seed)
    rolled = np.roll(img, (h // 2, w // 2), axis=(0, 1)).astype(np.float32)
    report(on_progress, 0, 2)
    ov_x = max(2, int(w * overlap_fraction))
    out = patch_vertical_seam(rolled, ov_x, rng)
    report(on_progress, 1, 2)
    ov_y = max(2, int(h * overlap_fraction))
    out = patch_vertical_seam(np.ascontiguousarray(out.transpose(1, 0, 2)), ov_y, rng).transpose(1, 0, 2)
    report(on_progress, 2, 2)
    return np.ascontiguousarray(out)
