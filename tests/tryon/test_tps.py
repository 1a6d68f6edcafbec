"""Affine + TPS: exact at the control points, identity is identity, rigidity 1 is affine."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.tryon.tps import AffineTPS, fit_affine, warp_image

RNG = np.random.default_rng(3)
SRC = RNG.random((8, 2)) * [150, 200] + 20
DST = SRC + RNG.normal(0, 12, SRC.shape)


def test_maps_control_points_exactly():
    assert np.abs(AffineTPS(SRC, DST)(SRC) - DST).max() < 1e-6


def test_identity_warp_is_identity():
    tps = AffineTPS(SRC, SRC, rigidity=0.4)
    pts = RNG.random((50, 2)) * 200
    assert np.abs(tps(pts) - pts).max() < 1e-8
    image = RNG.random((120, 90, 3)).astype(np.float32)
    assert np.abs(warp_image(image, SRC / 2, SRC / 2, (120, 90)) - image).max() < 1e-5


def test_rigidity_one_is_the_affine_fit_and_regularisation_smooths():
    pts = RNG.random((30, 2)) * 200
    a = fit_affine(SRC, DST)
    assert np.allclose(AffineTPS(SRC, DST, 1.0)(pts), pts @ a[:, :2].T + a[:, 2])
    err_exact = np.abs(AffineTPS(SRC, DST, 0.0)(SRC) - DST).max()
    err_soft = np.abs(AffineTPS(SRC, DST, 0.5)(SRC) - DST).max()
    assert err_exact < 1e-6 < err_soft


def test_warped_image_puts_blobs_on_their_targets():
    h, w = 240, 200
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    src = np.array([[50, 60], [150, 60], [100, 120], [60, 190], [150, 180]], float)
    dst = src + np.array([[8, -5], [-6, 4], [5, 6], [-7, -3], [4, 8]], float)
    for i, (sx, sy) in enumerate(src):
        blob = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / 18.0).astype(np.float32)
        out = warp_image(blob, src, dst, (h, w), grid_step=4)
        near = out * (np.hypot(xx - dst[i, 0], yy - dst[i, 1]) < 15)
        centroid = np.array([(near * xx).sum(), (near * yy).sum()]) / near.sum()
        assert np.linalg.norm(centroid - dst[i]) < 0.75


def test_bad_landmarks_are_named():
    with pytest.raises(InvalidInputError, match="landmarks"):
        AffineTPS(SRC, DST[:3])
    with pytest.raises(InvalidInputError, match="NaN"):
        AffineTPS(SRC, np.full_like(DST, np.nan))
    with pytest.raises(InvalidInputError, match="rigidity"):
        AffineTPS(SRC, DST, 2.0)
