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


def _within_panels(garment: Garment, rest: np.ndarray, edge: float):
    """Anchor ids per (panel, spacing) and the anchor pairs (with their rest distances) inside panels."""
    anchors, pairs = {}, []
    for p in range(len(garment.panel_names)):
        verts = np.flatnonzero(garment.vertex_panel == p)
        if len(verts) < 4:
            continue
        pts = rest[verts]
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
