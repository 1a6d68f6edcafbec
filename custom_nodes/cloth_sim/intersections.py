"""Edge-through-triangle counts on triangle meshes: the report's ruler, independent of the solver.

GarmentCode judges a drape by ray-casting every cloth edge against the body's *triangle mesh* (and the
cloth's own triangles), not against the simulator's collision field: an edge with both ends outside the
body that passes through an arm still counts. This module does that count with plain NumPy and a
uniform grid, so the report never borrows the solver's SDF, hash or welded seams.

Each segment ``a→b`` is tested against candidate triangles (sharing a grid cell with the segment's box)
with the Möller–Trumbore test: it crosses a triangle when the intersection parameter ``t`` lies in
``[0, 1]`` and the barycentric coordinates lie inside the triangle.
"""

from __future__ import annotations

import numpy as np

_PAIR_CHUNK = 2_000_000  # candidate (segment, triangle) pairs tested per batch: bounds memory


def _cell_ranges(lo: np.ndarray, hi: np.ndarray, origin: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    a = np.floor((lo - origin) / h).astype(np.int64)
    b = np.floor((hi - origin) / h).astype(np.int64)
    return a, b


def _expand_cells(a: np.ndarray, b: np.ndarray, dims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (item, cell key) for items covering the integer boxes ``a..b`` (inclusive), (k,) each."""
    span = b - a + 1
    count = span.prod(1)
    item = np.repeat(np.arange(len(a)), count)
    local = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    sx, sy = span[item, 0], span[item, 1]
    ix = a[item, 0] + local % sx
    iy = a[item, 1] + (local // sx) % sy
    iz = a[item, 2] + local // (sx * sy)
    return item, (ix * dims[1] + iy) * dims[2] + iz


def candidate_pairs(seg_lo: np.ndarray, seg_hi: np.ndarray, tri_lo: np.ndarray, tri_hi: np.ndarray,
                    cell: float) -> tuple[np.ndarray, np.ndarray]:
    """(segment, triangle) index pairs whose boxes share a grid cell of size ``cell`` [m]; each pair once."""
    origin = np.minimum(seg_lo.min(0), tri_lo.min(0)) - cell
    top = np.maximum(seg_hi.max(0), tri_hi.max(0)) + cell
    dims = np.floor((top - origin) / cell).astype(np.int64) + 2
    s_item, s_key = _expand_cells(*_cell_ranges(seg_lo, seg_hi, origin, cell), dims)
    t_item, t_key = _expand_cells(*_cell_ranges(tri_lo, tri_hi, origin, cell), dims)
    order = np.argsort(t_key, kind="stable")
    t_key, t_item = t_key[order], t_item[order]
    start = np.searchsorted(t_key, s_key, "left")
    stop = np.searchsorted(t_key, s_key, "right")
    n = stop - start
    seg = np.repeat(s_item, n)
    tri = t_item[np.repeat(start, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))]
    key = np.unique(seg.astype(np.int64) * len(tri_lo) + tri)
    return key // len(tri_lo), key % len(tri_lo)


def _crosses(a: np.ndarray, b: np.ndarray, p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Möller–Trumbore segment/triangle test, vectorised over rows; float64 in, (k,) bool out."""
    d = b - a
    e1, e2 = p1 - p0, p2 - p0
    pv = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, pv)
    ok = np.abs(det) > 1e-18
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    tv = a - p0
    u = np.einsum("ij,ij->i", tv, pv) * inv
    qv = np.cross(tv, e1)
    v = np.einsum("ij,ij->i", d, qv) * inv
    t = np.einsum("ij,ij->i", e2, qv) * inv
    return ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t >= 0) & (t <= 1)


def segments_through_triangles(a: np.ndarray, b: np.ndarray, vertices: np.ndarray, faces: np.ndarray, *,
                               skip=None) -> np.ndarray:
    """For each segment ``a[i]→b[i]`` (each (s, 3) [m]), whether it passes through any triangle of the mesh
    ``vertices`` (n, 3) / ``faces`` (m, 3). ``skip(seg_ids, tri_ids) -> bool mask`` drops candidate pairs
    (e.g. a cloth edge and the triangles it belongs to). Returns (s,) bool."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    hit = np.zeros(len(a), bool)
    if len(a) == 0 or len(f) == 0:
        return hit
    tri = v[f]
    tri_lo, tri_hi = tri.min(1), tri.max(1)
    seg_lo, seg_hi = np.minimum(a, b), np.maximum(a, b)
    ext = np.concatenate([tri_hi - tri_lo, seg_hi - seg_lo]).max(1)
    cell = max(float(np.percentile(ext, 90)), 1e-4)  # a few cells per item; long items cover more cells
    seg, tid = candidate_pairs(seg_lo, seg_hi, tri_lo, tri_hi, cell)
    if skip is not None and len(seg):
        keep = ~skip(seg, tid)
        seg, tid = seg[keep], tid[keep]
    for s in range(0, len(seg), _PAIR_CHUNK):
        si, ti = seg[s:s + _PAIR_CHUNK], tid[s:s + _PAIR_CHUNK]
        tri_i = f[ti]
        c = _crosses(a[si], b[si], v[tri_i[:, 0]], v[tri_i[:, 1]], v[tri_i[:, 2]])
        hit[si[c]] = True
    return hit


def body_edge_crossings(positions: np.ndarray, edges: np.ndarray, body_vertices: np.ndarray,
                        body_faces: np.ndarray) -> np.ndarray:
    """Cloth edges (e, 2) that pass through the body's triangle mesh, GarmentCode's way: (e,) bool.

    Where both ends of an edge are inside a closed body the segment crosses no triangle; such edges are
    caught by the separate penetration figure."""
    x = np.asarray(positions, np.float64)
    return segments_through_triangles(x[edges[:, 0]], x[edges[:, 1]], body_vertices, body_faces)


def self_edge_crossings(positions: np.ndarray, edges: np.ndarray, faces: np.ndarray,
                        rep: np.ndarray | None = None) -> np.ndarray:
    """Cloth edges (e, 2) that pass through a cloth triangle they do not touch: (e,) bool.

    ``rep`` (n,) maps sewn vertices to one id, so an edge is not counted against the triangles on the
    other side of its own seam (they share a point once the seam is shut)."""
    x = np.asarray(positions, np.float64)
    r = np.arange(len(x)) if rep is None else np.asarray(rep)
    fr, er = r[faces], r[edges]

    def touching(seg, tri):
        return ((fr[tri] == er[seg, :1]) | (fr[tri] == er[seg, 1:])).any(1)

    return segments_through_triangles(x[edges[:, 0]], x[edges[:, 1]], x, faces, skip=touching)
