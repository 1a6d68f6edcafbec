"""Tiling hides the repeat on scikit-image's brick, grass and gravel, and keeps colour and contrast."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.fabric.maps import make_pbr_maps
from custom_nodes.fabric.quilt import min_error_path
from custom_nodes.fabric.report import histogram_distance
from custom_nodes.fabric.tileable import METHODS, make_tileable, seam_score


@pytest.mark.parametrize("method", METHODS)
def test_seam_score_drops_after_tiling(texture, method):
    name, img = texture
    before = seam_score(img)
    after = seam_score(make_tileable(img, method))
    assert before > 3.0, f"{name} should show its seam before tiling"
    assert after < 0.5 * before and after < 4.0, f"{name}/{method}: {before:.2f} -> {after:.2f}"


def test_seam_score_is_about_one_for_a_periodic_texture():
    from scipy.ndimage import gaussian_filter

    noise = np.random.default_rng(0).random((128, 128, 3)).astype(np.float32)
    periodic = gaussian_filter(noise, (1.5, 1.5, 0), mode="wrap")
    assert seam_score(periodic) == pytest.approx(1.0, abs=0.3)
    assert seam_score(gaussian_filter(noise, (1.5, 1.5, 0), mode="reflect")) > 3.0  # not periodic: seam shows


def test_histogram_blending_keeps_contrast_that_linear_blending_loses(texture):
    _, img = texture
    linear = make_tileable(img, "offset_blend")
    preserving = make_tileable(img, "histogram")
    assert abs(preserving.std() / img.std() - 1.0) < 0.05
    assert linear.std() / img.std() < preserving.std() / img.std()
    assert histogram_distance(img, preserving) < histogram_distance(img, linear)


def test_tiles_stay_tileable_through_the_maps(load_texture):
    tile = make_tileable(load_texture("gravel"), "histogram")
    maps = make_pbr_maps(tile)
    for arr in (maps.height, maps.normal, maps.roughness):
        assert seam_score(arr) < 2.0


def test_min_error_path_follows_the_cheap_valley():
    cost = np.ones((40, 12))
    valley = (np.arange(40) // 5 + 2).clip(0, 11)  # moves one column every few rows
    cost[np.arange(40), valley] = 0.0
    np.testing.assert_array_equal(min_error_path(cost), valley)


def test_quilting_is_reproducible_per_seed(load_texture):
    img = load_texture("grass")[:128, :128]
    np.testing.assert_array_equal(make_tileable(img, "quilt", seed=3), make_tileable(img, "quilt", seed=3))


def test_bad_method_and_blend_are_named():
    img = np.zeros((16, 16, 3), np.float32)
    with pytest.raises(InvalidInputError, match="method"):
        make_tileable(img, "magic")
    with pytest.raises(InvalidInputError, match="blend"):
        make_tileable(img, "histogram", blend=0.0)
    with pytest.raises(InvalidInputError, match="at least"):
        make_tileable(np.zeros((1, 1, 3), np.float32))
