"""Odd sizes and degenerate images go through every step without NaNs or crashes."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.fabric.maps import make_pbr_maps
from custom_nodes.fabric.report import scan_report
from custom_nodes.fabric.scan import scan_fabric
from custom_nodes.fabric.tileable import METHODS, make_tileable


@pytest.mark.parametrize("shape", [(8, 8), (8, 13), (31, 9), (64, 40)])
@pytest.mark.parametrize("kind", ["noise", "constant", "black"])
def test_small_odd_and_flat_images(shape, kind):
    rng = np.random.default_rng(sum(shape))
    if kind == "noise":
        img = rng.random(shape + (3,), dtype=np.float32)
    else:
        img = np.full(shape + (3,), 0.37 if kind == "constant" else 0.0, np.float32)
    for method in METHODS:
        tile = make_tileable(img, method)
        assert tile.shape == img.shape and np.isfinite(tile).all()
        if kind != "noise":
            np.testing.assert_allclose(tile, img, atol=2e-3)  # nothing to blend: nothing changes
    maps = make_pbr_maps(tile)
    for arr in (maps.height, maps.normal, maps.roughness):
        assert np.isfinite(arr).all()
    report = scan_report(img, tile, maps.normal)
    assert all(np.isfinite(v) for v in report.values() if isinstance(v, float))
    scanned = scan_fabric(img, crop=0.0)
    assert np.isfinite(scanned.image).all() and scanned.image.shape[0] == scanned.image.shape[1]
