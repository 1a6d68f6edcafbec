import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.pattern.curves import outline, outline_area, polygon_area, sample_edge
from custom_nodes.pattern.garmentcode import load_garmentcode, read_garmentcode
from custom_nodes.pattern.placement import place_garment
from custom_nodes.pattern.triangulate import triangulate

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _to3d(panel, pts):
    rot = Rotation.from_euler("XYZ", panel.rotation, degrees=True)
    return rot.apply(np.c_[pts, np.zeros(len(pts))]) + panel.translation


def test_shirt_imports_with_metres_and_placement_hints(gc_shirt):
    assert len(gc_shirt.panels) == 8 and len(gc_shirt.seams) == 18
    front = gc_shirt.panel("left_ftorso")
    assert front.facing == "front" and front.body_part == "torso" and front.lateral == "left"
    assert gc_shirt.panel("right_sleeve_b").body_part == "arm_right"
    # a shirt torso panel is roughly 29 cm × 46 cm → ~0.10 m², outlines counter-clockwise
    assert 0.08 < outline_area(front) < 0.12
    assert all(polygon_area(outline(p)) > 0 for p in gc_shirt.panels)


def test_curves_bulge_into_the_panel_not_out(gc_shirt):
    """The neckline scoop (relative control point v > 0) removes area from the front torso."""
    front = gc_shirt.panel("left_ftorso")
    straight = abs(polygon_area(front.vertices.astype(float)))
    assert outline_area(front) < straight


def test_stitch_direction_brings_seam_sides_together_in_3d(gc_shirt, gc_dress):
    """Walking side a forwards and side b as the Seam says, GarmentCode's own 3D placement puts
    matching fractions closer than the opposite direction would."""
    for pattern in (gc_shirt, gc_dress):
        for seam in pattern.seams:
            pa, pb = pattern.panel(seam.a.panel), pattern.panel(seam.b.panel)
            a = _to3d(pa, sample_edge(pa, seam.a.edges[0], 8))
            b = _to3d(pb, sample_edge(pb, seam.b.edges[0], 8))
            b_walk = b[::-1] if seam.b.reverse else b
            other = b if seam.b.reverse else b[::-1]
            assert np.linalg.norm(a - b_walk, axis=1).mean() <= np.linalg.norm(a - other, axis=1).mean() + 1e-4


@pytest.mark.parametrize("h", [0.01, 0.02])
def test_both_garmentcode_patterns_triangulate(gc_shirt, gc_dress, check_garment, h):
    for pattern in (gc_shirt, gc_dress):
        g = place_garment(triangulate(pattern, h))
        check_garment(g, pattern)
        assert g.panel_names == tuple(p.name for p in pattern.panels)


def _doc():
    return {"properties": {"units_in_meter": 100, "curvature_coords": "relative"},
            "pattern": {"panels": {"a": {"translation": [0, 0, 0], "rotation": [0, 0, 0],
                                         "vertices": [[0, 0], [10, 0], [10, 10], [0, 10]],
                                         "edges": [{"endpoints": [0, 1]}, {"endpoints": [1, 2]},
                                                   {"endpoints": [2, 3], "curvature": {
                                                       "type": "circle", "params": [7.5, False, True]}},
                                                   {"endpoints": [3, 0]}]}},
                        "stitches": [[{"panel": "a", "edge": 1}, {"panel": "a", "edge": 3}, "right_wrong"]]}}


def test_circle_edges_and_right_wrong_stitches():
    p = read_garmentcode(_doc())
    assert p.panels[0].edges[2].kind == "arc"
    assert not p.seams[0].b.reverse  # right_wrong: both sides walked the same way
    assert outline_area(p.panels[0]) != pytest.approx(0.01, rel=1e-3)  # the arc changes the area


def test_unknown_units_are_refused():
    doc = _doc()
    doc["properties"]["units_in_meter"] = "furlongs"
    with pytest.raises(FileFormatError, match="unknown units"):
        read_garmentcode(doc)


def test_nan_coordinates_are_refused():
    doc = _doc()
    doc["pattern"]["panels"]["a"]["vertices"][1] = [float("nan"), 0]
    with pytest.raises(InvalidInputError, match="NaN"):
        read_garmentcode(doc)


def test_empty_and_garbage_files(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        load_garmentcode(empty)
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x00\xff" * 100)
    with pytest.raises(FileFormatError, match="JSON"):
        load_garmentcode(junk)
    doc = tmp_path / "x.json"
    doc.write_text(json.dumps({"hello": 1}))
    with pytest.raises(FileFormatError, match="GarmentCode"):
        load_garmentcode(doc)


def test_circle_edges_mesh_exactly(check_garment):
    p = read_garmentcode(_doc())
    g = triangulate(p, 0.005)
    check_garment(g, p)
    # the arc's boundary vertices lie on its circle
    from custom_nodes.pattern.curves import _arc_frame

    panel = p.panels[0]
    e = panel.edges[2]
    centre, r, _, _ = _arc_frame(panel.vertices[e.start].astype(float), e.controls[0].astype(float),
                                 panel.vertices[e.end].astype(float))
    top = g.rest[g.rest[:, 1] > 0.1 - 1e-6]
    on_arc = np.abs(np.linalg.norm(top - centre, axis=1) - r)
    assert (on_arc < 1e-5).sum() >= 5


def test_skirt_panels_hang_from_the_waist_when_wrapped(gc_dress):
    """A dress's skirt is wrapped from the waist down, below its bodice (not from the shoulders over it)."""
    from custom_nodes.core.examples import box_avatar

    assert gc_dress.metadata["anchors"] == {"skirt_front": "waist", "skirt_back": "waist"}
    g = place_garment(triangulate(gc_dress, 0.03), box_avatar())
    top = {name: g.positions[g.vertex_panel == i, 1].max() for i, name in enumerate(g.panel_names)}
    assert top["skirt_front"] < top["left_ftorso"] - 0.15


def test_circle_radius_is_absolute_in_pattern_units():
    """GarmentCode writes a circle edge's radius in the pattern's units (pygarment/garmentcode/edge.py:441-453):
    (0,0)→(10,0) cm with radius 8 cm, small arc, bulging right has its midpoint at (5, −1.755) cm. The old
    reading scaled the radius by the chord (80 cm here) and flattened the arc."""
    from custom_nodes.pattern.garmentcode import _circle_point

    mid = _circle_point(np.array([0.0, 0.0]), np.array([0.1, 0.0]), [8.0, 0, 1], 0.01, "test")
    assert np.allclose(mid, [0.05, -0.01755], atol=1e-5)
    big = _circle_point(np.array([0.0, 0.0]), np.array([0.1, 0.0]), [8.0, 1, 0], 0.01, "test")
    assert np.allclose(big, [0.05, 0.08 + 0.06245], atol=1e-5)  # large arc, bulging left


def test_sides_and_facing_come_from_the_stored_3d_placement():
    """GarmentCode's trouser panels (pant_f_l, pant_b_r…) do not spell out their side: the stored translation
    does. Each leg gets its own two panels, back panels face back, trouser cuffs go on legs."""
    from custom_nodes.pattern.pattern_io import load_pattern

    p = load_pattern(CORPUS / "garmentcode" / "pants_00" / "specification.json")
    hints = {q.name: (q.body_part, q.facing) for q in p.panels}
    assert hints["pant_f_l"] == ("leg_left", "front") and hints["pant_b_l"] == ("leg_left", "back")
    assert hints["pant_f_r"] == ("leg_right", "front") and hints["pant_b_r"] == ("leg_right", "back")
    assert hints["pant_l_cuff_skirt_b"] == ("leg_left", "back")
    assert p.metadata["anchors"].get("wb_front") == "waist"


def test_a_panel_with_a_notched_hem_is_centred_by_its_extent():
    """dress_01's back skirt has a notch cut into one side of its hem: the mean of its corners lay 4 cm off the
    midline, so it was wrapped as a back-right half. The middle of its extent puts it on the centre line."""
    p = load_garmentcode(CORPUS / "garmentcode" / "dress_01" / "specification.json")
    assert (p.panel("skirt_back").lateral, p.panel("skirt_front").lateral) == ("center", "center")
    assert p.panel("skirt_back").facing == "back"
