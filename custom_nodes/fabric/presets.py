"""The twelve catalog fabrics: physical presets (the cloth solver's names) and procedural looks.

Physical values come from the cloth solver's presets (``custom_nodes/cloth_sim/fabrics.py``, where
their sources are documented), so a catalog fabric drapes exactly like the solver preset it names.

``look`` says how ``tools/make_fabric_catalog.py`` synthesises the tile (see ``procedural.py``),
``tile_cm`` how large one tile is on the garment.
"""

from __future__ import annotations

#: Catalog id → the cloth solver's preset id, where they differ.
SOLVER_PRESET = {"poplin": "cotton_poplin"}


def _solver(fabric_id: str) -> dict:
    """Physical values of the cloth solver's preset — the one source of truth for how a fabric behaves."""
    from ..cloth_sim.fabrics import fabric_preset

    f = fabric_preset(SOLVER_PRESET.get(fabric_id, fabric_id))
    return {"weight_gsm": round(f.area_density * 1000.0, 3), "area_density": f.area_density,
            "thickness": f.thickness, "stretch_warp": f.stretch_warp, "stretch_weft": f.stretch_weft,
            "stretch_bias": f.stretch_bias, "bend_warp": f.bend_warp, "bend_weft": f.bend_weft,
            "friction": f.friction, "damping": f.damping}


#: id → catalog record (without maps). Colours are sRGB 0..1; the first colourway is the one the
#: maps are made in.
PRESETS: dict[str, dict] = {
    "cotton_jersey": {
        "name": "Cotton jersey", "composition": "100% cotton, single jersey knit",
        "tags": ["knit", "cotton", "t-shirt", "stretch", "matte"],
        "physical": _solver("cotton_jersey"),
        "look": {"kind": "knit", "wales": 16, "courses": 22, "heather": 0.3},
        "roughness": 0.85, "tile_cm": 1.2,
        "colourways": [("navy", (0.16, 0.22, 0.38)), ("heather grey", (0.60, 0.60, 0.61)),
                       ("white", (0.90, 0.89, 0.86))],
    },
    "poplin": {
        "name": "Cotton poplin", "composition": "100% cotton, plain weave",
        "tags": ["woven", "cotton", "shirting", "plain weave", "crisp"],
        "physical": _solver("poplin"),
        "look": {"kind": "woven", "weave": "plain", "ends": 40, "picks": 28, "gap": 0.06},
        "roughness": 0.75, "tile_cm": 0.8,
        "colourways": [("white", (0.92, 0.92, 0.93)), ("light blue", (0.62, 0.73, 0.87)),
                       ("blush", (0.90, 0.72, 0.72))],
    },
    "denim": {
        "name": "Denim", "composition": "100% cotton, 3/1 right-hand twill, indigo warp, ecru weft",
        "tags": ["woven", "cotton", "twill", "jeans", "heavy"],
        "physical": _solver("denim"),
        "look": {"kind": "woven", "weave": "twill31", "ends": 48, "picks": 36, "gap": 0.04, "slub": 0.5,
                 "weft_rgb": (0.42, 0.45, 0.52)},
        "roughness": 0.85, "tile_cm": 1.0,
        "colourways": [("indigo", (0.13, 0.20, 0.38)), ("black", (0.10, 0.10, 0.12)),
                       ("light wash", (0.45, 0.55, 0.70))],
    },
    "fleece": {
        "name": "Polar fleece", "composition": "100% polyester, brushed knit",
        "tags": ["knit", "polyester", "brushed", "warm", "thick"],
        "physical": _solver("fleece"),
        "look": {"kind": "brushed"},
        "roughness": 0.95, "tile_cm": 2.0,
        "colourways": [("heather grey", (0.50, 0.50, 0.52)), ("forest", (0.16, 0.30, 0.20)),
                       ("burgundy", (0.42, 0.12, 0.16))],
    },
    "french_terry": {
        "name": "French terry", "composition": "cotton/polyester 80/20, looped-back knit",
        "tags": ["knit", "cotton", "sweatshirt", "loopback", "matte"],
        "physical": _solver("french_terry"),
        "look": {"kind": "knit", "wales": 12, "courses": 16, "heather": 0.5},
        "roughness": 0.9, "tile_cm": 1.2,
        "colourways": [("oatmeal", (0.76, 0.70, 0.60)), ("heather grey", (0.55, 0.55, 0.56)),
                       ("black", (0.09, 0.09, 0.10))],
    },
    "linen": {
        "name": "Linen", "composition": "100% flax, plain weave",
        "tags": ["woven", "linen", "plain weave", "summer", "slub"],
        "physical": _solver("linen"),
        "look": {"kind": "woven", "weave": "plain", "ends": 24, "picks": 22, "gap": 0.14, "slub": 0.8},
        "roughness": 0.8, "tile_cm": 1.2,
        "colourways": [("natural", (0.78, 0.72, 0.60)), ("white", (0.90, 0.89, 0.85)),
                       ("sage", (0.55, 0.62, 0.50))],
    },
    "wool_suiting": {
        "name": "Wool suiting", "composition": "100% worsted wool, 2/2 twill",
        "tags": ["woven", "wool", "twill", "tailoring", "suit"],
        "physical": _solver("wool_suiting"),
        "look": {"kind": "woven", "weave": "twill22", "ends": 32, "picks": 32, "gap": 0.05, "slub": 0.3},
        "roughness": 0.8, "tile_cm": 0.9,
        "colourways": [("charcoal", (0.28, 0.28, 0.30)), ("navy", (0.14, 0.17, 0.28)),
                       ("mid grey", (0.50, 0.50, 0.51))],
    },
    "silk_charmeuse": {
        "name": "Silk charmeuse", "composition": "100% silk, satin weave",
        "tags": ["woven", "silk", "satin", "lustrous", "drapey", "lightweight"],
        "physical": _solver("silk_charmeuse"),
        "look": {"kind": "woven", "weave": "satin5", "ends": 60, "picks": 40, "gap": 0.02},
        "roughness": 0.35, "tile_cm": 0.6,
        "colourways": [("champagne", (0.86, 0.76, 0.60)), ("black", (0.07, 0.07, 0.08)),
                       ("emerald", (0.05, 0.38, 0.26))],
    },
    "chiffon": {
        "name": "Chiffon", "composition": "100% polyester, sheer plain weave of twisted yarns",
        "tags": ["woven", "polyester", "sheer", "plain weave", "drapey", "lightweight"],
        "physical": _solver("chiffon"),
        "look": {"kind": "woven", "weave": "plain", "ends": 32, "picks": 32, "gap": 0.4, "slub": 0.4},
        "roughness": 0.7, "tile_cm": 0.6,
        "colourways": [("blush", (0.92, 0.74, 0.74)), ("ivory", (0.94, 0.92, 0.85)),
                       ("black", (0.08, 0.08, 0.09))],
    },
    "polyester": {
        "name": "Polyester plain weave", "composition": "100% polyester, plain weave",
        "tags": ["woven", "polyester", "plain weave", "synthetic", "smooth"],
        "physical": _solver("polyester"),
        "look": {"kind": "woven", "weave": "plain", "ends": 48, "picks": 40, "gap": 0.03},
        "roughness": 0.55, "tile_cm": 0.6,
        "colourways": [("red", (0.68, 0.12, 0.14)), ("black", (0.08, 0.08, 0.09)),
                       ("royal blue", (0.15, 0.25, 0.65))],
    },
    "spandex_knit": {
        "name": "Spandex knit", "composition": "nylon/elastane 80/20, jersey knit",
        "tags": ["knit", "elastane", "stretch", "activewear", "sheen"],
        "physical": _solver("spandex_knit"),
        "look": {"kind": "knit", "wales": 24, "courses": 32, "heather": 0.0},
        "roughness": 0.5, "tile_cm": 0.8,
        "colourways": [("black", (0.08, 0.08, 0.09)), ("teal", (0.05, 0.45, 0.48)),
                       ("red", (0.70, 0.10, 0.14))],
    },
    "leather": {
        "name": "Leather", "composition": "chrome-tanned cowhide, grain side",
        "tags": ["leather", "animal", "heavy", "jacket", "non-woven"],
        "physical": _solver("leather"),
        "look": {"kind": "leather", "cells": 220},
        "roughness": 0.6, "tile_cm": 3.0,
        "colourways": [("cognac", (0.55, 0.30, 0.15)), ("black", (0.08, 0.07, 0.07)),
                       ("tan", (0.72, 0.52, 0.33))],
    },
}

PRESET_IDS = tuple(PRESETS)
