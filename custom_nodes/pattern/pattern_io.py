"""Load and save patterns in every format the pattern domain speaks.

* ``.json``: an Atelier pattern (``core.serial``), or a GarmentCode specification (detected by its
  ``pattern``/``properties`` keys).
* ``.svg``: FreeSewing-style SVG (see :mod:`svg_import`); we also write it, re-importable.
* ``.dxf``: DXF-AAMA (see :mod:`dxf_aama`).
SVG and DXF carry no seams: they come from a sidecar JSON (``<name>.seams.json`` next to the file, or
given) or are inferred (:func:`seam_infer.infer_seams`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from ..core.checks import readable_file
from ..core.errors import AtelierError, FileFormatError
from ..core.pattern import Pattern
from ..core.serial import atomic_write_bytes, from_json, to_json
from .curves import dense_edge
from .preview import layout

PATTERN_SUFFIXES = (".json", ".svg", ".dxf")


def load_pattern(path: str | Path, sidecar: str | Path | None = None, infer: bool = True) -> Pattern:
    """Read a pattern file; for SVG/DXF, seams come from ``sidecar`` (or ``<stem>.seams.json``) or inference.

    A file the readers cannot make sense of is a :class:`FileFormatError`, whatever broke inside them.
    """
    try:
        return _load_pattern(Path(path), sidecar, infer)
    except AtelierError:
        raise
    except RecursionError:  # e.g. JSON or SVG nested thousands of levels deep
        raise FileFormatError("cannot read it: its content is nested far too deeply", path=path) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration, SyntaxError):
        logging.getLogger(__name__).warning("pattern file %s could not be read", path, exc_info=True)  # for bugs
        kind = Path(path).suffix[1:].upper() or "pattern"
        raise FileFormatError(f"cannot read it as a {kind} pattern: the content is malformed or cut short",
                              path=path) from None


def _load_pattern(p: Path, sidecar: str | Path | None, infer: bool) -> Pattern:
    suffix = p.suffix.lower()
    if suffix not in PATTERN_SUFFIXES:
        raise FileFormatError(f"unknown pattern file type {suffix!r}; expected one of {list(PATTERN_SUFFIXES)}",
                              path=p)
    if not p.is_file():
        raise FileFormatError("file not found", path=p)
    if suffix == ".json":
        return _load_json(p)
    from .seam_infer import apply_sidecar, infer_seams

    if suffix == ".svg":
        from .svg_import import read_svg

        pattern = read_svg(p)
    else:
        from .dxf_aama import read_dxf

        pattern = read_dxf(p)
    side = Path(sidecar) if sidecar else p.with_suffix(".seams.json")
    if sidecar and not side.is_file():
        raise FileFormatError("seam sidecar not found", path=side)
    if side.is_file():
        try:
            return apply_sidecar(pattern, side)
        except FileFormatError:
            if sidecar:
                raise  # the user named it: tell them it does not fit
    return drop_unsewn(infer_seams(pattern)) if infer else pattern


MAIN_SHARE = 0.25  # a group of sewn panels with at least this share of the largest group's cloth is garment, kept


def drop_unsewn(pattern: Pattern) -> Pattern:
    """Leave out panels no seam joins to the main garment: pocket bags, facings and interfacings sewn to
    nothing, and groups of parts sewn only among themselves (a waistband's two halves joined to each other
    but to no bodice side). On their own they would fall off the body during the drape. The main garment is
    the group of panels joined by seams with the most cloth, and any group with at least MAIN_SHARE of its
    cloth (a trouser leg whose crotch seam was not found is half the garment, not a detail). Each part left out is named in
    ``metadata['import_notes']``. A pattern of one panel, or one with no seams between panels, is kept whole."""
    from dataclasses import replace

    from .curves import outline_area

    between = [s for s in pattern.seams if s.a.panel != s.b.panel]
    if len(pattern.panels) < 2 or not between:
        return pattern
    group = {q.name: q.name for q in pattern.panels}  # union-find over the seams between panels

    def root(n: str) -> str:
        while group[n] != n:
            group[n] = group[group[n]]
            n = group[n]
        return n

    for s in between:
        group[root(s.a.panel)] = root(s.b.panel)
    area: dict[str, float] = {}
    for q in pattern.panels:
        area[root(q.name)] = area.get(root(q.name), 0.0) + outline_area(q)
    largest = max(area.values())
    main = {r for r, a in area.items() if a >= MAIN_SHARE * largest}
    sewn = {q.name for q in pattern.panels if root(q.name) in main}
    keep = tuple(q for q in pattern.panels if q.name in sewn)
    notes = list(pattern.metadata.get("import_notes", []))
    for q in pattern.panels:
        if q.name in sewn:
            continue
        mates = sorted(m.name for m in pattern.panels if m.name != q.name and root(m.name) == root(q.name))
        notes.append(f"part '{q.name}' left out: it is not sewn to any other part" if not mates else
                     f"part '{q.name}' left out: it is sewn only to {', '.join(repr(m) for m in mates)}, "
                     f"not to the rest of the garment")
    seams = tuple(s for s in pattern.seams if s.a.panel in sewn and s.b.panel in sewn)
    return replace(pattern, panels=keep, seams=seams, metadata={**pattern.metadata, "import_notes": notes})


def _load_json(p: Path) -> Pattern:
    from .garmentcode import MAX_BYTES, load_garmentcode

    readable_file(p, MAX_BYTES, "pattern")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"not valid JSON ({exc})", path=p) from None
    if isinstance(doc, dict) and "pattern" in doc and "record" not in doc:
        return load_garmentcode(p)
    try:
        record = from_json(json.dumps(doc))
    except FileFormatError as exc:
        raise FileFormatError(f"neither an Atelier pattern nor a GarmentCode specification ({exc})",
                              path=p) from None
    if not isinstance(record, Pattern):
        raise FileFormatError(f"holds a {type(record).__name__}, not a Pattern", path=p)
    return record


def save_pattern(pattern: Pattern, path: str | Path) -> Path:
    """Write ``.json`` (Atelier), ``.svg`` or ``.dxf`` (AAMA) by suffix; atomic."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        return atomic_write_bytes(p, to_json(pattern).encode("utf-8"))
    kinds = {e.kind for q in pattern.panels for e in q.edges}
    keeps_edges = kinds <= {"line"} or (suffix == ".svg" and "arc" not in kinds)
    if suffix in (".svg", ".dxf") and pattern.seams and keeps_edges:
        write_sidecar(pattern, p.with_suffix(".seams.json"))
    if suffix == ".svg":
        return atomic_write_bytes(p, pattern_svg(pattern).encode("utf-8"))
    if suffix == ".dxf":
        from .dxf_aama import write_dxf

        return write_dxf(pattern, p)
    raise FileFormatError(f"cannot write {suffix!r}; expected one of {list(PATTERN_SUFFIXES)}", path=p)


def write_sidecar(pattern: Pattern, path: str | Path) -> Path:
    """The seams as a sidecar JSON (what SVG/DXF cannot hold), read back by ``load_pattern``.

    Edge indices refer to the panels as written; DXF flattens curves, so a DXF sidecar only fits
    patterns whose edges are all straight (otherwise seams are inferred again on load)."""
    seams = [{"a": {"panel": s.a.panel, "edges": list(s.a.edges), "reverse": s.a.reverse},
              "b": {"panel": s.b.panel, "edges": list(s.b.edges), "reverse": s.b.reverse}, "label": s.label}
             for s in pattern.seams]
    counts = {q.name: len(q.edges) for q in pattern.panels}
    return atomic_write_bytes(path, json.dumps({"seams": seams, "edge_counts": counts}, indent=1).encode("utf-8"))


def _path_d(panel, offset: np.ndarray, top: float) -> str:
    """SVG path data in millimetres (y down) for a panel outline, curves kept as curves."""

    def mm(q):
        return f"{(q[0] + offset[0]) * 1000:.3f},{(top - q[1] - offset[1]) * 1000:.3f}"

    v = panel.vertices.astype(np.float64)
    parts = [f"M {mm(v[panel.edges[0].start])}"]
    for i, e in enumerate(panel.edges):
        c = e.controls.astype(np.float64)
        if e.kind == "cubic":
            parts.append(f"C {mm(c[0])} {mm(c[1])} {mm(v[e.end])}")
        elif e.kind == "quadratic":
            parts.append(f"Q {mm(c[0])} {mm(v[e.end])}")
        elif e.kind == "arc":
            parts.append(" ".join(f"L {mm(q)}" for q in dense_edge(panel, i, 32)[1:]))
        else:
            parts.append(f"L {mm(v[e.end])}")
    return " ".join(parts) + " z"


def pattern_svg(pattern: Pattern) -> str:
    """The pattern as a millimetre SVG, one ``<g id="atelier-part-NAME">`` per panel, cut outline class
    ``fabric``, notches as ``<use href="#notch">`` — the layout FreeSewing uses, so it re-imports."""
    offsets = layout(pattern)
    pts = np.concatenate([np.concatenate([dense_edge(p, i, 16) for i in range(len(p.edges))]) + o
                          for p, o in zip(pattern.panels, offsets, strict=True)])
    lo, hi = pts.min(0) - 0.02, pts.max(0) + 0.02
    w, h = (hi - lo) * 1000
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'width="{w:.2f}mm" height="{h:.2f}mm" viewBox="0 0 {w:.2f} {h:.2f}">',
           '<defs><g id="notch"><circle cx="0" cy="0" r="1.5"/></g></defs>']
    for panel, off in zip(pattern.panels, offsets, strict=True):
        o = off - lo
        name = panel.name.replace('"', "")
        out.append(f'<g id="atelier-part-{name}">')
        out.append(f'<path class="fabric" d="{_path_d(panel, o, hi[1] - lo[1])}" fill="none" stroke="black"/>')
        for i, e in enumerate(panel.edges):
            dense = dense_edge(panel, i, 200)
            for t in e.notches:
                q = dense[int(round(t * 200))] + o
                out.append(f'<use xlink:href="#notch" x="{q[0] * 1000:.3f}" y="{(hi[1] - lo[1] - q[1]) * 1000:.3f}"/>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
