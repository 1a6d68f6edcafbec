"""Horizontal cross-sections of a triangle mesh, as a tape measure sees them.

A section at height ``y`` cuts every triangle that straddles the plane; the cut segments are chained
into polylines (closed loops for a watertight body). A girth is the perimeter of the convex hull of
the loop around the body axis: a tape bridges the hollows (between the breasts, the small of the back)
exactly like a convex hull does.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

MAX_SEGMENTS = 2_000_000  # a section of a budgeted mesh never comes near this; guards the chaining loop


def section_polylines(vertices: np.ndarray, faces: np.ndarray, y: float) -> list[np.ndarray]:
    """Polylines where the plane ``Y = y`` [m] cuts the mesh; each is (k, 2) float64 (x, z) [m].

    ``vertices`` (n, 3), ``faces`` (m, 3). Vertices lying exactly on the plane are nudged by a hair so
    every crossing edge has one end above and one below. Closed loops repeat no point.
    """
    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    d = v[:, 1] - float(y)
    d = np.where(d == 0.0, 1e-9, d)
    above = d[f] > 0
    n_above = above.sum(1)
    cut = (n_above == 1) | (n_above == 2)
    if not cut.any():
        return []
    fc = f[cut]
    # the two crossing edges of each cut face
    edges = np.stack([fc[:, [0, 1]], fc[:, [1, 2]], fc[:, [2, 0]]], 1)  # (c, 3, 2)
    crosses = (d[edges[..., 0]] > 0) != (d[edges[..., 1]] > 0)  # (c, 3), exactly two per face
    pair = edges[crosses].reshape(-1, 2, 2)  # (c, 2 edges, 2 vertices)
    keys = np.sort(pair, axis=2).reshape(-1, 2)
    uniq, node = np.unique(keys, axis=0, return_inverse=True)
    node = node.reshape(-1, 2)
    a, b = uniq[:, 0], uniq[:, 1]
    t = d[a] / (d[a] - d[b])
    pts = v[a] + t[:, None] * (v[b] - v[a])
    return [pts[chain][:, [0, 2]] for chain in _chain(node, len(uniq))]


def _chain(segments: np.ndarray, n_nodes: int) -> list[np.ndarray]:
    """Walk segments (s, 2) node ids into chains of node ids; bounded by the number of segments."""
    if len(segments) > MAX_SEGMENTS:
        raise ValueError(f"section has {len(segments)} segments, over the {MAX_SEGMENTS} budget")
    nbr = [[] for _ in range(n_nodes)]
    for i, (p, q) in enumerate(segments.tolist()):
        nbr[p].append((q, i))
        nbr[q].append((p, i))
    used = np.zeros(len(segments), bool)
    chains = []
    # start at open ends first so open polylines come out whole, then at any unused node
    starts = [n for n in range(n_nodes) if len(nbr[n]) == 1] + list(range(n_nodes))
    for s in starts:
        if all(used[i] for _, i in nbr[s]):
            continue
        chain, cur = [s], s
        for _ in range(len(segments) + 1):
            nxt = next(((q, i) for q, i in nbr[cur] if not used[i]), None)
            if nxt is None:
                break
            used[nxt[1]] = True
            cur = nxt[0]
            if cur == s:
                break
            chain.append(cur)
        if len(chain) >= 2:
            chains.append(np.asarray(chain))
    return chains


def polygon_area(loop: np.ndarray) -> float:
    """Unsigned area [m²] of a closed (k, 2) loop (shoelace)."""
    x, z = loop[:, 0], loop[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(z, -1)) - np.dot(z, np.roll(x, -1))))


def contains(loop: np.ndarray, point: np.ndarray) -> bool:
    """Whether the 2D ``point`` (x, z) lies inside the closed ``loop`` (even-odd rule)."""
    x, z = loop[:, 0], loop[:, 1]
    x2, z2 = np.roll(x, -1), np.roll(z, -1)
    px, pz = float(point[0]), float(point[1])
    straddle = (z > pz) != (z2 > pz)
    with np.errstate(divide="ignore", invalid="ignore"):
        xc = x + (pz - z) * (x2 - x) / (z2 - z)
    return bool(np.count_nonzero(straddle & (px < xc)) % 2)


def loop_around(loops: list[np.ndarray], point: np.ndarray) -> np.ndarray | None:
    """The loop that contains ``point`` (x, z) — the smallest if nested — else the nearest one; None if none."""
    if not loops:
        return None
    inside = [lp for lp in loops if len(lp) >= 3 and contains(lp, point)]
    if inside:
        return min(inside, key=polygon_area)
    return min(loops, key=lambda lp: float(np.min(np.linalg.norm(lp - point, axis=1))))


def hull_perimeter(points: np.ndarray) -> float:
    """Perimeter [m] of the 2D convex hull of ``points`` (k, 2); what a tape around them measures."""
    pts = np.asarray(points, np.float64)
    if len(pts) < 3:
        return 0.0 if len(pts) < 2 else 2.0 * float(np.linalg.norm(pts[1] - pts[0]))
    try:
        return float(ConvexHull(pts).area)  # in 2D, "area" is the perimeter
    except QhullError:  # collinear points: twice the extent
        span = pts.max(0) - pts.min(0)
        return 2.0 * float(np.linalg.norm(span))


def girth(vertices: np.ndarray, faces: np.ndarray, y: float, centre_xz) -> tuple[float, np.ndarray | None]:
    """Tape girth [m] at height ``y`` around the loop enclosing ``centre_xz``; also that loop (k, 2)."""
    loop = loop_around(section_polylines(vertices, faces, y), np.asarray(centre_xz, np.float64))
    if loop is None:
        return 0.0, None
    return hull_perimeter(loop), loop
