"""Agnostic masks against rules a user checks by eye: face and hands never touched, the garment fully
covered, the other garment untouched, relaxed ⊇ normal, offsets do what they say."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.tryon.agnostic import MaskSettings, agnostic_image, agnostic_mask, hands_mask, torso_polygon
from custom_nodes.tryon.labels import ARMS, HEAD, LEGS, SHOES, L, any_of
from custom_nodes.tryon.pose import K
from custom_nodes.tryon.synthetic import two_people

GARMENTS = ("upper", "lower", "dress")
MODES = ("normal", "relaxed")


def _mask(person, garment, mode="normal", **kw):
    return agnostic_mask(person.labels, person.pose, MaskSettings(garment=garment, mode=mode, **kw)).mask


def _erode(m, r=2):
    return cv2.erode(m.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).astype(bool)


@pytest.mark.parametrize("garment", GARMENTS)
@pytest.mark.parametrize("mode", MODES)
def test_face_hair_hands_shoes_bag_are_never_masked(people, garment, mode):
    for person in people.values():
        for grow in (0.0, 0.05):
            mask = _mask(person, garment, mode, grow=grow, hem_offset=0.3 if grow else 0.0)
            keep = any_of(person.labels, HEAD + SHOES + (L["bag"],)) | hands_mask(person.pose, person.labels)
            assert not (mask & keep).any()


@pytest.mark.parametrize("mode", MODES)
def test_upper_mask_covers_the_top_and_torso_and_leaves_trousers(people, mode):
    p = people["short_pants"]
    mask = _mask(p, "upper", mode)
    top = p.labels == L["upper_clothes"]
    assert mask[top].all()
    torso = torso_polygon(p.pose, p.labels.shape) & ~any_of(p.labels, ARMS + (L["pants"],))
    assert mask[_erode(torso)].all()
    assert not (mask & any_of(p.labels, (L["pants"],) + LEGS)).any()


@pytest.mark.parametrize("mode", MODES)
def test_lower_mask_covers_trousers_or_skirt_and_leaves_the_top(people, mode):
    for key, label in (("short_pants", "pants"), ("long_skirt", "skirt")):
        p = people[key]
        mask = _mask(p, "lower", mode)
        assert mask[p.labels == L[label]].all()
        assert not (mask & any_of(p.labels, (L["upper_clothes"],) + ARMS)).any()


def test_dress_mask_covers_top_and_bottom_garments(people):
    for key in ("short_pants", "dress"):
        p = people[key]
        mask = _mask(p, "dress")
        garments = any_of(p.labels, (L["upper_clothes"], L["pants"], L["dress"], L["skirt"]))
        assert mask[garments].all()


@pytest.mark.parametrize("garment", GARMENTS)
def test_relaxed_contains_normal(people, garment):
    for p in people.values():
        normal, relaxed = _mask(p, garment, "normal"), _mask(p, garment, "relaxed")
        assert not (normal & ~relaxed).any()


def test_relaxed_frees_the_whole_sleeve_region_but_normal_keeps_forearms(people):
    p = people["short_pants"]
    arms = any_of(p.labels, ARMS) & ~hands_mask(p.pose, p.labels)
    relaxed = _mask(p, "upper", "relaxed")
    normal = _mask(p, "upper", "normal")
    assert relaxed[arms].all()
    assert (arms & ~normal).sum() > 0.3 * arms.sum()  # bare forearms stay in normal mode


def test_upper_mask_includes_the_neck_but_no_face(people):
    p = people["short_pants"]
    nose, neck = p.pose[K["nose"], :2], p.pose[K["neck"], :2]
    chin_to_neck = (np.array([neck[0], 0.5 * (nose[1] + neck[1]) + 0.25 * (neck[1] - nose[1])])).astype(int)
    assert p.labels[chin_to_neck[1], chin_to_neck[0]] == 0  # unlabelled neck skin
    assert _mask(p, "upper")[chin_to_neck[1], chin_to_neck[0]]
    assert not _mask(p, "upper", include_neck=False)[chin_to_neck[1], chin_to_neck[0]]


def test_masks_scale_with_resolution():
    from custom_nodes.tryon.synthetic import synthetic_person

    small, big = synthetic_person(256, 192), synthetic_person(512, 384)
    a = _mask(small, "upper")
    b = cv2.resize(_mask(big, "upper").astype(np.uint8), (192, 256), interpolation=cv2.INTER_AREA) > 0
    assert (a & b).sum() / (a | b).sum() > 0.93


def test_user_offsets_grow_shrink_and_move_the_hem(people):
    p = people["short_pants"]
    base = _mask(p, "lower")
    grown, shrunk = _mask(p, "lower", grow=0.02), _mask(p, "lower", grow=-0.02)
    assert not (base & ~grown).any() and grown.sum() > base.sum()
    assert not (shrunk & ~base).any() and shrunk.sum() < base.sum()
    up = _mask(p, "upper", hem_offset=-0.05)
    down = _mask(p, "upper", hem_offset=0.05)
    lowest = lambda m: np.nonzero(m.any(1))[0].max()  # noqa: E731
    upper = _mask(p, "upper")
    assert lowest(up) < lowest(upper)
    # moving the hem down may not pass into the protected trousers, but never shrinks the mask
    assert not (upper & ~down).any()


def test_agnostic_image_is_grey_inside_and_untouched_outside(people):
    p = people["short_pants"]
    mask = _mask(p, "upper")
    out = agnostic_image(p.image, mask)
    assert np.allclose(out[mask], 0.5)
    assert np.array_equal(out[~mask], p.image[~mask])


def test_second_person_is_never_masked():
    image, labels, poses = two_people()
    from custom_nodes.tryon.agnostic import MaskSettings as S

    left = agnostic_mask(labels, poses[0], S(garment="dress", mode="relaxed"))
    right_person = np.zeros(labels.shape, bool)
    right_person[:, int(0.55 * labels.shape[1]):] = labels[:, int(0.55 * labels.shape[1]):] > 0
    assert not (left.mask & right_person).any()
    assert left.mask[labels == L["upper_clothes"]].any()


def test_no_person_is_a_clear_error(people):
    p = people["short_pants"]
    with pytest.raises(InvalidInputError, match="no person"):
        agnostic_mask(np.zeros_like(p.labels), p.pose)


def test_bad_label_maps_and_poses_are_named(people):
    p = people["short_pants"]
    with pytest.raises(InvalidInputError, match="labels must lie in 0..17"):
        agnostic_mask(p.labels.astype(np.int32) + 20, p.pose)
    with pytest.raises(InvalidInputError, match="pose"):
        agnostic_mask(p.labels, p.pose[:10])
    with pytest.raises(InvalidInputError, match="garment"):
        MaskSettings(garment="hat")


def test_hand_keypoints_from_a_detector_are_protected(people):
    """DWPose-style hand keypoints protect a hand lying on the shirt, where the label map says upper clothes."""
    p = people["long_skirt"]
    chest = 0.5 * (p.pose[K["neck"], :2] + 0.5 * (p.pose[K["right_hip"], :2] + p.pose[K["left_hip"], :2]))
    hand = chest + np.array([[-6, -4], [6, -4], [0, 8], [-4, 6], [4, 6]], np.float32)
    assert p.labels[int(chest[1]), int(chest[0])] == L["upper_clothes"]
    settings = MaskSettings(mode="relaxed")
    without = agnostic_mask(p.labels, p.pose, settings).mask
    with_hands = agnostic_mask(p.labels, p.pose, settings, hands=[hand]).mask
    inside = (int(chest[1]), int(chest[0]))
    assert without[inside] and not with_hands[inside]
    assert with_hands.sum() > 0.9 * without.sum()  # only the hand was taken out
