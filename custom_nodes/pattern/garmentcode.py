"""GarmentCode JSON pattern specifications → :class:`Pattern` (and back).

GarmentCode stores panels in ``units_in_meter`` units (100: centimetres) with curve control points
relative to each edge: a point ``(u, v)`` means ``start + u·d + v·perp(d)`` where ``d = end − start``
and ``perp`` turns ``d`` 90° counter-clockwise (so ``v`` is scaled by the edge length). ``circle``
edges carry ``[radius, large_arc, right]``: an SVG arc whose radius is absolute, in the pattern's units
(pygarment/garmentcode/edge.py:441-453 at GarmentCode d449629), bulging to the right of start → end when
``right`` is set. A stitch ``[{panel, edge}, {panel, edge}(, "right_wrong")]`` sews the first edge walked
forwards to the second walked backwards (panels seen from the outside face each other), unless it is
marked ``right_wrong``. Panel ``translation`` (units) / ``rotation`` (intrinsic XYZ Euler degrees,
scipy's ``"XYZ"``: pygarment/garmentcode/panel.py:277-282) place the panel in 3D for GarmentCode's body; they
are kept, and decide each panel's side (left/right) and facing (front/back) for placement on our avatar.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core.checks import readable_file
from ..core.errors import FileFormatError, InvalidInputError
from ..core.pattern import Edge, Panel, Pattern, Seam, SeamSide
from .curves import outline, polygon_area, validate_panel

MAX_BYTES = 20_000_000


def _rel_to_abs(p0: np.ndarray, p1: np.ndarray, uv) -> np.ndarray:
    d = p1 - p0
    perp = np.array([-d[1], d[0]])
    return p0 + float(uv[0]) * d + float(uv[1]) * perp


def _circle_point(p0: np.ndarray, p1: np.ndarray, params, scale: float, where: str) -> np.ndarray:
    """The arc's midpoint from GarmentCode's ``[radius, large_arc, right]`` (radius in pattern units)."""
    if len(params) < 3:
        raise InvalidInputError("circle curvature needs [radius, large_arc, right]", field=where)
    chord = float(np.linalg.norm(p1 - p0))
    r = float(params[0]) * scale
    if not r * 2 >= chord * (1 - 1e-6):
        raise InvalidInputError(f"circle radius {r:g} is shorter than half the chord {chord / 2:g}", field=where)
    half = min(chord / 2, r)
    h = np.sqrt(max(r * r - half * half, 0.0))
    sagitta = r + h if params[1] else r - h
    d = (p1 - p0) / chord
    right = np.array([d[1], -d[0]])
    side = right if params[2] else -right
    return (p0 + p1) / 2 + side * sagitta


def _edge(verts: np.ndarray, spec: dict, relative: bool, scale: float, where: str) -> Edge:
    if "endpoints" not in spec or len(spec["endpoints"]) != 2:
        raise InvalidInputError("edge needs 'endpoints': [start, end]", field=where)
    s, e = (int(k) for k in spec["endpoints"])
    if not (0 <= s < len(verts) and 0 <= e < len(verts)):
        raise InvalidInputError(f"endpoints {spec['endpoints']} name a missing vertex", field=where)
    p0, p1 = verts[s], verts[e]
    curv = spec.get("curvature")
    label = str(spec.get("label", ""))
    if not curv:
        return Edge(s, e, "line", label=label)
    kind, params = curv.get("type"), curv.get("params", [])
    if kind in ("quadratic", "cubic"):
        want = 1 if kind == "quadratic" else 2
        if len(params) != want:
            raise InvalidInputError(f"{kind} curvature needs {want} control points", field=where)
        ctrl = [_rel_to_abs(p0, p1, uv) if relative else np.asarray(uv, float) for uv in params]
        return Edge(s, e, kind, np.array(ctrl), label=label)
    if kind == "circle":
        return Edge(s, e, "arc", _circle_point(p0, p1, params, scale, where)[None], label=label)
    raise InvalidInputError(f"unknown curvature type {kind!r} (expected quadratic, cubic or circle)", field=where)


def _panel(name: str, spec: dict, scale: float, relative: bool, path: str) -> Panel:
    where = f"panels.{name}"
    try:
        verts = np.asarray(spec["vertices"], np.float64)
    except (KeyError, TypeError, ValueError):
        raise FileFormatError("needs 'vertices' as a list of [x, y]", field=where, path=path) from None
    if verts.ndim != 2 or verts.shape[1] != 2 or len(verts) < 2:
        raise FileFormatError(f"vertices must be (n ≥ 2, 2), got shape {verts.shape}", field=where, path=path)
    if not np.all(np.isfinite(verts)):
        raise FileFormatError("vertices contain NaN or infinity", field=f"{where}.vertices", path=path)
    verts = verts * scale
    try:
        edges = tuple(_edge(verts, e, relative, scale, f"{where}.edges[{i}]")
                      for i, e in enumerate(spec.get("edges", [])))
    except InvalidInputError as exc:
        raise FileFormatError(str(exc), path=path) from None
    rot = spec.get("rotation")
    trans = spec.get("translation")
    trans = None if trans is None else np.asarray(trans, float) * scale
    rot = None if rot is None else np.asarray(rot, float)
    try:
        panel = Panel(name, verts, edges, translation=trans, rotation=rot,
                      **_hints(name, _centre_3d(verts, rot, trans)))
    except InvalidInputError as exc:
        raise FileFormatError(str(exc), path=path) from None
    validate_panel(panel, path)
    return _outside_ccw(panel)


def _outside_ccw(panel: Panel) -> Panel:
    """Make the loop counter-clockwise (our convention: CCW seen from the garment's outside).

    GarmentCode loops are CCW seen from outside already when the panel faces +Z; back panels are
    drawn seen from the front (clockwise). Mirror x and turn the 3D placement 180° about Y, which
    leaves every point's 3D position unchanged.
    """
    from dataclasses import replace

    from scipy.spatial.transform import Rotation

    if polygon_area(outline(panel, 16)) > 0:
        return panel
    flip = np.array([-1.0, 1.0])
    edges = tuple(replace(e, controls=e.controls * flip) for e in panel.edges)
    rot = panel.rotation
    if rot is not None:
        turned = Rotation.from_euler("XYZ", rot, degrees=True) * Rotation.from_euler("y", 180, degrees=True)
        rot = turned.as_euler("XYZ", degrees=True)
    return replace(panel, vertices=panel.vertices * flip, edges=edges, rotation=rot,
                   grain=panel.grain * flip)


def _centre_3d(verts: np.ndarray, rot, trans) -> np.ndarray | None:
    """[m] where GarmentCode put the panel's centre in 3D (x: the body's left, z: its front), or None."""
    if rot is None or trans is None:
        return None
    from scipy.spatial.transform import Rotation

    c = 0.5 * (verts.min(0) + verts.max(0))  # the middle of its extent: a mean over corners leans towards
    # wherever the outline has many of them (a notched hem made a dress's back skirt a "right" half)
    return Rotation.from_euler("XYZ", rot, degrees=True).apply([c[0], c[1], 0.0]) + trans


SIDE_X = 0.03  # [m] a panel centred further than this from the body's midline is on one side


def _hints(name: str, centre: np.ndarray | None = None) -> dict:
    """Placement hints. Side and facing come from the panel's stored 3D centre when there is one (GarmentCode
    names such as ``pant_f_l`` do not spell them out); the body part from the name (``pant`` and ``leg``
    before ``cuff``: a trouser cuff is on a leg)."""
    n = name.lower()
    if centre is not None:
        lateral = "left" if centre[0] > SIDE_X else "right" if centre[0] < -SIDE_X else "center"
        facing = "front" if centre[2] >= 0 else "back"
    else:
        lateral = "left" if "left" in n else "right" if "right" in n else "center"
        facing = "back" if ("back" in n or "btorso" in n or n.endswith("_b")) else "front"
    if "pant" in n or "leg" in n:
        part = ("leg_left" if lateral == "left" else "leg_right") if lateral != "center" else "torso"
    elif ("sleeve" in n or "cuff" in n or n.startswith("sl_")) and lateral != "center":
        part = "arm_left" if lateral == "left" else "arm_right"
    elif "hood" in n:
        part = "head"
    elif "collar" in n:
        part = "neck"
    else:
        part = "torso"
    return {"body_part": part, "facing": facing, "lateral": lateral}


WAIST_NAMES = ("skirt", "pant", "waistband", "wb_")  # panels that hang from the waist when wrapped round a body


def _seam(i: int, stitch, panels: dict[str, Panel], path: str) -> Seam:
    where = f"stitches[{i}]"
    if not isinstance(stitch, (list, tuple)) or len(stitch) < 2:
        raise FileFormatError("a stitch needs two {panel, edge} sides", field=where, path=path)
    sides = []
    for side in stitch[:2]:
        if not isinstance(side, dict) or side.get("panel") not in panels:
            raise FileFormatError(f"names unknown panel {side!r}", field=where, path=path)
        n_edges = len(panels[side["panel"]].edges)
        edge = side.get("edge")
        if not isinstance(edge, int) or not 0 <= edge < n_edges:
            raise FileFormatError(f"panel '{side['panel']}' has no edge {edge!r}", field=where, path=path)
        sides.append(side)
    flag = stitch[2] if len(stitch) > 2 else None
    right_wrong = flag == "right_wrong" or (isinstance(flag, dict) and bool(flag.get("right_wrong")))
    right_wrong |= any(bool(s.get("right_wrong")) for s in sides)
    a = SeamSide(sides[0]["panel"], (sides[0]["edge"],))
    b = SeamSide(sides[1]["panel"], (sides[1]["edge"],), reverse=not right_wrong)
    return Seam(a, b, f"{a.panel}.{a.edges[0]}-{b.panel}.{b.edges[0]}")


def read_garmentcode(doc: dict, path: str = "<dict>", name: str = "garmentcode") -> Pattern:
    """Build a Pattern from a parsed GarmentCode specification dict."""
    if not isinstance(doc, dict) or "pattern" not in doc:
        raise FileFormatError("not a GarmentCode specification: no 'pattern' key", path=path)
    props = doc.get("properties", {}) or {}
    units = props.get("units_in_meter", 100)
    if not isinstance(units, (int, float)) or not np.isfinite(units) or units <= 0:
        raise FileFormatError(f"unknown units: units_in_meter = {units!r}", field="properties.units_in_meter",
                              path=path)
    curv = props.get("curvature_coords", "relative")
    if curv not in ("relative", "absolute"):
        raise FileFormatError(f"unknown curvature_coords {curv!r}", field="properties.curvature_coords", path=path)
    spec = doc["pattern"]
    raw = spec.get("panels") if isinstance(spec, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise FileFormatError("the pattern has no panels", field="pattern.panels", path=path)
    order = [n for n in spec.get("panel_order", []) if n in raw] + sorted(set(raw) - set(spec.get("panel_order", [])))
    panels = {n: _panel(n, raw[n], 1.0 / units, curv == "relative", path) for n in order}
    seams = tuple(_seam(i, s, panels, path) for i, s in enumerate(spec.get("stitches", [])))
    # skirts and trousers hang from the waist, not the shoulders, when wrapped round a body (placement)
    anchors = {n: "waist" for n in panels if any(w in n.lower() for w in WAIST_NAMES)
               and "cuff" not in n.lower()}
    return Pattern(name, tuple(panels.values()), seams, {"source": path, "format": "garmentcode",
                                                         "units_in_meter": units, "anchors": anchors})


def load_garmentcode(path: str | Path) -> Pattern:
    """Read a GarmentCode ``*_specification.json`` file."""
    p = readable_file(path, MAX_BYTES, "pattern")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"not valid JSON ({exc})", path=p) from None
    stem = p.stem.replace("_specification", "")
    return read_garmentcode(doc, str(p), stem)
