"""Atelier/Fabric nodes: scan a fabric photo, make it tile, build PBR maps, use and grow the catalog,
print a catalog print on a fabric.

Thin V1 wrappers: convert inputs, make one engine call, convert outputs. Units at the node: cm and
g/m²; metres inside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.bridge import image_to_numpy, numpy_to_image
from ..core.params import from_widgets, param, widgets
from ..core.progress import node_progress
from .catalog import Catalog, catalog_folder, import_image, parse_colour, recolour_fabric, slugify
from .maps import GREEN_CONVENTIONS, make_pbr_maps
from .presets import PRESET_IDS
from .preview import fabric_swatch, swatch_preview
from .report import scan_report
from .scan import parse_corners, scan_fabric
from .tileable import METHODS, make_tileable

CATEGORY = "Atelier/Fabric"


def _first(image) -> np.ndarray:
    """First image of a ComfyUI batch as (h, w, 3) float32."""
    return image_to_numpy(image)[0]


CATALOG_DIR_TIP = ("Catalog folder. Empty = your catalog (fabrics/ in your Atelier data folder) listed with "
                   "the bundled fabrics, which are never changed. A name = a sub-folder of your catalog. A "
                   "full path must lie in your catalog or in ComfyUI's output or models folder.")


def _catalog(catalog_dir: str) -> Catalog:
    """The catalog a node's ``catalog_dir`` names; folders outside the allowed ones are refused."""
    return Catalog(catalog_folder(catalog_dir))


@dataclass(frozen=True)
class ScanSettings:
    detect_corners: bool = param(False, tooltip="Find the swatch or card outline automatically when no "
                                                "corners are given.")
    clahe: float = param(0.0, lo=0.0, hi=1.0, step=0.05, tooltip="Mix of contrast-limited equalisation on "
                                                                  "lightness only (0 off, 0.2–0.3 mild).")
    crop: float = param(0.02, lo=0.0, hi=0.4, step=0.01, tooltip="Fraction cut from each side after "
                                                                  "rectifying (swatch edge, card rim).")
    px_per_cm: float = param(0.0, lo=0.0, hi=2000.0, step=0.1, unit="px/cm",
                             tooltip="Photo resolution on the fabric; 0 = unknown (or taken from the card).")
    card_width_cm: float = param(0.0, lo=0.0, hi=100.0, step=0.1, unit="cm",
                                 tooltip="Width of the reference card (card_corners), or of the outlined "
                                         "swatch when there is no separate card; 0 = no card.")
    card_height_cm: float = param(0.0, lo=0.0, hi=100.0, step=0.1, unit="cm",
                                  tooltip="Height of that card; used with card_width_cm.")
    max_size: int = param(1024, lo=16, hi=4096, step=16, unit="px",
                          tooltip="Largest output side; the output is a power of two at most this.")


class AtelierFabricScan:
    DESCRIPTION = ("Fabric photo → flat, evenly lit, square power-of-two swatch: perspective correction "
                   "(corners given or detected), flat-field delighting, crop, physical scale.")
    CATEGORY = CATEGORY
    FUNCTION = "scan"
    RETURN_TYPES = ("IMAGE", "FLOAT")
    RETURN_NAMES = ("swatch", "tile_size_cm")
    OUTPUT_TOOLTIPS = ("The corrected swatch (not yet tileable).", "Side of the swatch in cm; 0 when unknown.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "photo": ("IMAGE", {"tooltip": "Photo of the fabric (first image of the batch is used)."}),
            "corners": ("STRING", {"default": "", "multiline": False,
                                   "tooltip": "Four corners in photo pixels 'x,y; x,y; x,y; x,y' (TL, TR, BR, "
                                              "BL); empty = no rectification unless detect_corners."}),
            "card_corners": ("STRING", {"default": "", "multiline": False,
                                        "tooltip": "Corners of a reference card lying beside the swatch "
                                                   "(same format); with the card size it sets the scale. Empty "
                                                   "= the card size, if given, is that of the swatch outline."}),
            **widgets(ScanSettings)}}

    def scan(self, photo, corners: str, card_corners: str, **settings):
        s = from_widgets(ScanSettings, settings)
        card = (s.card_width_cm, s.card_height_cm) if s.card_width_cm > 0 and s.card_height_cm > 0 else None
        result = scan_fabric(_first(photo), corners=parse_corners(corners), detect=s.detect_corners, clahe=s.clahe,
                             crop=s.crop, px_per_cm=s.px_per_cm, card_size_cm=card,
                             card_corners=parse_corners(card_corners), max_size=s.max_size,
                             on_progress=node_progress(4))
        return (numpy_to_image(result.image), float(result.tile_size or 0.0) * 100.0)


class AtelierMakeTileable:
    DESCRIPTION = ("Make a swatch repeat seamlessly: offset-and-blend, histogram-preserving blending "
                   "(Heitz & Neyret 2018) or quilting with a minimum-error cut (Efros & Freeman 2001).")
    CATEGORY = CATEGORY
    FUNCTION = "tile"
    RETURN_TYPES = ("IMAGE", "STRING")
    RETURN_NAMES = ("tile", "report")
    OUTPUT_TOOLTIPS = ("The tileable swatch.", "JSON scan report: seam score before/after, ΔE00, histogram distance.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE", {"tooltip": "The swatch to make tileable (first image of the batch)."}),
            "method": (list(METHODS), {"default": "histogram", "tooltip": "Tiling method."}),
            "blend": ("FLOAT", {"default": 0.5, "min": 0.05, "max": 1.0, "step": 0.05,
                                "tooltip": "Share of each half-tile used for blending (quilt: overlap × 4)."}),
            "seed": ("INT", {"default": 0, "min": 0, "max": 2**31 - 1, "tooltip": "Seed for quilting's band choice."}),
        }}

    def tile(self, image, method: str, blend: float, seed: int):
        src = _first(image)
        out = make_tileable(src, method, blend=blend, seed=seed, on_progress=node_progress(1))
        return (numpy_to_image(out), json.dumps(scan_report(src, out)))


class AtelierFabricMaps:
    DESCRIPTION = ("PBR maps of a tileable swatch: albedo, height (luminance heuristic), normal (Scharr, "
                   "wrap-around), roughness (heuristic), metallic 0, and a lit 2×2 preview.")
    CATEGORY = CATEGORY
    FUNCTION = "maps"
    RETURN_TYPES = ("IMAGE", "IMAGE", "IMAGE", "IMAGE", "IMAGE", "IMAGE")
    RETURN_NAMES = ("albedo", "normal", "height", "roughness", "metallic", "preview_2x2")
    OUTPUT_TOOLTIPS = ("sRGB albedo.", "Tangent-space normal map.", "Height 0..1 (grey).", "Roughness 0..1 (grey).",
                       "Metallic (black: textiles are dielectric).", "The tile repeated 2×2 and lit.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE", {"tooltip": "A tileable swatch (first image of the batch)."}),
            "strength": ("FLOAT", {"default": 4.0, "min": 0.0, "max": 50.0, "step": 0.1,
                                   "tooltip": "Relief: full-range height in pixels for the normals."}),
            "green": (list(GREEN_CONVENTIONS), {"default": "opengl",
                                                "tooltip": "Normal-map green channel: OpenGL (up) or DirectX (down)."}),
            "roughness_base": ("FLOAT", {"default": 0.8, "min": 0.0, "max": 1.0, "step": 0.01,
                                         "tooltip": "Typical roughness of this fabric (0.35 satin … 0.95 fleece)."}),
        }}

    def maps(self, image, strength: float, green: str, roughness_base: float):
        m = make_pbr_maps(_first(image), strength=strength, green=green, roughness_base=roughness_base,
                          on_progress=node_progress(3))
        preview = swatch_preview(m.albedo, m.normal, m.roughness, green=green)
        return tuple(numpy_to_image(a) for a in (m.albedo, m.normal, m.height, m.roughness, m.metallic, preview))


class AtelierFabricFromCatalog:
    DESCRIPTION = "A fabric from the catalog: the cloth solver's physical preset plus its maps in a colourway."
    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("ATELIER_FABRIC", "IMAGE")
    RETURN_NAMES = ("fabric", "swatch")
    OUTPUT_TOOLTIPS = ("Fabric with physical (SI) and visual properties.", "Lit 2×2 swatch of its tile.")

    @classmethod
    def INPUT_TYPES(cls):
        ids = Catalog().ids() or list(PRESET_IDS)
        return {"required": {
            "fabric_id": (ids, {"default": ids[0], "tooltip": "Catalog entry (folder name)."}),
            "colourway": ("STRING", {"default": "", "tooltip": "Colourway name; empty = the entry's first."}),
            "catalog_dir": ("STRING", {"default": "", "tooltip": CATALOG_DIR_TIP}),
        }}

    def load(self, fabric_id: str, colourway: str, catalog_dir: str):
        fabric = _catalog(catalog_dir).fabric(fabric_id, colourway or None)
        return (fabric, numpy_to_image(fabric_swatch(fabric)))


class AtelierSaveToCatalog:
    DESCRIPTION = "Add a tileable swatch to the catalog: makes its maps and stores them with a physical preset."
    CATEGORY = CATEGORY
    FUNCTION = "save"
    OUTPUT_NODE = True
    RETURN_TYPES = ("STRING", "ATELIER_FABRIC")
    RETURN_NAMES = ("fabric_id", "fabric")
    OUTPUT_TOOLTIPS = ("Id (folder name) of the new catalog entry.", "The saved fabric, ready to drape.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": ("IMAGE", {"tooltip": "The tileable swatch (first image of the batch)."}),
            "name": ("STRING", {"default": "my fabric", "tooltip": "Display name (at most 60 characters); the id "
                                "is made from it. A bundled fabric's name gets its own id (denim → denim_2)."}),
            "preset": (list(PRESET_IDS), {"default": "cotton_jersey",
                                          "tooltip": "Physical preset the cloth solver uses for this fabric."}),
            "composition": ("STRING", {"default": "", "tooltip": "Fibre content, e.g. '100% cotton'."}),
            "tags": ("STRING", {"default": "", "tooltip": "Comma-separated tags for search."}),
            "weight_gsm": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 3000.0, "step": 1.0,
                                     "tooltip": "Fabric weight [g/m²]; 0 = the preset's."}),
            "tile_size_cm": ("FLOAT", {"default": 10.0, "min": 0.0, "max": 1000.0, "step": 0.1,
                                       "tooltip": "Physical side of the swatch [cm] (wire the scan node's "
                                                  "tile_size_cm); 0 = unknown, 10 cm is assumed."}),
            "strength": ("FLOAT", {"default": 4.0, "min": 0.0, "max": 50.0, "step": 0.1,
                                   "tooltip": "Normal-map relief (see Fabric Maps)."}),
            "catalog_dir": ("STRING", {"default": "", "tooltip": CATALOG_DIR_TIP}),
            "overwrite": ("BOOLEAN", {"default": False, "tooltip": "Replace your entry of the same name (kept "
                                      "until the new one is fully written). Off: a taken name is an error."}),
        }}

    def save(self, image, name: str, preset: str, composition: str, tags: str, weight_gsm: float,
             tile_size_cm: float, strength: float, catalog_dir: str, overwrite: bool):
        tag_list = tuple(t.strip().lower() for t in tags.split(",") if t.strip())
        catalog = _catalog(catalog_dir)
        entry = import_image(catalog, _first(image), name, preset=preset, strength=strength,
                             composition=composition, tags=tag_list, tile_size=(tile_size_cm or 10.0) / 100.0,
                             weight_gsm=weight_gsm or None, overwrite=overwrite, on_progress=node_progress(1))
        fabric = catalog.fabric(entry.id)
        kept = "" if entry.id == slugify(entry.name) else f" (the bundled '{slugify(entry.name)}' is left as it is)"
        where = "your catalog" if catalog.bundled is not None else f"catalog folder '{entry.folder.parent.name}'"
        return {"ui": {"text": [f"saved '{entry.id}' to {where}{kept}"]}, "result": (entry.id, fabric)}

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        rng = np.random.default_rng(0)
        return {"image": numpy_to_image(rng.random((32, 32, 3), dtype=np.float32)), "name": "contract test",
                "preset": "denim", "composition": "", "tags": "test", "weight_gsm": 0.0, "tile_size_cm": 5.0,
                "strength": 4.0, "catalog_dir": f"contract_{tmp_path.name}", "overwrite": False}


class AtelierRecolourFabric:
    DESCRIPTION = "Recolour a fabric: its albedo is shifted in CIELAB to the new colour, keeping the texture."
    CATEGORY = CATEGORY
    FUNCTION = "recolour"
    RETURN_TYPES = ("ATELIER_FABRIC",)
    RETURN_NAMES = ("fabric",)
    OUTPUT_TOOLTIPS = ("The same fabric in the new colour.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "fabric": ("ATELIER_FABRIC", {"tooltip": "Fabric to recolour (not modified)."}),
            "colour": ("STRING", {"default": "#7a2e3b", "tooltip": "New mean colour: '#rrggbb' or 'r, g, b' (0..1); "
                                                             "empty keeps the fabric's own colour."}),
            "colourway": ("STRING", {"default": "custom", "tooltip": "Name stored in the fabric's metadata."}),
        }}

    def recolour(self, fabric, colour: str, colourway: str):
        if not colour.strip():
            return (fabric,)
        return (recolour_fabric(fabric, parse_colour(colour), colourway.strip() or "custom"),)


class AtelierPrintFromCatalog:
    DESCRIPTION = ("Print a catalog print on a fabric: placed in the panels' own pattern space (offset, width, "
                   "rotation), at its true physical size on every garment size; renders and GLBs show it.")
    CATEGORY = CATEGORY
    FUNCTION = "apply"
    RETURN_TYPES = ("ATELIER_FABRIC",)
    RETURN_NAMES = ("fabric",)
    OUTPUT_TOOLTIPS = ("The fabric with the print added on top of any it already has.",)

    @classmethod
    def INPUT_TYPES(cls):
        ids = Catalog().prints.ids() or ["checkerboard"]
        return {"required": {
            "fabric": ("ATELIER_FABRIC", {"tooltip": "The fabric to print on (not modified)."}),
            "print_id": (ids, {"default": ids[0], "tooltip": "Catalog print (folder name)."}),
            "panels": ("STRING", {"default": "", "tooltip": "Comma-separated panel names to print on (front, "
                                                             "back…); empty = every panel."}),
            "width_cm": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 1000.0, "step": 0.5,
                                   "tooltip": "Printed width of one repeat [cm]; 0 = the catalog's repeat size."}),
            "offset_x_cm": ("FLOAT", {"default": 0.0, "min": -500.0, "max": 500.0, "step": 0.5,
                                      "tooltip": "Artwork centre from each panel's origin, along its x [cm]."}),
            "offset_y_cm": ("FLOAT", {"default": 0.0, "min": -500.0, "max": 500.0, "step": 0.5,
                                      "tooltip": "Artwork centre from each panel's origin, along its y [cm]."}),
            "rotation": ("FLOAT", {"default": 0.0, "min": -360.0, "max": 360.0, "step": 1.0,
                                   "tooltip": "Counter-clockwise turn of the artwork [deg]."}),
            "repeat": ("BOOLEAN", {"default": True, "tooltip": "Tile it over the whole panel; off = print it once."}),
            "catalog_dir": ("STRING", {"default": "", "tooltip": CATALOG_DIR_TIP}),
        }}

    def apply(self, fabric, print_id: str, panels: str, width_cm: float, offset_x_cm: float, offset_y_cm: float,
              rotation: float, repeat: bool, catalog_dir: str):
        import dataclasses

        names = tuple(p.strip() for p in panels.split(",") if p.strip())
        layer = _catalog(catalog_dir).prints.layer(print_id, offset_m=(offset_x_cm / 100.0, offset_y_cm / 100.0),
                                                   rotation_deg=rotation, width_m=(width_cm / 100.0) or None,
                                                   repeat=repeat, panels=names)
        return (dataclasses.replace(fabric, prints=(*fabric.prints, layer)),)


class AtelierFabricSwatchPreview:
    DESCRIPTION = "Show a fabric as a lit swatch repeated 2×2 (seams, relief and sheen at a glance)."
    CATEGORY = CATEGORY
    FUNCTION = "preview"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("swatch",)
    OUTPUT_TOOLTIPS = ("The lit swatch.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "fabric": ("ATELIER_FABRIC", {"tooltip": "The fabric to show."}),
            "repeats": ("INT", {"default": 2, "min": 1, "max": 8, "tooltip": "Tiles per side."}),
        }}

    def preview(self, fabric, repeats: int):
        return (numpy_to_image(fabric_swatch(fabric, reps=repeats)),)


NODE_CLASS_MAPPINGS = {
    "AtelierFabricScan": AtelierFabricScan,
    "AtelierMakeTileable": AtelierMakeTileable,
    "AtelierFabricMaps": AtelierFabricMaps,
    "AtelierFabricFromCatalog": AtelierFabricFromCatalog,
    "AtelierSaveToCatalog": AtelierSaveToCatalog,
    "AtelierRecolourFabric": AtelierRecolourFabric,
    "AtelierPrintFromCatalog": AtelierPrintFromCatalog,
    "AtelierFabricSwatchPreview": AtelierFabricSwatchPreview,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierFabricScan": "Fabric Scan (Atelier)",
    "AtelierMakeTileable": "Make Tileable (Atelier)",
    "AtelierFabricMaps": "Fabric PBR Maps (Atelier)",
    "AtelierFabricFromCatalog": "Fabric From Catalog (Atelier)",
    "AtelierSaveToCatalog": "Save Fabric To Catalog (Atelier)",
    "AtelierRecolourFabric": "Recolour Fabric (Atelier)",
    "AtelierPrintFromCatalog": "Print From Catalog (Atelier)",
    "AtelierFabricSwatchPreview": "Fabric Swatch Preview (Atelier)",
}
