"""Classic try-on end to end, and the bad inputs a user can throw at it."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.tryon.classic import ClassicSettings, classic_tryon
from custom_nodes.tryon.images import as_rgb
from custom_nodes.tryon.labels import HEAD, any_of
from custom_nodes.tryon.synthetic import synthetic_garment, two_people


@pytest.mark.parametrize("kind", ["top", "bottom", "dress"])
def test_classic_tryon_dresses_the_person_and_keeps_the_face(people, kind):
    p = people["long_skirt"]
    garment = synthetic_garment(kind, 128, 128)
    res = classic_tryon(p.image, p.labels, p.pose, garment, ClassicSettings(kind=kind))
    face = any_of(p.labels, HEAD)
    assert np.array_equal(res.image[face], p.image[face])
    assert res.garment_mask.sum() > 0.05 * p.labels.size and np.isfinite(res.image).all()
    assert "no diffusion" in res.notes[0]
    garment_blue = np.array([0.15, 0.45, 0.75])
    assert np.abs(res.image[res.garment_mask].mean(0) - garment_blue * 0.9).max() < 0.12
    assert res.colour["delta_e00_after"] <= res.colour["delta_e00_before"] + 1e-6


def test_classic_tryon_with_poisson_and_a_busy_garment_photo(people):
    p = people["short_pants"]
    res = classic_tryon(p.image, p.labels, p.pose, synthetic_garment("top", 128, 128, busy=True),
                        ClassicSettings(blend="poisson"))
    assert any("busy background" in n for n in res.notes)
    assert res.colour["delta_e00_after"] < 2.0


def test_two_people_only_the_chosen_one_changes():
    image, labels, poses = two_people()
    res = classic_tryon(image, labels, poses[0], synthetic_garment("top", 128, 128))
    right = np.s_[:, int(0.55 * image.shape[1]):]
    assert np.abs(res.image[right] - image[right]).max() < 1e-6


def test_label_map_of_another_size_is_refused(people):
    p = people["short_pants"]
    with pytest.raises(InvalidInputError, match="label map"):
        classic_tryon(p.image, p.labels[:100], p.pose, synthetic_garment("top", 64, 64))


def test_odd_photo_formats_become_rgb():
    grey = np.full((32, 24), 128, np.uint8)
    assert as_rgb(grey).shape == (32, 24, 3) and np.allclose(as_rgb(grey), 128 / 255)
    sixteen = np.full((32, 24, 3), 65535, np.uint16)
    assert np.allclose(as_rgb(sixteen), 1.0)
    rgba = np.zeros((32, 24, 4), np.float32)  # fully transparent black → white
    assert np.allclose(as_rgb(rgba), 1.0)
    with pytest.raises(InvalidInputError, match="0..1"):
        as_rgb(np.full((32, 24, 3), 3.0, np.float32))
    with pytest.raises(InvalidInputError, match="NaN"):
        as_rgb(np.full((32, 24, 3), np.nan, np.float32))
    with pytest.raises(InvalidInputError, match="MP budget"):
        as_rgb(np.broadcast_to(np.zeros((1, 1), np.uint8), (12000, 12000)))
