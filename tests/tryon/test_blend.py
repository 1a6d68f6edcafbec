"""Blending: nothing outside the mask changes, colour matching reduces ΔE00, face/hands come back."""

from __future__ import annotations

import numpy as np

from custom_nodes.tryon.blend import delta_e00, feather_composite, match_colours, paste_back, poisson_blend

RNG = np.random.default_rng(7)


def _psnr(a, b):
    mse = float(((a - b) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def _scene(h=160, w=120):
    yy, xx = np.mgrid[0:h, 0:w] / h
    base = np.dstack([0.3 + 0.4 * xx, 0.5 + 0.2 * yy, 0.4 + 0.1 * np.sin(9 * xx)]).astype(np.float32)
    stripes = 0.25 * (np.sin(yy * 60) > 0)[..., None]
    overlay = np.clip(base[::-1] * 0.5 + 0.2 + stripes, 0, 1).astype(np.float32)
    mask = np.zeros((h, w), bool)
    mask[30:120, 20:110] = True
    mask[0:20, 0:30] = True  # touches the border
    return base, overlay, mask


def test_poisson_leaves_pixels_outside_the_mask_unchanged():
    base, overlay, mask = _scene()
    out = poisson_blend(base, overlay, mask)
    assert _psnr(out[~mask], base[~mask]) >= 50
    # inside, the result carries the overlay's detail (its horizontal stripes), not the base's
    inner = np.zeros_like(mask)
    inner[35:115, 25:105] = True
    gy_out, gy_over = np.diff(out, axis=0)[inner[1:]], np.diff(overlay, axis=0)[inner[1:]]
    assert np.corrcoef(gy_out.ravel(), gy_over.ravel())[0, 1] > 0.9


def test_poisson_of_the_same_image_is_aligned():
    base, _, mask = _scene()
    textured = np.clip(base + 0.3 * RNG.random(base.shape, dtype=np.float32), 0, 1)
    out = poisson_blend(textured, textured, mask)
    assert np.abs(out - textured)[mask].mean() < 2 / 255  # a one-pixel shift would give ~0.1


def test_feather_keeps_outside_exact_and_ramps_inside():
    base, overlay, mask = _scene()
    out = feather_composite(base, overlay, mask, feather=0.05)
    assert np.array_equal(out[~mask], base[~mask])
    assert np.allclose(out[75, 65], overlay[75, 65], atol=1e-6)  # deep inside: all overlay


def test_colour_matching_reduces_delta_e00():
    base, overlay, mask = _scene()
    reference = np.clip(np.array([0.7, 0.2, 0.2]) + 0.05 * RNG.random((500, 3)), 0, 1)
    out, rep = match_colours(overlay, mask, reference)
    assert rep["delta_e00_before"] > 10 and rep["delta_e00_after"] < 1.0
    assert np.array_equal(out[~mask], overlay[~mask])


def test_delta_e00_basics():
    assert delta_e00([0.2, 0.4, 0.6], [0.2, 0.4, 0.6]) == 0
    a, b = [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]
    assert delta_e00(a, b) > 40 and abs(delta_e00(a, b) - delta_e00(b, a)) < 1e-6


def test_paste_back_restores_face_and_hands_exactly():
    base, overlay, mask = _scene()
    keep = np.zeros(mask.shape, bool)
    keep[50:70, 40:60] = True
    out = paste_back(overlay, base, keep)
    assert np.array_equal(out[keep], base[keep])
    assert np.array_equal(out[100:, :], overlay[100:, :])  # far away: untouched
