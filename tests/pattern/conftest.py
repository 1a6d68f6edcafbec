"""Fixtures for the pattern domain: real patterns made elsewhere, from the repository's ``corpus/``
(GarmentCode's shipped shirt and pencil dress, FreeSewing's Teagan at cisMaleAdult42)."""

from pathlib import Path

import pytest

from tests.conftest import corpus_path


@pytest.fixture(scope="session")
def gc_shirt():
    from custom_nodes.pattern.garmentcode import load_garmentcode

    return load_garmentcode(corpus_path("garmentcode", "shirt_mean", "specification.json"))


@pytest.fixture(scope="session")
def gc_dress():
    from custom_nodes.pattern.garmentcode import load_garmentcode

    return load_garmentcode(corpus_path("garmentcode", "dress_pencil", "specification.json"))


@pytest.fixture(scope="session")
def teagan_svg() -> Path:
    return corpus_path("freesewing", "teagan_cisMaleAdult42.svg")


def _check_garment(garment, pattern, min_angle=25.0, area_tol=0.005):
    """The issue's 'done when' for one meshed pattern: seam sides have equal vertex counts, every
    triangle's smallest angle ≥ 25°, each panel's meshed area within 0.5 % of its outline's area."""
    import numpy as np

    from custom_nodes.pattern.curves import outline_area
    from custom_nodes.pattern.mesher import triangle_angles

    ang = triangle_angles(garment.rest.astype(np.float64), garment.faces)
    assert ang.min() >= min_angle, f"min angle {ang.min():.1f}° in {pattern.name}"
    panel_of_face = garment.vertex_panel[garment.faces[:, 0]]
    for i, panel in enumerate(pattern.panels):
        area = garment.face_rest_areas[panel_of_face == i].sum()
        want = outline_area(panel)
        assert abs(area - want) <= area_tol * want, f"{pattern.name}/{panel.name}: {area} vs {want}"
    for k, seam in enumerate(pattern.seams):
        pairs = garment.seam_pairs[garment.seam_of_pair == k]
        assert len(pairs) >= 2, f"seam {k} has no vertex pairs"
        if seam.a.panel != seam.b.panel:
            assert len(np.unique(pairs[:, 0])) == len(np.unique(pairs[:, 1])) == len(pairs)
            assert set(garment.vertex_panel[pairs[:, 0]]) == {pattern.panel_index[seam.a.panel]}
            assert set(garment.vertex_panel[pairs[:, 1]]) == {pattern.panel_index[seam.b.panel]}
    assert np.isfinite(garment.positions).all()


@pytest.fixture(scope="session")
def check_garment():
    return _check_garment
