"""Perspective correction, delighting, scale and power-of-two output of a fabric photo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.fabric.color import delta_e00, linear_to_srgb, srgb_to_lab, srgb_to_linear
from custom_nodes.fabric.scan import (
    check_corners,
    delight,
    detect_corners,
    parse_corners,
    rectify,
    scan_fabric,
    to_power_of_two,
)

PHOTO_W, PHOTO_H = 480, 400


def camera_homography(size: int, rx_deg: float, ry_deg: float, focal: float = 700.0) -> np.ndarray:
    """Homography of a pinhole camera (principal point at the photo centre) looking at a square of
    ``size`` px (pixel-edge coordinates) tilted by rx, ry degrees: square -> photo."""
    rx, ry = np.radians(rx_deg), np.radians(ry_deg)
    rot_x = np.array([[1, 0, 0], [0, np.cos(rx), -np.sin(rx)], [0, np.sin(rx), np.cos(rx)]])
    rot_y = np.array([[np.cos(ry), 0, np.sin(ry)], [0, 1, 0], [-np.sin(ry), 0, np.cos(ry)]])
    r = rot_x @ rot_y
    k = np.array([[focal, 0, PHOTO_W / 2], [0, focal, PHOTO_H / 2], [0, 0, 1]])
    p = k @ np.column_stack([r[:, 0], r[:, 1], [0.02, 0.0, 2.0]])
    return p @ np.array([[1 / size, 0, -0.5], [0, 1 / size, -0.5], [0, 0, 1]])


def photograph(square: np.ndarray, hom: np.ndarray, background=0.3) -> tuple[np.ndarray, np.ndarray]:
    """Warp ``square`` into a photo; returns (photo, true corners TL, TR, BR, BL)."""
    n = square.shape[0]
    corners = cv2.perspectiveTransform(np.float32([[[0, 0], [n, 0], [n, n], [0, n]]]), hom)[0]
    centre = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]]) @ hom @ np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    photo = cv2.warpPerspective(square, centre, (PHOTO_W, PHOTO_H), flags=cv2.INTER_CUBIC,
                                borderValue=(background,) * 3)
    return np.clip(photo, 0, 1), corners


def square_sizes(img: np.ndarray, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Widths (along rows) and heights (along columns) of checkerboard squares, sub-pixel."""
    grey = img[..., 0]

    def crossings(line):
        v = line - 0.5
        idx = np.nonzero(np.sign(v[:-1]) != np.sign(v[1:]))[0]
        return idx + v[idx] / (v[idx] - v[idx + 1])

    h, w = grey.shape
    widths = np.concatenate([np.diff(crossings(grey[int((r + 0.5) * h / n)])) for r in range(n)])
    heights = np.concatenate([np.diff(crossings(grey[:, int((c + 0.5) * w / n)])) for c in range(n)])
    return widths, heights


@pytest.mark.parametrize("tilt", [(35.0, -25.0), (-20.0, 30.0)])
def test_rectified_chessboard_squares_are_square_within_one_percent(tilt):
    board = np.repeat(data.checkerboard().astype(np.float32)[..., None] / 255.0, 3, axis=-1)
    photo, corners = photograph(board, camera_homography(board.shape[0], *tilt))
    edges = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
    assert edges.max() / edges.min() > 1.2  # the board really is seen at an angle
    out = rectify(photo, corners)
    widths, heights = square_sizes(out)
    assert len(widths) == len(heights) == 6 * 8  # every square between two inner edges found
    size = np.concatenate([widths, heights]).mean()
    assert np.abs(widths / size - 1).max() < 0.01
    assert np.abs(heights / size - 1).max() < 0.01
    assert abs(out.shape[0] / out.shape[1] - 1) < 0.01


def test_detected_swatch_outline_matches_the_true_corners():
    rng = np.random.default_rng(0)
    swatch = np.clip(0.8 + 0.05 * rng.standard_normal((256, 256, 3)), 0, 1).astype(np.float32)
    photo, corners = photograph(swatch, camera_homography(256, 25.0, 15.0), background=0.1)
    found = detect_corners(photo)
    assert np.abs(found - corners).max() < 3.0  # px


def test_detection_without_a_quadrilateral_is_a_clear_error():
    noise = np.random.default_rng(1).random((64, 64, 3)).astype(np.float32)
    with pytest.raises(InvalidInputError, match="corners"):
        detect_corners(noise)


@pytest.mark.parametrize("light", ["ramp", "spot"])
def test_delighting_restores_a_flat_colour(light):
    colour = np.array([0.55, 0.35, 0.25], np.float32)
    yy, xx = np.mgrid[0:256, 0:384].astype(np.float32)
    if light == "ramp":
        gain = 0.6 + 0.56 * xx / 383 + 0.3 * yy / 255
    else:  # a lamp off to one side: smooth but not polynomial
        gain = 0.4 + np.exp(-((xx - 300) ** 2 + (yy - 60) ** 2) / (2 * 160.0 ** 2))
    gain = gain / gain.mean()
    photo = linear_to_srgb(srgb_to_linear(colour) * gain[..., None])
    target = srgb_to_lab(colour)
    assert delta_e00(srgb_to_lab(photo), target).max() > 8  # the lighting really is visible
    for clahe in (0.0, 0.3):
        out = delight(photo, clahe=clahe)
        assert delta_e00(srgb_to_lab(out), target).max() <= 2.0


def test_delighting_keeps_the_weave():
    yy, xx = np.mgrid[0:128, 0:128].astype(np.float32)
    weave = 0.5 + 0.2 * np.sign(np.sin(xx * np.pi / 4)) * np.sign(np.sin(yy * np.pi / 4))
    photo = np.repeat((weave * (0.7 + 0.6 * xx / 127))[..., None], 3, -1).clip(0, 1)
    out = delight(photo)[..., 0]
    corr = np.corrcoef(out.ravel(), weave.ravel())[0, 1]
    assert corr > 0.95


def test_scan_gives_power_of_two_and_physical_size():
    photo = np.random.default_rng(2).random((300, 500, 3)).astype(np.float32)
    result = scan_fabric(photo, px_per_cm=20.0, crop=0.0, max_size=4096)
    assert result.image.shape == (256, 256, 3)
    assert result.tile_size == pytest.approx(300 / 20 / 100)  # the 300 px square side, in metres


def test_scale_from_a_card_of_known_size():
    photo = np.full((400, 600, 3), 0.2, np.float32)
    photo[50:350, 100:550] = 0.9  # an 8.5 × 5.5 cm card would be 450 × 291 px
    corners = np.float32([[100, 50], [550, 50], [550, 350], [100, 350]])
    result = scan_fabric(photo, corners=corners, card_size_cm=(8.5, 5.5), crop=0.0)
    side_px = 450 / 8.5 * 5.5  # the card's short side after forcing its true aspect
    assert result.tile_size == pytest.approx(side_px / (450 / 8.5) / 100, rel=0.01)


def test_to_power_of_two():
    assert to_power_of_two(np.zeros((700, 900, 3), np.float32), 2048).shape == (512, 512, 3)
    assert to_power_of_two(np.zeros((700, 900, 3), np.float32), 256).shape == (256, 256, 3)


def test_corners_that_cross_are_refused():
    bowtie = np.float32([[10, 10], [90, 90], [90, 10], [10, 90]])
    with pytest.raises(InvalidInputError, match="cross"):
        check_corners(bowtie, 100, 100)
    with pytest.raises(InvalidInputError, match="cross"):
        scan_fabric(np.zeros((100, 100, 3), np.float32), corners=bowtie)


def test_corner_text_errors_name_the_field():
    assert parse_corners("") is None
    np.testing.assert_array_equal(parse_corners("0,0; 10,0; 10,10; 0,10")[2], [10, 10])
    with pytest.raises(InvalidInputError, match="corners"):
        parse_corners("1,2; 3,4")
    with pytest.raises(InvalidInputError, match="corners"):
        parse_corners("a,b; c,d; e,f; g,h")
    with pytest.raises(InvalidInputError, match="outside"):
        check_corners(np.float32([[0, 0], [900, 0], [900, 900], [0, 900]]), 100, 100)


def test_tiny_photo_is_refused():
    with pytest.raises(InvalidInputError, match="1×1"):
        scan_fabric(np.zeros((1, 1, 3), np.float32))


def test_scale_from_a_reference_card_beside_the_swatch():
    """A 10 × 10 cm swatch and a credit card (8.56 × 5.40 cm) side by side, photographed at an angle."""
    ppc = 20.0  # plane image: 20 px per cm
    plane = np.full((int(12 * ppc), int(23 * ppc), 3), 0.15, np.float32)
    rng = np.random.default_rng(3)
    plane[0:200, 0:200] = np.clip(0.6 + 0.1 * rng.standard_normal((200, 200, 3)), 0, 1)  # swatch, 10 cm
    plane[0:108, 240:411] = 0.95  # card at x = 12 cm, 8.56 × 5.40 cm (171.2 × 108 px)
    hom = camera_homography(plane.shape[1], 30.0, -20.0)
    photo, _ = photograph(np.pad(plane, ((0, plane.shape[1] - plane.shape[0]), (0, 0), (0, 0))), hom)

    def to_photo(pts):
        return cv2.perspectiveTransform(np.float32(pts)[None], hom)[0]

    swatch = to_photo([[0, 0], [200, 0], [200, 200], [0, 200]])
    card = to_photo([[240, 0], [411.2, 0], [411.2, 108], [240, 108]])
    result = scan_fabric(photo, corners=swatch, card_corners=card, card_size_cm=(8.56, 5.40), crop=0.0)
    assert result.tile_size == pytest.approx(0.10, rel=0.01)
    # the same photo without the perspective taken into account would be off by far more
    from custom_nodes.fabric.scan import scale_from_card

    naive = min(np.linalg.norm(swatch[1] - swatch[0]), np.linalg.norm(swatch[3] - swatch[0]))
    assert abs(naive / scale_from_card(card, (8.56, 5.40)) / 100 - 0.10) > 0.005
