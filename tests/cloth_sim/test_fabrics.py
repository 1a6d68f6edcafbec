"""Fabric presets: physical units, plausible ranges, and a custom-fabric builder that converts units."""

from __future__ import annotations

import pytest

from custom_nodes.cloth_sim.fabrics import PRESETS, custom_fabric, fabric_preset, gfcm
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.fabric import Fabric


def test_at_least_twelve_presets_in_physical_units():
    assert len(PRESETS) >= 12
    for name in PRESETS:
        f = fabric_preset(name)
        assert isinstance(f, Fabric)
        assert 0.03 <= f.area_density <= 1.0, name  # 30–1000 g/m²
        assert 5e-5 <= f.thickness <= 5e-3, name
        assert 1e-7 <= f.bend_warp <= 1e-3 and 1e-7 <= f.bend_weft <= 1e-3, name
        assert f.stretch_bias <= max(f.stretch_warp, f.stretch_weft), name
        assert f.metadata["preset"] == name


def test_presets_differ_where_a_tailor_expects():
    denim, chiffon, leather = fabric_preset("denim"), fabric_preset("chiffon"), fabric_preset("leather")
    assert denim.area_density > 5 * chiffon.area_density
    assert denim.bend_warp > 50 * chiffon.bend_warp
    assert leather.bend_warp > denim.bend_warp
    assert fabric_preset("spandex_knit").stretch_warp < fabric_preset("cotton_poplin").stretch_warp / 10


def test_custom_fabric_converts_catalogue_units():
    f = custom_fabric("mine", 250, 0.5, 1000, 500, 300, 98.0665, 50)
    assert f.area_density == pytest.approx(0.25)
    assert f.thickness == pytest.approx(5e-4)
    assert f.bend_warp == pytest.approx(gfcm(1.0))  # 1 gf·cm²/cm


def test_bad_fabric_inputs_name_the_field():
    with pytest.raises(InvalidInputError, match="weight_gsm"):
        custom_fabric("x", 0, 0.5, 1, 1, 1, 1, 1)
    with pytest.raises(InvalidInputError, match="preset"):
        fabric_preset("cardboard")
