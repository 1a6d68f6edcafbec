"""Scan report: numbers that tell whether a scanned fabric tile is fit to render with.

* ``seam_before`` / ``seam_after``: seam score (tileable.seam_score) of the source and of the tile;
  about 1 means the repeat is invisible.
* ``delta_e00``: CIEDE2000 between the mean colours of source and tile (≤ 2: the tiling did not
  shift the colour visibly).
* ``histogram_distance``: mean over R, G, B of the 1-D Wasserstein distance between the value
  distributions of source and tile, in 0..1 units (0.01 = one percent of full scale; large values
  mean lost or invented contrast).
* ``normal_max_length_error`` / ``normal_mean``: the decoded normal map should hold unit vectors
  (8-bit storage allows ~0.01) and average close to (0, 0, 1) (a tileable height field has no net tilt).
"""

from __future__ import annotations

import numpy as np

from .color import delta_e00, mean_colour, srgb_to_lab
from .maps import decode_normal
from .tileable import seam_score

#: Limits used for ``passed``: what a user would call a clean scan.
LIMITS = {"seam_after": 2.0, "delta_e00": 2.0, "histogram_distance": 0.05, "normal_max_length_error": 0.02,
          "normal_mean_tilt": 0.1}


def histogram_distance(a: np.ndarray, b: np.ndarray, samples: int = 1024) -> float:
    """Mean per-channel 1-D Wasserstein distance of two images' value distributions (0..1 units)."""
    qs = (np.arange(samples) + 0.5) / samples
    a = np.asarray(a, np.float32).reshape(-1, np.shape(a)[-1])
    b = np.asarray(b, np.float32).reshape(-1, np.shape(b)[-1])
    return float(np.mean([np.abs(np.quantile(a[:, c], qs) - np.quantile(b[:, c], qs)).mean()
                          for c in range(a.shape[1])]))


def normal_validity(normal_map: np.ndarray) -> tuple[float, np.ndarray]:
    """(max | |n| − 1 | of the stored vectors, mean unit normal (3,)) of a 0..1 encoded normal map."""
    raw = np.asarray(normal_map, np.float32) * 2.0 - 1.0
    err = float(np.abs(np.linalg.norm(raw, axis=-1) - 1.0).max())
    mean = decode_normal(normal_map).reshape(-1, 3).mean(axis=0)
    return err, (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32)


def scan_report(source: np.ndarray, tile: np.ndarray, normal_map: np.ndarray | None = None) -> dict:
    """All report figures as a JSON-ready dict, plus ``passed`` and the ``limits`` they were held to."""
    lab_src, lab_tile = srgb_to_lab(mean_colour(source)), srgb_to_lab(mean_colour(tile))
    out = {
        "seam_before": round(seam_score(source), 4),
        "seam_after": round(seam_score(tile), 4),
        "delta_e00": round(float(delta_e00(lab_src, lab_tile)), 4),
        "histogram_distance": round(histogram_distance(source, tile), 5),
    }
    if normal_map is not None:
        err, mean = normal_validity(normal_map)
        out["normal_max_length_error"] = round(err, 5)
        out["normal_mean"] = [round(float(v), 4) for v in mean]
        out["normal_mean_tilt"] = round(float(np.hypot(mean[0], mean[1])), 4)
    out["passed"] = all(out[k] <= v for k, v in LIMITS.items() if k in out)
    out["limits"] = dict(LIMITS)
    return out
