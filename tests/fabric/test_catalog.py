"""The bundled catalog, search, colourways, and atomic imports."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.core.fabric import Fabric
from custom_nodes.fabric.build_catalog import build_catalog
from custom_nodes.fabric.catalog import Catalog, colour_error, default_catalog_dir, import_image, recolour
from custom_nodes.fabric.color import srgb_to_lab
from custom_nodes.fabric.presets import PRESETS
from custom_nodes.fabric.report import normal_validity
from custom_nodes.fabric.tileable import seam_score

SOLVER_PRESETS = ("cotton_jersey", "poplin", "denim", "fleece", "french_terry", "linen", "wool_suiting",
                  "silk_charmeuse", "chiffon", "polyester", "spandex_knit", "leather")


def seam_no_stronger_than_interior_lines(img: np.ndarray) -> bool:
    """The wrap seam's gradient energy is within the range of the tile's own column/row lines.

    (Woven and knitted tiles have cell boundaries every few pixels; a periodic tile's wrap seam is just
    one more of them, whereas a real seam is stronger than any.)"""
    cols = ((np.diff(img, axis=1)) ** 2).mean(axis=(0, 2))
    rows = ((np.diff(img, axis=0)) ** 2).mean(axis=(1, 2))
    seam_c = ((img[:, 0] - img[:, -1]) ** 2).mean()
    seam_r = ((img[0] - img[-1]) ** 2).mean()
    return bool(seam_c <= cols.max() and seam_r <= rows.max())


def test_seam_check_catches_a_real_seam():
    ramp = np.repeat(np.linspace(0, 1, 32, dtype=np.float32)[None, :, None], 32, axis=0).repeat(3, -1)
    assert not seam_no_stronger_than_interior_lines(ramp)
    assert seam_score(ramp) > 100


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return Catalog(default_catalog_dir())


def test_bundled_catalog_holds_the_twelve_solver_presets(bundled):
    assert set(SOLVER_PRESETS) <= set(bundled.ids())
    assert set(PRESETS) == set(SOLVER_PRESETS)
    size = sum(p.stat().st_size for p in default_catalog_dir().rglob("*") if p.is_file())
    assert size < 8e6


@pytest.mark.parametrize("fabric_id", SOLVER_PRESETS)
def test_each_fabric_loads_with_physics_and_valid_maps(bundled, fabric_id):
    entry = bundled.get(fabric_id)
    doc = json.loads((entry.folder / "fabric.json").read_text())
    assert doc["weight_gsm"] == pytest.approx(doc["physical"]["area_density"] * 1000)
    fabric = bundled.fabric(fabric_id)
    assert isinstance(fabric, Fabric)
    assert fabric.area_density == pytest.approx(doc["physical"]["area_density"])
    assert fabric.stretch_warp >= fabric.stretch_weft >= fabric.stretch_bias > 0
    assert fabric.albedo.shape == fabric.normal_map.shape and fabric.roughness_map.shape == fabric.albedo.shape[:2]
    err, mean = normal_validity(fabric.normal_map)
    assert err < 0.02 and mean[2] > 0.99
    assert seam_no_stronger_than_interior_lines(fabric.albedo)  # procedural tiles repeat seamlessly
    assert colour_error(fabric.albedo, fabric.color) < 1.0  # the first colourway is the maps' own


def test_fabric_weights_are_plausible(bundled):
    weights = {e.id: e.weight_gsm for e in bundled.entries()}
    assert weights["chiffon"] < weights["silk_charmeuse"] < weights["poplin"] < weights["denim"] < weights["leather"]


def test_search_by_name_and_tag(bundled):
    assert [e.id for e in bundled.search("denim")] == ["denim"]
    knits = {e.id for e in bundled.search(tags=["knit"])}
    assert {"cotton_jersey", "spandex_knit", "fleece", "french_terry"} <= knits and "denim" not in knits
    assert {e.id for e in bundled.search("silk satin")} == {"silk_charmeuse"}
    assert bundled.search("velvet") == []


def test_colourway_recolours_but_keeps_the_texture(bundled):
    base = bundled.fabric("denim")
    black = bundled.fabric("denim", "Light Wash")
    assert black.metadata["colourway"] == "light wash"
    assert colour_error(black.albedo, (0.45, 0.55, 0.70)) < 2.0
    lum_a, lum_b = srgb_to_lab(base.albedo)[..., 0], srgb_to_lab(black.albedo)[..., 0]
    assert np.corrcoef(lum_a.ravel(), lum_b.ravel())[0, 1] > 0.95
    with pytest.raises(InvalidInputError, match="colourway"):
        bundled.fabric("denim", "plaid")


def test_recolour_hits_the_target_and_keeps_lightness_detail():
    rng = np.random.default_rng(0)
    img = np.clip(0.5 + 0.1 * rng.standard_normal((64, 64, 3)), 0, 1).astype(np.float32)
    out = recolour(img, (0.2, 0.5, 0.3))
    assert colour_error(out, (0.2, 0.5, 0.3)) < 1.0
    detail_in = srgb_to_lab(img)[..., 0] - srgb_to_lab(img)[..., 0].mean()
    detail_out = srgb_to_lab(out)[..., 0] - srgb_to_lab(out)[..., 0].mean()
    assert np.abs(detail_out - detail_in).mean() < 1.0  # L* units


def test_import_scan_round_trip(tmp_path):
    cat = Catalog(tmp_path)
    tile = np.random.default_rng(1).random((32, 32, 3)).astype(np.float32)
    entry = import_image(cat, tile, "My Tweed #1", preset="wool_suiting", tags=("tweed",), tile_size=0.05,
                         weight_gsm=320.0)
    assert entry.id == "my_tweed_1" and cat.ids() == ["my_tweed_1"]
    assert cat.search(tags=["tweed", "scan"])[0].id == "my_tweed_1"
    fabric = cat.fabric("my_tweed_1")
    assert fabric.area_density == pytest.approx(0.32)
    assert fabric.bend_warp == PRESETS["wool_suiting"]["physical"]["bend_warp"]
    np.testing.assert_allclose(fabric.tile_size, [0.05, 0.05])
    assert np.abs(fabric.albedo - tile).max() <= 0.5 / 255 + 1e-6
    with pytest.raises(InvalidInputError, match="already exists"):
        import_image(cat, tile, "My Tweed #1", preset="wool_suiting")
    with pytest.raises(InvalidInputError, match="preset"):
        import_image(cat, tile, "other", preset="tweed")


def test_failed_import_leaves_no_half_written_entry(tmp_path, monkeypatch):
    cat = Catalog(tmp_path)
    tile = np.random.default_rng(2).random((32, 32, 3)).astype(np.float32)
    import_image(cat, tile, "keep me", preset="poplin")
    before = (tmp_path / "keep_me" / "albedo.png").read_bytes()

    import custom_nodes.fabric.catalog as catalog_mod

    calls = {"n": 0}
    real = catalog_mod.write_png

    def failing(image, path, **kw):
        calls["n"] += 1
        if calls["n"] % 4 == 3:  # the third of each entry's four maps
            raise OSError("disk full")
        return real(image, path, **kw)

    monkeypatch.setattr(catalog_mod, "write_png", failing)
    with pytest.raises(OSError, match="disk full"):
        import_image(cat, 1 - tile, "keep me", preset="poplin", overwrite=True)
    with pytest.raises(OSError, match="disk full"):
        import_image(cat, tile, "new one", preset="poplin")
    assert cat.ids() == ["keep_me"]
    assert (tmp_path / "keep_me" / "albedo.png").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep_me"]


def test_malformed_record_names_the_file(tmp_path):
    shutil.copytree(default_catalog_dir() / "poplin", tmp_path / "poplin")
    (tmp_path / "poplin" / "fabric.json").write_text('{"id": "poplin", "name": ')
    with pytest.raises(FileFormatError, match="fabric.json"):
        Catalog(tmp_path).get("poplin")
    (tmp_path / "poplin" / "fabric.json").write_text('{"id": "poplin"}')
    with pytest.raises(FileFormatError, match="malformed"):
        Catalog(tmp_path).get("poplin")
    with pytest.raises(InvalidInputError, match="no fabric '../etc'"):
        Catalog(tmp_path).get("../etc")


def test_generator_rebuilds_entries(tmp_path):
    cat = build_catalog(tmp_path, n=64, ids=("denim", "leather"))
    assert cat.ids() == ["denim", "leather"]
    assert cat.load_maps("denim").albedo.shape == (64, 64, 3)


def test_catalog_fabrics_behave_exactly_like_the_solver_presets():
    """One source of truth: each catalog fabric's physics is its cloth-solver preset's."""
    from custom_nodes.cloth_sim.fabrics import fabric_preset
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.fabric.presets import SOLVER_PRESET

    catalog = Catalog(default_catalog_dir())  # the bundled fabrics, not the user's own scans
    for fabric_id in catalog.ids():
        ours, solver = catalog.fabric(fabric_id), fabric_preset(SOLVER_PRESET.get(fabric_id, fabric_id))
        for field in ("area_density", "thickness", "stretch_warp", "stretch_weft", "stretch_bias", "bend_warp",
                      "bend_weft", "friction"):
            assert getattr(ours, field) == pytest.approx(getattr(solver, field), rel=1e-6), (fabric_id, field)
