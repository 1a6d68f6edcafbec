import dataclasses

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.measurements import SIZES, size_measurements
from custom_nodes.core.params import widgets
from custom_nodes.pattern.curves import edge_length, outline_area
from custom_nodes.pattern.drafting import edge_index
from custom_nodes.pattern.params import GARMENTS, TemplateSettings
from custom_nodes.pattern.placement import place_garment
from custom_nodes.pattern.templates import draft, grade, seam_signature
from custom_nodes.pattern.triangulate import triangulate


@pytest.fixture(scope="module")
def graded():
    return {g: grade(TemplateSettings(garment=g)) for g in GARMENTS}


def test_grading_gives_every_size_with_compatible_seams(graded):
    for g, by_size in graded.items():
        assert list(by_size) == list(SIZES)
        sig = seam_signature(by_size["M"])
        assert all(seam_signature(p) == sig for p in by_size.values()), g
        # bigger sizes are bigger garments
        areas = [sum(outline_area(p) for p in pat.panels) for pat in by_size.values()]
        assert all(b > a for a, b in zip(areas[:-1], areas[1:], strict=True)), (g, areas)


def test_hoodie_has_a_hood_sewn_to_the_neckline(graded):
    hoodie = graded["hoodie"]["M"]
    names = {p.name for p in hoodie.panels}
    assert {"hood_left", "hood_right", "sleeve_left", "sleeve_right", "front", "back"} <= names
    assert any(s.label == "hood centre" for s in hoodie.seams)
    hood = hoodie.panel("hood_left")
    assert hood.body_part == "head"


def test_sleeve_cap_matches_armhole_with_little_ease(graded):
    for size in ("XS", "3XL"):
        p = graded["tshirt"][size]
        front, sleeve = p.panel("front"), p.panel("sleeve_left")
        arm = edge_length(front, edge_index(front, "armhole_left"))
        cap = edge_length(sleeve, edge_index(sleeve, "cap_b"))
        assert 1.0 <= cap / arm <= 1.05


def test_chest_ease_widens_the_tshirt():
    m = size_measurements("M")
    narrow = draft(m, TemplateSettings(chest_ease=4.0))
    wide = draft(m, TemplateSettings(chest_ease=20.0))
    # the underarm corner moves out by a quarter of the extra girth (front and back, both sides)
    w = [float(p.panel("front").vertices[2, 0]) for p in (narrow, wide)]
    assert w[1] - w[0] == pytest.approx(0.16 / 4, abs=0.002)


def test_template_widgets_come_from_the_parameter_source():
    w = widgets(TemplateSettings)
    assert w["garment"][0] == list(GARMENTS)
    assert w["chest_ease"][1]["min"] == 0.0 and "cm" in w["chest_ease"][1]["tooltip"]
    assert {f.name for f in dataclasses.fields(TemplateSettings)} == set(w)


def test_impossible_measurements_are_refused():
    with pytest.raises(InvalidInputError, match="chest_girth"):
        draft({"chest_girth": float("nan")})
    with pytest.raises(InvalidInputError, match="chest_girth"):
        draft({"chest_girth": 5.0})


@pytest.mark.slow
@pytest.mark.parametrize("garment", GARMENTS)
def test_every_template_and_size_triangulates_and_places(graded, garment, check_garment):
    for size, pattern in graded[garment].items():
        g = place_garment(triangulate(pattern, 0.01), measurements=size_measurements(size))
        check_garment(g, pattern)
        gap = np.linalg.norm(g.positions[g.seam_pairs[:, 0]] - g.positions[g.seam_pairs[:, 1]], axis=1)
        assert np.median(gap) < 0.1, (garment, size)  # placement brings most seams close (sewing closes them)
