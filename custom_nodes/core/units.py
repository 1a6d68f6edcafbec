"""Unit conversions at the boundary. Inside Atelier everything is SI: metres, kilograms, seconds.

Convert once, where data enters (node widgets in cm, GarmentCode specs in cm, fabric weight in g/m²,
SVG in its document units) and never again.
"""

from __future__ import annotations

from .errors import InvalidInputError

CM = 0.01  # metres per centimetre
MM = 0.001  # metres per millimetre
INCH = 0.0254  # metres per inch

#: Metres per unit for length units found in pattern files (SVG, DXF, GarmentCode).
LENGTH_UNITS: dict[str, float] = {
    "m": 1.0,
    "cm": CM,
    "mm": MM,
    "in": INCH,
    "inch": INCH,
    "ft": 0.3048,
    "pt": INCH / 72.0,
    "pc": INCH / 6.0,
    "px": INCH / 96.0,  # CSS px, what SVG user units mean without a viewBox scale
}


def metres_per_unit(unit: str) -> float:
    """Metres in one ``unit`` (``'cm'``, ``'mm'``, ``'in'``…); unknown units are an error, never a guess."""
    key = unit.strip().lower()
    if key not in LENGTH_UNITS:
        raise InvalidInputError(f"unknown length unit '{unit}'; expected one of {sorted(LENGTH_UNITS)}")
    return LENGTH_UNITS[key]


def cm_to_m(value: float) -> float:
    return float(value) * CM


def m_to_cm(value: float) -> float:
    return float(value) / CM


def gsm_to_kg_per_m2(grams_per_square_metre: float) -> float:
    """Fabric weight as sold (g/m²) to area density (kg/m²)."""
    return float(grams_per_square_metre) * 1e-3


def kg_per_m2_to_gsm(kg_per_square_metre: float) -> float:
    return float(kg_per_square_metre) * 1e3
