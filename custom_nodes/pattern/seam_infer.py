"""Infer seams for patterns whose files carry none (SVG, DXF), or read them from a sidecar JSON.

Inference: each outline is cut into *sides* at its corners; every side is dropped onto the default
mannequin with :mod:`placement`; two sides of (nearly) equal length that land next to each other are
sewn (side seams, shoulders, underarms); two consecutive equal sides of one panel forming a narrow V cut into it
are a dart, sewn leg to leg. A side on a sleeve as long as two unmatched sides of the
torso together (the cap against the front + back armholes) is split where their lengths say and sewn
to both. The result is listed in ``metadata['inferred_seams']`` so a person can review it on the
preview; a sidecar JSON overrides it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..core.errors import FileFormatError, InvalidInputError
from ..core.pattern import Edge, Panel, Pattern, Seam, SeamSide
from .curves import dense_edge, edge_length, eval_edge
from .placement import _place_panel, body_from

CORNER_DEG = 25.0  # turning angle that ends a side
LENGTH_TOL = 0.05  # relative length difference allowed between sewn sides
NEAR_M = 0.3  # [m] how close two sides must land on the mannequin to be sewn
UNEVEN_M = 0.08  # [m] how much farther apart two sewn sides may land at their middles than at their nearer ends;
# not checked between sides running along a limb (a sleeve or leg seam): limb panels land less evenly, and a
# limb's openings run round it


TUBE_REACH = 1.5  # a limb panel's two long sides, sewn into a tube, may land this many times NEAR_M apart: a
# one-piece trouser leg wraps part way round the leg's cylinder, so its sides land across the leg from each other
RISE_TOP = 0.05  # [m] a rise (centre front or back of a trouser leg) reaches this close to its panel's top
UNDERARM_DROP = 0.05  # [m] the front and back armholes meet at the underarm, at least this far below the shoulder
CENTRE_X = 0.12  # [m] sides of a part's left and right copies are sewn only this close to the body's midline
LEG_CENTRE_X = 0.08  # [m] ... for a trouser leg's two copies (the rise); their waist sides reach 13 cm out
CHORD_SHARE = 0.5  # a side whose chord is at least this share of its length has a direction on the mannequin
ALONGSIDE_COS = 0.3  # a side down a limb and another are sewn only when their chords (one walked backwards) agree this well


def _base(name: str) -> str:
    """A panel's name without its ``_left``/``_right`` copy suffix."""
    for suffix in ("_left", "_right"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Side:
    panel: str
    edges: tuple[int, ...]
    length: float
    points3d: np.ndarray  # (3, 3): start, middle, end on the mannequin
    limb: bool = False  # the panel wraps an arm or a leg
    torso: bool = False  # the panel wraps the torso
    part: str = ""  # the panel's body part
    above_knees: bool = False  # the whole side lies above the knees on the mannequin
    along_limb: bool = False  # the side runs along its arm, or down its leg (not round it)
    below_top: float = 0.0  # [m] how far the side's upper end lies below its panel's top on the mannequin


def _tangents(panel: Panel, i: int) -> tuple[np.ndarray, np.ndarray]:
    pts = dense_edge(panel, i, 64)
    t0, t1 = pts[1] - pts[0], pts[-1] - pts[-2]
    return t0 / max(np.linalg.norm(t0), 1e-12), t1 / max(np.linalg.norm(t1), 1e-12)


def panel_sides(panel: Panel) -> list[tuple[int, ...]]:
    """Runs of consecutive edges between corners (turning angle > CORNER_DEG)."""
    n = len(panel.edges)
    tans = [_tangents(panel, i) for i in range(n)]
    corner = [np.degrees(np.arccos(np.clip(tans[i - 1][1] @ tans[i][0], -1, 1))) > CORNER_DEG for i in range(n)]
    if not any(corner):
        return [tuple(range(n))]
    first = corner.index(True)
    runs, cur = [], []
    for j in range(n):
        i = (first + j) % n
        if corner[i] and cur:
            runs.append(tuple(cur))
            cur = []
        cur.append(i)
    runs.append(tuple(cur))
    return runs


def _run_points(panel: Panel, edges: tuple[int, ...], fractions) -> np.ndarray:
    lens = np.array([edge_length(panel, e) for e in edges])
    cum = np.concatenate([[0], np.cumsum(lens)])
    out = []
    for f in fractions:
        s = f * cum[-1]
        k = min(int(np.searchsorted(cum, s, side="right") - 1), len(edges) - 1)
        pts = dense_edge(panel, edges[k], 64)
        seg = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
        out.append([np.interp(s - cum[k], seg, pts[:, 0]), np.interp(s - cum[k], seg, pts[:, 1])])
    return np.array(out)


def _sides(pattern: Pattern, body) -> list[Side]:
    out = []
    anchors = pattern.metadata.get("anchors", {})
    for panel in pattern.panels:
        for run in panel_sides(panel):
            uv = _run_points(panel, run, (0.0, 0.5, 1.0))
            length = sum(edge_length(panel, e) for e in run)
            both = np.concatenate([panel.vertices.astype(np.float64), uv])
            placed_all = _place_panel(panel, both, body, 0.02, anchors.get(panel.name, "shoulder"), whole=False)
            placed = placed_all[-3:]
            knees = max(body.kp("left_knee")[1], body.kp("right_knee")[1])
            chord = placed[2] - placed[0]
            along = panel.body_part.startswith("arm") or (
                panel.body_part.startswith("leg") and abs(chord[1]) > 2 * np.hypot(chord[0], chord[2]))
            out.append(Side(panel.name, run, length, placed, panel.body_part.startswith(("arm", "leg")),
                            panel.body_part == "torso", panel.body_part, bool(placed[:, 1].min() > knees), along,
                            float(placed_all[:-3, 1].max() - placed[[0, 2], 1].max())))
    return out


def _pair_cost(a: Side, b: Side) -> float:
    """Largest 3D gap [m] (ends and middle) when a is walked forwards and b backwards; inf if the lengths disagree."""
    if a is b or max(a.length, b.length) > (1 + LENGTH_TOL) * min(a.length, b.length):
        return np.inf
    if a.panel == b.panel and not a.limb:  # only a sleeve or trouser leg is sewn to itself (into a tube)
        return np.inf
    if a.panel != b.panel and _base(a.panel) == _base(b.panel) and (a.torso or a.part.startswith("leg")) and \
            np.abs(np.concatenate([a.points3d[:, 0], b.points3d[:, 0]])).max() > (CENTRE_X if a.torso else LEG_CENTRE_X):
        return np.inf  # the two mirrored copies of a part meet only on the centre line (centre back, crotch)
    if a.limb and b.limb and a.part != b.part and not (
            a.part.startswith("leg") and b.part.startswith("leg") and a.above_knees and b.above_knees
            and max(a.below_top, b.below_top) < RISE_TOP):
        return np.inf  # two limbs are never sewn together, except the legs at the rise (centre front and back):
        # above the knees, from the waist down. A shorts leg's inseam lies near the other leg's, but starts at the
        # crotch, not at the waist: it is sewn to its own leg's other inseam
    if min(a.length, b.length) < 0.03:
        return np.inf
    ca, cb = a.points3d[2] - a.points3d[0], b.points3d[0] - b.points3d[2]  # chords, b walked backwards
    na, nb = np.linalg.norm(ca), np.linalg.norm(cb)
    if (a.along_limb or b.along_limb) and na > CHORD_SHARE * a.length and nb > CHORD_SHARE * b.length and \
            ca @ cb < ALONGSIDE_COS * na * nb:
        return np.inf  # a side running down a leg (or along an arm) is sewn to one alongside it, never across it:
        # a trouser's side seam never to its back waist
    gaps = np.linalg.norm(a.points3d - b.points3d[::-1], axis=1)
    mirrored = a.panel != b.panel and _base(a.panel) == _base(b.panel)  # left and right copies: centre seams
    if not (a.along_limb and b.along_limb) and not mirrored and gaps[1] - min(gaps[0], gaps[2]) > UNEVEN_M:
        return np.inf  # touching at an end and bowing apart in the middle: the two sides of an opening (armholes,
        # a front and a back waist or neckline), not a seam, which lies alongside its partner all the way. A shoulder
        # seam, flat-placed, opens steadily towards the neck: its middle gap stays near its end gaps' mean, so it passes
    return float(gaps.max())


def _split_edge(panel: Panel, i: int, frac: float) -> Panel:
    """Split edge ``i`` at arc-length fraction ``frac``; the new vertex is appended, edges after i shift by one."""
    e = panel.edges[i]
    p0, p1 = panel.vertices[e.start].astype(np.float64), panel.vertices[e.end].astype(np.float64)
    dense = dense_edge(panel, i, 400)
    cum = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(dense, axis=0), axis=1))])
    t = float(np.interp(frac * cum[-1], cum, np.linspace(0, 1, len(dense))))
    mid = eval_edge(p0, p1, e, np.array([t]))[0]
    c = e.controls.astype(np.float64)
    if e.kind == "cubic":  # de Casteljau
        a, b = p0 + t * (c[0] - p0), c[0] + t * (c[1] - c[0])
        cc = c[1] + t * (p1 - c[1])
        ab, bc = a + t * (b - a), b + t * (cc - b)
        ctrl1, ctrl2 = np.array([a, ab]), np.array([bc, cc])
    elif e.kind == "quadratic":
        ctrl1, ctrl2 = np.array([p0 + t * (c[0] - p0)]), np.array([c[0] + t * (p1 - c[0])])
    elif e.kind == "arc":
        ctrl1 = eval_edge(p0, p1, e, np.array([t / 2]))
        ctrl2 = eval_edge(p0, p1, e, np.array([(1 + t) / 2]))
    else:
        ctrl1 = ctrl2 = np.zeros((0, 2))
    k = len(panel.vertices)
    verts = np.concatenate([panel.vertices, mid[None].astype(np.float32)])
    first = Edge(e.start, k, e.kind, ctrl1, e.label)
    second = Edge(k, e.end, e.kind, ctrl2, e.label)
    edges = panel.edges[:i] + (first, second) + panel.edges[i + 1:]
    return replace(panel, vertices=verts, edges=edges)


def _split_run(pattern: Pattern, side: Side, frac: float) -> tuple[Pattern, tuple[int, ...], tuple[int, ...]]:
    """Split a side at a length fraction; returns the new pattern and the two edge runs."""
    panel = pattern.panel(side.panel)
    lens = np.array([edge_length(panel, e) for e in side.edges])
    cum = np.concatenate([[0], np.cumsum(lens)]) / lens.sum()
    k = int(np.argmin(np.abs(cum[1:-1] - frac))) + 1 if len(side.edges) > 1 else 0
    if len(side.edges) > 1 and abs(cum[k] - frac) * lens.sum() < 0.01:  # an existing vertex is close enough
        return pattern, side.edges[:k], side.edges[k:]
    j = min(int(np.searchsorted(cum, frac, side="right") - 1), len(side.edges) - 1)
    e = side.edges[j]
    local = (frac - cum[j]) / (cum[j + 1] - cum[j])
    new_panel = _split_edge(panel, e, local)
    shift = [x + 1 if x > e else x for x in side.edges]
    run = tuple(shift[:j + 1]) + (e + 1,) + tuple(shift[j + 1:])
    panels = tuple(new_panel if q.name == panel.name else q for q in pattern.panels)
    return replace(pattern, panels=panels), run[:j + 1], run[j + 1:]


def _remap(runs: list[list], panel: str, e: int) -> None:
    """After edge ``e`` of ``panel`` was split in two, shift recorded runs' later edge indices."""
    for r in runs:
        if r[0] == panel:
            r[1] = tuple(x + 1 if x > e else x for x in r[1])


def _equal_pairs(sides: list[Side]) -> list[tuple[int, int, float]]:
    """Greedy: cheapest (nearest on the mannequin) equal-length side pairs first."""
    costs = [(_pair_cost(a, b), i, j) for i, a in enumerate(sides) for j, b in enumerate(sides)
             if i < j and a is not None and b is not None]
    used, out = set(), []
    near = lambda i, j: NEAR_M * (TUBE_REACH if sides[i].panel == sides[j].panel else 1.0)  # noqa: E731
    for cost, i, j in sorted(c for c in costs if c[0] < near(c[1], c[2])):
        if i not in used and j not in used:
            used |= {i, j}
            out.append((i, j, cost))
    return out


def _hems(pattern: Pattern, sides: list[Side]) -> set[int]:
    """Sides that are hems: per panel, the lowest side whose chord runs mostly across (never sewn)."""
    out = set()
    for panel in pattern.panels:
        idx = [k for k, s in enumerate(sides) if s.panel == panel.name]
        best, best_v = None, np.inf
        for k in idx:
            uv = _run_points(panel, sides[k].edges, (0.0, 0.5, 1.0))
            chord = uv[2] - uv[0]
            if abs(chord[0]) > 2 * abs(chord[1]) and uv[1, 1] < best_v:
                best, best_v = k, uv[1, 1]
        if best is not None:
            out.add(best)
    return out


DART_DEG = 40.0  # [deg] widest angle between a dart's two legs at its point


def _inside(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd test: which of ``points`` (k, 2) lie inside the closed polygon ``poly`` (n, 2)."""
    a, b = poly, np.roll(poly, -1, axis=0)
    px, py = points[:, 0][:, None], points[:, 1][:, None]
    crosses = ((a[:, 1] > py) != (b[:, 1] > py)) & (
        px < a[:, 0] + (py - a[:, 1]) * (b[:, 0] - a[:, 0]) / np.where(b[:, 1] == a[:, 1], 1e-18, b[:, 1] - a[:, 1]))
    return crosses.sum(axis=1) % 2 == 1


def _darts(pattern: Pattern, sides: list[Side], free: set[int]) -> list[tuple[int, int]]:
    """Darts: two consecutive sides of one panel, equally long, meeting at a point in a narrow V cut out of the
    cloth (the V's inside is not cloth). Sewn leg to leg, point to point."""
    from .curves import outline

    out = []
    for panel in pattern.panels:
        idx = [k for k, sd in enumerate(sides) if sd.panel == panel.name]
        poly = outline(panel, 16).astype(np.float64)
        for n, i in enumerate(idx):
            j = idx[(n + 1) % len(idx)]
            a, b = sides[i], sides[j]
            if i == j or not {i, j} <= free or max(a.length, b.length) > (1 + LENGTH_TOL) * min(a.length, b.length):
                continue
            m1, tip = _run_points(panel, a.edges, (0.0, 1.0))
            m2 = _run_points(panel, b.edges, (1.0,))[0]
            u, w = m1 - tip, m2 - tip
            cos = u @ w / max(np.linalg.norm(u) * np.linalg.norm(w), 1e-12)
            if np.degrees(np.arccos(np.clip(cos, -1, 1))) > DART_DEG:
                continue
            if not _inside((tip + 0.3 * ((m1 + m2) / 2 - tip))[None], poly)[0]:
                out.append((i, j))
    return out


def _underarm(a: Side, b: Side, ea: int, eb: int) -> bool:
    """End ``ea`` of side a and end ``eb`` of side b meet as a front and a back armhole do: within 5 cm of each other,
    at the body's side, at least UNDERARM_DROP below both sides' other ends (the shoulder points, which may meet
    as closely: flat-placed, a front and a back armhole touch at both ends)."""
    meet = (a.points3d[ea] + b.points3d[eb]) / 2
    return bool(np.linalg.norm(a.points3d[ea] - b.points3d[eb]) <= 0.05 and abs(meet[0]) >= CENTRE_X and
                meet[1] <= min(a.points3d[2 - ea, 1], b.points3d[2 - eb, 1]) - UNDERARM_DROP)


def _cap_candidates(pattern: Pattern, sides: list[Side], free: list[int]):
    """Sleeve caps against two armhole sides that meet each other: (cost, cap, side, side)."""
    out = []
    for k in free:
        cap = sides[k]
        if "sleeve" not in cap.panel.lower():  # a cap is a sleeve's: a cuff is on the arm too, but has none
            continue
        for i in free:
            for j in free:
                a, b = sides[i], sides[j]
                if i >= j or a.panel == b.panel or cap.panel in (a.panel, b.panel) or k in (i, j):
                    continue
                if not (a.torso and b.torso):  # armholes are cut in the bodice: never a cuff or a band
                    continue
                err = abs(a.length + b.length - cap.length) / cap.length
                if err > 0.08 or not any(_underarm(a, b, ea, eb) for ea in (0, 2) for eb in (0, 2)):
                    continue
                gap = float(np.linalg.norm(cap.points3d[1] - (a.points3d[1] + b.points3d[1]) / 2))
                out.append((gap + err, k, i, j))
    return sorted(out)


def _split_cap(pattern: Pattern, sides: list[Side], runs: list[list], k: int, i: int, j: int):
    """Split cap side k where the armhole lengths say; returns the pattern and the two seams."""
    cap = sides[k]
    # A seam walks its first side forwards and its second backwards, so the cap's first half goes to the
    # armhole side that *ends* where the cap starts (both armholes meet the cap's two ends at the underarm; the
    # other ends are the shoulder points). Matching the cap's start to the armholes' middles instead was a
    # coin toss at the underarm: half the sleeves were sewn on reversed, which hauled the bodice up the neck.
    def miss(lead: Side, tail: Side) -> float:
        return float(np.linalg.norm(cap.points3d[0] - lead.points3d[2]) + np.linalg.norm(cap.points3d[2] - tail.points3d[0]))

    lead, tail = (i, j) if miss(sides[i], sides[j]) <= miss(sides[j], sides[i]) else (j, i)
    frac = sides[lead].length / (sides[lead].length + sides[tail].length)
    live = Side(cap.panel, tuple(runs[k][1]), cap.length, cap.points3d)
    before = len(pattern.panel(cap.panel).edges)
    pattern, r1, r2 = _split_run(pattern, live, frac)
    if len(pattern.panel(cap.panel).edges) > before:
        _remap([r for idx, r in enumerate(runs) if idx != k], cap.panel, r1[-1])
        runs[k][1] = r1 + r2
    return pattern, [([cap.panel, r1], runs[lead], "sleeve cap"), ([cap.panel, r2], runs[tail], "sleeve cap")]


def infer_seams(pattern: Pattern) -> Pattern:
    """Pattern with seams inferred from side lengths and positions on the default mannequin."""
    from .svg_import import is_detail

    body = body_from(None)
    sides = _sides(pattern, body)
    runs = [[s.panel, s.edges] for s in sides]
    used = set(_hems(pattern, sides))
    loose = {q.name for q in pattern.panels if is_detail(q.name)} if len(pattern.panels) > 1 else set()
    used |= {k for k, s in enumerate(sides) if s.panel in loose}  # a pocket is never sewn by side length alone
    seams: list[tuple[list, list, str]] = []
    for i, j in _darts(pattern, sides, set(range(len(sides))) - used):
        if not used & {i, j}:
            used |= {i, j}
            seams.append((runs[i], runs[j], "dart"))
    for _, k, i, j in _cap_candidates(pattern, sides, [x for x in range(len(sides)) if x not in used]):
        if not used & {k, i, j}:
            used |= {k, i, j}
            pattern, new = _split_cap(pattern, sides, runs, k, i, j)
            seams += new
    for i, j, _ in _equal_pairs([s if n not in used else None for n, s in enumerate(sides)]):
        seams.append((runs[i], runs[j], "equal length"))
    out = tuple(Seam(SeamSide(a[0], tuple(a[1])), SeamSide(b[0], tuple(b[1]), reverse=True),
                     f"{a[0]}:{b[0]} {why}") for a, b, why in seams)
    out, dropped = _equal_sides(pattern, out)
    out, twice = _sewn_once(out)
    dropped += twice
    meta = {**pattern.metadata, "inferred_seams": [s.label for s in out]}
    if dropped:
        meta["import_notes"] = list(meta.get("import_notes", [])) + dropped
    if loose:
        meta["import_notes"] = list(meta.get("import_notes", [])) + [
            f"part '{n}' not sewn by inference: a pocket, facing or other detail part is placed, not matched by "
            f"side length" for n in sorted(loose)]
    return replace(pattern, seams=out, metadata=meta)


def _sewn_once(seams: tuple[Seam, ...]) -> tuple[tuple[Seam, ...], list[str]]:
    """Seams in order (darts, sleeve caps, then equal lengths), each left out with a note when one of its edges
    is already in an earlier one: a cap split renumbers a panel's edges, and an edge sewn twice would refuse
    the whole design at meshing."""
    keep, notes, sewn = [], [], set()
    for seam in seams:
        edges = {(x.panel, e) for x in (seam.a, seam.b) for e in x.edges}
        if edges & sewn:
            panel, edge = sorted(edges & sewn)[0]
            notes.append(f"inferred seam '{seam.label}' left out: edge {edge} of '{panel}' is already sewn")
            continue
        sewn |= edges
        keep.append(seam)
    return tuple(keep), notes


def _equal_sides(pattern: Pattern, seams: tuple[Seam, ...]) -> tuple[tuple[Seam, ...], list[str]]:
    """Seams whose two sides still agree in length after the sleeve caps were split (a cap split on an outline of
    many short CAD edges can land far from where the lengths said); the others are named and left out."""
    keep, notes = [], []
    for seam in seams:
        la, lb = (sum(edge_length(pattern.panel(x.panel), e) for e in x.edges) for x in (seam.a, seam.b))
        if max(la, lb) > (1 + 2 * LENGTH_TOL) * min(la, lb):
            notes.append(f"inferred seam '{seam.label}' left out: its sides are {la * 100:.1f} cm and "
                         f"{lb * 100:.1f} cm long")
        else:
            keep.append(seam)
    return tuple(keep), notes


def apply_sidecar(pattern: Pattern, path: str | Path) -> Pattern:
    """Seams from a sidecar JSON: ``{"seams": [{"a": {"panel", "edges", "reverse"?}, "b": {...}, "label"?}]}``."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"cannot read the seam sidecar ({exc})", path=p) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("seams"), list):
        raise FileFormatError("a seam sidecar needs a 'seams' list", field="seams", path=p)
    for name, count in dict(doc.get("edge_counts", {})).items():
        if name in pattern.panel_index and len(pattern.panel(name).edges) != count:
            raise FileFormatError(f"the sidecar was written for a panel '{name}' with {count} edges; this one has "
                                  f"{len(pattern.panel(name).edges)}", field="edge_counts", path=p)
    seams = []
    for k, s in enumerate(doc["seams"]):
        try:
            sides = [SeamSide(s[x]["panel"], tuple(s[x]["edges"]), bool(s[x].get("reverse", x == "b")))
                     for x in ("a", "b")]
        except (KeyError, TypeError) as exc:
            raise FileFormatError(f"seam {k} needs a and b with panel and edges ({exc})", field=f"seams[{k}]",
                                  path=p) from None
        seams.append(Seam(sides[0], sides[1], str(s.get("label", f"seam {k}"))))
    try:
        return replace(pattern, seams=tuple(seams), metadata={**pattern.metadata, "sidecar": str(p)})
    except InvalidInputError as exc:
        raise FileFormatError(str(exc), path=p) from None
