"""Sleeves warped per arm segment, so they follow bent and lowered arms.

A thin-plate spline through the garment's landmarks can slide a cuff along the arm but cannot bend a
sleeve at the elbow. Here each sleeve is cut off the garment photo (the pixels outside the body's
column band, as :func:`~.garment.garment_landmarks` finds sleeve ends), given an axis from its root
(centre of the armhole) to its cuff, and mapped onto the person's arm polyline root → elbow → wrist:
a garment pixel at distance ``t`` along the axis and ``s`` across it lands at distance ``t × scale``
along the polyline and ``s × scale`` across the segment it falls on (``scale``: the body warp's
similarity scale, so sleeve and body keep one size). The map is evaluated backwards — for each photo
pixel, its nearest arm segment gives (t, s) — and sampled with ``cv2.remap``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pose import point, visible
from .tps import fit_affine, remap_filtered


@dataclass(frozen=True)
class Sleeve:
    side: str  # image side of the garment photo: "left" | "right"
    mask: np.ndarray  # (h, w) bool, the sleeve's pixels in the garment photo
    root: np.ndarray  # (2,) px, centre of the armhole in the garment photo
    cuff: np.ndarray  # (2,) px, centre of the cuff in the garment photo


def find_sleeves(mask: np.ndarray, landmarks: dict[str, np.ndarray]) -> list[Sleeve]:
    """The sleeves of a top's cut-out (H, W) bool, from its hem corners and sleeve-end landmarks."""
    if not {"hem_left", "hem_right"} <= set(landmarks):
        return []
    ys, xs = np.nonzero(mask)
    margin = 0.03 * (xs.max() - xs.min() + 1)
    xx = np.arange(mask.shape[1], dtype=np.float64)[None, :] + 0.5
    out = []
    for side, sign in (("left", -1), ("right", 1)):
        cuff = landmarks.get(f"sleeve_{side}")
        if cuff is None:
            continue
        body_x = float(landmarks[f"hem_{side}"][0])
        part = mask & ((xx < body_x - margin) if sign < 0 else (xx > body_x + margin))
        if part.sum() < 10:
            continue
        py, px = np.nonzero(part)
        px = px + 0.5
        reach = np.abs(px - body_x)
        near = reach <= np.quantile(reach, 0.1)
        root = np.array([px[near].mean() - sign * margin, py[near].mean() + 0.5])
        out.append(Sleeve(side, part, root, np.asarray(cuff, np.float64)))
    return out


def _polyline_coords(chain: list[np.ndarray], shape, origin=(0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """(t, s) of every pixel centre of a ``shape`` window at ``origin`` (x, y) w.r.t. a polyline: arc length
    along it (extrapolated before the first and past the last point) and signed distance across the
    nearest segment."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32) + 0.5
    xx += origin[0]
    yy += origin[1]
    best = np.full(shape, np.inf)
    t = np.zeros(shape)
    s = np.zeros(shape)
    start = 0.0
    last = len(chain) - 2
    for i, (a, b) in enumerate(zip(chain[:-1], chain[1:], strict=False)):
        d = b - a
        length = max(float(np.linalg.norm(d)), 1e-6)
        d = d / length
        n = np.array([-d[1], d[0]])
        u = (xx - a[0]) * d[0] + (yy - a[1]) * d[1]
        v = (xx - a[0]) * n[0] + (yy - a[1]) * n[1]
        uc = np.clip(u, 0 if i > 0 else -np.inf, length if i < last else np.inf)
        dist = np.hypot(u - uc, v)
        take = dist < best
        best[take] = dist[take]
        t[take] = start + uc[take]
        s[take] = np.where(v >= 0, dist, -dist)[take]  # past a joint: the distance to it, on v's side
        start += length
    return t, s


def warp_sleeve(image: np.ndarray, sleeve: Sleeve, chain: list[np.ndarray], scale: float,
                out_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Map one sleeve of the garment photo onto the person's arm ``chain`` [root, elbow(, wrist)] px.

    Returns (image (H, W, 3), mask (H, W) bool) in the person photo's frame.
    """
    axis = sleeve.cuff - sleeve.root
    u = axis / max(float(np.linalg.norm(axis)), 1e-6)
    n = np.array([-u[1], u[0]])
    h, w = out_shape
    out_img, out_mask = np.zeros((h, w, 3), np.float32), np.zeros((h, w), bool)
    ys, xs = np.nonzero(sleeve.mask)
    reach = float(np.hypot(xs + 0.5 - sleeve.root[0], ys + 0.5 - sleeve.root[1]).max()) * scale + 2
    pts = np.array(chain)
    x0, y0 = (max(0, int(np.floor(v - reach))) for v in pts.min(0))
    x1, y1 = min(w, int(np.ceil(pts[:, 0].max() + reach))), min(h, int(np.ceil(pts[:, 1].max() + reach)))
    if x1 <= x0 or y1 <= y0:  # the arm lies outside the photo
        return out_img, out_mask
    t, s = _polyline_coords(chain, (y1 - y0, x1 - x0), (x0, y0))
    mapx = (sleeve.root[0] + (t * u[0] + s * n[0]) / scale - 0.5).astype(np.float32)
    mapy = (sleeve.root[1] + (t * u[1] + s * n[1]) / scale - 0.5).astype(np.float32)
    stacked = np.dstack([image, sleeve.mask.astype(np.float32)]).astype(np.float32)
    warped = remap_filtered(stacked, mapx, mapy)
    out_img[y0:y1, x0:x1] = np.clip(warped[..., :3], 0, 1)
    out_mask[y0:y1, x0:x1] = warped[..., 3] > 0.5
    return out_img, out_mask


def body_similarity(landmarks: dict[str, np.ndarray], targets: dict[str, np.ndarray]) -> np.ndarray:
    """(2, 3) similarity carrying the garment's shoulder landmarks onto their targets."""
    src = np.stack([landmarks["shoulder_left"], landmarks["shoulder_right"]])
    dst = np.stack([targets["shoulder_left"], targets["shoulder_right"]])
    return fit_affine(src, dst)


def arm_chain(pose: np.ndarray, body_side: str) -> list[np.ndarray] | None:
    """[shoulder, elbow(, wrist)] of one body side, or None without shoulder and elbow."""
    names = [f"{body_side}_{j}" for j in ("shoulder", "elbow", "wrist")]
    if not visible(pose, *names[:2]):
        return None
    return [point(pose, n) for n in (names if visible(pose, names[2]) else names[:2])]
