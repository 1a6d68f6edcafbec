"""Long-range stretch limits: a coarse hierarchy of one-sided distance constraints inside each panel.

One Gauss-Seidel sweep a substep moves stretch information one edge at a time, so on fine meshes a
garment behaves far softer than its fabric (a waistband stretches over the hips). Cloth is nearly
inextensible, and on a flat panel the 3D distance between two points can never exceed their 2D rest
distance unless the cloth stretches; so constraints between coarse "anchor" vertices that act only
when stretched (never against folding or compression) restore the global stiffness — the coarse
levels of a multigrid, in PBD form (cf. Kim et al. 2012 long-range attachments, Müller 2008
hierarchical PBD). Their stiffness is the fabric's: a strip as wide as the level spacing.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..core.fabric import Fabric
from ..core.garment import Garment

LEVELS = (3, 9, 27)  # anchor spacing in mesh edges


def _anchors(points: np.ndarray, spacing: float) -> np.ndarray:
    """Indices (into ``points``) of the vertices nearest to a grid of about ``spacing`` [m] that reaches
    the panel's edges (so a waistband or hem row is held too)."""
    lo, hi = points.min(0), points.max(0)
    axes = [np.linspace(lo[a], hi[a], max(int(np.ceil((hi[a] - lo[a]) / spacing)), 1) + 1) for a in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    _, idx = cKDTree(points).query(grid)
    return np.unique(idx)


def boundary_edges(faces: np.ndarray) -> np.ndarray:
    """(b, 2) mesh edges used by one triangle only: the outlines (and holes) of the panels."""
    from .model import unique_edges  # model imports this module

    edges, adj = unique_edges(faces)
    return edges[adj[:, 1] < 0]


def segments_inside(a: np.ndarray, b: np.ndarray, outline: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    """(n,) bool: does the straight 2D segment a[i] -> b[i] stay inside the region bounded by ``outline``
    (m, 2, 2) segments? It must cross no outline segment (touching at its own ends is allowed) and its
    quarter, middle and three-quarter points must lie inside (even-odd rule), which also catches a chord
    across a notch or a slit whose ends both sit on the outline."""
    if len(a) == 0:
        return np.zeros(0, bool)
    p, q = outline[:, 0], outline[:, 1]  # (m, 2)

    def cross(u, v):
        return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]

    ok = np.ones(len(a), bool)
    for lo in range(0, len(a), 512):  # (512 x m) at a time keeps memory small
        sa, sb = a[lo:lo + 512, None], b[lo:lo + 512, None]
        d = sb - sa
        e = q - p
        d1, d2 = cross(d, p - sa), cross(d, q - sa)
        d3, d4 = cross(e, sa - p), cross(e, sb - p)
        proper = (d1 * d2 < -eps) & (d3 * d4 < -eps)
        inside = np.ones(len(sa), bool)
        for t in (0.25, 0.5, 0.75):
            pt = sa[:, 0] + t * d[:, 0]  # (k, 2)
            y, x = pt[:, None, 1], pt[:, None, 0]
            straddle = (p[None, :, 1] > y) != (q[None, :, 1] > y)
            xc = p[None, :, 0] + (y - p[None, :, 1]) * (q[None, :, 0] - p[None, :, 0]) / np.where(
                q[None, :, 1] == p[None, :, 1], 1.0, q[None, :, 1] - p[None, :, 1])
            on_line = _distance_to_segments(pt, p, q) < 1e-6  # along the outline itself: on the cloth
            inside &= ((np.sum(straddle & (xc > x), axis=1) % 2) == 1) | on_line
        ok[lo:lo + 512] = ~proper.any(1) & inside
    return ok


def _distance_to_segments(pt: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(k,) distance [m] from each point (k, 2) to the nearest of the segments p -> q (m, 2)."""
    e = q - p
    t = np.clip(((pt[:, None] - p[None]) * e[None]).sum(-1) / np.maximum((e * e).sum(-1), 1e-20)[None], 0.0, 1.0)
    return np.linalg.norm(pt[:, None] - (p[None] + t[..., None] * e[None]), axis=-1).min(1)


def _within_panels(garment: Garment, rest: np.ndarray, edge: float):
    """Anchor ids per (panel, spacing) and the anchor pairs (with their rest distances) inside panels.

    A pair's 2D distance bounds its 3D distance only when the straight line between them stays on the
    cloth: across a slit, a notch, a dart or a concave curve (a crotch) the cloth may open wider, so such
    pairs are left out (a limit across a skirt's slit crumpled the whole skirt while it was sewn)."""
    anchors, pairs = {}, []
    border = boundary_edges(garment.faces)
    for p in range(len(garment.panel_names)):
        verts = np.flatnonzero(garment.vertex_panel == p)
        if len(verts) < 4:
            continue
        pts = rest[verts]
        own = border[garment.vertex_panel[border[:, 0]] == p]
        outline = rest[own]  # (m, 2, 2)
        extent = np.ptp(pts, axis=0).max()
        for level in LEVELS:
            s = level * edge
            if s > extent:
                break
            ids = verts[_anchors(pts, s)]
            anchors[p, s] = ids
            found = cKDTree(rest[ids]).query_pairs(1.5 * s, output_type="ndarray")
            if len(found):
                ij = ids[found]
                ij = ij[segments_inside(rest[ij[:, 0]], rest[ij[:, 1]], outline)]
                pairs.append((ij, np.linalg.norm(rest[ij[:, 1]] - rest[ij[:, 0]], axis=1), np.full(len(ij), s)))
    return anchors, pairs


def _across_seams(garment: Garment, rest: np.ndarray, anchors: dict):
    """Anchor pairs on two sewn panels; rest distance = shortest path through a seam point."""
    sp = garment.seam_pairs.astype(np.int64)
    pairs = []
    for (pa, s), ids_a in anchors.items():
        for (pb, s2), ids_b in anchors.items():
            if s2 != s or pb <= pa:
                continue
            sel = (garment.vertex_panel[sp[:, 0]] == pa) & (garment.vertex_panel[sp[:, 1]] == pb)
            flip = (garment.vertex_panel[sp[:, 0]] == pb) & (garment.vertex_panel[sp[:, 1]] == pa)
            seam = np.concatenate([sp[sel], sp[flip][:, ::-1]])  # (k, 2): (vertex on a, vertex on b)
            if len(seam) == 0:
                continue
            da = np.linalg.norm(rest[ids_a][:, None] - rest[seam[:, 0]][None], axis=2)  # (na, k)
            db = np.linalg.norm(rest[seam[:, 1]][:, None] - rest[ids_b][None], axis=2)  # (k, nb)
            near_a, near_b = da.min(1) < 1.5 * s, db.min(0) < 1.5 * s
            if not near_a.any() or not near_b.any():
                continue
            path = (da[near_a][:, :, None] + db[:, near_b][None]).min(1)  # (na', nb') via the seam
            i, j = np.nonzero(path < 1.5 * s)
            if len(i):
                ij = np.stack([ids_a[near_a][i], ids_b[near_b][j]], 1)
                pairs.append((ij, path[i, j], np.full(len(i), s)))
    return pairs


def long_range_constraints(garment: Garment, fabric: Fabric, edge: float, direction_weights):
    """(idx (c, 4), cw (c, 4) rest length in column 0, compliance (c,)) for every panel and level,
    including pairs that straddle a seam (so a sewn hoop — a waistband — keeps its length too).

    ``edge`` is the typical rest edge length [m]; ``direction_weights(d, grain)`` gives the
    (warp, weft, bias) weights of 2D directions (taken in the first vertex's panel).
    """
    rest = garment.rest.astype(np.float64)
    anchors, pairs = _within_panels(garment, rest, edge)
    pairs += _across_seams(garment, rest, anchors)
    if not pairs:
        return np.zeros((0, 4), np.int64), np.zeros((0, 4)), np.zeros(0)
    ij = np.concatenate([p[0] for p in pairs])
    length = np.concatenate([p[1] for p in pairs])
    s = np.concatenate([p[2] for p in pairs])
    d = rest[ij[:, 1]] - rest[ij[:, 0]]  # direction only meaningful inside one panel; seams use panel a's
    grain = garment.panel_grain[garment.vertex_panel[ij[:, 0]]].astype(np.float64)
    grain /= np.maximum(np.linalg.norm(grain, axis=1, keepdims=True), 1e-12)
    w_warp, w_weft, w_bias = direction_weights(d, grain)
    modulus = w_warp * fabric.stretch_warp + w_weft * fabric.stretch_weft + w_bias * fabric.stretch_bias
    k = modulus * s / np.maximum(length, 1e-9)  # [N/m] a strip s wide and `length` long
    cw = np.zeros((len(ij), 4))
    cw[:, 0] = length
    return np.concatenate([ij, ij], axis=1), cw, 1.0 / k
