"""Scan report figures react to what they measure."""

from __future__ import annotations

import numpy as np

from custom_nodes.fabric.maps import encode_normal, make_pbr_maps
from custom_nodes.fabric.report import histogram_distance, normal_validity, scan_report
from custom_nodes.fabric.tileable import make_tileable


def test_report_of_a_good_tiling_passes(load_texture):
    src = load_texture("grass")
    tile = make_tileable(src, "histogram")
    rep = scan_report(src, tile, make_pbr_maps(tile).normal)
    assert rep["seam_after"] < rep["seam_before"]
    assert rep["delta_e00"] < 2.0 and rep["histogram_distance"] < 0.05
    assert rep["normal_max_length_error"] < 0.01 and rep["normal_mean"][2] > 0.99
    assert rep["passed"] is True


def test_report_flags_a_colour_shift_and_bad_normals():
    rng = np.random.default_rng(0)
    src = rng.random((32, 32, 3)).astype(np.float32)
    shifted = np.clip(src * [1.0, 0.7, 0.7], 0, 1).astype(np.float32)
    tilted = encode_normal(np.broadcast_to(np.array([0.6, 0.0, 0.8], np.float32), (32, 32, 3)))
    rep = scan_report(src, shifted, tilted)
    assert rep["delta_e00"] > 5 and rep["normal_mean_tilt"] > 0.5 and rep["passed"] is False
    _, mean = normal_validity(tilted)
    np.testing.assert_allclose(mean, [0.6, 0.0, 0.8], atol=0.01)
    err, _ = normal_validity(np.full((4, 4, 3), 0.5, np.float32))  # zero vectors are not normals
    assert err > 0.9


def test_histogram_distance_is_zero_for_a_shuffle_and_grows_with_contrast_loss():
    rng = np.random.default_rng(1)
    img = rng.random((32, 32, 3)).astype(np.float32)
    shuffled = rng.permutation(img.reshape(-1, 3)).reshape(img.shape)
    assert histogram_distance(img, shuffled) < 1e-6
    flat = 0.5 + 0.5 * (img - 0.5)
    assert histogram_distance(img, flat) > 0.1
