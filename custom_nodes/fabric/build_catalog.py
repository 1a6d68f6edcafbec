"""Build the bundled catalog from :data:`presets.PRESETS`: synthesise each tile, make its maps, save;
and the bundled prints (:data:`PRINTS`, procedural artwork) and trims (:data:`TRIMS`).

``python tools/make_fabric_catalog.py`` runs :func:`build_catalog`, :func:`build_prints` and
:func:`build_trims` into ``fabrics/``. Height comes from the generator itself (it knows where the yarns
are), not from the luminance heuristic; normals and roughness go through the same
:func:`maps.make_pbr_maps` as scans do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.progress import ProgressFn, report
from . import procedural
from .catalog import Catalog, CatalogEntry, recolour
from .catalog_items import TrimEntry
from .maps import PBRMaps, make_pbr_maps
from .presets import PRESETS


def synthesise(fabric_id: str, n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(albedo, height) of one preset's look, ``n × n`` px, in its first colourway."""
    spec = PRESETS[fabric_id]
    look, rgb = spec["look"], spec["colourways"][0][1]
    kind = look["kind"]
    if kind == "woven":
        return procedural.woven(n, look["weave"], look["ends"], look["picks"], rgb, look.get("weft_rgb", rgb),
                                gap=look.get("gap", 0.08), slub=look.get("slub", 0.0), seed=seed)
    if kind == "knit":
        return procedural.knit(n, look["wales"], look["courses"], rgb, heather=look.get("heather", 0.0), seed=seed)
    if kind == "brushed":
        return procedural.brushed(n, rgb, seed=seed)
    return procedural.leather_grain(n, rgb, cells=look.get("cells", 60), seed=seed)


def build_fabric(fabric_id: str, n: int = 256, seed: int = 0) -> tuple[CatalogEntry, PBRMaps]:
    """Entry + maps of one preset (normal strength scaled so relief looks alike at any ``n``)."""
    spec = PRESETS[fabric_id]
    albedo, height = synthesise(fabric_id, n, seed)
    albedo = recolour(albedo, spec["colourways"][0][1])  # its mean colour is the colourway's, exactly
    strength = 2.0 * n / 256.0 * (0.5 if spec["look"]["kind"] == "brushed" else 1.0)
    maps = make_pbr_maps(albedo, height=height, strength=strength, roughness_base=spec["roughness"])
    tile = spec["tile_cm"] / 100.0
    entry = CatalogEntry(fabric_id, spec["name"], spec["composition"], spec["physical"]["weight_gsm"],
                         tuple(spec["tags"]), tuple((name, tuple(rgb)) for name, rgb in spec["colourways"]),
                         dict(spec["physical"]), (tile, tile), spec["roughness"], Path(fabric_id),
                         f"procedural ({spec['look']['kind']}) by custom_nodes/fabric/procedural.py, {n} px")
    return entry, maps


def build_catalog(root: str | Path, n: int = 256, ids: tuple[str, ...] | None = None,
                  on_progress: ProgressFn | None = None) -> Catalog:
    """Write every preset (or ``ids``) into ``root``, replacing what is there."""
    catalog = Catalog(root)
    todo = ids or tuple(PRESETS)
    for i, fabric_id in enumerate(todo):
        entry, maps = build_fabric(fabric_id, n)
        catalog.save(entry, maps, overwrite=True)
        report(on_progress, i + 1, len(todo))
    return catalog


#: Bundled prints: id → (name, artwork generator, repeat width [m], tags).
PRINTS = {
    "checkerboard": ("Checkerboard", lambda: procedural.checkerboard(64, 4), 0.20, ("geometric", "check")),
    "breton_stripe": ("Breton stripe", lambda: procedural.stripes(16), 0.03, ("stripe", "nautical")),
    "polka_dot": ("Polka dot", lambda: procedural.dots(64), 0.06, ("dot", "retro")),
}

#: Bundled trims, as stored (ids are made from the names).
TRIMS = (
    TrimEntry("rib_1x1", "Rib 1x1", "rib", "95% cotton, 5% elastane", (0.93, 0.92, 0.89), "length",
              {"width_m": 0.05, "stretch_percent": 80.0, "weight_gsm": 260.0}, ("knit", "neckband", "cuff")),
    TrimEntry("bias_binding", "Bias binding", "binding", "100% cotton poplin, cut on the bias, double fold",
              (0.93, 0.92, 0.89), "length", {"width_m": 0.012, "stretch_percent": 10.0}, ("woven", "edge")),
    TrimEntry("shirt_button", "Shirt button", "button", "polyester, 4 holes", (0.95, 0.95, 0.93), "piece",
              {"diameter_m": 0.0115, "thickness_m": 0.002, "holes": 4}, ("closure", "shirt")),
)


def build_prints(root: str | Path) -> list[str]:
    """Write the bundled prints into ``root/prints`` (replacing them); returns their ids."""
    shelf = Catalog(root).prints
    for print_id, (name, make, width, tags) in PRINTS.items():
        entry = shelf.save(make(), name, width, tags=tags, overwrite=True,
                           source="procedural, custom_nodes.fabric.procedural")
        assert entry.id == print_id, (entry.id, print_id)
    return list(PRINTS)


def build_trims(root: str | Path) -> list[str]:
    """Write the bundled trims into ``root/trims`` (replacing them); returns their ids."""
    shelf = Catalog(root).trims
    for trim in TRIMS:
        stored = shelf.save(TrimEntry(**{**trim.__dict__, "source": "Atelier bundled trims"}), overwrite=True)
        assert stored.id == trim.id, (stored.id, trim.id)
    return [t.id for t in TRIMS]
