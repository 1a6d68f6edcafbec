"""DXF files laid out as CAD programs write them (made here with ezdxf), and Atelier's own DXF read back."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import FileFormatError
from custom_nodes.core.measurements import size_measurements
from custom_nodes.pattern.curves import outline_area
from custom_nodes.pattern.dxf_aama import read_dxf, write_dxf
from custom_nodes.pattern.params import TemplateSettings
from custom_nodes.pattern.templates import draft

ezdxf = pytest.importorskip("ezdxf")


def rect(x0, y0, w, h, grow=0.0):
    return [(x0 - grow, y0 - grow), (x0 + w + grow, y0 - grow), (x0 + w + grow, y0 + h + grow), (x0 - grow, y0 + h + grow)]


def cad_file(tmp_path, pieces, *, version="R2000", units=4, name="cad.dxf", texts=()):
    """A DXF with one block per piece: ``pieces`` maps block name -> list of (dxftype, layer, data)."""
    doc = ezdxf.new(version)
    if units is not None and version != "R12":
        doc.header["$INSUNITS"] = units
    msp = doc.modelspace()
    for t in texts:
        msp.add_text(t, dxfattribs={"layer": "1"})
    for block_name, entities in pieces.items():
        block = doc.blocks.new(block_name)
        for kind, layer, data in entities:
            if kind == "poly":
                block.add_lwpolyline(data, close=True, dxfattribs={"layer": layer}) if version != "R12" else \
                    block.add_polyline2d(data, close=True, dxfattribs={"layer": layer})
            elif kind == "line":
                block.add_line(*data, dxfattribs={"layer": layer})
            elif kind == "point":
                block.add_point(data, dxfattribs={"layer": layer})
            elif kind == "text":
                block.add_text(data, dxfattribs={"layer": layer})
            elif kind == "circle":
                block.add_circle(*data, dxfattribs={"layer": layer})
        msp.add_blockref(block_name, (0, 0))
    path = tmp_path / name
    doc.saveas(path)
    return path


def pocket(sew_layer="8"):
    """Valentina's AAMA: cut line (1 cm allowance) on layer 1, sew line on layer 8, a 20 × 15 cm pocket."""
    return [("poly", "1", rect(0, 0, 200, 150, 10)), ("poly", sew_layer, rect(0, 0, 200, 150))]


@pytest.mark.parametrize("sew_layer", ["8", "14"])
def test_outline_is_the_sew_line_on_layer_8_or_14(tmp_path, sew_layer):
    p = read_dxf(cad_file(tmp_path, {"pocket": pocket(sew_layer)}))
    (panel,) = p.panels
    assert np.ptp(panel.vertices, axis=0) == pytest.approx([0.20, 0.15], abs=1e-6)  # not 22 × 17 cm
    assert panel.seam_allowance == pytest.approx(0.01)
    assert p.metadata["seam_allowances"]["pocket"] == pytest.approx([0.01] * 4)
    assert panel.internal_lines == ()  # the sew line is the outline, not an internal line


def test_seam_allowance_per_edge(tmp_path):
    cut = [(-10, -40), (210, -40), (210, 160), (-10, 160)]  # 4 cm hem at the bottom, 1 cm elsewhere
    p = read_dxf(cad_file(tmp_path, {"skirt": [("poly", "1", cut), ("poly", "14", rect(0, 0, 200, 150))]}))
    assert p.metadata["seam_allowances"]["skirt"] == pytest.approx([0.04, 0.01, 0.01, 0.01])
    assert p.panels[0].seam_allowance == pytest.approx(0.01)


def test_without_sew_line_the_stated_allowance_is_taken_off(tmp_path):
    path = cad_file(tmp_path, {"pocket": [("poly", "1", rect(0, 0, 200, 150, 10))]})
    as_drawn = read_dxf(path)
    assert np.ptp(as_drawn.panels[0].vertices, axis=0) == pytest.approx([0.22, 0.17], abs=1e-6)
    assert any("no sew line" in n and "0 mm" in n for n in as_drawn.metadata["import_notes"])
    less = read_dxf(path, allowance=0.01)
    assert np.ptp(less.panels[0].vertices, axis=0) == pytest.approx([0.20, 0.15], abs=1e-6)
    assert any("less 10 mm" in n for n in less.metadata["import_notes"])


def test_notches_on_the_cut_line_move_to_the_sew_line(tmp_path):
    piece = pocket("14") + [
        ("point", "4", (100, -10)),  # ASTM: a point on the cut line, 1 cm below the bottom sew line
        ("line", "4", ((210, 75), (205, 75))),  # AAMA: a 5 mm slit from the cut line inwards
        ("line", "4", ((-10, 50), (-5, 50))), ("line", "4", ((-10, 51), (-5, 51))),  # a double notch
        ("point", "4", (100, 400)),  # far from every line: reported, not attached
    ]
    p = read_dxf(cad_file(tmp_path, {"pocket": piece}))
    panel = p.panels[0]
    marks = []
    for e in panel.edges:
        a, b = panel.vertices[e.start], panel.vertices[e.end]
        marks += [tuple(np.round((a + t * (b - a)) * 1000, 1)) for t in e.notches]
    assert sorted(marks) == sorted([(100.0, 0.0), (200.0, 75.0), (0.0, 50.5)])
    notes = p.metadata["import_notes"]
    assert any("notch at (100, 400) mm dropped" in n for n in notes)
    assert any("double notches" in n for n in notes)


def test_duplicate_block_names_stay_separate_pieces(tmp_path):
    path = cad_file(tmp_path, {"Detail": pocket(), "DetailB": [("poly", "1", rect(500, 0, 100, 100, 10)),
                                                                ("poly", "8", rect(500, 0, 100, 100))]})
    path.write_bytes(path.read_bytes().replace(b"DetailB", b"Detail"))  # as Valentina writes two "Detail"s
    p = read_dxf(path)
    assert [q.name for q in p.panels] == ["Detail", "Detail_2"]
    assert sorted(round(outline_area(q), 6) for q in p.panels) == [0.01, 0.03]


def test_quantity_two_gives_a_mirrored_pair(tmp_path):
    piece = pocket("14") + [("text", "1", "Piece Name: Sleeve"), ("text", "1", "Quantity: 2"),
                            ("line", "7", ((50, 20), (60, 120)))]
    p = read_dxf(cad_file(tmp_path, {"S1": piece}))
    assert [q.name for q in p.panels] == ["Sleeve_left", "Sleeve_right"]
    left, right = p.panels
    assert right.grain == pytest.approx(np.array([10, 100]) / np.hypot(10, 100), abs=1e-6)
    assert left.grain == pytest.approx(np.array([-10, 100]) / np.hypot(10, 100), abs=1e-6)
    assert outline_area(left) == pytest.approx(outline_area(right))
    assert p.metadata["quantities"] == {"Sleeve": 2}
    cut = read_dxf(cad_file(tmp_path, {"Back": pocket("14") + [("text", "1", "Fabric, Cut 2")]}, name="c.dxf"))
    assert [q.name for q in cut.panels] == ["Back_left", "Back_right"]


def test_flat_dxf_pieces_are_the_closed_outlines(tmp_path):
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    for x in (0, 400):
        msp.add_lwpolyline(rect(x, 0, 200, 150, 10), close=True)
        msp.add_lwpolyline(rect(x, 0, 200, 150), close=True)
        msp.add_lwpolyline([(x + 50, 50), (x + 150, 50)])  # an internal line
    msp.add_text("Fabric, Cut 2", dxfattribs={"insert": (450, 100)})
    msp.add_line((1000, 0), (1100, 0))  # outside every piece
    doc.saveas(tmp_path / "flat.dxf")
    p = read_dxf(tmp_path / "flat.dxf")
    assert p.metadata["format"] == "dxf-flat"
    assert [q.name for q in p.panels] == ["piece_1", "piece_2_left", "piece_2_right"]
    assert all(outline_area(q) == pytest.approx(0.03) for q in p.panels)
    assert all(len(q.internal_lines) == 1 for q in p.panels)
    notes = p.metadata["import_notes"]
    assert sum("flat DXF" in n for n in notes) == 2
    assert any(n.startswith("not read: layer 0") and "1 LINE" in n for n in notes)


def test_units(tmp_path):
    cm = read_dxf(cad_file(tmp_path, {"p": [("poly", "14", rect(0, 0, 20, 15))]}, units=5, name="cm.dxf"))
    assert outline_area(cm.panels[0]) == pytest.approx(0.03)
    r12 = read_dxf(cad_file(tmp_path, {"P": pocket("14")}, version="R12", name="r12.dxf"))
    assert outline_area(r12.panels[0]) == pytest.approx(0.03)
    assert "millimetres" in r12.metadata["import_notes"][0]
    inch = read_dxf(cad_file(tmp_path, {"P": [("poly", "14", rect(0, 0, 8, 6))]}, version="R12", name="in.dxf",
                             texts=["Units: ENGLISH"]))
    assert outline_area(inch.panels[0]) == pytest.approx(48 * 0.0254 ** 2)
    assert "ENGLISH" in inch.metadata["import_notes"][0]
    with pytest.raises(FileFormatError, match="unknown units"):
        read_dxf(cad_file(tmp_path, {"P": [("poly", "14", rect(0, 0, 8, 6))]}, version="R12", name="tiny.dxf"))


def test_unread_layers_are_reported_by_layer_and_count(tmp_path):
    piece = pocket("14") + [("poly", "84", rect(0, 0, 200, 150, 10)), ("poly", "87", rect(0, 0, 200, 150)),
                            ("circle", "13", ((50, 50), 2)), ("circle", "13", ((60, 50), 2)),
                            ("point", "2", (0, 0))]
    notes = read_dxf(cad_file(tmp_path, {"p": piece})).metadata["import_notes"]
    assert "not read: layer 2 (turn points): 1 POINT" in notes
    assert "not read: layer 13 (drill holes): 2 CIRCLE" in notes
    assert "not read: layer 84 (quality-validation copy of the cut line): 1 LWPOLYLINE" in notes
    assert "not read: layer 87 (quality-validation copy of the sew line): 1 LWPOLYLINE" in notes


@pytest.fixture(scope="module")
def hoodie():
    return draft(size_measurements("L"), TemplateSettings(garment="hoodie"))


def test_our_dxf_has_the_cad_layers(hoodie, tmp_path):
    doc = ezdxf.readfile(str(write_dxf(hoodie, tmp_path / "h.dxf")))
    block = doc.blocks.get("front")
    by_layer = {}
    for e in block:
        by_layer.setdefault(e.dxf.layer, []).append(e)
    assert {"1", "7", "14", "15"} <= set(by_layer)
    texts = [e.dxf.text for e in by_layer["1"] if e.dxftype() == "TEXT"]
    assert texts == ["Piece Name: front", "Quantity: 1"]
    sew = next(e for e in by_layer["14"] if e.dxftype() == "LWPOLYLINE")
    cut = next(e for e in by_layer["1"] if e.dxftype() == "LWPOLYLINE")
    from shapely.geometry import Polygon

    assert Polygon(cut.get_points("xy")).contains(Polygon(sew.get_points("xy")))


def test_reading_our_dxf_gives_the_same_panels(tmp_path):
    """Round trip through CAD layers: outline, per-edge allowance, notches, grain, internal lines, quantities."""
    piece = [("poly", "1", [(-10, -40), (210, -40), (210, 160), (-10, 160)]), ("poly", "14", rect(0, 0, 200, 150)),
             ("point", "4", (100, -40)), ("line", "4", ((210, 30), (205, 30))), ("line", "7", ((100, 20), (100, 120))),
             ("text", "1", "Piece Name: Front"), ("text", "1", "Quantity: 2")]
    first = read_dxf(cad_file(tmp_path, {"F": piece, "Pocket": pocket("8")}))
    again = read_dxf(write_dxf(first, tmp_path / "again.dxf"))
    assert [q.name for q in again.panels] == [q.name for q in first.panels] == \
        ["Front_left", "Front_right", "Pocket"]
    for a, b in zip(first.panels, again.panels, strict=True):
        assert np.allclose(a.vertices, b.vertices, atol=1e-6)
        assert [len(e.notches) for e in a.edges] == [len(e.notches) for e in b.edges]
        assert np.allclose(sum((e.notches for e in a.edges), ()), sum((e.notches for e in b.edges), ()), atol=1e-4)
        assert b.grain == pytest.approx(a.grain, abs=1e-6)
        assert b.seam_allowance == pytest.approx(a.seam_allowance)
        assert again.metadata["seam_allowances"][b.name] == pytest.approx(first.metadata["seam_allowances"][a.name],
                                                                          abs=1e-4)
    assert sum(len(e.notches) for e in again.panels[1].edges) == 2


def test_reading_our_dxf_of_a_drafted_hoodie(hoodie, tmp_path):
    back = read_dxf(write_dxf(hoodie, tmp_path / "hoodie.dxf"))
    assert [q.name for q in back.panels] == [q.name for q in hoodie.panels]
    for a, b in zip(hoodie.panels, back.panels, strict=True):
        assert outline_area(b) == pytest.approx(outline_area(a), rel=0.005)
        assert b.seam_allowance == pytest.approx(a.seam_allowance, abs=1e-4)
        assert b.grain == pytest.approx(a.grain, abs=1e-6)
        assert sum(len(e.notches) for e in b.edges) == sum(len(e.notches) for e in a.edges)


def _cad_curve_outline() -> np.ndarray:
    """[mm] a 40 × 60 cm piece whose rounded top is flattened as CAD does it: uneven short lines, some tiny, two
    near-duplicate points (0.01–0.02 mm apart), and real corners at the bottom."""
    rng = np.random.default_rng(3)
    t = np.sort(np.concatenate([np.linspace(0, np.pi, 40), rng.uniform(0, np.pi, 25), [0.5, 2.0]]))
    arc = np.c_[200 + 200 * np.cos(t), 400 + 200 * np.sin(t)]
    arc[np.searchsorted(t, 0.5) + 1] = arc[np.searchsorted(t, 0.5)] + [-0.01, 0.005]
    arc[np.searchsorted(t, 2.0) + 1] = arc[np.searchsorted(t, 2.0)] + [-0.02, -0.01]
    return np.concatenate([[(0, 0), (400, 0)], arc[1:-1], [(0, 400)]])


@pytest.mark.parametrize("via_dxf", [False, True])
def test_cad_curves_mesh_at_25_degrees(tmp_path, via_dxf):
    from custom_nodes.core.pattern import Edge, Panel, Pattern
    from custom_nodes.pattern.mesher import triangle_angles
    from custom_nodes.pattern.triangulate import triangulate

    mm = _cad_curve_outline()
    if via_dxf:  # the import thins what lies within 0.1 mm of a straight line
        pattern = read_dxf(cad_file(tmp_path, {"front": [("poly", "14", [tuple(p) for p in mm])]}))
    else:  # the mesher alone: near-duplicates and tiny edges as they are
        n = len(mm)
        pattern = Pattern("cad", (Panel("front", mm / 1000, tuple(Edge(i, (i + 1) % n) for i in range(n))),))
        assert np.linalg.norm(np.diff(mm, axis=0), axis=1).min() < 0.03
    garment = triangulate(pattern, 0.01)
    assert triangle_angles(garment.rest.astype(np.float64), garment.faces).min() >= 25.0
    assert garment.pattern.metadata["mesh_quality"]["front"]["sharp_corners"] == []
    assert garment.face_rest_areas.sum() == pytest.approx(outline_area(pattern.panels[0]), rel=0.005)


def test_sharp_corner_is_reported_and_kept_small(tmp_path):
    from custom_nodes.pattern.triangulate import triangulate

    tip = (300 * np.cos(np.radians(12)), 300 * np.sin(np.radians(12)))
    pattern = read_dxf(cad_file(tmp_path, {"gore": [("poly", "14", [(0, 0), (300, 0), tip])]}))
    garment = triangulate(pattern, 0.01)
    q = garment.pattern.metadata["mesh_quality"]["gore"]
    assert [round(c["angle"]) for c in q["sharp_corners"]] == [12]
    assert q["sharp_corners"][0]["thin_triangles"] <= 6
    assert q["min_angle_away_from_sharp_corners"] >= 25.0
    assert any("'gore': a corner of 12°" in n for n in garment.pattern.metadata["mesh_notes"])


def test_a_loose_pocket_is_not_sewn_by_side_length(tmp_path):
    from custom_nodes.pattern.pattern_io import load_pattern

    front = [("poly", "14", rect(0, 0, 500, 700)), ("text", "1", "Piece Name: front")]
    back = [("poly", "14", rect(600, 0, 500, 700)), ("text", "1", "Piece Name: back")]
    path = cad_file(tmp_path, {"F": front, "B": back, "P": pocket("8") + [("text", "1", "Piece Name: pocket")]})
    p = load_pattern(path)
    assert [q.name for q in p.panels] == ["front", "back"]
    assert all("pocket" not in (s.a.panel, s.b.panel) for s in p.seams)
    assert any("'pocket' not sewn by inference" in n for n in p.metadata["import_notes"])
