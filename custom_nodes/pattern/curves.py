"""Edge geometry: evaluate, measure and resample the straight and curved edges of a panel outline.

All coordinates are metres in the panel's own 2D frame. Curves are Bézier (quadratic: one control
point, cubic: two) or circular arcs given by one point the arc passes through. Resampling is by arc
length, and every sample is evaluated on the exact curve, so mesh boundary vertices lie on the outline.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError
from ..core.pattern import Edge, Panel

DENSE = 200  # samples per edge used to measure arc length and the analytic outline area


def _arc_frame(p0: np.ndarray, pm: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """Circle through ``p0, pm, p1``: centre (2,), radius, start angle, signed sweep [rad]."""
    ax, ay = p0
    bx, by = pm
    cx, cy = p1
    d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-14:
        return np.array([np.nan, np.nan]), np.inf, 0.0, 0.0  # collinear: a straight line
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    centre = np.array([ux, uy])
    r = float(np.hypot(ax - ux, ay - uy))
    ang = [float(np.arctan2(p[1] - uy, p[0] - ux)) for p in (p0, pm, p1)]
    sweep_ccw = (ang[2] - ang[0]) % (2 * np.pi)
    mid_ccw = (ang[1] - ang[0]) % (2 * np.pi)
    sweep = sweep_ccw if mid_ccw <= sweep_ccw else sweep_ccw - 2 * np.pi
    return centre, r, ang[0], sweep


def eval_edge(p0: np.ndarray, p1: np.ndarray, edge: Edge, t: np.ndarray) -> np.ndarray:
    """Points (len(t), 2) float64 at curve parameters ``t`` in [0, 1] (not arc length)."""
    t = np.asarray(t, np.float64)[:, None]
    p0, p1 = np.asarray(p0, np.float64), np.asarray(p1, np.float64)
    c = edge.controls.astype(np.float64)
    if edge.kind == "quadratic":
        return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c[0] + t ** 2 * p1
    if edge.kind == "cubic":
        return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * c[0] + 3 * (1 - t) * t ** 2 * c[1] + t ** 3 * p1
    if edge.kind == "arc":
        centre, r, a0, sweep = _arc_frame(p0, c[0], p1)
        if np.isfinite(r):
            a = a0 + sweep * t[:, 0]
            out = centre + r * np.stack([np.cos(a), np.sin(a)], 1)
            return out
    return (1 - t) * p0 + t * p1


def edge_ends(panel: Panel, i: int) -> tuple[np.ndarray, np.ndarray]:
    e = panel.edges[i]
    return panel.vertices[e.start].astype(np.float64), panel.vertices[e.end].astype(np.float64)


def dense_edge(panel: Panel, i: int, n: int = DENSE) -> np.ndarray:
    """(n + 1, 2) float64 points along edge ``i`` at uniform curve parameter."""
    p0, p1 = edge_ends(panel, i)
    pts = eval_edge(p0, p1, panel.edges[i], np.linspace(0.0, 1.0, n + 1))
    pts[0], pts[-1] = p0, p1
    return pts


def edge_length(panel: Panel, i: int) -> float:
    """[m] arc length of edge ``i``."""
    pts = dense_edge(panel, i)
    return float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum())


def sample_edge(panel: Panel, i: int, n_segments: int = 1, fractions: np.ndarray | None = None) -> np.ndarray:
    """Points on edge ``i`` at arc-length ``fractions`` (0..1, ends included), by default splitting it
    into ``n_segments`` equal arc lengths; (len(fractions), 2) float64, exactly on the curve."""
    if fractions is None:
        fractions = np.linspace(0.0, 1.0, max(1, int(n_segments)) + 1)
    f = np.asarray(fractions, np.float64)
    e = panel.edges[i]
    p0, p1 = edge_ends(panel, i)
    if e.kind == "line":
        pts = (1 - f[:, None]) * p0 + f[:, None] * p1
    else:
        dense = dense_edge(panel, i, 400)
        cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(dense, axis=0), axis=1))])
        t = np.interp(f * cum[-1], cum, np.linspace(0.0, 1.0, len(dense)))
        pts = eval_edge(p0, p1, e, t)
    pts[f <= 0.0] = p0
    pts[f >= 1.0] = p1
    return pts


def outline(panel: Panel, n_per_edge: int = DENSE) -> np.ndarray:
    """(k, 2) float64 closed outline polyline (first point not repeated), dense enough to stand in
    for the analytic curves (area error < 1e-6 relative for garment-sized panels)."""
    parts = [dense_edge(panel, i, n_per_edge)[:-1] for i in range(len(panel.edges))]
    return np.concatenate(parts, axis=0)


def polygon_area(points: np.ndarray) -> float:
    """[m²] signed shoelace area of a closed polygon (k, 2); positive when counter-clockwise."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def outline_area(panel: Panel) -> float:
    """[m²] area enclosed by the panel outline, from the dense curve evaluation (unsigned)."""
    return abs(polygon_area(outline(panel)))


def validate_panel(panel: Panel, path: str | None = None) -> None:
    """Refuse outlines a mesher cannot use: degenerate, zero area or self-intersecting."""
    from shapely.geometry import Polygon
    from shapely.validation import explain_validity

    where = f"Panel '{panel.name}'"
    poly_pts = outline(panel, 24)
    if len(panel.edges) < 2 and panel.edges[0].kind == "line":
        raise InvalidInputError("outline has fewer than 2 edges", field=f"{where}.edges", path=path)
    for i in range(len(panel.edges)):
        if edge_length(panel, i) < 1e-6:
            raise InvalidInputError(f"edge {i} has zero length", field=f"{where}.edges", path=path)
    poly = Polygon(poly_pts)
    if not poly.is_valid:
        raise InvalidInputError(f"outline is self-intersecting ({explain_validity(poly)})",
                                field=f"{where}.vertices", path=path)
    if poly.area < 1e-6:
        raise InvalidInputError(f"outline encloses no area ({poly.area:.2e} m²)", field=f"{where}.vertices", path=path)
