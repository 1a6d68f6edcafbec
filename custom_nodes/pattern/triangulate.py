"""Pattern → Garment: resample outlines, match seam vertex counts, mesh every panel, pair seam vertices.

Each edge is split by arc length into segments of about the target length (graded down next to short
neighbouring edges so corners stay well shaped). Both sides of a seam get the same number of samples —
the count the longer side needs — at the same fractions of their length, so sample k of side a is sewn
to sample k of side b. Panels are meshed by :func:`mesher.mesh_polygon`; positions start flat
(``(x + offset, y, 0)``, panels side by side) until :mod:`placement` wraps them around a body.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.errors import InvalidInputError
from ..core.garment import Garment
from ..core.pattern import Edge, Panel, Pattern, Seam, SeamSide
from ..core.progress import report
from .curves import edge_length, outline, polygon_area, sample_edge
from .mesher import MIN_ANGLE, mesh_polygon

GROWTH = 1.3  # ratio between neighbouring boundary segments where spacing is graded
MAX_VERTICES = 2_000_000  # refuse meshes that would not fit a simulation anyway


def graded_fractions(length: float, h: float, s0: float, s1: float) -> np.ndarray:
    """Arc-length fractions (k + 1,) from 0 to 1: steps start at ``s0``, grow by ``GROWTH`` up to ``h``,
    stay at ~``h`` and shrink to ``s1`` at the end. ``length``, ``h``, ``s0``, ``s1`` in metres."""
    def ramp(s: float) -> list[float]:
        steps = []
        while s < h * 0.95 and len(steps) < 30:
            steps.append(s)
            s *= GROWTH
        return steps

    a, b = ramp(max(s0, 1e-4)), ramp(max(s1, 1e-4))
    middle = length - sum(a) - sum(b)
    if middle < 0.5 * h:
        n = max(1, int(round(length / min(h, max(s0, s1, 1e-4)))))
        return np.linspace(0.0, 1.0, n + 1)
    n_mid = max(1, int(round(middle / h)))
    steps = np.array(a + [middle / n_mid] * n_mid + b[::-1])
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    return cum / cum[-1]


def _end_spacing(panel: Panel, lengths: list[float], h: float) -> list[tuple[float, float]]:
    """Per edge: wanted segment length at its start and end, limited by the neighbouring edge lengths."""
    n = len(panel.edges)
    out = []
    for i in range(n):
        prev_len, next_len = lengths[(i - 1) % n], lengths[(i + 1) % n]
        out.append((min(h, 1.2 * prev_len, lengths[i]), min(h, 1.2 * next_len, lengths[i])))
    return out


def _seam_fractions(pattern: Pattern, seam: Seam, info: dict, h: float, ratio: float, index: int) -> None:
    """Fill ``info[(panel, edge)]`` with the sample fractions of both sides of one seam."""
    sides = (seam.a, seam.b)
    lens = [[info[(s.panel, e)]["length"] for e in s.edges] for s in sides]
    totals = [sum(x) for x in lens]
    if max(totals) > ratio * min(totals):
        raise InvalidInputError(
            f"seam {index} ('{seam.label}') joins sides of very different length: {totals[0] * 100:.1f} cm on "
            f"'{seam.a.panel}' and {totals[1] * 100:.1f} cm on '{seam.b.panel}' (ratio above {ratio:g})",
            field="Pattern.seams")
    if all(len(s.edges) == 1 for s in sides):
        walk_ends = [info[(s.panel, s.edges[0])]["ends"][:: -1 if s.reverse else 1] for s in sides]
        f = graded_fractions(max(totals), h, min(w[0] for w in walk_ends), min(w[1] for w in walk_ends))
        for s in sides:
            info[(s.panel, s.edges[0])]["fractions"] = 1.0 - f[::-1] if s.reverse else f
        return
    n_total = max(max(len(s.edges) for s in sides), int(round(max(totals) / h)))
    for side, ls in zip(sides, lens, strict=False):
        for e, c in zip(side.edges, split_count(ls, n_total), strict=True):
            info[(side.panel, e)]["fractions"] = np.linspace(0.0, 1.0, int(c) + 1)


def split_count(lengths, total: int) -> np.ndarray:
    """Segments per edge, at least one each, ``total`` in all, shared by length (largest remainders first)."""
    lengths = np.asarray(lengths, np.float64)
    share = lengths / lengths.sum() * (total - len(lengths))
    counts = np.floor(share).astype(int)
    counts[np.argsort(counts - share)[: total - len(lengths) - counts.sum()]] += 1
    return counts + 1


def plan_samples(pattern: Pattern, h: float, max_seam_ratio: float = 3.0) -> dict:
    """Per (panel name, edge index): its length, end spacings and arc-length sample fractions."""
    info = {}
    for panel in pattern.panels:
        lengths = [edge_length(panel, i) for i in range(len(panel.edges))]
        for i, (L, ends) in enumerate(zip(lengths, _end_spacing(panel, lengths, h), strict=False)):
            info[(panel.name, i)] = {"length": L, "ends": ends, "fractions": None}
    used: dict[tuple[str, int], int] = {}
    for k, seam in enumerate(pattern.seams):
        if seam.a.panel == seam.b.panel and set(seam.a.edges) & set(seam.b.edges):
            raise InvalidInputError(f"seam {k} ('{seam.label}') sews edges {sorted(set(seam.a.edges) & set(seam.b.edges))} "
                                    f"of '{seam.a.panel}' to themselves", field="Pattern.seams")
        for side in (seam.a, seam.b):
            n_edges = len(pattern.panel(side.panel).edges)
            if any((b - a) % n_edges != 1 for a, b in zip(side.edges[:-1], side.edges[1:], strict=True)):
                raise InvalidInputError(f"seam {k} side on '{side.panel}' lists edges {side.edges}, which are not "
                                        f"consecutive along the outline", field="Pattern.seams")
            for e in side.edges:
                if (side.panel, e) in used and used[(side.panel, e)] != k:
                    raise InvalidInputError(f"edge {e} of panel '{side.panel}' is in seams {used[(side.panel, e)]} "
                                            f"and {k}; an edge can be sewn only once", field="Pattern.seams")
                used[(side.panel, e)] = k
        _seam_fractions(pattern, seam, info, h, max_seam_ratio, k)
    for rec in info.values():
        if rec["fractions"] is None:
            rec["fractions"] = graded_fractions(rec["length"], h, *rec["ends"])
    return info


def _panel_boundary(panel: Panel, info: dict) -> tuple[np.ndarray, list[np.ndarray]]:
    """Boundary points (n, 2) and, per edge, the indices of its samples in that array (ends included)."""
    pts, idx, start = [], [], 0
    n_edges = len(panel.edges)
    counts = [len(info[(panel.name, i)]["fractions"]) - 1 for i in range(n_edges)]
    total = sum(counts)
    for i in range(n_edges):
        s = sample_edge(panel, i, fractions=info[(panel.name, i)]["fractions"])
        pts.append(s[:-1])
        idx.append((start + np.arange(counts[i] + 1)) % total)
        start += counts[i]
    return np.concatenate(pts), idx


def triangulate(pattern: Pattern, edge_length: float = 0.01, *, max_seam_ratio: float = 3.0,
                on_progress=None) -> Garment:
    """Mesh every panel at ``edge_length`` [m]; returns a flat :class:`Garment` with seam vertex pairs."""
    if not (0.002 <= edge_length <= 0.2):
        raise InvalidInputError(f"must lie in [0.2, 20] cm, got {edge_length * 100:g} cm", field="edge_length")
    area = sum(abs(polygon_area(outline(p, 8))) for p in pattern.panels)
    estimate = area / (0.433 * edge_length ** 2)  # vertices of a hexagonal lattice at that spacing
    if estimate > MAX_VERTICES:
        raise InvalidInputError(f"{edge_length * 100:g} cm triangles would need ~{estimate / 1e6:.1f} M vertices "
                                f"for {area:.2f} m² of panels (limit {MAX_VERTICES / 1e6:g} M); use longer edges",
                                field="edge_length")
    pattern = clean_outlines(pattern, edge_length)
    info = plan_samples(pattern, edge_length, max_seam_ratio)
    rest, faces, vpanel, positions, edge_vertices = [], [], [], [], {}
    quality, notes = {}, []
    offset, x_shift = 0, 0.0
    for p_i, panel in enumerate(pattern.panels):
        boundary, idx = _panel_boundary(panel, info)
        ccw = polygon_area(boundary) > 0
        mesh_b = boundary if ccw else boundary[::-1]
        rep: dict = {}
        pts, tris = mesh_polygon(mesh_b, edge_length, internal=panel.internal_lines, name=panel.name, report=rep)
        quality[panel.name] = rep
        notes += [f"'{panel.name}': a corner of {c['angle']:.0f}° at ({c['at'][0] * 1000:.0f}, "
                  f"{c['at'][1] * 1000:.0f}) mm is sharper than {MIN_ANGLE:g}°: {c['thin_triangles']} triangle(s) "
                  f"there stay thinner" for c in rep["sharp_corners"]]
        if not ccw:  # map mesher order back so boundary samples keep their indices
            n = len(boundary)
            perm = np.concatenate([np.arange(n)[::-1], np.arange(n, len(pts))])
            inv = np.empty_like(perm)
            inv[perm] = np.arange(len(perm))
            pts, tris = pts[inv], perm[tris]
        for i, ix in enumerate(idx):
            edge_vertices[(panel.name, i)] = ix + offset
        rest.append(pts)
        faces.append(tris + offset)
        vpanel.append(np.full(len(pts), p_i))
        lo, hi = pts.min(0), pts.max(0)
        positions.append(np.c_[pts[:, 0] - lo[0] + x_shift, pts[:, 1], np.zeros(len(pts))])
        x_shift += hi[0] - lo[0] + 0.05
        offset += len(pts)
        report(on_progress, p_i + 1, len(pattern.panels))
    pairs, of_pair = _seam_pairs(pattern, edge_vertices)
    pattern = replace(pattern, metadata={**pattern.metadata, "mesh_quality": quality, "mesh_notes": notes})
    return Garment(pattern.name, np.concatenate(rest), np.concatenate(positions), np.concatenate(faces),
                   np.concatenate(vpanel), tuple(p.name for p in pattern.panels),
                   tuple(p.body_part for p in pattern.panels), np.stack([p.grain for p in pattern.panels]),
                   pairs, of_pair, tuple(s.label or f"seam {k}" for k, s in enumerate(pattern.seams)), pattern)


def side_vertices(side, edge_vertices: dict) -> np.ndarray:
    """Global vertex indices along a seam side in walking order (ends included)."""
    runs = [edge_vertices[(side.panel, e)] for e in side.edges]
    walk = np.concatenate([runs[0]] + [r[1:] for r in runs[1:]])
    return walk[::-1] if side.reverse else walk


def _seam_pairs(pattern: Pattern, edge_vertices: dict) -> tuple[np.ndarray, np.ndarray]:
    pairs, of_pair = [], []
    for k, seam in enumerate(pattern.seams):
        a, b = side_vertices(seam.a, edge_vertices), side_vertices(seam.b, edge_vertices)
        if len(a) != len(b):
            raise InvalidInputError(f"seam {k} sides got {len(a)} and {len(b)} vertices", field="Pattern.seams")
        keep = a != b
        pairs.append(np.stack([a[keep], b[keep]], 1))
        of_pair.append(np.full(int(keep.sum()), k))
    if not pairs:
        return np.zeros((0, 2), np.int32), np.zeros(0, np.int32)
    return np.concatenate(pairs), np.concatenate(of_pair)


SOFT_TURN = 20.0  # [deg] an outline vertex turning less than this lies on a curve that CAD drew as short lines


def clean_outlines(pattern: Pattern, h: float) -> Pattern:
    """Outlines made meshable at edge length ``h``: CAD flattens curves into short straight edges, some tiny and
    some nearly doubled. Between two straight edges of one label, a vertex that is not a real corner (turning
    less than SOFT_TURN) and has an edge shorter than h/2 beside it goes, when the outline moves by at most
    h/20; a vertex closer than h/50 to the next goes whatever its turn. Seam ends, the fold and curved edges
    stay; seams and notches are carried over. Returns ``pattern`` itself when nothing changes."""
    hard: dict[str, set[int]] = {q.name: set() for q in pattern.panels}
    for seam in pattern.seams:
        for side in (seam.a, seam.b):
            n = len(pattern.panel(side.panel).edges)
            hard[side.panel] |= {side.edges[0], (side.edges[-1] + 1) % n}
    panels, maps = [], {}
    for panel in pattern.panels:
        if panel.fold_edge >= 0:
            hard[panel.name] |= {panel.fold_edge, (panel.fold_edge + 1) % len(panel.edges)}
        cleaned, maps[panel.name] = _clean_panel(panel, h, hard[panel.name])
        panels.append(cleaned)
    if all(a is b for a, b in zip(panels, pattern.panels, strict=True)):
        return pattern

    def side(s: SeamSide) -> SeamSide:
        run = [maps[s.panel][e] for e in s.edges]
        return replace(s, edges=tuple(e for k, e in enumerate(run) if k == 0 or e != run[k - 1]))

    seams = tuple(replace(s, a=side(s.a), b=side(s.b)) for s in pattern.seams)
    return replace(pattern, panels=tuple(panels), seams=seams)


def _clean_panel(panel: Panel, h: float, hard: set[int]) -> tuple[Panel, list[int]]:
    """(panel, new edge index of each old edge); see :func:`clean_outlines`."""
    n = len(panel.edges)
    loop = panel.vertices.astype(np.float64)[[e.start for e in panel.edges]]
    alive = list(range(n))

    def removable(k: int) -> bool:
        e0, e1 = panel.edges[k - 1], panel.edges[k]
        return k not in hard and e0.kind == e1.kind == "line" and e0.label == e1.label

    while len(alive) > 3:
        best, best_len = None, np.inf
        for j, k in enumerate(alive):
            if not removable(k):
                continue
            a, b, c = loop[alive[j - 1]], loop[k], loop[alive[(j + 1) % len(alive)]]
            short = min(np.linalg.norm(b - a), np.linalg.norm(c - b))
            u, w = b - a, c - b
            turn = np.degrees(np.arctan2(abs(u[0] * w[1] - u[1] * w[0]), u @ w))
            chord = c - a
            off = abs(chord[0] * (b - a)[1] - chord[1] * (b - a)[0]) / max(np.linalg.norm(chord), 1e-12)
            if (short < h / 50 or (short < h / 2 and turn < SOFT_TURN and off <= h / 20)) and short < best_len:
                best, best_len = j, short
        if best is None:
            break
        alive.pop(best)
    if len(alive) == n:
        return panel, list(range(n))
    owner = np.searchsorted(alive, np.arange(n), side="right") - 1  # old edge i lies on the new edge from alive[k]
    owner[owner < 0] = len(alive) - 1
    m = len(alive)
    verts = loop[alive]
    notches: dict[int, list[float]] = {k: [] for k in range(m)}
    for i, e in enumerate(panel.edges):
        k = int(owner[i])
        if not e.notches:
            continue
        if e.kind != "line" or len(notches) and alive[k] == i and alive[(k + 1) % m] == (i + 1) % n:
            notches[k] += list(e.notches)
            continue
        a, b = verts[k], verts[(k + 1) % m]
        for t in e.notches:
            q = loop[i] + t * (loop[(i + 1) % n] - loop[i])
            notches[k].append(float(np.clip((q - a) @ (b - a) / max((b - a) @ (b - a), 1e-18), 0, 1)))
    edges = []
    for k in range(m):
        e = panel.edges[alive[k]]
        edges.append(Edge(k, (k + 1) % m, e.kind, e.controls, e.label, tuple(sorted(notches[k]))))
    fold = int(owner[panel.fold_edge]) if panel.fold_edge >= 0 else -1
    return replace(panel, vertices=verts, edges=tuple(edges), fold_edge=fold), [int(x) for x in owner]
