"""Collision proxy: a narrow-band signed distance grid of the body (negative inside).

1. The bounding box (plus a margin) is gridded at ``voxel`` (5 mm by default).
2. Grid points near the surface (within ``band``) are found by rasterising surface samples (half a
   cell apart) and dilating; their exact distance is the minimum point–triangle distance over the ``K`` triangles whose
   centroids are nearest (a KD-tree query).
3. Sign: wall points (see below) take the sign of the closest triangles' (pseudo) normal; every other point is outside when a flood fill from the grid border reaches it
   through cells that are not on the surface, inside otherwise. The wall (cells holding a surface
   sample, or within half a cell of the surface) blocks the fill: two neighbouring samples on either
   side of a surface cannot both be more than half a cell from it.
   Holes in a scan up to about a centimetre and a half are bridged by the wall; through larger ones
   the fill leaks and the inside reads as outside (close such scans before loading them).
4. Values beyond ``band`` are clamped to ±band (the cloth solver only needs the sign there).

Built SDFs are memoised per (vertices, faces, voxel, band) so a pose is voxelised once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from ..core.errors import InvalidInputError
from ..core.mesh import TriangleMesh
from ..core.progress import ProgressFn, report
from ..core.sdf import SDFGrid

MAX_CELLS = 40_000_000  # refuse grids that would not fit comfortably in memory
K_CANDIDATES = 3
_CACHE: OrderedDict[str, SDFGrid] = OrderedDict()
_CACHE_SIZE = 8


def point_triangle_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray):
    """Closest points on triangles (a, b, c) to points ``p``, all (n, 3); returns (distance (n,), closest (n, 3)).

    Ericson, *Real-Time Collision Detection*, 5.1.5, vectorised over the Voronoi regions.
    """
    ab, ac, ap = b - a, c - a, p - a
    d1, d2 = np.einsum("ij,ij->i", ab, ap), np.einsum("ij,ij->i", ac, ap)
    bp, cp = p - b, p - c
    d3, d4 = np.einsum("ij,ij->i", ab, bp), np.einsum("ij,ij->i", ac, bp)
    d5, d6 = np.einsum("ij,ij->i", ab, cp), np.einsum("ij,ij->i", ac, cp)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = va + vb + vc
        v = np.where(denom != 0, vb / denom, 0.0)
        w = np.where(denom != 0, vc / denom, 0.0)
        out = a + ab * v[:, None] + ac * w[:, None]  # interior
        t_ab = np.clip(d1 / np.where(d1 - d3 != 0, d1 - d3, 1), 0, 1)
        t_ac = np.clip(d2 / np.where(d2 - d6 != 0, d2 - d6, 1), 0, 1)
        t_bc = np.clip((d4 - d3) / np.where((d4 - d3) + (d5 - d6) != 0, (d4 - d3) + (d5 - d6), 1), 0, 1)
    regions = [
        (vc <= 0) & (d1 >= 0) & (d3 <= 0), a + ab * t_ab[:, None],
        (vb <= 0) & (d2 >= 0) & (d6 <= 0), a + ac * t_ac[:, None],
        (va <= 0) & (d4 - d3 >= 0) & (d5 - d6 >= 0), b + (c - b) * t_bc[:, None],
        (d1 <= 0) & (d2 <= 0), a, (d3 >= 0) & (d4 <= d3), b, (d6 >= 0) & (d5 <= d6), c,
    ]
    for mask, value in zip(regions[::2], regions[1::2], strict=False):  # later (vertex) regions win, as in Ericson
        out = np.where(mask[:, None], value, out)
    return np.linalg.norm(p - out, axis=1), out


def _surface_samples(v: np.ndarray, f: np.ndarray, spacing: float) -> np.ndarray:
    """Points on every triangle no further apart than ``spacing`` [m] (barycentric grid per triangle)."""
    tri = v[f]
    longest = np.max(np.linalg.norm(tri - np.roll(tri, 1, axis=1), axis=2), axis=1)
    n = np.clip(np.ceil(longest / spacing).astype(int), 1, 64)
    pts = [v]
    for k in np.unique(n):
        sel = tri[n == k]
        i, j = np.meshgrid(np.arange(k + 1), np.arange(k + 1), indexing="ij")
        keep = (i + j) <= k
        bary = np.stack([i[keep], j[keep]], 1) / k  # (s, 2)
        pts.append((sel[:, None, 0] + bary[None, :, :1] * (sel[:, None, 1] - sel[:, None, 0])
                    + bary[None, :, 1:] * (sel[:, None, 2] - sel[:, None, 0])).reshape(-1, 3))
    return np.concatenate(pts)


def _key(mesh: TriangleMesh, voxel: float, band: float) -> str:
    h = hashlib.sha1(mesh.vertices.tobytes())
    h.update(mesh.faces.tobytes())
    h.update(np.array([voxel, band]).tobytes())
    return h.hexdigest()


def build_sdf(mesh: TriangleMesh, voxel: float = 0.005, band: float = 0.02, margin: float = 0.025,
              on_progress: ProgressFn | None = None) -> SDFGrid:
    """Narrow-band SDF [m] of a closed body mesh on a grid of ``voxel`` spacing (see module doc)."""
    if mesh.n_faces == 0:
        raise InvalidInputError("the mesh has no faces; cannot build a collision proxy", field="mesh")
    if not (voxel > 0 and band >= 2 * voxel):
        raise InvalidInputError(f"need voxel > 0 and band ≥ 2 voxels, got {voxel}, {band}", field="voxel")
    key = _key(mesh, voxel, band)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    v = mesh.vertices.astype(np.float64)
    f = mesh.faces.astype(np.int64)
    origin = v.min(0) - margin
    shape = np.ceil((v.max(0) + margin - origin) / voxel).astype(int) + 1
    if np.prod(shape) > MAX_CELLS:
        raise InvalidInputError(f"a {voxel * 1000:.1f} mm grid over this mesh has {np.prod(shape):,} cells "
                                f"(limit {MAX_CELLS:,}); use a coarser voxel", field="voxel")
    report(on_progress, 0, 4)
    surface = np.zeros(shape, bool)
    idx = np.round((_surface_samples(v, f, 0.5 * voxel) - origin) / voxel).astype(int)
    surface[idx[:, 0], idx[:, 1], idx[:, 2]] = True
    reach = int(np.ceil(band / voxel))
    near = ndimage.binary_dilation(surface, iterations=reach)
    report(on_progress, 1, 4)
    cells = np.argwhere(near)
    pts = origin + cells * voxel
    dist, sign_hint = _band_distances(v, f, pts)
    report(on_progress, 2, 4)
    wall = surface.copy()  # cells holding surface samples, plus any closer than half a cell
    wall[tuple(cells[dist < 0.5 * voxel * 1.01].T)] = True
    outside = _outside(wall)
    sign = np.where(outside[tuple(cells.T)], 1.0, -1.0)
    on_wall = wall[tuple(cells.T)]
    sign[on_wall] = sign_hint[on_wall]
    values = np.where(outside, band, -band).astype(np.float32)
    values[tuple(cells.T)] = np.clip(sign * dist, -band, band)
    report(on_progress, 3, 4)
    sdf = SDFGrid(origin.astype(np.float32), float(voxel), values, band=float(band))
    _CACHE[key] = sdf
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    report(on_progress, 4, 4)
    return sdf


def _band_distances(v, f, pts):
    """Unsigned distance (n,) to the nearest of K candidate triangles and the sign (±1) its normal gives."""
    tri = v[f].astype(np.float32)  # float32 halves the memory traffic; sub-micrometre error at body scale
    pts = pts.astype(np.float32)
    centroids = tri.mean(1)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-20)
    k = min(K_CANDIDATES, len(f))
    _, cand = cKDTree(centroids).query(pts, k=k, workers=-1)
    cand = cand.reshape(len(pts), k)
    dists = np.empty((len(pts), k), np.float32)
    closest = np.empty((len(pts), k, 3), np.float32)
    for j in range(k):
        t = tri[cand[:, j]]
        dists[:, j], closest[:, j] = point_triangle_distance(pts, t[:, 0], t[:, 1], t[:, 2])
    best = dists.min(1)
    # pseudo-normal: average the normals of the candidates that tie for the closest point (edges, corners)
    ties = dists <= best[:, None] + 1e-9
    pseudo = (normals[cand] * ties[..., None]).sum(1)
    nearest = closest[np.arange(len(pts)), dists.argmin(1)]
    side = np.einsum("ij,ij->i", pts - nearest, pseudo)
    return best, np.where(side >= 0, 1.0, -1.0)


def _outside(wall: np.ndarray) -> np.ndarray:
    """Cells reachable from the grid border without crossing ``wall`` (6-connectivity)."""
    labels, count = ndimage.label(~wall)
    on_border = np.zeros(count + 1, bool)
    on_border[labels[[0, -1]].ravel()] = True
    on_border[labels[:, [0, -1]].ravel()] = True
    on_border[labels[:, :, [0, -1]].ravel()] = True
    on_border[0] = False  # label 0 is the wall itself
    return on_border[labels]
