"""Build the bundled catalog from :data:`presets.PRESETS`: synthesise each tile, make its maps, save.

``python tools/make_fabric_catalog.py`` runs :func:`build_catalog` into ``fabrics/``. Height comes
from the generator itself (it knows where the yarns are), not from the luminance heuristic; normals
and roughness go through the same :func:`maps.make_pbr_maps` as scans do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.progress import ProgressFn, report
from . import procedural
from .catalog import Catalog, CatalogEntry, recolour
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
