"""A small permissive 2D mesher: near-uniform triangles inside a polygon whose boundary is fixed.

Boundary points are kept exactly (they were sampled on the curved outline and seam partners depend on
their count). Interior points start on a hexagonal lattice at the target edge length, away from the
boundary; Delaunay (scipy) triangulates all points, triangles outside the polygon are dropped, then a
few rounds of Laplacian smoothing of interior points + re-Delaunay (which performs every edge flip at
once) even out the triangles. Triangles still below the minimum angle get their circumcentre inserted
(Chew-style refinement, bounded). No Triangle, no CGAL: numpy, scipy, shapely.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import Delaunay, cKDTree

from ..core.errors import InvalidInputError

MIN_ANGLE = 25.0  # [deg] quality target
CORNER_TURN = 20.0  # [deg] an internal line turning more than this at a vertex keeps a sample there


def triangle_angles(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(m, 3) interior angles [deg] of each triangle."""
    p = points[tris]
    out = np.empty(tris.shape, np.float64)
    for k in range(3):
        u = p[:, (k + 1) % 3] - p[:, k]
        v = p[:, (k + 2) % 3] - p[:, k]
        cosang = (u * v).sum(1) / np.maximum(np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1), 1e-300)
        out[:, k] = np.degrees(np.arccos(np.clip(cosang, -1.0, 1.0)))
    return out


def _hex_lattice(lo: np.ndarray, hi: np.ndarray, h: float) -> np.ndarray:
    dy = h * np.sqrt(3) / 2
    ys = np.arange(lo[1], hi[1] + dy, dy)
    xs = np.arange(lo[0], hi[0] + h, h)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx + (np.arange(len(ys))[:, None] % 2) * h / 2
    return np.stack([gx.ravel(), gy.ravel()], 1)


def _boundary_tree(boundary: np.ndarray, sub: int = 4) -> cKDTree:
    nxt = np.roll(boundary, -1, axis=0)
    s = np.linspace(0, 1, sub, endpoint=False)[None, :, None]
    dense = boundary[:, None] * (1 - s) + nxt[:, None] * s
    return cKDTree(dense.reshape(-1, 2))


def _delaunay_inside(points: np.ndarray, poly) -> np.ndarray:
    tri = Delaunay(points, qhull_options="QJ Qbb Qc" if len(points) < 4 else "Qbb Qc")
    tris = tri.simplices.astype(np.int64)
    cent = points[tris].mean(1)
    keep = shapely.contains_xy(poly, cent[:, 0], cent[:, 1])
    tris = tris[keep]
    p = points[tris]
    cross = (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1]) - (p[:, 1, 1] - p[:, 0, 1]) * (p[:, 2, 0] - p[:, 0, 0])
    tris[cross < 0] = tris[cross < 0][:, [0, 2, 1]]
    return tris[np.abs(cross) > 1e-14]


class _Segments:
    """Constrained segments (outline and internal lines) that refinement must not crowd."""

    def __init__(self, a: np.ndarray, b: np.ndarray):
        self.mids, self.radii = (a + b) / 2, np.linalg.norm(b - a, axis=1) / 2
        self.tree = cKDTree(self.mids)

    def encroached(self, cand: np.ndarray) -> np.ndarray:
        """(k,) bool: candidate lies inside a segment's diametral circle (we may not split segments)."""
        k = min(6, len(self.mids))
        dist, idx = self.tree.query(cand, k=k)
        dist, idx = dist.reshape(len(cand), k), idx.reshape(len(cand), k)
        return (dist < self.radii[idx] * 1.02).any(1)


def _tri_edges(tris: np.ndarray) -> np.ndarray:
    return np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])


def _smooth(points: np.ndarray, e: np.ndarray, n_fixed: int, poly, tree: cKDTree, h: float,
            segs: _Segments | None) -> np.ndarray:
    """One Laplacian pass on interior points over neighbour pairs ``e`` (k, 2); moves that leave the
    polygon, hug the boundary or crowd a constrained segment (so Delaunay would drop it) are refused."""
    src, dst = np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])
    n = len(points)
    cnt = np.bincount(src, minlength=n).astype(np.float64)
    acc = np.stack([np.bincount(src, weights=points[dst, k], minlength=n) for k in range(2)], 1)
    new = points.copy()
    idx = np.arange(n_fixed, len(points))
    idx = idx[cnt[idx] > 0]
    cand = acc[idx] / cnt[idx, None]
    ok = shapely.contains_xy(poly, cand[:, 0], cand[:, 1]) & (tree.query(cand)[0] > 0.35 * h)
    if segs is not None:
        ok &= ~segs.encroached(cand)
    new[idx[ok]] = cand[ok]
    return new


def _bad(points: np.ndarray, tris: np.ndarray, min_angle: float, protected: np.ndarray) -> np.ndarray:
    """(m,) bool: triangles below ``min_angle`` that do not touch a sharp corner (which no refinement helps)."""
    bad = triangle_angles(points, tris).min(1) < min_angle
    if len(protected):
        bad &= ~np.isin(tris, protected).any(1)
    return bad


def _refine(points: np.ndarray, tris: np.ndarray, segs: _Segments, poly, tree: cKDTree, h: float,
            min_angle: float, protected: np.ndarray) -> np.ndarray:
    """Insert an off-centre for each bad triangle: the apex of a near-equilateral triangle on its
    shortest edge, on the side of the opposite vertex (Üngör). Returns the grown point array."""
    bad = _bad(points, tris, min_angle, protected)
    if not bad.any():
        return points
    p = points[tris[bad]]
    lens = np.stack([np.linalg.norm(p[:, (k + 1) % 3] - p[:, k], axis=1) for k in range(3)], 1)
    k = lens.argmin(1)
    rows = np.arange(len(p))
    a, b, c = p[rows, k], p[rows, (k + 1) % 3], p[rows, (k + 2) % 3]
    length = lens[rows, k]
    mid = (a + b) / 2
    d = (b - a) / length[:, None]
    n = np.stack([-d[:, 1], d[:, 0]], 1)
    n *= np.sign(((c - mid) * n).sum(1))[:, None]
    cand = mid + n * (0.85 * length)[:, None]
    cen = p.mean(1)
    enc = segs.encroached(cand)
    cand[enc] = cen[enc]  # the off-centre would crowd a boundary segment: try the centroid
    ok = shapely.contains_xy(poly, cand[:, 0], cand[:, 1]) & (tree.query(cand)[0] > 0.3 * length)
    ok &= cKDTree(points).query(cand)[0] > 0.5 * length
    ok &= ~segs.encroached(cand)
    if len(protected):  # nothing new right at a sharp corner: it would only add thin triangles there
        ok &= cKDTree(points[protected]).query(cand)[0] > 0.5 * h
    cand = cand[ok]
    if not len(cand):
        return points
    _, first = np.unique(np.round(cand / (0.1 * h)).astype(np.int64), axis=0, return_index=True)
    return np.concatenate([points, cand[np.sort(first)]])


def _star_min_angle(points: np.ndarray, star: np.ndarray, v: int, cand: np.ndarray) -> np.ndarray:
    """(c,) worst angle [deg] of the triangles ``star`` (s, 3) around ``v`` with ``v`` moved to each candidate
    (c, 2); −1 where a triangle would flip."""
    p = np.broadcast_to(points[star], (len(cand),) + star.shape + (2,)).copy()
    p[:, star == v] = cand[:, None, :]
    worst = np.full(len(cand), 180.0)
    for k in range(3):
        u = p[:, :, (k + 1) % 3] - p[:, :, k]
        w = p[:, :, (k + 2) % 3] - p[:, :, k]
        cross = u[..., 0] * w[..., 1] - u[..., 1] * w[..., 0]
        dot = (u * w).sum(-1)
        ang = np.degrees(np.arctan2(np.abs(cross), dot))
        worst = np.minimum(worst, np.where(cross > 0 if k == 0 else True, ang, -1.0).min(1))
    return worst


def _optimise_bad(points: np.ndarray, tris: np.ndarray, n_fixed: int, min_angle: float,
                  protected: np.ndarray) -> np.ndarray:
    """Move interior vertices of still-bad triangles to the nearby spot that best opens their star."""
    bad = np.where(_bad(points, tris, min_angle, protected))[0]
    verts = np.unique(tris[bad])
    verts = verts[verts >= n_fixed][:500]
    if not len(verts):
        return points
    points = points.copy()
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9)), -1).reshape(-1, 2)
    for v in verts:
        star = tris[(tris == v).any(1)]
        ring = points[np.unique(star[star != v])]
        scale = 0.5 * np.linalg.norm(ring - points[v], axis=1).min()
        cand = np.concatenate([points[v][None], ring.mean(0)[None], points[v] + grid * scale])
        score = _star_min_angle(points, star, v, cand)
        points[v] = cand[int(np.argmax(score))]
    return points


def _internal_samples(lines, h: float, poly, boundary: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sample internal lines (each (k, 2)) at about ``h`` (their corners kept); keep samples inside the panel
    and away from the outline and from samples already taken (CAD lines end on the outline and cross).
    Returns the samples and, per line, its kept samples in order (a closed line repeats its first at the end)."""
    pts, segs = [], []
    taken = _boundary_tree(boundary)
    for line in lines:
        line = np.asarray(line, np.float64)
        seg_len = np.linalg.norm(np.diff(line, axis=0), axis=1)
        line, seg_len = np.concatenate([line[:1], line[1:][seg_len > 1e-9]]), seg_len[seg_len > 1e-9]
        if not len(seg_len):
            continue
        closed = len(line) > 3 and np.linalg.norm(line[-1] - line[0]) < 1e-9
        cum = np.concatenate([[0], np.cumsum(seg_len)])
        ring = np.concatenate([line[-2:-1], line, line[1:2]]) if closed else line
        u, w = ring[1:-1] - ring[:-2], ring[2:] - ring[1:-1]
        turn = np.degrees(np.arctan2(np.abs(u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0]), (u * w).sum(1)))
        corners = 1 + np.flatnonzero(turn > CORNER_TURN) - (1 if closed else 0)
        ends = cum[np.unique(np.concatenate([[0], corners, [len(line) - 1]]).clip(0, len(line) - 1))]
        s = [0.0]
        for a, b in zip(ends[:-1], ends[1:], strict=True):  # even steps between corners: corners stay samples
            s += list(np.linspace(a, b, max(1, int(round((b - a) / h))) + 1)[1:])
        s = np.array(s[:-1] if closed else s)
        q = np.stack([np.interp(s, cum, line[:, 0]), np.interp(s, cum, line[:, 1])], 1)
        keep = shapely.contains_xy(poly, q[:, 0], q[:, 1]) & (taken.query(q)[0] > 0.4 * h)
        if pts:
            keep &= cKDTree(np.concatenate(pts)).query(q)[0] > 0.4 * h
        whole = bool(keep.all())
        q = q[keep]
        if len(q) >= 2:
            pts.append(q)
            segs.append(np.concatenate([q, q[:1]]) if closed and whole else q)
    return (np.concatenate(pts) if pts else np.zeros((0, 2))), segs


def sharp_corners(boundary: np.ndarray, min_angle: float = 25.0) -> list[tuple[int, float]]:
    """(index, interior angle [deg]) of the outline corners of a counter-clockwise polygon sharper than
    ``min_angle``: no triangle there can be better than the corner itself."""
    d1 = boundary - np.roll(boundary, 1, axis=0)
    d2 = np.roll(boundary, -1, axis=0) - boundary
    turn = np.degrees(np.arctan2(d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0], (d1 * d2).sum(1)))
    inner = 180.0 - turn
    return [(int(i), float(inner[i])) for i in np.flatnonzero(inner < min_angle)]


def _sharp_internal(lines: list[np.ndarray], offset: int, min_angle: float) -> list[tuple[int, float]]:
    """(point index, angle [deg]) where an internal line folds back sharper than ``min_angle``; ``lines`` as
    :func:`_internal_samples` returns them, their points numbered from ``offset``."""
    out, k = [], offset
    for q in lines:
        closed = len(q) > 3 and np.array_equal(q[0], q[-1])
        ring = np.concatenate([q[-2:-1], q]) if closed else q
        u, w = ring[:-2] - ring[1:-1], ring[2:] - ring[1:-1]
        cos = (u * w).sum(1) / np.maximum(np.linalg.norm(u, axis=1) * np.linalg.norm(w, axis=1), 1e-300)
        ang = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        first = 0 if closed else 1
        out += [(k + first + int(i), float(ang[i])) for i in np.flatnonzero(ang < min_angle)]
        k += len(q) - 1 if closed else len(q)
    return out


def mesh_polygon(boundary: np.ndarray, h: float, *, internal=(), smooth_rounds: int = 3,
                 min_angle: float = MIN_ANGLE, name: str = "panel",
                 report: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Triangulate the simple polygon ``boundary`` (n, 2) [m] with target edge length ``h`` [m].

    ``internal``: polylines (each (k, 2)) sampled at ~h whose samples become fixed vertices, so the
    mesh follows them (darts, internal seams). Returns ``points`` (m, 2) float64 whose first n rows are
    ``boundary`` unchanged (then the internal samples), and ``tris`` (k, 3) int64, counter-clockwise.
    Corners sharper than ``min_angle`` (outline or internal line) are left alone, with as few triangles as
    Delaunay gives them; ``report`` (a dict) receives the worst angle and those corners (see :func:`quality`).
    """
    boundary = np.asarray(boundary, np.float64)
    poly = shapely.Polygon(boundary)
    if not poly.is_valid or poly.area <= 0:
        raise InvalidInputError("outline is self-intersecting or empty; cannot mesh it", field=f"Panel '{name}'")
    shapely.prepare(poly)
    inner, inner_lines = _internal_samples(internal, h, poly, boundary)
    fixed = np.concatenate([boundary, inner])
    sharp = sharp_corners(boundary, min_angle) + _sharp_internal(inner_lines, len(boundary), min_angle)
    protected = np.array([i for i, _ in sharp], np.int64)
    a = [boundary] + [q[:-1] for q in inner_lines]
    b = [np.roll(boundary, -1, axis=0)] + [q[1:] for q in inner_lines]
    segs = _Segments(np.concatenate(a), np.concatenate(b))
    inner_segs = _Segments(np.concatenate(a[1:]), np.concatenate(b[1:])) if inner_lines else None
    tree = _boundary_tree(boundary) if not inner_lines else cKDTree(np.concatenate(
        [_boundary_tree(boundary).data] + [np.asarray(q) for q in inner_lines]))
    lattice = _hex_lattice(boundary.min(0), boundary.max(0), h)
    lattice = lattice[shapely.contains_xy(poly, lattice[:, 0], lattice[:, 1])]
    lattice = lattice[tree.query(lattice)[0] > 0.6 * h]
    n_fixed = len(fixed)
    points = np.concatenate([fixed, lattice])
    pairs = cKDTree(points).query_pairs(1.3 * h, output_type="ndarray")
    for _ in range(smooth_rounds):  # Laplacian passes over near neighbours (no triangulation needed yet)
        points = _smooth(points, pairs, n_fixed, poly, tree, h, inner_segs)
    tris = _delaunay_inside(points, poly)
    for _ in range(6):  # refine what is still bad, relax once more, re-flip; bounded
        grown = _refine(points, tris, segs, poly, tree, h, min_angle + 1.0, protected)
        if len(grown) == len(points):
            break
        points = _smooth(grown, _tri_edges(_delaunay_inside(grown, poly)), n_fixed, poly, tree, h, inner_segs)
        tris = _delaunay_inside(points, poly)
    for _ in range(4):
        if not _bad(points, tris, min_angle + 0.5, protected).any():
            break
        points = _optimise_bad(points, tris, n_fixed, min_angle + 1.0, protected)
        tris = _delaunay_inside(points, poly)
    if report is not None:
        report.update(quality(points, tris, sharp, h))
    return points, tris


def quality(points: np.ndarray, tris: np.ndarray, sharp: list[tuple[int, float]], h: float) -> dict:
    """Worst angle [deg] of a mesh, overall and away from its sharp corners, and per sharp corner its angle and
    the triangles below MIN_ANGLE near it (where the corner is narrower than ``h``, at most 3 h from its tip)."""
    worst = triangle_angles(points, tris).min(1) if len(tris) else np.zeros(0)
    centre = points[tris].mean(1) if len(tris) else np.zeros((0, 2))
    near = np.zeros(len(tris), bool)
    corners = []
    for i, a in sharp:
        reach = min(3 * h, h / (2 * np.sin(np.radians(a) / 2)))
        zone = np.linalg.norm(centre - points[i], axis=1) <= reach
        near |= zone
        corners.append({"vertex": i, "angle": round(a, 1), "at": [round(float(x), 4) for x in points[i]],
                        "thin_triangles": int((zone & (worst < MIN_ANGLE)).sum())})
    return {"min_angle": round(float(worst.min()), 2) if len(worst) else None,
            "min_angle_away_from_sharp_corners": round(float(worst[~near].min()), 2) if (~near).any() else None,
            "sharp_corners": corners}
