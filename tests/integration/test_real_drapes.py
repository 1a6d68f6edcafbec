"""Real garments on a fitted Anny avatar: template → triangulate → place → drape, judged by the report."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")


@pytest.fixture(scope="module")
def avatar_m():
    """Anny fitted to size M female, as AtelierAvatarFromMeasurements builds it with its defaults."""
    from custom_nodes.avatar.nodes import AtelierAvatarFromMeasurements, BodySettings
    from custom_nodes.core.params import widgets

    kwargs = {name: spec[1]["default"] for name, spec in widgets(BodySettings).items()}
    return AtelierAvatarFromMeasurements().build(**kwargs)[0]


def _placed_template(kind: str, avatar, edge: float = 0.02):
    from custom_nodes.core.measurements import size_measurements
    from custom_nodes.pattern.params import TemplateSettings
    from custom_nodes.pattern.placement import place_garment
    from custom_nodes.pattern.templates import draft
    from custom_nodes.pattern.triangulate import triangulate

    pattern = draft(size_measurements("M", "female"), TemplateSettings(garment=kind))
    return place_garment(triangulate(pattern, edge), avatar)


@pytest.mark.slow
def test_tshirt_drapes_on_m_avatar_to_static_with_seams_shut(avatar_m):
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.fabric.catalog import Catalog

    garment = _placed_template("tshirt", avatar_m)
    result = drape(garment, avatar_m, Catalog().fabric("cotton_jersey"), DrapeSettings(max_frames=200, self_passes=3))
    rep = result.report
    assert np.isfinite(result.positions).all()
    assert rep["frames_to_static"] is not None, report_text(rep)
    assert rep["body_crossings"] == 0, report_text(rep)
    assert rep["seam_gap_max_mm"] < 2.0, report_text(rep)
    assert rep["passed"], report_text(rep)
