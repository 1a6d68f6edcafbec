"""The fabric nodes chained the way a user wires them: photo → scan → tile → maps → catalog → recolour."""

from __future__ import annotations

import json

import numpy as np
import pytest

from custom_nodes.core.bridge import image_to_numpy, numpy_to_image
from custom_nodes.core.fabric import Fabric
from custom_nodes.core.paths import using_directories
from custom_nodes.fabric.nodes import (
    AtelierFabricFromCatalog,
    AtelierFabricMaps,
    AtelierFabricScan,
    AtelierFabricSwatchPreview,
    AtelierMakeTileable,
    AtelierRecolourFabric,
    AtelierSaveToCatalog,
)


def test_photo_to_catalog_and_back(tmp_path, load_texture):
    photo = load_texture("gravel")
    scan_defaults = {k: v[1]["default"] for k, v in AtelierFabricScan.INPUT_TYPES()["required"].items()
                     if k not in ("photo", "corners", "card_corners")}
    swatch, size_cm = AtelierFabricScan().scan(numpy_to_image(photo), "", "", **{**scan_defaults, "px_per_cm": 50.0})
    assert image_to_numpy(swatch).shape == (1, 256, 256, 3)
    assert 4.0 < size_cm < 10.3  # 502 px after a 2 % crop, at 50 px/cm

    tile, report = AtelierMakeTileable().tile(swatch, "histogram", 0.5, 0)
    rep = json.loads(report)
    assert rep["seam_after"] < rep["seam_before"]

    albedo, normal, height, rough, metallic, preview = AtelierFabricMaps().maps(tile, 4.0, "opengl", 0.8)
    assert image_to_numpy(preview).shape == (1, 512, 512, 3)
    assert image_to_numpy(metallic).max() == 0.0

    catalog = str(tmp_path / "catalog")  # a catalog in the output folder: allowed
    with using_directories(output=tmp_path):
        out = AtelierSaveToCatalog().save(tile, "Gravel Tweed", "wool_suiting", "wool", "tweed, grey", 0.0,
                                          size_cm, 4.0, catalog, False)
        assert out["result"][0] == "gravel_tweed" and isinstance(out["result"][1], Fabric)
        assert out["result"][1].name == "Gravel Tweed"
        assert (tmp_path / "catalog" / "gravel_tweed" / "fabric.json").is_file()
        assert str(tmp_path) not in out["ui"]["text"][0]  # no server path in the node's message

        fabric, swatch_img = AtelierFabricFromCatalog().load("gravel_tweed", "", catalog)
    assert isinstance(fabric, Fabric) and fabric.metadata["preset"] == "gravel_tweed"
    assert fabric.tile_size[0] * 100 == pytest.approx(size_cm, rel=1e-5)

    assert AtelierRecolourFabric().recolour(fabric, "  ", "x")[0] is fabric  # empty colour keeps it
    red, = AtelierRecolourFabric().recolour(fabric, "#b02020", "red")
    assert red.metadata["colourway"] == "red" and fabric.metadata["colourway"] == "scanned"
    assert image_to_numpy(AtelierFabricSwatchPreview().preview(red, 3)[0]).shape == (1, 768, 768, 3)


def test_bundled_fabric_from_catalog_node_defaults():
    spec = AtelierFabricFromCatalog.INPUT_TYPES()["required"]
    assert "denim" in spec["fabric_id"][0]
    fabric, _ = AtelierFabricFromCatalog().load("denim", "black", "")
    assert fabric.metadata["colourway"] == "black" and fabric.area_density == 0.4


def test_unknown_scan_size_saves_with_the_assumed_ten_centimetres(tmp_path):
    tile = numpy_to_image(np.random.default_rng(0).random((32, 32, 3), dtype=np.float32))
    sub = f"no_scale_{tmp_path.name}"  # a name: a sub-folder of the user's catalog
    AtelierSaveToCatalog().save(tile, "no scale", "poplin", "", "", 0.0, 0.0, 4.0, sub, False)
    fabric, _ = AtelierFabricFromCatalog().load("no_scale", "", sub)
    np.testing.assert_allclose(fabric.tile_size, [0.1, 0.1])
    assert fabric.area_density == 0.115  # the preset's weight when none is given
