"""Normals of analytic height fields, map ranges and conventions."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.fabric.maps import (
    decode_normal,
    encode_normal,
    height_from_albedo,
    height_to_normal,
    make_pbr_maps,
    tiled_preview,
)


def test_flat_height_gives_straight_up_normals():
    n = height_to_normal(np.full((32, 48), 0.7, np.float32), strength=5.0)
    np.testing.assert_allclose(n, np.broadcast_to([0.0, 0.0, 1.0], n.shape), atol=1e-6)


def test_tilted_plane_gives_its_analytic_normal():
    yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    a, b = 0.3, -0.5  # height rises 0.3 px per column, falls 0.5 px per row (rows go down the image)
    n = height_to_normal(a * xx + b * yy, wrap=False)[2:-2, 2:-2]
    # OpenGL: +y is up the texture, i.e. against the row direction, so dh/dv = -b
    expected = np.array([-a, b, 1.0]) / np.linalg.norm([-a, b, 1.0])
    np.testing.assert_allclose(n.reshape(-1, 3), np.broadcast_to(expected, (n.size // 3, 3)), atol=1e-5)


def test_sphere_cap_normals_match_the_analytic_sphere():
    r, size = 80.0, 128
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    x, y_down = xx - size / 2, yy - size / 2
    h = np.sqrt(np.maximum(r * r - x * x - y_down * y_down, 0.0))
    n = height_to_normal(h.astype(np.float32), wrap=False)
    inside = x * x + y_down * y_down < 55.0 ** 2  # away from the cap's rim, where the slope is steep
    expected = np.stack([x, -y_down, h], -1) / r  # OpenGL: y up
    err = np.linalg.norm(n[inside] - expected[inside], axis=-1)
    assert err.max() < 2e-3
    assert np.abs(np.linalg.norm(n, axis=-1) - 1.0).max() < 1e-5


def test_directx_flips_only_green():
    h = np.random.default_rng(1).random((16, 16)).astype(np.float32)
    gl, dx = height_to_normal(h, 3.0), height_to_normal(h, 3.0, green="directx")
    np.testing.assert_allclose(dx * [1, -1, 1], gl, atol=1e-6)


def test_normals_wrap_around_the_tile_border():
    # a periodic ripple: with wrap the border normals equal the analytic ones; without they would not
    size = 64
    xx = np.arange(size, dtype=np.float32)
    h = np.tile(4.0 * np.sin(2 * np.pi * xx / size), (size, 1))
    n = height_to_normal(h)
    slope = 4.0 * 2 * np.pi / size * np.cos(2 * np.pi * xx / size)
    expected_x = -slope / np.sqrt(1 + slope ** 2)
    assert np.abs(n[:, 0, 0] - expected_x[0]).max() < 0.01
    assert np.abs(n[:, -1, 0] - expected_x[-1]).max() < 0.01


def test_encode_decode_round_trip_and_unit_length():
    n = height_to_normal(np.random.default_rng(2).random((16, 16)).astype(np.float32), 6.0)
    enc = encode_normal(n)
    assert enc.min() >= 0 and enc.max() <= 1
    np.testing.assert_allclose(decode_normal(enc), n, atol=1e-5)


def test_dark_grooves_become_low_height():
    img = np.full((64, 64, 3), 0.7, np.float32)
    img[:, ::8] = 0.2  # dark lines = gaps between yarns
    h = height_from_albedo(img)
    assert h[:, ::8].mean() < 0.1 and np.delete(h, np.s_[::8], axis=1).mean() > 0.6


def test_pbr_set_shapes_ranges_and_metallic_zero():
    img = np.random.default_rng(3).random((64, 32, 3)).astype(np.float32)
    m = make_pbr_maps(img)
    assert m.albedo.shape == m.normal.shape == (64, 32, 3)
    assert m.height.shape == m.roughness.shape == m.metallic.shape == (64, 32)
    assert not m.metallic.any()
    for arr in (m.height, m.normal, m.roughness):
        assert np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1
    assert 0.3 <= m.roughness.min() and m.roughness.max() <= 1.0
    assert m.preview().shape == (128, 64, 3)
    np.testing.assert_array_equal(tiled_preview(img)[64:, 32:], img)


def test_flat_colour_has_flat_relief():
    m = make_pbr_maps(np.full((16, 16, 3), 0.4, np.float32))
    np.testing.assert_allclose(decode_normal(m.normal)[..., 2], 1.0, atol=1e-3)


def test_bad_arguments_name_the_field():
    with pytest.raises(InvalidInputError, match="green"):
        height_to_normal(np.zeros((8, 8), np.float32), green="vulkan")
    with pytest.raises(InvalidInputError, match="strength"):
        height_to_normal(np.zeros((8, 8), np.float32), strength=float("nan"))
    with pytest.raises(InvalidInputError, match="height"):
        make_pbr_maps(np.zeros((8, 8, 3), np.float32), height=np.zeros((4, 4), np.float32))


def test_preview_lights_directx_maps_like_opengl_ones():
    from custom_nodes.fabric.preview import swatch_preview

    img = np.random.default_rng(4).random((32, 32, 3)).astype(np.float32)
    gl, dx = make_pbr_maps(img, green="opengl"), make_pbr_maps(img, green="directx")
    lit_gl = swatch_preview(gl.albedo, gl.normal, gl.roughness)
    lit_dx = swatch_preview(dx.albedo, dx.normal, dx.roughness, green="directx")
    np.testing.assert_allclose(lit_gl, lit_dx, atol=1e-5)
    assert np.abs(swatch_preview(dx.albedo, dx.normal, dx.roughness) - lit_gl).max() > 0.01
