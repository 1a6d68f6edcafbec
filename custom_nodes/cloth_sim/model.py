"""Static cloth model: what the solver needs from a garment and a fabric, as NumPy arrays.

Rest shape comes from the 2D pattern coordinates (never from the placed 3D positions), masses from
area density × triangle area, stretch constraints along every mesh edge with a stiffness chosen by
the edge's angle to the panel's grain (warp / bias / weft), isometric bending stencils on interior
edges, and zero-length seam constraints. Constraints are graph-coloured for a deterministic
Gauss-Seidel sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fabric import Fabric
from ..core.garment import Garment
from .longrange import long_range_constraints

STRETCH, BEND, SEAM, LONG, LONG_SEAM, SEAM_BEND = 0, 1, 2, 3, 4, 5
MIN_AREA = 1e-10  # [m²] rest triangles smaller than this are rejected


@dataclass(frozen=True, eq=False)
class ClothModel:
    """Constraint arrays sorted by colour; ``colour_offsets[c]:colour_offsets[c+1]`` is colour ``c``."""

    n_vertices: int
    mass: np.ndarray  # [kg], (n,) float64
    inv_mass: np.ndarray  # [1/kg], (n,) float32, 0 for pinned vertices
    faces: np.ndarray  # (m, 3) int32
    edges: np.ndarray  # (e, 2) int32 unique mesh edges
    ctype: np.ndarray  # (c,) int32 STRETCH / BEND / SEAM / LONG (one-sided long-range limit) / LONG_SEAM (same, across a seam) / SEAM_BEND
    # (bending across a seam, once it is sewn)
    cidx: np.ndarray  # (c, 4) int32 vertex ids (distance constraints use the first two)
    cw: np.ndarray  # (c, 4) float32: rest length [m] in column 0, or bending weights K
    compliance: np.ndarray  # (c,) float32 [m/N] (inverse stiffness)
    colour_offsets: np.ndarray  # (k+1,) int64
    rep: np.ndarray  # (n,) int32 representative vertex after sewing (for self-collision exclusion)
    max_edge: float  # [m] longest rest edge
    pins: np.ndarray  # (p,) int32 pinned vertex ids
    rest_uvp: np.ndarray  # (n, 3) float32: pattern coords [m] and panel index (self-collision neighbourhood)
    seam_dist: np.ndarray  # [m], (n,) float32 pattern distance to the panel's nearest seam vertex (inf: none)


def unique_edges(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique undirected edges (e, 2) and, per edge, the faces using it as an (e, 2) array (-1 if none)."""
    half = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    face_of = np.tile(np.arange(len(faces)), 3)
    key = np.sort(half, axis=1)
    order = np.lexsort((face_of, key[:, 1], key[:, 0]))
    key, face_of = key[order], face_of[order]
    first = np.ones(len(key), bool)
    first[1:] = np.any(key[1:] != key[:-1], axis=1)
    edge_id = np.cumsum(first) - 1
    edges = key[first].astype(np.int32)
    adj = np.full((len(edges), 2), -1, np.int64)
    slot = np.arange(len(key)) - np.flatnonzero(first)[edge_id]
    ok = slot < 2
    adj[edge_id[ok], slot[ok]] = face_of[ok]
    return edges, adj


def _direction_weights(d: np.ndarray, grain: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights (warp, weft, bias) of 2D directions ``d`` (e, 2) against unit grains (e, 2); they sum to 1."""
    unit = d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
    c2 = np.einsum("ij,ij->i", unit, grain) ** 2  # cos² of the angle to the warp
    axis = (2 * c2 - 1) ** 2  # cos²(2θ): 1 along warp or weft, 0 on the bias
    return axis * (c2 >= 0.5), axis * (c2 < 0.5), 1 - axis


def check_rest_shape(garment: Garment) -> np.ndarray:
    """Rest areas [m²]; raises if a triangle has (near) zero area in pattern space."""
    areas = garment.face_rest_areas
    bad = np.flatnonzero(~(areas > MIN_AREA))
    if len(bad):
        raise InvalidInputError(f"{len(bad)} triangle(s) have zero area in pattern space (first: "
                                f"{bad[:5].tolist()}); re-triangulate the pattern", field="Garment.faces")
    if len(garment.faces) == 0:
        raise InvalidInputError("the garment has no triangles", field="Garment.faces")
    return areas


def gathered_lengths(garment: Garment, edges: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Rest lengths [m] with every pair of sewn-together edges at the shorter of the two.

    A seam joining a longer side to a shorter one gathers the longer (waistbands, cuffs, gathered skirts).
    GarmentCode does exactly this: both sides get the same number of seam vertices, and each seam edge's
    rest length is the shorter of its two sides' (pygarment/meshgen/boxmeshgen.py:659-664 and 1283-1314 at
    d449629), so the longer side is gathered, not fought."""
    if len(garment.seam_pairs) == 0:
        return length
    rep = representatives(garment.n_vertices, garment.seam_pairs.astype(np.int64))
    key = np.sort(rep[edges], axis=1).astype(np.int64)  # sewn-together edges share their ends' representatives
    flat = key[:, 0] * garment.n_vertices + key[:, 1]
    _, group = np.unique(flat, return_inverse=True)
    shortest = np.full(group.max() + 1, np.inf)
    np.minimum.at(shortest, group, length)
    return np.minimum(length, shortest[group])


def _stretch(garment: Garment, fabric: Fabric, edges, adj, areas):
    rest = garment.rest.astype(np.float64)
    d = rest[edges[:, 1]] - rest[edges[:, 0]]
    length = gathered_lengths(garment, edges, np.linalg.norm(d, axis=1))
    grain = garment.panel_grain[garment.vertex_panel[edges[:, 0]]].astype(np.float64)
    grain /= np.maximum(np.linalg.norm(grain, axis=1, keepdims=True), 1e-12)
    w_warp, w_weft, w_bias = _direction_weights(d, grain)
    modulus = w_warp * fabric.stretch_warp + w_weft * fabric.stretch_weft + w_bias * fabric.stretch_bias
    share = np.where(adj >= 0, areas[np.maximum(adj, 0)], 0.0).sum(1) / 3.0  # area the edge carries
    k = modulus * share / np.maximum(length, 1e-9) ** 2  # [N/m] spring constant
    cw = np.zeros((len(edges), 4))
    cw[:, 0] = length
    idx = np.zeros((len(edges), 4), np.int64)
    idx[:, :2] = edges
    idx[:, 2:] = edges[:, :1]
    return idx, cw, 1.0 / k, length.max()


def _cot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    cross = np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    return np.einsum("ij,ij->i", u, v) / np.maximum(cross, 1e-12)


def _bend_stiffness(fold: np.ndarray, grain: np.ndarray, fabric: Fabric) -> np.ndarray:
    """Bending rigidity [N·m] about fold lines ``fold`` (e, 2) in cloth of unit ``grain`` (e, 2): a fold
    along the weft bends the warp yarns (KES "warp" bending)."""
    w_warp, w_weft, w_bias = _direction_weights(fold, grain)
    return w_weft * fabric.bend_warp + w_warp * fabric.bend_weft + w_bias * 0.5 * (fabric.bend_warp + fabric.bend_weft)


def _bending(garment: Garment, fabric: Fabric, edges, adj, areas):
    """Isometric bending stencils (Bergou et al. 2006) on interior edges, K weights from the rest shape."""
    inner = np.all(adj >= 0, axis=1)
    e, f = edges[inner], adj[inner]
    faces = garment.faces
    other = np.empty((len(e), 2), np.int64)
    for s in range(2):
        fv = faces[f[:, s]]  # (e, 3)
        mask = (fv != e[:, :1]) & (fv != e[:, 1:])
        other[:, s] = fv[np.arange(len(e)), np.argmax(mask, axis=1)]
    r = garment.rest.astype(np.float64)
    x0, x1, x2, x3 = r[e[:, 0]], r[e[:, 1]], r[other[:, 0]], r[other[:, 1]]
    e0, e1, e2, e3, e4 = x1 - x0, x2 - x0, x3 - x0, x2 - x1, x3 - x1
    c01, c02, c03, c04 = _cot(e0, e1), _cot(e0, e2), _cot(-e0, e3), _cot(-e0, e4)
    weights = np.stack([c03 + c04, c01 + c02, -c01 - c03, -c02 - c04], 1)
    grain = garment.panel_grain[garment.vertex_panel[e[:, 0]]].astype(np.float64)
    grain /= np.maximum(np.linalg.norm(grain, axis=1, keepdims=True), 1e-12)
    bend = _bend_stiffness(e0, grain, fabric)
    k = bend * 3.0 / (areas[f[:, 0]] + areas[f[:, 1]])  # [N/m] on C = Σ K x
    keep = k > 0
    idx = np.stack([e[:, 0], e[:, 1], other[:, 0], other[:, 1]], 1)[keep]
    return idx, weights[keep], 1.0 / k[keep]


def _seam_hinges(garment: Garment, fabric: Fabric, edges, adj, areas):
    """Bending stencils across seams: a boundary edge (a, b) sewn to a boundary edge (a', b') of another
    panel (or of the same one) is a hinge between their two triangles, as if the seam's vertices were
    merged, which is how GarmentCode meshes a garment (pygarment/meshgen/boxmeshgen.py: seam vertices are
    shared). Without it a seam is a free hinge: a sleeve folds under the bodice at its armhole at no cost,
    and the fold is cloth through cloth. Weights come from each triangle's own rest shape."""
    empty = np.zeros((0, 4), np.int64), np.zeros((0, 4)), np.zeros(0)
    if len(garment.seam_pairs) == 0:
        return empty
    border = np.flatnonzero(adj[:, 1] < 0)
    rep = representatives(garment.n_vertices, garment.seam_pairs.astype(np.int64))
    key = np.sort(rep[edges[border]], axis=1).astype(np.int64)
    flat = key[:, 0] * garment.n_vertices + key[:, 1]
    order = np.argsort(flat, kind="stable")
    flat, border = flat[order], border[order]
    first = np.flatnonzero((flat[:-1] == flat[1:]) & np.r_[True, flat[1:-1] != flat[:-2]]
                           & np.r_[flat[2:] != flat[1:-1], True])  # keys held by exactly two border edges
    e1, e2 = border[first], border[first + 1]
    if len(e1) == 0:
        return empty
    faces = garment.faces
    a, b = edges[e1, 0], edges[e1, 1]
    a2, b2 = edges[e2, 0], edges[e2, 1]
    flip = rep[a2] != rep[a]
    a2, b2 = np.where(flip, b2, a2), np.where(flip, a2, b2)
    f1, f2 = adj[e1, 0], adj[e2, 0]
    r = garment.rest.astype(np.float64)
    t0, t1 = r[b] - r[a], r[b2] - r[a2]  # the hinge edge in each panel's own pattern space
    l0, l1 = np.linalg.norm(t0, axis=1), np.linalg.norm(t1, axis=1)
    # a gathered edge has no flat rest state across the seam: leave it a hinge
    ok = (f1 != f2) & (rep[a] != rep[b]) & (np.abs(l0 - l1) <= 0.1 * np.maximum(l0, l1))

    def opposite(f, p, q):
        fv = faces[f]
        mask = (fv != p[:, None]) & (fv != q[:, None])
        return fv[np.arange(len(f)), np.argmax(mask, axis=1)]

    c, d = opposite(f1, a, b), opposite(f2, a2, b2)
    c01, c03 = _cot(t0, r[c] - r[a]), _cot(-t0, r[c] - r[b])
    c02, c04 = _cot(t1, r[d] - r[a2]), _cot(-t1, r[d] - r[b2])
    weights = np.stack([c03 + c04, c01 + c02, -c01 - c03, -c02 - c04], 1)
    grain = garment.panel_grain[garment.vertex_panel[a]].astype(np.float64)
    grain /= np.maximum(np.linalg.norm(grain, axis=1, keepdims=True), 1e-12)
    bend = _bend_stiffness(t0, grain, fabric)
    k = bend * 3.0 / (areas[f1] + areas[f2])
    ok &= k > 0
    return np.stack([a, b, c, d], 1)[ok], weights[ok], 1.0 / k[ok]


def _seams(garment: Garment):
    pairs = garment.seam_pairs.astype(np.int64)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    idx = np.concatenate([pairs, pairs], axis=1)
    return idx, np.zeros((len(pairs), 4)), np.zeros(len(pairs))


def colour_constraints(idx: np.ndarray, n_vertices: int) -> np.ndarray:
    """Greedy colouring (in order): constraints of one colour share no vertex. Returns (c,) colours."""
    used = [0] * n_vertices  # per vertex, a bit per colour already touching it
    colours = []
    for a, b, c, d in idx.tolist():  # (distance constraints repeat their two vertices: OR is idempotent)
        mask = used[a] | used[b] | used[c] | used[d]
        bit = ~mask & (mask + 1)  # the lowest free colour
        used[a] |= bit
        used[b] |= bit
        used[c] |= bit
        used[d] |= bit
        colours.append(bit.bit_length() - 1)
    return np.array(colours, np.int64)


def representatives(n: int, pairs: np.ndarray) -> np.ndarray:
    """Union-find over seam pairs: sewn vertices share a representative (the smallest id)."""
    parent = np.arange(n)
    for _ in range(64):  # label propagation, bounded
        before = parent.copy()
        if len(pairs):
            m = np.minimum(parent[pairs[:, 0]], parent[pairs[:, 1]])
            np.minimum.at(parent, pairs[:, 0], m)
            np.minimum.at(parent, pairs[:, 1], m)
        parent = parent[parent]
        if np.array_equal(parent, before):
            break
    return parent.astype(np.int32)


def _seam_distance(garment: Garment) -> np.ndarray:
    """[m], (n,) float32: pattern-space distance from each vertex to its panel's nearest seam vertex."""
    from scipy.spatial import cKDTree

    out = np.full(garment.n_vertices, 1e9, np.float32)
    sewn = np.zeros(garment.n_vertices, bool)
    sewn[garment.seam_pairs.ravel()] = True
    for p in range(len(garment.panel_names)):
        own = garment.vertex_panel == p
        if (own & sewn).any():
            out[own] = cKDTree(garment.rest[own & sewn]).query(garment.rest[own])[0]
    return out


def build_model(garment: Garment, fabric: Fabric, pins: np.ndarray | None = None) -> ClothModel:
    """The static model of ``garment`` made of ``fabric``; ``pins`` are vertex ids held in place."""
    areas = check_rest_shape(garment)
    n = garment.n_vertices
    mass = np.zeros(n)
    np.add.at(mass, garment.faces.ravel(), np.repeat(areas / 3.0 * fabric.area_density, 3))
    if np.any(mass <= 0):
        raise InvalidInputError(f"{int(np.sum(mass <= 0))} vertices belong to no triangle", field="Garment.faces")
    pins = np.unique(np.asarray([] if pins is None else pins, np.int64))
    if len(pins) and (pins.min() < 0 or pins.max() >= n):
        raise InvalidInputError(f"pin ids must lie in [0, {n})", field="pins")
    inv_mass = 1.0 / mass
    inv_mass[pins] = 0.0
    edges, adj = unique_edges(garment.faces)
    parts = [_stretch(garment, fabric, edges, adj, areas)]
    max_edge = parts[0][3]
    edge = float(np.median(parts[0][1][:, 0]))
    parts = [parts[0][:3], _bending(garment, fabric, edges, adj, areas),
             _seam_hinges(garment, fabric, edges, adj, areas), _seams(garment),
             long_range_constraints(garment, fabric, edge, _direction_weights)]
    types = np.concatenate([np.full(len(p[0]), t)
                            for t, p in zip((STRETCH, BEND, SEAM_BEND, SEAM, LONG), parts, strict=True)])
    same_panel = garment.vertex_panel[parts[4][0][:, 0]] == garment.vertex_panel[parts[4][0][:, 1]]
    types[len(types) - len(same_panel):][~same_panel] = LONG_SEAM
    idx = np.concatenate([p[0] for p in parts]).astype(np.int64)
    cw = np.concatenate([p[1] for p in parts])
    comp = np.concatenate([p[2] for p in parts])
    # Sweep order: stretch and bending, then the long-range limits, then the seams, each group in its own
    # colours: a sweep ends with the garment's global length held (a soft sweep on a fine mesh lets a
    # waistband slide and stretch over the hips otherwise) and with its seams satisfied.
    group = np.where(types == SEAM, 2, np.where((types == LONG) | (types == LONG_SEAM), 1, 0))
    colours = np.zeros(len(types), np.int64)
    for g in range(3):
        sel = group == g
        if sel.any():
            colours[sel] = colour_constraints(idx[sel], n) + (colours.max() + 1 if g and (group < g).any() else 0)
    order = np.argsort(colours, kind="stable")
    offsets = np.searchsorted(colours[order], np.arange(colours.max() + 2))
    return ClothModel(n, mass, inv_mass.astype(np.float32), garment.faces, edges, types[order].astype(np.int32),
                      idx[order].astype(np.int32), cw[order].astype(np.float32), comp[order].astype(np.float32),
                      offsets.astype(np.int64), representatives(n, garment.seam_pairs.astype(np.int64)),
                      float(max_edge), pins.astype(np.int32),
                      np.column_stack([garment.rest, garment.vertex_panel]).astype(np.float32),
                      _seam_distance(garment))
