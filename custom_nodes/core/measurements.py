"""The body-measurement vocabulary shared by pattern templates, grading and avatars.

Names follow ISO 8559-1 (body dimensions for clothing). Values inside Atelier are metres; nodes show
centimetres. ``SIZE_TABLE`` is the one size chart (XS–3XL, female/male) that grading and the avatar
size presets both read, so a graded M pattern and an M avatar are made for each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInputError
from .units import CM


@dataclass(frozen=True)
class MeasurementDef:
    name: str  # key in Avatar.measurements and template inputs
    iso: str  # ISO 8559-1 term
    description: str  # how it is taken
    lo_cm: float  # plausible range for an adult body [cm]; outside it is refused as impossible
    hi_cm: float


MEASUREMENTS: tuple[MeasurementDef, ...] = (
    MeasurementDef("height", "stature", "vertical distance from the floor to the top of the head", 120, 220),
    MeasurementDef("chest_girth", "chest/bust girth", "horizontal girth at the fullest part of the chest/bust", 60, 180),
    MeasurementDef("underbust_girth", "underbust girth", "horizontal girth just below the breasts", 55, 170),
    MeasurementDef("waist_girth", "waist girth", "horizontal girth at the natural waist", 45, 180),
    MeasurementDef("hip_girth", "hip girth", "horizontal girth at the fullest part of the buttocks", 65, 190),
    MeasurementDef("inside_leg_length", "inside leg length", "crotch to the floor, along the inside leg", 55, 110),
    MeasurementDef("arm_length", "arm length", "shoulder point over the elbow to the wrist", 40, 80),
    MeasurementDef("shoulder_width", "shoulder width", "across the back between the two shoulder points", 28, 60),
    MeasurementDef("neck_girth", "neck girth", "girth around the base of the neck", 25, 55),
)
MEASUREMENT_NAMES = tuple(m.name for m in MEASUREMENTS)
SIZES = ("XS", "S", "M", "L", "XL", "2XL", "3XL")

# [cm] columns follow SIZES. Drawn from common European size charts (EN 13402-3 intervals).
_TABLE_CM = {
    "female": {
        "height": (160, 164, 168, 170, 172, 174, 176),
        "chest_girth": (80, 86, 92, 100, 108, 118, 128),
        "underbust_girth": (68, 72, 78, 85, 92, 101, 110),
        "waist_girth": (62, 68, 74, 82, 90, 100, 110),
        "hip_girth": (88, 94, 100, 108, 116, 126, 136),
        "inside_leg_length": (76, 77, 78, 79, 80, 80, 80),
        "arm_length": (57, 58, 59, 60, 61, 61, 62),
        "shoulder_width": (36, 37, 38, 40, 41, 43, 44),
        "neck_girth": (32, 33, 34, 36, 38, 40, 42),
    },
    "male": {
        "height": (170, 174, 178, 182, 184, 186, 188),
        "chest_girth": (86, 92, 98, 106, 114, 124, 134),
        "underbust_girth": (80, 86, 92, 99, 107, 117, 127),
        "waist_girth": (72, 78, 84, 92, 100, 110, 120),
        "hip_girth": (88, 94, 100, 106, 112, 120, 128),
        "inside_leg_length": (78, 80, 82, 83, 84, 84, 85),
        "arm_length": (60, 61, 63, 64, 65, 66, 67),
        "shoulder_width": (42, 44, 46, 48, 50, 52, 53),
        "neck_girth": (36, 38, 40, 42, 44, 46, 48),
    },
}


def size_measurements(size: str, body: str = "female") -> dict[str, float]:
    """Measurements of a standard size [m]: ``size_measurements("M", "male")["chest_girth"] == 0.98``."""
    if body not in _TABLE_CM:
        raise InvalidInputError(f"body must be one of {sorted(_TABLE_CM)}, got {body!r}", field="body")
    if size not in SIZES:
        raise InvalidInputError(f"size must be one of {list(SIZES)}, got {size!r}", field="size")
    i = SIZES.index(size)
    return {name: col[i] * CM for name, col in _TABLE_CM[body].items()}


def check_measurements(values: dict[str, float]) -> dict[str, float]:
    """Refuse impossible bodies (NaN, ≤ 0, outside the adult range) with the field named; values in metres."""
    defs = {m.name: m for m in MEASUREMENTS}
    out = {}
    for name, value in values.items():
        if name not in defs:
            raise InvalidInputError(f"unknown measurement; expected one of {list(MEASUREMENT_NAMES)}", field=name)
        v = float(value)
        d = defs[name]
        if not (v == v) or not d.lo_cm * CM <= v <= d.hi_cm * CM:
            raise InvalidInputError(f"{v / CM:.1f} cm is not a plausible adult {d.iso} "
                                    f"(expected {d.lo_cm:g}–{d.hi_cm:g} cm)", field=name)
        out[name] = v
    return out
