"""Text prompts for photoreal renders, built from what the drape knows: garment, fabric, colour, setting.

SDXL follows short, concrete prompts best: subject and garment first, then material and colour, then
the setting and photographic style. The negative prompt lists the usual failure modes of clothing shots.
"""

from __future__ import annotations

import numpy as np

from ..core.drape import DrapeResult
from ..core.errors import InvalidInputError

ENVIRONMENTS = {
    "studio": "in a photo studio, seamless light grey backdrop, softbox lighting",
    "street": "on a city street, overcast daylight, shallow depth of field",
    "beach": "on a beach at golden hour, warm backlight",
    "runway": "on a fashion runway, spotlights, audience blurred",
    "interior": "in a bright minimalist living room, window light",
    "ecommerce": "on a pure white background, even shadowless lighting, catalogue photo",
}
NEGATIVE = ("blurry, deformed hands, extra fingers, extra limbs, distorted garment, wrong colour, logo, text, "
            "watermark, lowres, jpeg artifacts, cropped")
#: A few named colours (sRGB 0..1) to say the garment's colour in words.
COLOUR_NAMES = {
    "black": (0.05, 0.05, 0.05), "white": (0.95, 0.95, 0.95), "grey": (0.5, 0.5, 0.5), "navy": (0.12, 0.16, 0.35),
    "blue": (0.2, 0.35, 0.75), "light blue": (0.6, 0.73, 0.88), "red": (0.75, 0.12, 0.12), "burgundy": (0.45, 0.1, 0.17),
    "pink": (0.92, 0.6, 0.68), "orange": (0.95, 0.5, 0.15), "yellow": (0.95, 0.85, 0.25), "olive": (0.42, 0.42, 0.2),
    "green": (0.2, 0.55, 0.25), "forest green": (0.13, 0.3, 0.18), "beige": (0.85, 0.78, 0.64),
    "brown": (0.42, 0.27, 0.15), "purple": (0.45, 0.25, 0.6), "teal": (0.1, 0.5, 0.5),
}


def colour_name(rgb) -> str:
    """The nearest named colour to an sRGB triple (0..1), by distance in linear-ish RGB."""
    rgb = np.asarray(rgb, np.float64)
    if rgb.shape != (3,) or not np.all(np.isfinite(rgb)):
        raise InvalidInputError(f"expected an sRGB triple, got {rgb!r}", field="colour")
    names = list(COLOUR_NAMES)
    dist = [np.sum((rgb ** 2.2 - np.asarray(COLOUR_NAMES[n]) ** 2.2) ** 2) for n in names]
    return names[int(np.argmin(dist))]


def garment_words(drape: DrapeResult) -> str:
    pattern = drape.garment.pattern
    template = (pattern.metadata.get("template") if pattern is not None else None) or drape.garment.name
    return str(template).replace("_", " ").replace("tshirt", "t-shirt").strip() or "garment"


def build_prompt(drape: DrapeResult, environment: str = "studio", extra: str = "") -> tuple[str, str]:
    """(positive, negative) prompts for an SDXL render of ``drape``."""
    if environment not in ENVIRONMENTS:
        raise InvalidInputError(f"must be one of {list(ENVIRONMENTS)}, got {environment!r}", field="environment")
    fabric = drape.fabric
    colour = colour_name(fabric.color)
    material = fabric.name.lower()
    positive = (f"full-body fashion photo of a model wearing a {colour} {material} {garment_words(drape)}, "
                f"realistic {material} texture and drape, {ENVIRONMENTS[environment]}, 85mm lens, high detail")
    if extra.strip():
        positive += ", " + extra.strip()
    return positive, NEGATIVE
