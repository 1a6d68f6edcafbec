"""Signed distance grid: the avatar's collision proxy (negative inside the body)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import array_field, positive, set_field
from .errors import InvalidInputError
from .serial import Record


@dataclass(frozen=True, eq=False)
class SDFGrid(Record):
    """Signed distances sampled at the corners of a regular grid.

    Sample ``values[i, j, k]`` lies at ``origin + voxel_size * (i, j, k)``. Outside the grid (or the
    narrow band, where values are clamped to ``band``) the distance is only a lower bound.
    """

    origin: np.ndarray  # [m], (3,) float32, position of sample (0, 0, 0)
    voxel_size: float  # [m], spacing between samples
    values: np.ndarray  # [m], (nx, ny, nz) float32, negative inside
    band: float = 0.05  # [m], |distance| beyond this is clamped

    def __post_init__(self):
        set_field(self, "origin", array_field(self.origin, "SDFGrid.origin", np.float32, (3,)))
        positive(self.voxel_size, "SDFGrid.voxel_size")
        vals = array_field(self.values, "SDFGrid.values", np.float32, (None, None, None))
        if min(vals.shape) < 2:
            raise InvalidInputError(f"needs at least 2 samples per axis, got {vals.shape}", field="SDFGrid.values")
        set_field(self, "values", vals)

    def query(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Trilinear distance [m], (n,) and its gradient, (n, 3) (unnormalised), at ``points`` (n, 3)."""
        p = (np.asarray(points, np.float64) - self.origin) / self.voxel_size
        shape = np.array(self.values.shape)
        p = np.clip(p, 0, shape - 1 - 1e-6)
        i0 = np.floor(p).astype(np.int64)
        t = p - i0
        v = self.values
        dist = np.zeros(len(p))
        grad = np.zeros((len(p), 3))
        w = np.stack([1 - t, t])  # (2, n, 3): weight of the low / high sample along each axis
        for corner in range(8):
            o = ((corner >> 2) & 1, (corner >> 1) & 1, corner & 1)
            wx, wy, wz = w[o[0], :, 0], w[o[1], :, 1], w[o[2], :, 2]
            s = v[i0[:, 0] + o[0], i0[:, 1] + o[1], i0[:, 2] + o[2]]
            dist += s * wx * wy * wz
            grad[:, 0] += s * wy * wz * (1 if o[0] else -1)  # d/dx of the weight: ±1 times the others
            grad[:, 1] += s * wx * wz * (1 if o[1] else -1)
            grad[:, 2] += s * wx * wy * (1 if o[2] else -1)
        return dist.astype(np.float32), (grad / self.voxel_size).astype(np.float32)
