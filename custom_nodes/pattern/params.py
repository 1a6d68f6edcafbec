"""The one parameter source for pattern templates, triangulation and placement.

Node widgets (``core.params.widgets``), the studio's forms and saved template metadata are generated
from these fields. Lengths are centimetres here (what people type); templates convert to metres.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.measurements import SIZES
from ..core.params import param

GARMENTS = ("tshirt", "hoodie", "trousers", "skirt_aline", "skirt_pencil", "shift_dress")
FITS = ("slim", "regular", "loose")
FIT_EASE = {"slim": 0.6, "regular": 1.0, "loose": 1.6}  # multiplies every ease


@dataclass(frozen=True)
class TemplateSettings:
    """Style and ease of a drafted garment."""

    garment: str = param("tshirt", choices=GARMENTS, tooltip="Which garment to draft.")
    fit: str = param("regular", choices=FITS, tooltip="Scales every ease: slim 0.6×, regular 1×, loose 1.6×.")
    chest_ease: float = param(10.0, lo=0.0, hi=40.0, step=0.5, unit="cm",
                              tooltip="Extra girth over the chest measurement (tops and dresses).")
    waist_ease: float = param(2.0, lo=0.0, hi=30.0, step=0.5, unit="cm",
                              tooltip="Extra girth over the waist measurement (skirts and trousers).")
    hip_ease: float = param(6.0, lo=0.0, hi=40.0, step=0.5, unit="cm",
                            tooltip="Extra girth over the hip measurement (skirts, trousers, dresses).")
    body_length: float = param(0.0, lo=0.0, hi=150.0, step=1.0, unit="cm",
                               tooltip="Length from the side-neck point (tops, dresses) or the waist (skirts, "
                                       "trousers) to the hem; 0 picks the garment's usual length for the body.")
    sleeve_length: float = param(0.0, lo=0.0, hi=90.0, step=1.0, unit="cm",
                                 tooltip="Sleeve length from the shoulder point; 0: short for a T-shirt, "
                                         "full arm length for a hoodie.")
    hem_flare: float = param(8.0, lo=0.0, hi=40.0, step=0.5, unit="cm",
                             tooltip="Extra width at each side of an A-line skirt or shift dress hem.")
    hood_height: float = param(36.0, lo=25.0, hi=50.0, step=0.5, unit="cm",
                               tooltip="Hoodie: hood height from the neckline to the crown.")
    seam_allowance: float = param(1.0, lo=0.0, hi=5.0, step=0.1, unit="cm",
                                  tooltip="Seam allowance kept as metadata for cutting; never meshed.")


@dataclass(frozen=True)
class SizeSettings:
    """A standard body from the shared size table."""

    size: str = param("M", choices=SIZES, tooltip="Size from the shared XS–3XL size table.")
    body: str = param("female", choices=("female", "male"), tooltip="Which column of the size table.")


@dataclass(frozen=True)
class MeshSettings:
    """Triangulation and placement."""

    edge_length: float = param(1.0, lo=0.3, hi=10.0, step=0.1, unit="cm",
                               tooltip="Target triangle edge length: 1 cm for simulation, 2 cm for a preview.")
    max_seam_ratio: float = param(3.0, lo=1.0, hi=4.0, step=0.05,
                                  tooltip="Refuse seams whose longer side is more than this many times the shorter; "
                                          "below it the longer side is gathered (waistbands, cuffs, ruffles).")
