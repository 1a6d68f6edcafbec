"""DXF-AAMA import/export (ezdxf): one block per piece, AAMA layer numbers.

Layers: 1 cut line (boundary), 14 sew line, 7 grain line, 4 notches, 8 internal lines. Our panel
outline is the *sew* line (seam allowance is metadata), so export writes it on layer 14 and the cut
line (outline grown by the seam allowance) on layer 1; import prefers layer 14 and falls back to
layer 1. Curves are flattened to polylines (AAMA has no curves); import simplifies them again.
Units: ``$INSUNITS`` (mm when written by us); a file without units is read as millimetres only if the
pieces then have garment-like sizes, otherwise it is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.checks import readable_file
from ..core.errors import FileFormatError
from ..core.pattern import Edge, Panel, Pattern
from ..core.serial import atomic_write_bytes
from .curves import dense_edge, outline, polygon_area, validate_panel
from .drafting import hints_from_name

INSUNITS_M = {1: 0.0254, 2: 0.3048, 4: 0.001, 5: 0.01, 6: 1.0}
MAX_BYTES = 50_000_000


def _ezdxf():
    try:
        import ezdxf
    except ImportError:  # pragma: no cover
        from ..core.errors import DependencyMissingError

        raise DependencyMissingError("ezdxf", "DXF-AAMA import/export") from None
    return ezdxf


def _flat_outline(panel: Panel, max_seg: float = 0.01) -> np.ndarray:
    """Outline polyline [m] with each edge flattened to segments ≤ ``max_seg``."""
    from .curves import edge_length

    parts = []
    for i, e in enumerate(panel.edges):
        n = 1 if e.kind == "line" else max(4, int(np.ceil(edge_length(panel, i) / max_seg)))
        parts.append(dense_edge(panel, i, n)[:-1])
    return np.concatenate(parts)


def write_dxf(pattern: Pattern, path: str | Path) -> Path:
    """Write an AAMA-style DXF (millimetres) with one block per panel, inserted side by side."""
    import io

    from shapely.geometry import Polygon

    ezdxf = _ezdxf()
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    for layer in ("1", "4", "7", "8", "14"):
        doc.layers.add(layer)
    msp = doc.modelspace()
    x = 0.0
    for panel in pattern.panels:
        mm = _flat_outline(panel) * 1000.0
        block = doc.blocks.new(name=panel.name)
        block.add_lwpolyline([tuple(p) for p in mm], close=True, dxfattribs={"layer": "14"})
        cut = Polygon(mm).buffer(panel.seam_allowance * 1000.0, join_style=2) if panel.seam_allowance > 0 else None
        cut_pts = np.asarray(cut.exterior.coords)[:-1] if cut is not None else mm
        block.add_lwpolyline([tuple(p) for p in cut_pts], close=True, dxfattribs={"layer": "1"})
        c = mm.mean(0)
        g = panel.grain.astype(float) * 0.25 * float(np.ptp(mm[:, 1]))
        block.add_line(tuple(c - g), tuple(c + g), dxfattribs={"layer": "7"})
        for i, e in enumerate(panel.edges):
            pts = dense_edge(panel, i, 200) * 1000.0
            for t in e.notches:
                block.add_point(tuple(pts[int(round(t * 200))]), dxfattribs={"layer": "4"})
        for line in panel.internal_lines:
            block.add_lwpolyline([tuple(p) for p in line * 1000.0], dxfattribs={"layer": "8"})
        block.add_text(f"Piece Name: {panel.name}", dxfattribs={"layer": "1", "height": 10}).set_placement(tuple(c))
        msp.add_blockref(panel.name, (x - float(mm[:, 0].min()), 0.0))
        x += float(np.ptp(cut_pts[:, 0])) + 50.0
    buf = io.StringIO()
    doc.write(buf)
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def _polyline_points(entity) -> np.ndarray:
    kind = entity.dxftype()
    if kind == "LWPOLYLINE":
        return np.array([(p[0], p[1]) for p in entity.get_points("xy")], float)
    if kind == "POLYLINE":
        return np.array([(v.dxf.location.x, v.dxf.location.y) for v in entity.vertices], float)
    if kind == "LINE":
        return np.array([(entity.dxf.start.x, entity.dxf.start.y), (entity.dxf.end.x, entity.dxf.end.y)], float)
    return np.zeros((0, 2))


def _panel_from_block(block, scale: float, path: str) -> Panel | None:
    by_layer: dict[str, list] = {}
    for ent in block:
        by_layer.setdefault(str(ent.dxf.layer), []).append(ent)
    boundary = [_polyline_points(e) for e in by_layer.get("14", []) + by_layer.get("1", [])
                if e.dxftype() in ("LWPOLYLINE", "POLYLINE")]
    boundary = [b for b in boundary if len(b) >= 3]
    if not boundary:
        return None
    pts = boundary[0] * scale  # layer 14 (sew line) first when present
    if not np.all(np.isfinite(pts)):
        raise FileFormatError(f"block '{block.name}' has NaN coordinates", field="layer 1", path=path)
    from shapely.geometry import Polygon

    poly = Polygon(pts).simplify(0.0003, preserve_topology=False)
    if poly.is_empty or not hasattr(poly, "exterior"):
        raise FileFormatError(f"block '{block.name}' boundary encloses no area", field="layer 1", path=path)
    ring = np.asarray(poly.exterior.coords)[:-1]
    if polygon_area(ring) < 0:
        ring = ring[::-1]
    n = len(ring)
    edges = tuple(Edge(i, (i + 1) % n) for i in range(n))
    grain = np.array([0.0, 1.0])
    for ent in by_layer.get("7", []):
        g = _polyline_points(ent)
        if len(g) >= 2 and np.linalg.norm(g[-1] - g[0]) > 0:
            grain = (g[-1] - g[0]) / np.linalg.norm(g[-1] - g[0])
            grain = -grain if grain[1] < 0 else grain
    internal = tuple(_polyline_points(e) * scale for e in by_layer.get("8", []) if len(_polyline_points(e)) >= 2)
    panel = Panel(block.name, ring, edges, grain=grain, internal_lines=internal, **hints_from_name(block.name))
    validate_panel(panel, path)
    notches = []
    for ent in by_layer.get("4", []):
        if ent.dxftype() == "POINT":
            notches.append((np.array([ent.dxf.location.x, ent.dxf.location.y]) * scale, "notch"))
        elif ent.dxftype() == "LINE":  # a notch drawn as a short cut: its end on the outline
            notches.append((np.array([ent.dxf.start.x, ent.dxf.start.y]) * scale, "notch"))
    if notches:
        from .svg_import import _attach_notches

        panel, _ = _attach_notches(panel, notches, tol=0.004)
    return panel


def read_dxf(path: str | Path) -> Pattern:
    """Panels of a DXF-AAMA file (no seams: infer them or give a sidecar)."""
    ezdxf = _ezdxf()
    p = readable_file(path, MAX_BYTES, "pattern")
    try:
        doc = ezdxf.readfile(str(p))
    except (OSError, ezdxf.DXFError, UnicodeDecodeError, ValueError) as exc:
        raise FileFormatError(f"not a readable DXF file ({type(exc).__name__}: {exc})", path=p) from None
    units = int(doc.header.get("$INSUNITS", 0))
    if units not in INSUNITS_M and units != 0:
        raise FileFormatError(f"unknown units: $INSUNITS = {units}", field="$INSUNITS", path=p)
    scale = INSUNITS_M.get(units, 0.001)
    panels = []
    for block in doc.blocks:
        if block.name.startswith("*"):
            continue
        panel = _panel_from_block(block, scale, str(p))
        if panel is not None:
            panels.append(panel)
    if not panels:
        raise FileFormatError("no piece boundary found (expected blocks with a polyline on layer 1 or 14)", path=p)
    if units == 0 and not all(0.02 < np.ptp(outline(q, 4), axis=0).max() < 3.0 for q in panels):
        raise FileFormatError("unknown units: no $INSUNITS and the pieces are not garment-sized in mm",
                              field="$INSUNITS", path=p)
    return Pattern(p.stem, tuple(panels), (), {"source": str(p), "format": "dxf-aama", "units": units})
