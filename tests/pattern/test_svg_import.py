import numpy as np
import pytest

from custom_nodes.core.errors import FileFormatError
from custom_nodes.pattern.curves import edge_length, outline_area
from custom_nodes.pattern.placement import place_garment
from custom_nodes.pattern.seam_infer import apply_sidecar, infer_seams
from custom_nodes.pattern.svg_import import read_svg
from custom_nodes.pattern.triangulate import triangulate


@pytest.fixture(scope="module")
def teagan(teagan_svg):
    return read_svg(teagan_svg)


def test_teagan_parts_units_and_fold(teagan):
    names = [p.name for p in teagan.panels]
    assert names == ["front", "sleeve_left", "sleeve_right", "back"] or set(names) == {
        "front", "back", "sleeve_left", "sleeve_right"}
    front = teagan.panel("front")
    # the half front is 309.4 mm wide: unfolded on the centre front it becomes ~619 mm wide, 737 mm long
    w, h = np.ptp(front.vertices, axis=0)
    assert w == pytest.approx(0.6188, abs=0.002) and h == pytest.approx(0.7266, abs=0.003)
    assert front.fold_edge == -1 and outline_area(front) > 0.3
    # two notches on the front armholes, and double notches (back) on the back
    assert teagan.metadata["notches"]["front"][0][2] == "notch"
    assert {k for _, _, k in teagan.metadata["notches"]["back"]} == {"bnotch"}


def test_inferred_seams_are_the_ones_a_tailor_would_sew(teagan, check_garment):
    p = infer_seams(teagan)
    pairs = {(s.a.panel, s.b.panel) for s in p.seams}
    assert ("sleeve_left", "front") in pairs and ("sleeve_left", "back") in pairs
    assert ("sleeve_right", "front") in pairs and ("sleeve_right", "back") in pairs
    assert sum(1 for s in p.seams if {s.a.panel, s.b.panel} == {"front", "back"}) == 4  # sides + shoulders
    for s in p.seams:  # every inferred seam joins sides of matching length
        la = sum(edge_length(p.panel(s.a.panel), e) for e in s.a.edges)
        lb = sum(edge_length(p.panel(s.b.panel), e) for e in s.b.edges)
        assert la == pytest.approx(lb, rel=0.03)
    g = place_garment(triangulate(p, 0.01))
    check_garment(g, p)


def test_sidecar_overrides_inference(teagan, tmp_path):
    side = tmp_path / "teagan.seams.json"
    side.write_text('{"seams": [{"a": {"panel": "front", "edges": [1]}, "b": {"panel": "back", "edges": [10]},'
                    ' "label": "side"}]}')
    p = apply_sidecar(teagan, side)
    assert len(p.seams) == 1 and p.seams[0].b.reverse
    side.write_text('{"seams": [{"a": {"panel": "nope", "edges": [1]}, "b": {"panel": "back", "edges": [1]}}]}')
    with pytest.raises(FileFormatError, match="nope"):
        apply_sidecar(teagan, side)
