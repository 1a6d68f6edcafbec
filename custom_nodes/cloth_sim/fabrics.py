"""Fabric presets in physical units, and a builder for custom fabrics.

Sources for the ranges used below (values are mid-range picks, not measurements of one bolt):

* Weight (g/m²): mill catalogues and textile references — single jersey 140–220, poplin 100–130,
  denim 10–14 oz/yd² = 340–475, fleece 200–350, French terry 250–350, linen shirting 150–200,
  wool suiting 230–300, silk charmeuse 16–22 momme = 70–95, chiffon 30–60, polyester plain weave
  90–150, cotton/spandex knit 180–260, garment lambskin 0.6–1.0 mm ≈ 500–800.
* Bending rigidity: Kawabata KES-FB2 tables (Kawabata & Niwa, "Fabric performance in clothing
  manufacture", J. Text. Inst. 80, 1989; Kawabata, "The Standardization and Analysis of Hand
  Evaluation", 1980) give B ≈ 0.005–0.02 gf·cm²/cm for chiffon/georgette, 0.02–0.06 for jersey and
  silk, 0.05–0.15 for shirting, 0.1–0.25 for suiting, 0.5–2 for denim, and several units for leather.
  1 gf·cm²/cm = 9.80665e-5 N·m, the conversion used by :func:`gfcm`.
* Tensile stiffness: KES-FB1 EMT (strain at 500 gf/cm = 490 N/m) is ≈ 2–5 % for denim and linen,
  3–8 % for shirting and suiting, 15–60 % for knits; the secant stiffness 490 N/m / EMT gives the
  per-width stiffness [N/m] used here (knits at the soft end of small-strain behaviour). Bias (45°)
  stiffness follows KES shear rigidity G ≈ 0.3–2 gf/(cm·deg): wovens shear easily (5–15 % of warp),
  knits about like their weft.
* Friction: cloth-on-skin coefficients 0.2 (silk) to 0.6 (brushed fleece, leather) from
  Gerhardt et al., "Friction of textiles against skin", Tribology Letters 2008.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fabric import Fabric

GFCM = 9.80665e-5  # N·m per gf·cm²/cm (KES bending rigidity unit)


def gfcm(value: float) -> float:
    """KES bending rigidity [gf·cm²/cm] → N·m (per unit width)."""
    return float(value) * GFCM


@dataclass(frozen=True)
class _Preset:
    label: str
    gsm: float  # [g/m²]
    thickness_mm: float
    stretch: tuple[float, float, float]  # [N/m] warp, weft, bias
    bend_gfcm: tuple[float, float]  # [gf·cm²/cm] warp, weft
    friction: float
    damping: float  # [1/s]
    color: tuple[float, float, float]
    roughness: float
    composition: str


PRESETS: dict[str, _Preset] = {
    "cotton_jersey": _Preset("Cotton jersey", 180, 0.6, (1500, 600, 500), (0.04, 0.025), 0.5, 0.3,
                             (0.25, 0.35, 0.6), 0.9, "100 % cotton single jersey"),
    "cotton_poplin": _Preset("Cotton poplin", 115, 0.25, (15000, 9000, 1200), (0.09, 0.06), 0.4, 0.2,
                             (0.92, 0.92, 0.88), 0.7, "100 % cotton plain weave"),
    "denim": _Preset("Denim (12 oz)", 400, 0.8, (25000, 12000, 2500), (1.2, 0.8), 0.5, 0.2,
                     (0.15, 0.22, 0.4), 0.85, "cotton 3/1 twill"),
    "fleece": _Preset("Polar fleece", 280, 2.5, (1500, 800, 600), (0.15, 0.1), 0.6, 0.4,
                      (0.55, 0.2, 0.2), 0.95, "polyester knit, brushed both sides"),
    "french_terry": _Preset("French terry", 300, 1.2, (2500, 1200, 900), (0.12, 0.08), 0.55, 0.3,
                            (0.6, 0.6, 0.62), 0.95, "cotton loop-back knit"),
    "linen": _Preset("Linen", 170, 0.35, (20000, 15000, 1800), (0.2, 0.15), 0.45, 0.2,
                     (0.85, 0.8, 0.7), 0.8, "100 % linen plain weave"),
    "wool_suiting": _Preset("Wool suiting", 260, 0.45, (12000, 9000, 1000), (0.15, 0.12), 0.4, 0.2,
                            (0.3, 0.3, 0.33), 0.75, "worsted wool 2/2 twill"),
    "silk_charmeuse": _Preset("Silk charmeuse", 80, 0.15, (8000, 5000, 500), (0.015, 0.012), 0.2, 0.3,
                              (0.8, 0.65, 0.55), 0.3, "19 momme silk satin"),
    "chiffon": _Preset("Chiffon", 45, 0.1, (4000, 3000, 300), (0.006, 0.005), 0.25, 0.6,
                       (0.9, 0.75, 0.8), 0.5, "polyester georgette-like sheer"),
    "polyester": _Preset("Polyester plain weave", 120, 0.2, (14000, 10000, 1200), (0.05, 0.04), 0.3, 0.2,
                         (0.4, 0.5, 0.45), 0.6, "100 % polyester"),
    "spandex_knit": _Preset("Cotton-spandex knit", 220, 0.6, (400, 300, 250), (0.04, 0.03), 0.6, 0.3,
                            (0.1, 0.1, 0.12), 0.8, "92 % cotton 8 % elastane jersey"),
    "leather": _Preset("Lambskin leather", 700, 1.0, (40000, 35000, 20000), (5.0, 5.0), 0.6, 0.2,
                       (0.35, 0.2, 0.12), 0.55, "garment lambskin, 0.8–1.0 mm"),
}


def preset_names() -> tuple[str, ...]:
    return tuple(PRESETS)


def fabric_preset(name: str) -> Fabric:
    """A preset :class:`Fabric` by key (see :data:`PRESETS`)."""
    if name not in PRESETS:
        raise InvalidInputError(f"unknown fabric preset {name!r}; choose one of {list(PRESETS)}", field="preset")
    p = PRESETS[name]
    return custom_fabric(p.label, p.gsm, p.thickness_mm, *p.stretch, *(gfcm(b) * 1e6 for b in p.bend_gfcm),
                         friction=p.friction, damping=p.damping, color=p.color, roughness=p.roughness,
                         metadata={"preset": name, "composition": p.composition})


def custom_fabric(name: str, weight_gsm: float, thickness_mm: float, stretch_warp: float, stretch_weft: float,
                  stretch_bias: float, bend_warp_uNm: float, bend_weft_uNm: float, *, friction: float = 0.4,
                  damping: float = 0.2, color=(0.7, 0.7, 0.7), roughness: float = 0.8,
                  metadata: dict | None = None) -> Fabric:
    """Build a :class:`Fabric` from catalogue units.

    ``weight_gsm`` [g/m²], ``thickness_mm`` [mm], stretch [N/m] per width, bending [µN·m] per width
    (1 gf·cm²/cm ≈ 98 µN·m), friction (dimensionless), damping [1/s].
    """
    for field, value in (("weight_gsm", weight_gsm), ("thickness_mm", thickness_mm)):
        if not np.isfinite(value) or value <= 0:
            raise InvalidInputError(f"must be positive, got {value!r}", field=field)
    meta = {"weight_gsm": float(weight_gsm), **(metadata or {})}
    return Fabric(name, area_density=weight_gsm * 1e-3, thickness=thickness_mm * 1e-3,
                  stretch_warp=float(stretch_warp), stretch_weft=float(stretch_weft),
                  stretch_bias=float(stretch_bias), bend_warp=bend_warp_uNm * 1e-6, bend_weft=bend_weft_uNm * 1e-6,
                  friction=float(friction), damping=float(damping), color=np.asarray(color, np.float32),
                  roughness=float(roughness), metadata=meta)
