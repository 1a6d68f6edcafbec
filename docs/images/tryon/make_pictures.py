"""Regenerate the try-on pictures in this folder: python docs/images/tryon/make_pictures.py

The astronaut photo ships with scikit-image; its label map and pose are drawn by hand here (no
weights needed). Synthetic people come with exact labels and poses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from custom_nodes.tryon.agnostic import MaskSettings, agnostic_image, agnostic_mask  # noqa: E402
from custom_nodes.tryon.blend import feather_composite, match_colours, poisson_blend  # noqa: E402
from custom_nodes.tryon.classic import ClassicSettings, classic_tryon  # noqa: E402
from custom_nodes.tryon.garment import cut_garment, garment_landmarks  # noqa: E402
from custom_nodes.tryon.labels import L  # noqa: E402
from custom_nodes.tryon.pose import K  # noqa: E402
from custom_nodes.tryon.preview import colour_labels, draw_pose, overlay  # noqa: E402
from custom_nodes.tryon.synthetic import synthetic_garment, synthetic_person, two_people  # noqa: E402
from custom_nodes.tryon.warp import person_targets, warp_garment  # noqa: E402

OUT = Path(__file__).resolve().parent


def astronaut() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image, hand-made ATR labels, hand-placed pose) for skimage's astronaut.png (512×512)."""
    from skimage.data import astronaut as load

    image = load().astype(np.float32) / 255
    lab = np.zeros((512, 512), np.uint8)
    suit = [(112, 185), (125, 160), (160, 148), (280, 150), (300, 165), (310, 190), (330, 250), (360, 300), (365, 345), (300, 360), (280, 512), (20, 512),
            (22, 330), (40, 280), (90, 245)]
    cv2.fillPoly(lab, [np.array(suit, np.int32)], L["upper_clothes"])
    cv2.ellipse(lab, (222, 78), (70, 62), 0, 0, 360, L["hair"], -1)
    cv2.ellipse(lab, (216, 115), (37, 56), 0, 0, 360, L["face"], -1)
    cv2.ellipse(lab, (392, 440), (118, 100), 0, 0, 360, L["bag"], -1)  # the helmet: an object to keep
    cv2.ellipse(lab, (150, 497), (38, 18), 0, 0, 360, L["right_arm"], -1)  # gloves
    cv2.ellipse(lab, (490, 478), (18, 32), 0, 0, 360, L["left_arm"], -1)
    pose = np.zeros((18, 3), np.float32)
    for name, xy in {"nose": (215, 125), "neck": (215, 235), "right_shoulder": (95, 275),
                     "left_shoulder": (335, 275), "right_elbow": (48, 420), "right_wrist": (145, 492),
                     "left_elbow": (345, 420), "left_wrist": (482, 472), "right_eye": (197, 105),
                     "left_eye": (237, 105), "right_ear": (178, 115), "left_ear": (255, 112)}.items():
        pose[K[name]] = (*xy, 1.0)
    return image, lab, pose


def save(name: str, panels: list[np.ndarray], height: int = 256) -> None:
    row = [cv2.resize(p, (int(p.shape[1] * height / p.shape[0]), height), interpolation=cv2.INTER_AREA)
           for p in panels]
    sep = np.ones((height, 4, 3), np.float32)
    img = np.hstack([x for p in row for x in (p, sep)][:-1])
    cv2.imwrite(str(OUT / name), cv2.cvtColor(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"{name}: {(OUT / name).stat().st_size // 1024} KB")


def garment_preview(cut, landmarks):
    img = np.where(cut.mask[..., None], cut.image, 1.0).astype(np.float32)
    for x, y in landmarks.values():
        cv2.circle(img, (int(x), int(y)), max(3, img.shape[0] // 60), (1.0, 0.0, 0.5), -1)
    return img


def astronaut_pictures():
    image, lab, pose = astronaut()
    save("astronaut_parse_pose.png", [image, draw_pose(image, pose), colour_labels(lab)])
    normal = agnostic_mask(lab, pose, MaskSettings(mode="normal"))
    relaxed = agnostic_mask(lab, pose, MaskSettings(mode="relaxed", grow=0.01))
    save("astronaut_agnostic.png", [overlay(image, normal.mask), agnostic_image(image, normal.mask),
                                    agnostic_image(image, relaxed.mask), overlay(image, normal.protected, (0.1, 0.9, 0.2))])
    garment = synthetic_garment("top", 384, 384)
    cut = cut_garment(garment)
    lm = garment_landmarks(cut.mask, "top")
    warp = warp_garment(cut.image, cut.mask, lm, person_targets("top", lm, pose), (512, 512), 0.3, normal.mask)
    shown = agnostic_image(image, normal.mask)
    shown[warp.mask] = warp.image[warp.mask]
    for x, y in warp.dst:
        cv2.circle(shown, (int(x), int(y)), 5, (1.0, 1.0, 0.0), -1)
    res = classic_tryon(image, lab, pose, garment, ClassicSettings(mode="normal"))
    print(f"astronaut: warp IoU {warp.quality:.2f}, ΔE00 {res.colour['delta_e00_before']:.2f} → "
          f"{res.colour['delta_e00_after']:.2f}")
    save("astronaut_classic.png", [garment_preview(cut, lm), shown, res.image])


def synthetic_pictures():
    people = [synthetic_person(384, 288, "short", "pants", bag=True), synthetic_person(384, 288, "long", "skirt")]
    panels = []
    for p in people:
        for garment in ("upper", "lower", "dress"):
            for mode in ("normal", "relaxed"):
                res = agnostic_mask(p.labels, p.pose, MaskSettings(garment=garment, mode=mode))
                panels.append(agnostic_image(p.image, res.mask))
    save("synthetic_agnostic_upper_lower_dress.png", panels, 220)
    p = people[1]
    panels = [draw_pose(p.image, p.pose), colour_labels(p.labels)]
    for kind in ("top", "bottom", "dress"):
        panels.append(classic_tryon(p.image, p.labels, p.pose, synthetic_garment(kind, 256, 256),
                                    ClassicSettings(kind=kind)).image)
    save("synthetic_classic_tryon.png", panels, 300)
    image, lab, poses = two_people(300, 400)
    res = agnostic_mask(lab, poses[0], MaskSettings(garment="dress", mode="relaxed"))
    save("synthetic_two_people.png", [draw_pose(draw_pose(image, poses[0]), poses[1]), agnostic_image(image, res.mask)], 240)


def garment_and_blend_pictures():
    panels = []
    for kind, busy in (("top", False), ("bottom", False), ("dress", False), ("top", True)):
        g = synthetic_garment(kind, 256, 256, busy=busy)
        cut = cut_garment(g)
        panels += [g, garment_preview(cut, garment_landmarks(cut.mask, kind))]
    save("garment_prep.png", panels, 200)
    image, lab, pose = astronaut()
    mask = agnostic_mask(lab, pose).mask
    yy = np.arange(512, dtype=np.float32)[:, None, None]
    generated = np.clip(image * 0.3 + np.array([0.1, 0.3, 0.6]) + 0.1 * (np.sin(yy / 8) > 0), 0, 1).astype(np.float32)
    photo = synthetic_garment("top", 256, 256)
    ref = photo[cut_garment(photo).mask]  # the garment photo's own pixels
    matched, rep = match_colours(poisson_blend(image, generated, mask), mask, ref)
    print(f"blend demo: ΔE00 {rep['delta_e00_before']:.2f} → {rep['delta_e00_after']:.2f}")
    save("blend_feather_poisson_colour.png", [feather_composite(image, generated, mask, 0.02),
                                              poisson_blend(image, generated, mask), matched])


if __name__ == "__main__":
    astronaut_pictures()
    synthetic_pictures()
    garment_and_blend_pictures()
