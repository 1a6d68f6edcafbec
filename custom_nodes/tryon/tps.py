"""Affine + thin-plate-spline (TPS) maps between 2-D point sets, and image warping with them.

:class:`AffineTPS` fits ``f(p) = tps(A p)``: first the least-squares affine ``A`` from source to
target points, then a TPS that carries the affinely mapped points the rest of the way. With
``rigidity`` 0 the TPS interpolates, so ``f(src) == dst`` exactly; with 1 only the affine part is
left; in between the TPS is regularised (λ = rigidity / (1 − rigidity) in normalised units), which
keeps a garment from folding when landmarks are noisy. Points are (n, 2) [px, x right / y down].
"""

from __future__ import annotations

import cv2
import numpy as np

from ..core.errors import InvalidInputError


def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """TPS radial basis U(r) = r² log r² between (n, 2) and (m, 2) points → (n, m)."""
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d2 > 0, d2 * np.log(d2), 0.0)


def fit_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(2, 3) least-squares affine src → dst; a similarity when there are only two points."""
    n = len(src)
    if n == 2:
        m, _ = cv2.estimateAffinePartial2D(src.astype(np.float32), dst.astype(np.float32), method=cv2.LMEDS)
        if m is not None:
            return m.astype(np.float64)
        return np.hstack([np.eye(2), (dst - src).mean(0)[:, None]])
    design = np.hstack([src, np.ones((n, 1))])
    sol, *_ = np.linalg.lstsq(design, dst, rcond=None)
    return sol.T


class AffineTPS:
    """Map fitted from ``src`` to ``dst`` (n ≥ 2 points, (n, 2) each)."""

    def __init__(self, src, dst, rigidity: float = 0.0):
        src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
        if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
            raise InvalidInputError(f"need matching (n ≥ 2, 2) point sets, got {src.shape} and {dst.shape}",
                                    field="landmarks")
        if not (np.isfinite(src).all() and np.isfinite(dst).all()):
            raise InvalidInputError("landmarks hold NaN or infinite values", field="landmarks")
        if not 0.0 <= rigidity <= 1.0:
            raise InvalidInputError(f"must lie in [0, 1], got {rigidity}", field="rigidity")
        self.affine = fit_affine(src, dst)
        moved = self._apply_affine(src)
        self.centre = moved.mean(0)
        self.scale = max(float(np.abs(moved - self.centre).max()), 1e-6)
        self.ctrl = (moved - self.centre) / self.scale
        self.weights = None
        if rigidity < 1.0 and len(src) >= 3:
            self._fit_tps((dst - self.centre) / self.scale, rigidity / max(1.0 - rigidity, 1e-9))

    def _apply_affine(self, pts):
        return pts @ self.affine[:, :2].T + self.affine[:, 2]

    def _fit_tps(self, target: np.ndarray, lam: float) -> None:
        n = len(self.ctrl)
        p = np.hstack([np.ones((n, 1)), self.ctrl])
        system = np.zeros((n + 3, n + 3))
        system[:n, :n] = _kernel(self.ctrl, self.ctrl) + lam * np.eye(n)
        system[:n, n:], system[n:, :n] = p, p.T
        rhs = np.zeros((n + 3, 2))
        rhs[:n] = target
        sol, *_ = np.linalg.lstsq(system, rhs, rcond=None)
        self.weights, self.poly = sol[:n], sol[n:]

    def __call__(self, pts) -> np.ndarray:
        """Map (m, 2) points → (m, 2) float64."""
        pts = self._apply_affine(np.asarray(pts, np.float64).reshape(-1, 2))
        if self.weights is None:
            return pts
        q = (pts - self.centre) / self.scale
        out = _kernel(q, self.ctrl) @ self.weights + np.hstack([np.ones((len(q), 1)), q]) @ self.poly
        return out * self.scale + self.centre


def warp_image(image: np.ndarray, src, dst, out_shape: tuple[int, int], rigidity: float = 0.0,
               grid_step: int = 8, border_value: float = 0.0) -> np.ndarray:
    """Warp ``image`` (H, W[, C]) so that pixel positions ``src`` land on ``dst`` in an ``out_shape`` image.

    The inverse map (dst → src) is fitted and evaluated on a grid every ``grid_step`` output pixels,
    interpolated bilinearly in between, and applied with ``cv2.remap`` (bilinear).
    """
    inverse = AffineTPS(dst, src, rigidity)
    h, w = out_shape
    ys, xs = _grid_axis(h, grid_step), _grid_axis(w, grid_step)
    gx, gy = np.meshgrid(xs, ys)
    mapped = inverse(np.stack([gx.ravel() + 0.5, gy.ravel() + 0.5], 1)).reshape(len(ys), len(xs), 2) - 0.5
    ry, rx = _interp_matrix(ys, h), _interp_matrix(xs, w)
    map_x = (ry @ mapped[..., 0] @ rx.T).astype(np.float32)
    map_y = (ry @ mapped[..., 1] @ rx.T).astype(np.float32)
    return remap_filtered(image, map_x, map_y, border_value)


def remap_filtered(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, border_value: float = 0.0) -> np.ndarray:
    """``cv2.remap`` (bilinear) of ``image`` at source pixel coordinates ``map_x``/``map_y``, anti-aliased: where
    the map shrinks the source (a 512 px garment photo onto a 100 px torso) the source is first reduced by
    area averaging to about the output's scale, so stripes and prints do not alias into moiré."""
    image = np.asarray(image, np.float32)
    shrink = _minification(map_x, map_y, image.shape[:2])
    if shrink > 1.5:
        h, w = image.shape[:2]
        small = cv2.resize(image, (max(1, round(w / shrink)), max(1, round(h / shrink))), interpolation=cv2.INTER_AREA)
        if small.ndim < image.ndim:
            small = small[..., None]
        fx, fy = small.shape[1] / w, small.shape[0] / h
        map_x = ((map_x + 0.5) * fx - 0.5).astype(np.float32)
        map_y = ((map_y + 0.5) * fy - 0.5).astype(np.float32)
        image = small
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border_value)


def _minification(map_x: np.ndarray, map_y: np.ndarray, source_shape) -> float:
    """Median source pixels per output pixel (square root of the map's Jacobian determinant) over the output
    pixels that land inside the source; 1 when none does."""
    if min(map_x.shape) < 2:
        return 1.0
    dxx, dxy = np.gradient(map_x)[::-1]
    dyx, dyy = np.gradient(map_y)[::-1]
    det = np.abs(dxx * dyy - dxy * dyx)
    h, w = source_shape
    inside = (map_x >= 0) & (map_x < w) & (map_y >= 0) & (map_y < h)
    return float(np.sqrt(np.median(det[inside]))) if inside.any() else 1.0


def _grid_axis(n: int, step: int) -> np.ndarray:
    """Sample positions 0, step, 2·step … with the last pixel n − 1 always included."""
    axis = np.arange(0, n, max(1, int(step)), dtype=np.float64)
    return axis if axis[-1] == n - 1 else np.append(axis, n - 1)


def _interp_matrix(samples: np.ndarray, n: int) -> np.ndarray:
    """(n, len(samples)) linear-interpolation weights from sample positions to every pixel 0..n−1."""
    mat = np.zeros((n, len(samples)))
    pos = np.arange(n, dtype=np.float64)
    idx = np.clip(np.searchsorted(samples, pos, side="right") - 1, 0, max(len(samples) - 2, 0))
    if len(samples) == 1:
        mat[:, 0] = 1.0
        return mat
    t = (pos - samples[idx]) / (samples[idx + 1] - samples[idx])
    mat[np.arange(n), idx] = 1.0 - t
    mat[np.arange(n), idx + 1] = t
    return mat
