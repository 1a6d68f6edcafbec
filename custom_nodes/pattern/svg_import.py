"""SVG patterns as FreeSewing (and pattern CAD) export them → :class:`Pattern` without seams.

* Document units come from the root ``width`` (``1084.01mm``) over the ``viewBox`` width; unknown
  units are refused, never guessed.
* A part is a ``<g>`` whose id contains ``-part-`` (FreeSewing) or, failing that, any group holding a
  cutting outline. The cutting outline is the ``<path>`` with class ``fabric`` (else ``cut``/``outline``).
* A ``cutonfold`` annotation (``data-text`` mentioning cutOnFold) marks the fold: the half piece is
  mirrored across it into a whole panel.
* Notches are ``<use href="#notch|#bnotch">`` snippets; each is attached to the nearest outline edge
  (``bnotch``, the double notch, marks the back by FreeSewing's convention).
* Parts named like sleeves are cut twice: a left and a right (mirrored) sleeve.

Seams are not in SVG: :mod:`seam_infer` pairs edges afterwards (or a sidecar JSON names them).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.checks import readable_file
from ..core.errors import FileFormatError, InvalidInputError
from ..core.pattern import Edge, Panel, Pattern
from ..core.units import LENGTH_UNITS
from .curves import outline, polygon_area, validate_panel
from .drafting import hints_from_name, mirror

MAX_BYTES = 20_000_000
XLINK = "{http://www.w3.org/1999/xlink}href"


def _svgelements():
    try:
        import svgelements
    except ImportError:  # pragma: no cover - listed in requirements
        from ..core.errors import DependencyMissingError

        raise DependencyMissingError("svgelements", "SVG pattern import") from None
    return svgelements


def _doc_scale(root: ET.Element, path: str) -> float:
    """Metres per SVG user unit."""
    width = root.get("width")
    vb = root.get("viewBox")
    if width is None:
        return LENGTH_UNITS["px"]
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([a-zA-Z%]*)\s*", width)
    if not m:
        raise FileFormatError(f"cannot read the document width {width!r}", field="svg@width", path=path)
    unit = m.group(2).lower() or "px"
    if unit not in LENGTH_UNITS:
        raise FileFormatError(f"unknown units {unit!r} in the document width; expected one of "
                              f"{sorted(LENGTH_UNITS)}", field="svg@width", path=path)
    w = float(m.group(1)) * LENGTH_UNITS[unit]
    if vb:
        parts = [float(x) for x in re.split(r"[\s,]+", vb.strip())]
        if len(parts) != 4 or parts[2] <= 0:
            raise FileFormatError(f"bad viewBox {vb!r}", field="svg@viewBox", path=path)
        return w / parts[2]
    return w / float(m.group(1))


def _classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def _walk(el: ET.Element, matrix, out: list, se) -> None:
    """Collect (element, cumulative matrix) for every element, depth first."""
    here = matrix
    if el.get("transform"):
        here = se.Matrix(el.get("transform")) * matrix
    out.append((el, here))
    for child in el:
        _walk(child, here, out, se)


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _segments(d: str, matrix, scale: float, se, where: str, path: str) -> list:
    """The first subpath of ``d`` as segments (start (2,), end (2,), kind, controls) in metres, y up."""
    try:
        segs = list(se.Path(d).segments())
    except Exception as exc:  # svgelements raises plain exceptions on bad path data
        raise FileFormatError(f"cannot parse path data ({exc})", field=where, path=path) from None

    def tr(p) -> np.ndarray:
        q = matrix.point_in_matrix_space((p.x, p.y))
        return np.array([q.x * scale, -q.y * scale])

    out = []
    for seg in segs:
        name = type(seg).__name__
        if name == "Move":
            if out:
                break  # only the first subpath is the outline
            continue
        if seg.start is None or seg.end is None:
            continue
        a, b = tr(seg.start), tr(seg.end)
        if np.linalg.norm(b - a) < 1e-6:
            continue
        if name == "CubicBezier":
            kind, ctrl = "cubic", [tr(seg.control1), tr(seg.control2)]
        elif name == "QuadraticBezier":
            kind, ctrl = "quadratic", [tr(seg.control)]
        elif name == "Arc":
            kind, ctrl = "arc", [tr(seg.point(0.5))]
        else:
            kind, ctrl = "line", []
        out.append((a, b, kind, ctrl))
    return out


SPIKE_TOL = 1e-5  # [m] how near a retraced segment must run to the one it goes back along


def _retraces(s, t) -> bool:
    """Segment ``t`` runs straight back along segment ``s`` (a zero-width spike, no cloth in it)."""
    (a, b, ks, cs), (b2, c, kt, ct) = s, t
    if np.linalg.norm(b - b2) > SPIKE_TOL:  # not joined (the run is open there)
        return False
    if ks == kt == "line":
        u, w = b - a, c - b2
        nu, nw = np.linalg.norm(u), np.linalg.norm(w)
        return bool(nu > 0 and nw > 0 and u @ w < 0 and abs(u[0] * w[1] - u[1] * w[0]) < SPIKE_TOL * max(nu, nw))
    if ks == kt and len(cs) == len(ct):  # a curve drawn out and back over itself
        back = np.array(list(reversed(ct)), dtype=np.float64).reshape(-1, 2)
        return bool(np.linalg.norm(c - a) < SPIKE_TOL and
                    np.allclose(np.array(cs, dtype=np.float64).reshape(-1, 2), back, atol=SPIKE_TOL))
    return False


def _drop_spikes(segs: list) -> list:
    """The closed run without its out-and-back spikes: FreeSewing draws some hems and fold lines out and back
    along one line (Cornelius's and Walburga's fronts, Crux's back), which makes the outline touch itself
    though it encloses the same cloth. A retraced line shortens the line it retraces (or both go); a retraced
    curve goes with its twin."""
    segs = list(segs)
    changed = True
    while changed and len(segs) > 2:
        changed = False
        for i in range(len(segs)):
            j = (i + 1) % len(segs)
            s, t = segs[i], segs[j]
            if not _retraces(s, t):
                continue
            a, c = s[0], t[1]
            keep = [] if np.linalg.norm(c - a) < SPIKE_TOL or s[2] != "line" else [(a, c, "line", [])]
            rest = [q for k, q in enumerate(segs) if k not in (i, j)]
            segs = rest[:i] + keep + rest[i:] if j > i else keep + rest
            changed = True
            break
    return segs


def _loop(segs: list, where: str, path: str):
    """(vertices (n, 2), edges) of a closed run of segments."""
    segs = _drop_spikes(segs)
    if len(segs) < 2:
        raise FileFormatError("outline path has fewer than two segments", field=where, path=path)
    gap = np.linalg.norm(segs[-1][1] - segs[0][0])
    if gap > 1e-4:
        raise FileFormatError(f"outline is not closed: it ends {gap * 1000:.1f} mm from where it starts",
                              field=where, path=path)
    verts = [a for a, _, _, _ in segs]
    n = len(verts)
    return np.array(verts), [Edge(i, (i + 1) % n, k, np.array(c).reshape(-1, 2)) for i, (_, _, k, c) in enumerate(segs)]


def _edges_from_path(d: str, matrix, scale: float, se, where: str, path: str):
    """(vertices (n, 2), edges) in metres, y up, from the first closed subpath of ``d``."""
    return _loop(_segments(d, matrix, scale, se, where, path), where, path)


JOIN_TOL = 5e-4  # [m] open outline pieces whose ends lie this close are joined


def _reversed(segs: list) -> list:
    return [(b, a, k, list(reversed(c)) if k == "cubic" else c) for a, b, k, c in reversed(segs)]


def _chain(pieces: list[list]) -> list | None:
    """Join open outline pieces end to end (turning them round where needed) into one closed run, starting
    from the longest; None when they do not close. FreeSewing draws some outlines as separate paths (a side
    seam, a hem, a neckline), each of class ``fabric``."""
    pieces = [p for p in pieces if p]
    if len(pieces) < 2:
        return None
    pieces.sort(key=lambda p: -sum(np.linalg.norm(b - a) for a, b, _, _ in p))
    run, rest = list(pieces[0]), pieces[1:]
    while np.linalg.norm(run[-1][1] - run[0][0]) > JOIN_TOL:
        end = run[-1][1]
        for k, piece in enumerate(rest):
            if np.linalg.norm(piece[0][0] - end) <= JOIN_TOL:
                run += piece
            elif np.linalg.norm(piece[-1][1] - end) <= JOIN_TOL:
                run += _reversed(piece)
            else:
                continue
            rest.pop(k)
            break
        else:
            return None
    a, b, k, c = run[-1]
    run[-1] = (a, run[0][0], k, c)  # close exactly
    return run


def _make_ccw(panel: Panel) -> Panel:
    return panel if polygon_area(outline(panel, 16)) > 0 else _reverse_loop(panel)


def _reverse_loop(panel: Panel) -> Panel:
    """Same shape, loop walked the other way (edge i becomes edge n − 1 − i)."""
    edges = tuple(Edge(e.end, e.start, e.kind, e.controls[::-1], e.label, tuple(1 - t for t in e.notches))
                  for e in reversed(panel.edges))
    return replace(panel, edges=edges)


def _unfold(panel: Panel, fold_a: np.ndarray, fold_b: np.ndarray, tol: float) -> Panel:
    """Mirror a half piece across the fold line a→b; the straight edge on the fold disappears."""
    d = (fold_b - fold_a) / np.linalg.norm(fold_b - fold_a)

    def dist(p):
        v = p - fold_a
        return abs(v[0] * d[1] - v[1] * d[0])

    verts = panel.vertices.astype(np.float64)
    on_fold = [i for i, e in enumerate(panel.edges)
               if e.kind == "line" and dist(verts[e.start]) < tol and dist(verts[e.end]) < tol]
    if len(on_fold) != 1:
        return panel  # no clean fold edge: keep the half piece as drawn
    n = len(panel.edges)
    k = on_fold[0]
    order = [(k + 1 + j) % n for j in range(n - 1)]  # walk from the fold's end round to its start
    refl = np.eye(2) - 2 * np.outer([-d[1], d[0]], [-d[1], d[0]])

    def reflect(p):
        return (p - fold_a) @ refl.T + fold_a

    pts, edges = [], []
    for i in order:
        e = panel.edges[i]
        pts.append(verts[e.start])
        edges.append((e.kind, e.controls.astype(np.float64), e.label, e.notches))
    pts.append(verts[panel.edges[order[-1]].end])
    m = len(pts)
    for i in reversed(order):
        e = panel.edges[i]
        edges.append((e.kind, reflect(e.controls.astype(np.float64))[::-1], e.label,
                      tuple(1 - t for t in e.notches)))
    mirrored = [reflect(verts[panel.edges[i].start]) for i in reversed(order[1:])]
    allpts = pts + mirrored
    n_all = len(allpts)
    out = [Edge(j, (j + 1) % n_all, kind, c.reshape(-1, 2), lab, notch)
           for j, (kind, c, lab, notch) in enumerate(edges)]
    assert len(out) == n_all == 2 * m - 2
    return replace(panel, vertices=np.array(allpts), edges=tuple(out), fold_edge=-1)


def _attach_notches(panel: Panel, notches: list[tuple[np.ndarray, str]], tol: float) -> tuple[Panel, list]:
    """Put each notch on its nearest edge (as a fraction along it) if within ``tol`` [m]."""
    from .curves import dense_edge

    per_edge = {i: [] for i in range(len(panel.edges))}
    kinds = []
    for p, kind in notches:
        best = (np.inf, -1, 0.0)
        for i in range(len(panel.edges)):
            pts = dense_edge(panel, i, 100)
            seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
            cum = np.concatenate([[0], np.cumsum(seg)])
            j = int(np.argmin(np.linalg.norm(pts - p, axis=1)))
            dd = float(np.linalg.norm(pts[j] - p))
            if dd < best[0]:
                best = (dd, i, cum[j] / cum[-1])
        if best[0] <= tol:
            per_edge[best[1]].append(float(np.clip(best[2], 0, 1)))
            kinds.append((best[1], float(best[2]), kind))
    edges = tuple(replace(e, notches=tuple(sorted(per_edge[i]))) for i, e in enumerate(panel.edges))
    return replace(panel, edges=edges), kinds


def _part_groups(items: list) -> list[tuple[str, ET.Element]]:
    """(part name, group) for each pattern part in the document."""
    parts = [(el.get("id").split("-part-")[-1], el) for el, _ in items
             if _tag(el) == "g" and "-part-" in (el.get("id") or "")]
    if parts:
        return [(name.split(".")[-1], el) for name, el in parts]
    groups = [(el.get("id") or f"part{i}", el) for i, (el, _) in enumerate(items) if _tag(el) == "g"]
    return [(n, g) for n, g in groups if any(_is_outline(c) for c in g.iter())]


#: Class words FreeSewing (and most pattern SVGs) give a part's cutting outline: the material it is cut from.
MATERIALS = {"fabric", "lining", "interfacing", "various", "canvas", "cut", "outline", "cutline"}
#: Class words of lines drawn *on* a part (stitching, folds, help lines, seam allowance, marks): never outlines.
LINE_STYLES = {"help", "dashed", "lashed", "dotted", "sa", "hidden", "note", "mark", "contrast", "interfacing-line",
               "lining-line", "stroke-sm", "stroke-xs", "fill-note", "fill-mark", "text"}


def _is_outline(el: ET.Element) -> bool:
    """A path naming one material and no line style (``fabric``, ``various``; not ``fabric help``)."""
    cls = _classes(el)
    return _tag(el) == "path" and len(cls & MATERIALS) == 1 and not cls & LINE_STYLES


CLOSE_TOL = 0.5  # [user units, mm in FreeSewing] a path ending this near its start is closed without a ``z``


def _closed(el: ET.Element) -> bool:
    """The path closes: it ends with ``z``, or its last point is back at its first (FreeSewing draws some
    outlines, Diana's front and back among them, as ``M a … L a`` with no ``z``)."""
    d = (el.get("d") or "").strip()
    if d.lower().endswith("z"):
        return True
    try:
        path = _svgelements().Path(d)
        first, last = path.first_point, path.current_point
        return first is not None and last is not None and abs(complex(*first) - complex(*last)) < CLOSE_TOL
    except Exception:  # unreadable path data: not an outline here; _read_part reports bad data of a real one
        return False


def _outline_element(group: ET.Element) -> ET.Element | None:
    """The part's cutting outline: a closed path of one material and no line style; failing that, an
    unclassed closed path (some FreeSewing parts draw their outline without a class). Of several, the
    longest path data wins (the outline, not a pocket mark inside it)."""
    paths = [c for c in group.iter() if _tag(c) == "path" and c.get("d")]
    for pick in (lambda c: _is_outline(c) and _closed(c), _is_outline,
                 lambda c: not _classes(c) and _closed(c) and not c.get("data-text")):
        found = [c for c in paths if pick(c)]
        if found:
            return max(found, key=lambda c: len(c.get("d", "")))
    return None


_CUT = re.compile(r"annotations:cut,(\d+)")


def cut_count(group: ET.Element) -> int | None:
    """How many times FreeSewing says to cut the part (its title's ``plugin-annotations:cut,N``), or None."""
    text = " ".join(t for el in group.iter() for t in (el.text or "", el.get("data-text") or ""))
    m = _CUT.search(text)
    return int(m.group(1)) if m else None


def _read_part(name: str, group: ET.Element, matrices: dict, scale: float, se, path: str):
    """One Panel (unfolded if cut on fold) plus its notch records, from a part group."""
    outline_el = _outline_element(group)
    where = f"part '{name}'"

    def chained(pick) -> tuple | None:
        pieces = [_segments(c.get("d", ""), matrices[id(c)], scale, se, where, path) for c in group.iter()
                  if _tag(c) == "path" and pick(c) and not _closed(c)]
        run = _chain(pieces)
        return None if run is None else _loop(run, where, path)

    if outline_el is None:  # no outline path: FreeSewing draws some (Percy's back) as unclassed open pieces
        loop = chained(lambda c: not _classes(c) and not c.get("data-text"))
        if loop is None:
            return None, []
        verts, edges = loop
    else:
        try:
            verts, edges = _edges_from_path(outline_el.get("d", ""), matrices[id(outline_el)], scale, se, where,
                                            path)
        except FileFormatError:
            loop = chained(_is_outline)
            if loop is None:
                raise
            verts, edges = loop
    grain = np.array([0.0, 1.0])
    fold = None
    notches = []
    for el in group.iter():
        text = (el.get("data-text") or "").lower()
        if _tag(el) == "path" and ("grainline" in text or "cutonfold" in text):
            pts = _edges_from_polyline(el.get("d", ""), matrices[id(el)], scale, se)
            if len(pts) >= 2:
                g = pts[-1] - pts[0] if "cutonfold" not in text else pts[-1] - pts[0]
                if "cutonfold" in text:
                    fold = (pts[0], pts[-1])
                if np.linalg.norm(g) > 1e-6:
                    grain = g / np.linalg.norm(g)
        if _tag(el) == "use" and (el.get(XLINK) or el.get("href") or "").lstrip("#") in ("notch", "bnotch"):
            q = matrices[id(el)].point_in_matrix_space((float(el.get("x", 0)), float(el.get("y", 0))))
            kind = (el.get(XLINK) or el.get("href")).lstrip("#")
            notches.append((np.array([q.x * scale, -q.y * scale]), kind))
    if grain[1] < 0:
        grain = -grain
    try:
        panel = Panel(name, verts, tuple(edges), grain=grain, **hints_from_name(name))
    except InvalidInputError as exc:
        raise FileFormatError(str(exc), path=path) from None
    if fold is not None:
        panel = _unfold(panel, fold[0], fold[1], tol=0.002)
        notches += [(2 * fold[0] - p if abs(fold[1][0] - fold[0][0]) < 1e-9 else p, k) for p, k in notches
                    if abs(fold[1][0] - fold[0][0]) < 1e-9]
    panel = _make_ccw(panel)
    validate_panel(panel, path)
    panel, records = _attach_notches(panel, notches, tol=0.004)
    return panel, records


def _edges_from_polyline(d: str, matrix, scale: float, se) -> np.ndarray:
    """Vertices of a path's points (m, y up); annotation paths are polylines."""
    pts = []
    for seg in se.Path(d).segments():
        if seg.end is not None:
            q = matrix.point_in_matrix_space((seg.end.x, seg.end.y))
            pts.append((q.x * scale, -q.y * scale))
    return np.array(pts)


def read_svg(path: str | Path) -> Pattern:
    """Panels of an SVG pattern (no seams yet; see :func:`seam_infer.infer_seams`)."""
    se = _svgelements()
    p = readable_file(path, MAX_BYTES, "pattern")
    data = p.read_bytes()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        try:  # FreeSewing writes a bare '&' into some annotation texts; escape it and try once more
            root = ET.fromstring(re.sub(rb"&(?!#?[A-Za-z0-9]+;)", b"&amp;", data))
        except ET.ParseError:
            raise FileFormatError(f"not valid SVG/XML ({exc})", path=p) from None
    if _tag(root) != "svg":
        raise FileFormatError(f"root element is <{_tag(root)}>, not <svg>", path=p)
    scale = _doc_scale(root, str(p))
    items: list = []
    _walk(root, se.Matrix(), items, se)
    matrices = {id(el): m for el, m in items}
    panels, notch_meta, notes = [], {}, []
    for name, group in _part_groups(items):
        try:
            panel, records = _read_part(name, group, matrices, scale, se, str(p))
        except (FileFormatError, InvalidInputError) as exc:  # one bad part never sinks the design
            notes.append(f"part '{name}' skipped: {_reason(exc)}")
            continue
        if panel is None:
            notes.append(f"part '{name}' skipped: no cutting outline in it")
            continue
        words = set(re.split(r"[^a-z]+", name.lower()))
        count = cut_count(group)
        if count is None:  # no cutting note: sleeves come in pairs
            count = 2 if "sleeve" in words else 1
        if count >= 2 and not ({"left", "right"} & words):  # cut 2: the right one as drawn, the left one mirrored
            right = replace(panel, name=f"{name}_right", lateral="right",
                            body_part=panel.body_part.replace("left", "right"))
            left = replace(mirror(panel, f"{name}_left", "left"), body_part=right.body_part.replace("right", "left"))
            panels += [left, right]
            notch_meta[right.name] = records
            n = len(panel.edges)
            notch_meta[left.name] = [(n - 1 - e, 1 - t, k) for e, t, k in records]
        else:
            panels.append(panel)
            notch_meta[name] = records
    if not panels and notes:
        raise FileFormatError("no usable part: " + "; ".join(notes), path=p)
    if not panels:
        raise FileFormatError("no cutting outline found (expected a <path class=\"fabric\"> inside a part group)",
                              path=p)
    panels, notes = leave_out_details(panels, notes)
    panels = [band_across(q) for q in panels]
    names = [q.name for q in panels]
    if len(set(names)) != len(names):
        panels = [replace(q, name=f"{q.name}_{i}") for i, q in enumerate(panels)]
    meta = {"source": str(p), "format": "svg", "notches": notch_meta, "import_notes": notes}
    design = freesewing_design(items)
    if design is not None:
        panels, meta = worn_as_tagged(panels, meta, design)
    return Pattern(p.stem, tuple(panels), (), meta)


BAND_ASPECT = 5.0  # a part this many times longer than wide is a band (waistband, neckband, cuff, binding)


def band_across(panel: Panel) -> Panel:
    """A band drawn upright (pattern makers lay long strips along the paper to save it) turned a quarter turn,
    so it runs round the body as it is worn: placement wraps a panel's rows (pattern x) round the body."""
    from .drafting import rotate_quarter

    size = np.ptp(panel.vertices.astype(np.float64), axis=0)
    if size[1] < BAND_ASPECT * max(size[0], 1e-9):
        return panel
    return rotate_quarter(panel)


def freesewing_design(items: list) -> str | None:
    """The FreeSewing design an SVG was drafted from, read from its part ids (``fs-stack-<design>.<part>``)."""
    for el, _ in items:
        m = re.match(r"fs-stack-([a-z0-9]+)\.", el.get("id") or "")
        if m:
            return m.group(1)
    return None


def _freesewing_tags() -> dict[str, list[str]]:
    path = Path(__file__).with_name("data") / "freesewing_designs.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {k: v.get("tags", []) for k, v in doc.get("designs", {}).items()}


def worn_as_tagged(panels: list[Panel], meta: dict, design: str) -> tuple[list[Panel], dict]:
    """Placement hints from FreeSewing's own tags for the design (``data/freesewing_designs.json``): a design
    tagged ``bottoms`` (and not ``tops``, ``dresses`` or ``onePiece``) hangs from the waist; unless it is also
    a skirt, each part cut as a left and a right copy wraps its own leg (trousers, shorts, leggings, briefs)."""
    tags = set(_freesewing_tags().get(design, []))
    meta = {**meta, "freesewing": {"design": design, "tags": sorted(tags)}}
    if "bottoms" not in tags or tags & {"tops", "dresses", "onePiece"}:
        return panels, meta
    legs = "skirts" not in tags
    out = []
    for q in panels:
        band = np.ptp(q.vertices[:, 0]) >= BAND_ASPECT * max(float(np.ptp(q.vertices[:, 1])), 1e-9)
        if legs and q.lateral in ("left", "right") and q.body_part == "torso" and not band:
            q = replace(q, body_part=f"leg_{q.lateral}")
        out.append(q)
    meta["anchors"] = {q.name: "waist" for q in out}
    meta["worn"] = f"from the waist (FreeSewing tags {design} as {', '.join(sorted(tags))})"
    return out, meta


#: words in a part's name that mark an inner or detail part: the drape simulates the garment's shell, and these
#: (sewn inside it, folded, tied or knotted) would otherwise be sewn to the shell by side length alone
DETAIL_WORDS = frozenset({"pocket", "facing", "lining", "interfacing", "welt", "placket", "binding", "tab", "loop",
                          "stay", "flap", "bag", "shield", "belt", "tie", "button", "buttonhole", "zip", "zipper",
                          "fly", "label", "bow", "canvas"})


def name_words(name: str) -> set[str]:
    """Lower-case words of a part name: camelCase, snake_case and digits split (``innerPocketWelt_left`` ->
    {"inner", "pocket", "welt", "left"})."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)}


def is_detail(name: str) -> bool:
    """A detail part by its name: a word of :data:`DETAIL_WORDS`, or one of its longer words inside a word
    written without capitals (``frontpocketfacing``)."""
    words = name_words(name)
    return bool(words & DETAIL_WORDS) or any(d in w for w in words for d in DETAIL_WORDS if len(d) >= 5)


def leave_out_details(panels: list, notes: list[str]) -> tuple[list, list[str]]:
    """Leave out pockets, facings, linings, bindings, ties and other detail parts (:data:`DETAIL_WORDS`), each
    named in the notes; a pattern made of nothing else is kept whole."""
    keep = [q for q in panels if not is_detail(q.name)]
    if not keep:
        return panels, notes
    gone = [q.name for q in panels if q not in keep]
    return keep, notes + [f"part '{n}' left out of the drape: pockets, facings, linings, bindings and ties are "
                          f"detail parts, not simulated" for n in gone]


def _reason(exc: Exception) -> str:
    """The user-facing part of an import error (without the file path and field prefix)."""
    return re.sub(r"^(file '[^']*': )?(field '.*?': )?", "", str(exc))
