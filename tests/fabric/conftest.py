"""Fixtures for the fabric tests: scikit-image's bundled textures as RGB float images."""

from __future__ import annotations

import numpy as np
import pytest


def skimage_texture(name: str) -> np.ndarray:
    """``skimage.data.<name>()`` as (h, w, 3) float32 0..1 (grey images repeated to RGB)."""
    from skimage import data

    img = getattr(data, name)().astype(np.float32) / 255.0
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=-1)
    return img[..., :3]


@pytest.fixture(scope="session", params=["brick", "grass", "gravel"])
def texture(request) -> tuple[str, np.ndarray]:
    return request.param, skimage_texture(request.param)


@pytest.fixture(scope="session")
def load_texture():
    """The loader itself, for tests that need one particular texture."""
    return skimage_texture
