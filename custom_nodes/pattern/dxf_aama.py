"""DXF pattern files as CAD programs write them (ASTM D6673 / AAMA, and flat DXF) ↔ :class:`Pattern`.

Layers (ASTM D6673-10, which took over the AAMA layer table): 1 piece boundary (the cut line) and piece
system text, 4 notches (80–83: T, castle, check and U notches), 6 mirror line, 7 grain line, 8 internal
lines, 14 sew lines, 15 annotation text; 84–87 are quality-validation copies of layers 1, 8, 11 and 14.

Reading. One block per piece. The panel outline is the *sew* line: layer 14, or, as Valentina/Seamly
write AAMA, the closed layer-8 polyline that lies just inside the cut line. The cut line then gives each
edge's seam allowance (``metadata['seam_allowances']``). Only a piece without a sew line takes its cut
line, less ``allowance``, as outline, and the import notes say so. Notches sit on the cut line; each is
carried across the allowance to the nearest sew-line point. Piece text names the piece ("Piece Name:")
and its count ("Quantity: 2", "Cut 2": a left and a right, mirrored, panel). A flat DXF (no blocks) gives
one piece per outermost closed polyline, with the closed polyline just inside it as its sew line.
Units: ``$INSUNITS``, else a "Units:" text, else ``$MEASUREMENT`` (0: inches), else millimetres (R10/R12
files carry no units); the notes say which. Nothing is dropped silently: every entity not read is counted
by layer in ``metadata['import_notes']``.

Writing. One block per panel: sew line on layer 14 (ASTM D6673 "sew lines"), cut line on layer 1, notches
(short lines from the cut line inwards) on layer 4, grain line on 7, internal lines on 8, piece system
text ("Piece Name:", "Quantity:") on layer 1 with the name repeated as annotation on layer 15.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..core.checks import readable_file
from ..core.errors import FileFormatError, InvalidInputError
from ..core.pattern import Edge, Panel, Pattern
from ..core.serial import atomic_write_bytes
from .curves import dense_edge, outline, polygon_area, validate_panel
from .drafting import hints_from_name, mirror

INSUNITS_M = {1: 0.0254, 2: 0.3048, 4: 0.001, 5: 0.01, 6: 1.0}
UNIT_WORDS = {"mm": 0.001, "millimeter": 0.001, "millimetre": 0.001, "metric": 0.001, "cm": 0.01,
              "centimeter": 0.01, "centimetre": 0.01, "inch": 0.0254, "inches": 0.0254, "in": 0.0254,
              "english": 0.0254, "imperial": 0.0254}
MAX_BYTES = 50_000_000

CUT, GRAIN, INTERNAL, SEW, ANNOTATION = "1", "7", "8", "14", "15"
NOTCH_LAYERS = {"4", "80", "81", "82", "83"}
QA_COPIES = {"84": "cut line", "85": "internal lines", "86": "internal cut-outs", "87": "sew line"}
LAYER_NAMES = {"0": "layer 0", "2": "turn points", "3": "curve points", "5": "grade reference", "6": "mirror line",
               "9": "stripe reference", "10": "plaid reference", "11": "internal cut-outs", "13": "drill holes"}
SIMPLIFY_M = 1e-4  # [m] outlines are thinned to this chord error (CAD flattens curves finely)
DOUBLE_NOTCH_M = 0.0025  # [m] notch marks this close are one notch (a double-line notch)
NOTCH_SLACK_M = 0.003  # [m] a notch may lie this far beyond the allowance from the sew line
NOTCH_MARK_M = 0.005  # [m] length of the notch mark we write
DEFAULT_SCALE_NOTE = "millimetres (the file states no units; R10/R12 DXF has no $INSUNITS)"


def _ezdxf():
    try:
        import ezdxf
    except ImportError:  # pragma: no cover
        from ..core.errors import DependencyMissingError

        raise DependencyMissingError("ezdxf", "DXF-AAMA import/export") from None
    return ezdxf


# ----------------------------------------------------------------------------------------------- writing


def _flat_outline(panel: Panel, max_seg: float = 0.01) -> np.ndarray:
    """Outline polyline [m] with each edge flattened to segments ≤ ``max_seg``."""
    from .curves import edge_length

    parts = []
    for i, e in enumerate(panel.edges):
        n = 1 if e.kind == "line" else max(4, int(np.ceil(edge_length(panel, i) / max_seg)))
        parts.append(dense_edge(panel, i, n)[:-1])
    return np.concatenate(parts)


def _cut_polygon(panel: Panel, allowances: list[float] | None):
    """The cut line (shapely Polygon, metres): the outline grown by each edge's seam allowance, corners mitred."""
    from shapely.geometry import LineString, Polygon
    from shapely.ops import unary_union

    sew = Polygon(_flat_outline(panel))
    if not allowances or len(allowances) != len(panel.edges):
        allowances = [float(panel.seam_allowance)] * len(panel.edges)
    if np.ptp(allowances) < 5e-4:
        sa = float(np.median(allowances))
        return sew.buffer(sa, join_style="mitre") if sa > 0 else sew
    n = len(panel.edges)
    first = next(i for i in range(n) if abs(allowances[i] - allowances[i - 1]) >= 5e-4)
    runs, cur = [], []
    for k in range(n):  # runs of edges with one allowance, starting where the allowance changes
        i = (first + k) % n
        if cur and abs(allowances[i] - allowances[cur[0]]) >= 5e-4:
            runs.append(cur)
            cur = []
        cur.append(i)
    runs.append(cur)
    sign = 1.0 if polygon_area(_flat_outline(panel)) > 0 else -1.0
    parts = [sew]
    for k, run in enumerate(runs):
        pts = _run_points(panel, run)
        if allowances[run[0]] > 0:
            parts.append(LineString(pts).buffer(allowances[run[0]], cap_style="flat", join_style="mitre"))
        nxt = runs[(k + 1) % len(runs)]
        after = _run_points(panel, nxt)
        parts.append(_corner(pts[-1], pts[-1] - pts[-2], after[1] - after[0], allowances[run[0]],
                             allowances[nxt[0]], sign))
    cut = unary_union([q for q in parts if q is not None and not q.is_empty])
    return cut if cut.geom_type == "Polygon" else max(cut.geoms, key=lambda g: g.area)


def _run_points(panel: Panel, run: list[int]) -> np.ndarray:
    return np.concatenate([dense_edge(panel, i, 1 if panel.edges[i].kind == "line" else 24)[:-1] for i in run]
                          + [dense_edge(panel, run[-1], 1)[-1:]])


def _corner(v: np.ndarray, d1: np.ndarray, d2: np.ndarray, a1: float, a2: float, sign: float):
    """The cut line's corner where an edge grown by ``a1`` meets the next grown by ``a2``: the two offset lines
    meet in a mitre (limited to three allowances from the corner)."""
    from shapely.geometry import Polygon

    d1, d2 = d1 / np.linalg.norm(d1), d2 / np.linalg.norm(d2)
    p1 = v + sign * np.array([d1[1], -d1[0]]) * a1
    p2 = v + sign * np.array([d2[1], -d2[0]]) * a2
    cross = d1[0] * d2[1] - d1[1] * d2[0]
    m = (p1 + p2) / 2
    if abs(cross) > 1e-9:
        s = ((p2 - p1)[0] * d2[1] - (p2 - p1)[1] * d2[0]) / cross
        if np.linalg.norm(p1 + s * d1 - v) <= 3 * max(a1, a2):
            m = p1 + s * d1
    return Polygon([v, p1, m, p2]).buffer(0)


def write_dxf(pattern: Pattern, path: str | Path) -> Path:
    """Write an ASTM/AAMA DXF (R2000, millimetres): one block per panel, inserted side by side."""
    from shapely.geometry import Point

    ezdxf = _ezdxf()
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    doc.header["$MEASUREMENT"] = 1
    for layer in ("1", "4", "7", "8", "14", "15"):
        doc.layers.add(layer)
    msp = doc.modelspace()
    style = pattern.metadata.get("dxf", {}).get("style_text") or [f"Style Name: {pattern.name}", "Units: METRIC"]
    for k, line in enumerate(style):
        msp.add_text(str(line), dxfattribs={"layer": "1", "height": 10}).set_placement((0, -20.0 * (k + 1)))
    allowances = pattern.metadata.get("seam_allowances", {})
    x = 0.0
    for panel in pattern.panels:
        mm = _flat_outline(panel) * 1000.0
        block = doc.blocks.new(name=panel.name)
        block.add_lwpolyline([tuple(p) for p in mm], close=True, dxfattribs={"layer": SEW})
        cut = _cut_polygon(panel, allowances.get(panel.name))
        cut_pts = np.asarray(cut.exterior.coords)[:-1] * 1000.0
        block.add_lwpolyline([tuple(p) for p in cut_pts], close=True, dxfattribs={"layer": CUT})
        c = mm.mean(0)
        g = panel.grain.astype(float) * 0.25 * float(np.ptp(mm[:, 1]))
        block.add_line(tuple(c - g), tuple(c + g), dxfattribs={"layer": GRAIN})
        for i, e in enumerate(panel.edges):
            pts = dense_edge(panel, i, 200)
            for t in e.notches:
                q = pts[int(round(t * 200))]
                on_cut = np.asarray(cut.exterior.interpolate(cut.exterior.project(Point(q))).coords[0])
                depth = float(np.linalg.norm(q - on_cut))
                if depth < 5e-4:
                    block.add_point(tuple(q * 1000.0), dxfattribs={"layer": "4"})
                else:
                    end = on_cut + (q - on_cut) * min(1.0, NOTCH_MARK_M / depth)
                    block.add_line(tuple(on_cut * 1000.0), tuple(end * 1000.0), dxfattribs={"layer": "4"})
        for line in panel.internal_lines:
            block.add_lwpolyline([tuple(p) for p in line * 1000.0], dxfattribs={"layer": INTERNAL})
        for k, text in enumerate((f"Piece Name: {panel.name}", "Quantity: 1")):
            block.add_text(text, dxfattribs={"layer": CUT, "height": 10}).set_placement((c[0], c[1] - 15.0 * k))
        block.add_text(panel.name, dxfattribs={"layer": ANNOTATION, "height": 10}).set_placement((c[0], c[1] + 15))
        msp.add_blockref(panel.name, (x - float(cut_pts[:, 0].min()), 0.0))
        x += float(np.ptp(cut_pts[:, 0])) + 50.0
    buf = io.StringIO()
    doc.write(buf)
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


# ----------------------------------------------------------------------------------------------- reading


@dataclass
class _Piece:
    """What one piece of the file holds, in metres, before it becomes a Panel."""

    name: str
    cut: list = field(default_factory=list)  # closed polylines on layer 1
    sew: list = field(default_factory=list)  # closed polylines on layer 14
    eight: list = field(default_factory=list)  # closed polylines on layer 8 (Valentina's AAMA sew line)
    internal: list = field(default_factory=list)  # open internal lines
    notches: list = field(default_factory=list)  # (point on the cut line, its mark's other end or None)
    grain: list = field(default_factory=list)  # (2, 2) lines
    texts: list = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # (layer, entity type) -> count


def _split_duplicate_blocks(data: bytes) -> tuple[bytes, dict[str, str]]:
    """Give each BLOCK definition a name of its own: Valentina writes one block per piece named after the
    piece, so two pieces called "Detail" make two blocks "Detail", which a DXF library merges into one."""
    if data.startswith(b"AutoCAD Binary DXF"):
        return data, {}
    renamed: dict[str, str] = {}
    lines = data.split(b"\n")
    seen: Counter = Counter()
    in_blocks, i = False, 0
    while i + 1 < len(lines):
        code, value = lines[i].strip(), lines[i + 1].strip()
        if code == b"2" and value in (b"BLOCKS", b"ENTITIES"):
            in_blocks = value == b"BLOCKS"
        elif in_blocks and code == b"0" and value == b"BLOCK":
            j, name = i + 2, None
            while j + 1 < len(lines) and lines[j].strip() != b"0":
                if lines[j].strip() in (b"2", b"3"):
                    if name is None:
                        name = lines[j + 1].strip()
                        seen[name] += 1
                    if seen[name] > 1:
                        new = name + b"_%d" % seen[name]
                        lines[j + 1] = lines[j + 1].replace(name, new)
                        renamed[new.decode("utf-8", "replace")] = name.decode("utf-8", "replace")
                j += 2
            i = j
            continue
        i += 2
    return b"\n".join(lines), renamed


def _load(p: Path):
    ezdxf = _ezdxf()
    from ezdxf import recover

    data, renamed = _split_duplicate_blocks(p.read_bytes())
    try:
        doc, auditor = recover.read(io.BytesIO(data))
    except (OSError, ezdxf.DXFError, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise FileFormatError(f"not a readable DXF file ({type(exc).__name__}: {exc})", path=p) from None
    if auditor.has_errors and not len(doc.modelspace()) and len(doc.blocks) <= 2:
        raise FileFormatError(f"not a readable DXF file ({auditor.errors[0].message})", path=p)
    return doc, renamed


def _geometry(ent, tol: float) -> tuple[np.ndarray, bool] | None:
    """(points (k, 2) in drawing units, closed) of a curve-like entity, curves flattened to ``tol``."""
    from ezdxf import path as dxfpath

    kind = ent.dxftype()
    if kind == "LINE":
        return np.array([tuple(ent.dxf.start)[:2], tuple(ent.dxf.end)[:2]], float), False
    if kind not in ("LWPOLYLINE", "POLYLINE", "SPLINE", "ARC", "CIRCLE", "ELLIPSE"):
        return None
    try:
        pts = np.array([(v.x, v.y) for v in dxfpath.make_path(ent).flattening(tol)], float)
    except Exception:  # noqa: BLE001 - a polyface mesh or a broken spline: reported as not read
        return None
    if len(pts) < 2 or not np.all(np.isfinite(pts)):
        return None
    closed = kind in ("CIRCLE",) or bool(getattr(ent, "closed", False)) or bool(getattr(ent, "is_closed", False))
    span = max(float(np.ptp(pts, axis=0).max()), 1e-12)
    if np.linalg.norm(pts[-1] - pts[0]) <= 1e-6 * span:
        closed, pts = True, pts[:-1]
    return pts, closed and len(pts) >= 3


def _text(ent) -> str | None:
    kind = ent.dxftype()
    if kind in ("TEXT", "ATTRIB", "ATTDEF"):
        return str(ent.dxf.text)
    if kind == "MTEXT":
        return ent.plain_text()
    return None


def _collect(piece: _Piece, entities, scale: float, tol: float, layer_of=None) -> _Piece:
    """Sort a piece's entities by what their layer means; anything else is counted in ``dropped``."""
    for ent in entities:
        layer = layer_of(ent) if layer_of else str(ent.dxf.layer)
        kind = ent.dxftype()
        text = _text(ent)
        if text is not None:
            piece.texts.append(text.strip())
            continue
        if layer in QA_COPIES:
            piece.dropped[(layer, kind)] += 1
            continue
        if layer in NOTCH_LAYERS:
            if kind == "POINT":
                piece.notches.append((np.array(tuple(ent.dxf.location)[:2]) * scale, None))
            elif kind == "LINE":
                piece.notches.append((np.array(tuple(ent.dxf.start)[:2]) * scale,
                                      np.array(tuple(ent.dxf.end)[:2]) * scale))
            else:
                piece.dropped[(layer, kind)] += 1
            continue
        geom = _geometry(ent, tol) if layer in (CUT, SEW, INTERNAL, GRAIN) else None
        if geom is None:
            piece.dropped[(layer, kind)] += 1
            continue
        pts, closed = geom[0] * scale, geom[1]
        if layer == GRAIN:
            piece.grain.append(pts)
        elif closed and layer in (CUT, SEW, INTERNAL):
            {CUT: piece.cut, SEW: piece.sew, INTERNAL: piece.eight}[layer].append(pts)
        elif layer == INTERNAL:
            piece.internal.append(pts)
        else:
            piece.dropped[(layer, kind)] += 1
    return piece


def _polygon(pts: np.ndarray, notes: list[str] | None = None, what: str = ""):
    """A valid shapely Polygon from a closed polyline (largest part if it crosses itself), or None."""
    from shapely.geometry import Polygon
    from shapely.validation import make_valid

    if len(pts) < 3:
        return None
    poly = Polygon(pts)
    if not poly.is_valid:
        fixed = make_valid(poly)
        parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type == "Polygon"]
        poly = max(parts, key=lambda g: g.area) if parts else None
        if notes is not None:
            notes.append(f"{what} crosses itself; its largest loop is used")
    return poly if poly is not None and poly.area > 0 else None


def _near_share(inner, outer, reach: float = 0.05) -> float:
    """Share of ``inner``'s boundary within ``reach`` [m] of ``outer``'s: a sew line runs along its cut line."""
    ring = inner.exterior
    q = [ring.interpolate(f, normalized=True) for f in np.linspace(0, 1, 64, endpoint=False)]
    return float(np.mean([outer.exterior.distance(x) <= reach for x in q]))


def _ring(poly) -> np.ndarray:
    """Counter-clockwise outline points of a polygon, thinned to SIMPLIFY_M, no repeated points."""
    ring = np.asarray(poly.simplify(SIMPLIFY_M, preserve_topology=True).exterior.coords)[:-1]
    keep = np.linalg.norm(ring - np.roll(ring, 1, axis=0), axis=1) > 1e-6
    ring = ring[keep]
    return ring if polygon_area(ring) > 0 else ring[::-1]


def _edge_allowances(ring: np.ndarray, cut) -> list[float]:
    """Per outline edge [m]: its distance to the cut line (median of three points along it)."""
    from shapely import distance, points

    nxt = np.roll(ring, -1, axis=0)
    out = []
    for a, b in zip(ring, nxt, strict=True):
        q = a + np.array([0.25, 0.5, 0.75])[:, None] * (b - a)
        out.append(round(float(np.median(distance(points(q), cut.exterior))), 4))
    return out


def _parse_texts(texts: list[str]) -> tuple[str | None, int | None, bool]:
    """(piece name, quantity, on fold) from piece system text and annotations."""
    name = qty = None
    fold = False
    cut_lines = []
    for t in texts:
        m = re.match(r"\s*piece\s*name\s*[:=]\s*(.+)", t, re.I)
        if m and not name:
            name = m.group(1).strip()
        m = re.match(r"\s*quantity\s*[:=]\s*(\d+)", t, re.I)
        if m and qty is None:
            qty = int(m.group(1))
        m = re.search(r"\bcut\s*(\d+)", t, re.I)
        if m:
            cut_lines.append((0 if "fabric" in t.lower() else 1, int(m.group(1)), "fold" in t.lower()))
    if qty is None and cut_lines:
        _, qty, fold = min(cut_lines, key=lambda c: c[0])
    return name, qty, fold


def _piece_name(piece: _Piece) -> str:
    """"Piece Name:" text, else a text the block name was made from (R12 writes "Case 1a" as CASE_1A), else
    the block name."""
    named = _parse_texts(piece.texts)[0]
    if named:
        return named
    mangled = [t for t in piece.texts if re.sub(r"[^A-Za-z0-9]", "_", t).upper() == piece.name.upper() != t]
    return mangled[0] if mangled else piece.name


def _units(doc, texts: list[str]) -> tuple[float, str]:
    """(metres per drawing unit, how we know)."""
    units = int(doc.header.get("$INSUNITS", 0) or 0)
    if units in INSUNITS_M:
        return INSUNITS_M[units], f"$INSUNITS = {units}"
    if units:
        raise FileFormatError(f"unknown units: $INSUNITS = {units}", field="$INSUNITS")
    for t in texts:
        m = re.match(r"\s*units?\s*[:=]\s*([a-z]+)", t, re.I)
        if m and m.group(1).lower() in UNIT_WORDS:
            return UNIT_WORDS[m.group(1).lower()], f"the text {t.strip()!r}"
    if "$MEASUREMENT" in doc.header and int(doc.header.get("$MEASUREMENT", 1)) == 0:
        return 0.0254, "$MEASUREMENT = 0 (imperial drawing: inches)"
    return 0.001, DEFAULT_SCALE_NOTE


def _block_pieces(doc, renamed: dict[str, str], scale: float, tol: float) -> list[_Piece]:
    """One piece per block the drawing inserts (every named block, when it inserts none)."""
    inserted = {str(e.dxf.name) for e in doc.modelspace() if e.dxftype() == "INSERT"}
    out = []
    for block in doc.blocks:
        name = block.name
        if name.startswith("*"):
            continue
        if inserted and renamed.get(name, name) not in inserted:
            continue
        piece = _collect(_Piece(name), block, scale, tol)
        if piece.cut or piece.sew or piece.eight:
            out.append(piece)
    return out


def _flat_pieces(doc, scale: float, tol: float, notes: list[str]) -> tuple[list[_Piece], Counter]:
    """Pieces of a flat DXF: each outermost closed polyline is a piece; what lies inside belongs to it."""
    from shapely import contains_xy

    closed, others, texts = [], [], []
    dropped: Counter = Counter()
    for ent in doc.modelspace():
        t = _text(ent)
        if t is not None:
            at = np.array(tuple(ent.dxf.insert)[:2]) * scale if ent.dxf.hasattr("insert") else None
            texts.append((t.strip(), at))
            continue
        geom = _geometry(ent, tol)
        if geom is None:
            dropped[(str(ent.dxf.layer), ent.dxftype())] += 1
            continue
        pts, is_closed = geom[0] * scale, geom[1]
        poly = _polygon(pts) if is_closed else None
        (closed if poly is not None else others).append((poly, pts, ent))
    closed.sort(key=lambda c: -c[0].area)
    pieces: list[tuple] = []  # (outer polygon, _Piece)
    for poly, pts, _ in closed:
        host = next((q for q in pieces if q[0].buffer(5e-4).contains(poly)), None)
        if host is None:
            pieces.append((poly, _Piece(f"piece_{len(pieces) + 1}", cut=[pts])))
        elif not host[1].sew and poly.area > 0.5 * host[0].area:
            host[1].sew.append(pts)
        else:
            host[1].internal.append(np.concatenate([pts, pts[:1]]))
    for _, pts, ent in others:
        mid = pts[len(pts) // 2]
        host = next((q for q in pieces if q[0].buffer(5e-4).covers(_pt(pts[0])) or
                     contains_xy(q[0], mid[0], mid[1])), None)
        if host is None:
            dropped[(str(ent.dxf.layer), ent.dxftype())] += 1
            continue
        outer, piece = host
        seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        if len(pts) == 2 and seg.sum() <= 0.015 and outer.exterior.distance(_pt(pts[0])) < 5e-4:
            piece.notches.append((pts[0], pts[1]))  # a short mark from the cut line inwards
        elif len(pts) >= 5 and seg.max() >= 0.6 * seg.sum() and len(np.unique(np.round(pts, 6), axis=0)) < len(pts):
            k = int(np.argmax(seg))  # a line with arrow heads drawn back on itself: the grainline
            piece.grain.append(pts[k:k + 2])
        else:
            piece.internal.append(pts)
    outside = 0
    for t, at in texts:
        host = next((q for q in pieces if at is not None and contains_xy(q[0], at[0], at[1])), None)
        if host is None:
            outside += 1
        else:
            host[1].texts.append(t)
    if outside:
        notes.append(f"{outside} text(s) outside every piece not read (pattern labels)")
    for _, piece in pieces:
        x, y = piece.cut[0].min(0) * 1000
        notes.append(f"flat DXF: '{piece.name}' is the closed outline at ({x:.0f}, {y:.0f}) mm"
                     + (", with the closed line inside it as sew line" if piece.sew else ", no sew line inside it"))
    return [p for _, p in pieces], dropped


def _pt(q):
    from shapely.geometry import Point

    return Point(float(q[0]), float(q[1]))


def _panel(piece: _Piece, allowance: float, notes: list[str], path: str) -> tuple[Panel, list, list[float]] | None:
    """(panel, notch records, per-edge seam allowances) of one piece; None when it has no outline."""
    cuts = [q for q in (_polygon(c, notes, f"'{piece.name}': the cut line") for c in piece.cut) if q is not None]
    cut = max(cuts, key=lambda q: q.area) if cuts else None
    for extra in cuts:
        if extra is not cut:
            piece.internal.append(np.asarray(extra.exterior.coords))
    sews = [q for q in (_polygon(c, notes, f"'{piece.name}': the sew line") for c in piece.sew) if q is not None]
    sew = max(sews, key=lambda q: q.area) if sews else None
    eights = [(q, c) for q, c in ((_polygon(c), c) for c in piece.eight)]
    if sew is None and cut is not None:  # Valentina's AAMA: the sew line is the closed layer-8 line inside the cut
        inside = [q for q, _ in eights if q is not None and cut.buffer(1e-3).contains(q)]
        best = max(inside, key=lambda q: q.area) if inside else None
        if best is not None and (best.area >= 0.15 * cut.area or _near_share(best, cut) >= 0.6):
            sew = best
            notes.append(f"'{piece.name}': sew line read from layer 8 (closed line inside the cut line, as "
                         f"Valentina writes AAMA)")
    for q, c in eights:
        if q is not sew:
            piece.internal.append(np.concatenate([c, c[:1]]))
    for extra in sews:
        if extra is not sew:
            piece.internal.append(np.asarray(extra.exterior.coords))
    if sew is None and cut is None:
        return None
    if sew is None:
        sew = cut
        if allowance > 0:
            sew = cut.buffer(-allowance, join_style="mitre")
            sew = max(getattr(sew, "geoms", [sew]), key=lambda g: g.area) if not sew.is_empty else None
            if sew is None:
                raise FileFormatError(f"piece '{piece.name}' is narrower than twice the {allowance * 1000:g} mm "
                                      f"allowance", path=path)
        notes.append(f"'{piece.name}': no sew line in the file: the outline is the cut line less "
                     f"{allowance * 1000:g} mm (the stated allowance)")
    ring = _ring(sew)
    if not np.all(np.isfinite(ring)):
        raise FileFormatError(f"piece '{piece.name}' has NaN coordinates", field="layer 1", path=path)
    if len(ring) < 3:
        raise FileFormatError(f"piece '{piece.name}' outline encloses no area", field="layer 1", path=path)
    allowances = _edge_allowances(ring, cut) if cut is not None and cut is not sew else [allowance] * len(ring)
    lens = np.linalg.norm(np.roll(ring, -1, axis=0) - ring, axis=1)
    order = np.argsort(allowances)
    seam_allowance = float(np.asarray(allowances)[order][np.searchsorted(np.cumsum(lens[order]), lens.sum() / 2)])
    grain = np.array([0.0, 1.0])
    if piece.grain:
        g = max(piece.grain, key=lambda q: np.linalg.norm(q[-1] - q[0]))
        if np.linalg.norm(g[-1] - g[0]) > 0:
            grain = (g[-1] - g[0]) / np.linalg.norm(g[-1] - g[0])
            grain = -grain if grain[1] < 0 else grain
        if len(piece.grain) > 1:
            notes.append(f"'{piece.name}': {len(piece.grain)} grain lines; the longest is used")
    else:
        notes.append(f"'{piece.name}': no grain line in the file; the warp runs along the piece's y axis")
    n = len(ring)
    edges = tuple(Edge(i, (i + 1) % n) for i in range(n))
    try:
        panel = Panel(piece.name, ring, edges, grain=grain, internal_lines=tuple(piece.internal),
                      seam_allowance=max(0.0, seam_allowance), **hints_from_name(piece.name))
        validate_panel(panel, path)
    except InvalidInputError as exc:
        raise FileFormatError(str(exc), path=path) from None
    panel, records = _attach_notches(panel, _notch_points(piece, cut, sew, allowances, notes))
    return panel, records, allowances


def _attach_notches(panel: Panel, marks: list[np.ndarray]) -> tuple[Panel, list]:
    """Each notch (a point on the straight-edged outline) as a fraction along its nearest edge."""
    v = panel.vertices.astype(np.float64)
    a, b = v[[e.start for e in panel.edges]], v[[e.end for e in panel.edges]]
    d = b - a
    per_edge: dict[int, list[float]] = {i: [] for i in range(len(panel.edges))}
    records = []
    for q in marks:
        t = np.clip(((q - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-18), 0.0, 1.0)
        i = int(np.argmin(np.linalg.norm(a + t[:, None] * d - q, axis=1)))
        per_edge[i].append(float(t[i]))
        records.append((i, float(t[i]), "notch"))
    edges = tuple(replace(e, notches=tuple(sorted(per_edge[i]))) for i, e in enumerate(panel.edges))
    return replace(panel, edges=edges), records


def _notch_points(piece: _Piece, cut, sew, allowances: list[float], notes: list[str]) -> list[np.ndarray]:
    """Notch marks carried across the seam allowance onto the sew line (nearest sew-line point)."""
    boundary = (cut if cut is not None else sew).exterior
    starts = []
    for a, b in piece.notches:  # a mark's end on the cut line is where the notch is
        starts.append(a if b is None or boundary.distance(_pt(a)) <= boundary.distance(_pt(b)) else b)
    group = list(range(len(starts)))  # marks chained within DOUBLE_NOTCH_M of each other are one notch
    for i in range(len(starts)):
        for j in range(i):
            if np.linalg.norm(starts[i] - starts[j]) <= DOUBLE_NOTCH_M:
                old, new = group[i], group[j]
                group = [new if g == old else g for g in group]
    merged = [np.mean([q for q, g in zip(starts, group, strict=True) if g == k], axis=0) for k in sorted(set(group))]
    if len(merged) < len(starts):
        notes.append(f"'{piece.name}': {len(starts) - len(merged)} notch mark(s) within "
                     f"{DOUBLE_NOTCH_M * 1000:g} mm of another read as one (double notches)")
    reach = max(allowances, default=0.0) + NOTCH_SLACK_M
    out = []
    for q in merged:
        ring = sew.exterior
        on = ring.interpolate(ring.project(_pt(q)))
        d = on.distance(_pt(q))
        if d > reach:
            notes.append(f"'{piece.name}': notch at ({q[0] * 1000:.0f}, {q[1] * 1000:.0f}) mm dropped: "
                         f"{d * 1000:.1f} mm from the sew line, more than the allowance")
            continue
        out.append(np.array(on.coords[0]))
    return out


def _in_loop_order(panel: Panel) -> Panel:
    """The same panel with vertex i at the start of edge i (as a file lists them)."""
    n = len(panel.edges)
    verts = panel.vertices[[e.start for e in panel.edges]]
    edges = tuple(replace(e, start=i, end=(i + 1) % n) for i, e in enumerate(panel.edges))
    return replace(panel, vertices=verts, edges=edges)


def _dropped_notes(dropped: Counter) -> list[str]:
    by_layer: dict[str, Counter] = {}
    for (layer, kind), count in dropped.items():
        by_layer.setdefault(layer, Counter())[kind] += count
    out = []
    for layer in sorted(by_layer, key=lambda s: (len(s), s)):
        what = ", ".join(f"{c} {k}" for k, c in sorted(by_layer[layer].items()))
        why = f"quality-validation copy of the {QA_COPIES[layer]}" if layer in QA_COPIES else \
            LAYER_NAMES.get(layer, "not a pattern layer Atelier reads")
        out.append(f"not read: layer {layer} ({why}): {what}")
    return out


def _unique(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for n in names:
        seen[n] += 1
        k, cand = seen[n], n
        while seen[n] > 1 and (cand in names or cand in out):
            cand = f"{n}_{k}"
            k += 1
        out.append(cand)
    return out


def read_dxf(path: str | Path, allowance: float = 0.0) -> Pattern:
    """Panels of an ASTM/AAMA or flat DXF (no seams: infer them or give a sidecar).

    ``allowance`` [m]: seam allowance to take off a piece whose file has no sew line (stated in the notes).
    """
    p = readable_file(path, MAX_BYTES, "pattern")
    doc, renamed = _load(p)
    msp_texts = [t for t in (_text(e) for e in doc.modelspace()) if t]
    try:
        scale, units_from = _units(doc, msp_texts)
    except FileFormatError as exc:
        raise FileFormatError(str(exc).split(": ", 1)[-1], field="$INSUNITS", path=p) from None
    tol = 5e-5 / scale  # flatten curves to 0.05 mm
    notes: list[str] = [f"units: {units_from}"]
    pieces = _block_pieces(doc, renamed, scale, tol)
    family = "astm" if any(layer in QA_COPIES for q in pieces for layer, _ in q.dropped) else "aama"
    dropped: Counter = Counter()
    if pieces:
        for e in doc.modelspace():  # beside the pieces' INSERTs: style text is read, the rest is reported
            if e.dxftype() != "INSERT" and _text(e) is None:
                dropped[(str(e.dxf.layer), e.dxftype())] += 1
    else:
        pieces, dropped = _flat_pieces(doc, scale, tol, notes)
        family = "flat"
    if not pieces:
        raise FileFormatError("no piece boundary found (expected blocks with a closed polyline on layer 1, 8 or "
                              "14, or closed polylines in a flat drawing)", path=p)
    for piece, name in zip(pieces, _unique([_piece_name(q) for q in pieces]), strict=True):
        if name != piece.name:
            notes.append(f"block '{piece.name}' read as piece '{name}'")
        piece.name = name
        dropped += piece.dropped
    panels, notch_meta, allowances, quantities = [], {}, {}, {}
    for piece in pieces:
        built = _panel(piece, allowance, notes, str(p))
        if built is None:
            notes.append(f"'{piece.name}' skipped: no closed cut or sew line")
            continue
        panel, records, sas = built
        _, qty, fold = _parse_texts(piece.texts)
        quantities[piece.name] = qty or 1
        if fold:
            notes.append(f"'{piece.name}' is cut on the fold; the file has no mirror line we read, so it is "
                         f"imported as drawn (half)")
        words = set(re.split(r"[^a-z]+", piece.name.lower()))
        if (qty or 1) >= 2 and not {"left", "right"} & words:
            right = replace(panel, name=f"{piece.name}_right", lateral="right",
                            body_part=panel.body_part.replace("left", "right"))
            left = _in_loop_order(mirror(panel, f"{piece.name}_left", "left"))
            left = replace(left, body_part=right.body_part.replace("right", "left"),
                           internal_lines=tuple(q * np.array([-1.0, 1.0]) for q in panel.internal_lines))
            n = len(panel.edges)
            panels += [left, right]
            notch_meta[right.name], allowances[right.name] = records, sas
            notch_meta[left.name] = [(n - 1 - e, 1 - t, k) for e, t, k in records]
            allowances[left.name] = sas[::-1]
            if qty > 2:
                notes.append(f"'{piece.name}' is cut {qty} times; one left and one right panel imported")
        else:
            panels.append(panel)
            notch_meta[panel.name], allowances[panel.name] = records, sas
    notes += _dropped_notes(dropped)
    if not panels:
        raise FileFormatError("no piece boundary found: " + "; ".join(notes[1:]), path=p)
    if DEFAULT_SCALE_NOTE in notes[0] and not all(0.02 < np.ptp(outline(q, 4), axis=0).max() < 3.0 for q in panels):
        raise FileFormatError("unknown units: no $INSUNITS and the pieces are not garment-sized in mm",
                              field="$INSUNITS", path=p)
    meta = {"source": str(p), "format": f"dxf-{family}", "units": units_from, "notches": notch_meta,
            "seam_allowances": allowances, "quantities": quantities, "import_notes": notes,
            "dxf": {"version": doc.dxfversion, "family": family, "style_text": msp_texts}}
    return Pattern(p.stem, tuple(panels), (), meta)
