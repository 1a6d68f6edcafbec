"""Atelier/Pattern nodes: draft, grade, load, save, triangulate, place and preview sewing patterns.

Thin wrappers: convert widget values (cm) to metres, make one engine call, convert the result.
"""

from __future__ import annotations

from pathlib import Path

from ..core.bridge import numpy_to_image
from ..core.measurements import SIZES, size_measurements
from ..core.params import from_widgets, widgets
from ..core.paths import next_output_path, resolve_input
from ..core.progress import node_progress
from ..core.units import CM
from .params import MeshSettings, SizeSettings, TemplateSettings

CATEGORY = "Atelier/Pattern"
PATTERN_IN = ("ATELIER_PATTERN", {"tooltip": "A sewing pattern (panels + seams)."})


class AtelierPatternTemplate:
    DESCRIPTION = ("Draft a garment pattern (T-shirt, hoodie, trousers, skirts, shift dress) from body "
                   "measurements: a standard size, or the measurements of a connected avatar.")
    CATEGORY = CATEGORY
    FUNCTION = "draft"
    RETURN_TYPES = ("ATELIER_PATTERN",)
    RETURN_NAMES = ("pattern",)
    OUTPUT_TOOLTIPS = ("The drafted pattern, seams included.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {**widgets(TemplateSettings), **widgets(SizeSettings)},
                "optional": {"avatar": ("ATELIER_AVATAR", {
                    "tooltip": "If connected, its measurements replace the size table's."})}}

    def draft(self, avatar=None, **kw):
        from .templates import draft

        settings, size = from_widgets(TemplateSettings, kw), from_widgets(SizeSettings, kw)
        body = size_measurements(size.size, size.body)
        if avatar is not None:
            body.update({k: v for k, v in avatar.measurements.items() if k in body})
        return (draft(body, settings),)


class AtelierPatternGrade:
    DESCRIPTION = ("Grade a template over the whole size table (XS–3XL) in one go: returns the chosen size "
                   "and a picture of all sizes nested, so you can check the grading.")
    CATEGORY = CATEGORY
    FUNCTION = "grade"
    RETURN_TYPES = ("ATELIER_PATTERN", "IMAGE")
    RETURN_NAMES = ("pattern", "nest")
    OUTPUT_TOOLTIPS = ("The pattern in the chosen size.", "All sizes' panels overlaid (blue XS … red 3XL).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {**widgets(TemplateSettings), **widgets(SizeSettings)}}

    def grade(self, **kw):
        from .preview import grade_with_nest

        settings, size = from_widgets(TemplateSettings, kw), from_widgets(SizeSettings, kw)
        pattern, nest = grade_with_nest(settings, size.body, size.size, on_progress=node_progress(len(SIZES)))
        return (pattern, numpy_to_image(nest))


class AtelierPatternLoad:
    DESCRIPTION = ("Load a pattern: Atelier JSON, GarmentCode specification JSON, FreeSewing-style SVG or "
                   "DXF-AAMA. SVG/DXF seams come from a sidecar JSON or are inferred (check the preview).")
    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("ATELIER_PATTERN",)
    RETURN_NAMES = ("pattern",)
    OUTPUT_TOOLTIPS = ("The loaded pattern.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "path": ("STRING", {"default": "", "tooltip": "Pattern file (.json, .svg, .dxf): a name inside "
                                                           "ComfyUI's input folder, or a full path inside its "
                                                           "input, output or models folder."}),
            "sidecar": ("STRING", {"default": "", "tooltip": "Optional seam sidecar JSON (same folders); empty: "
                                                              "use <name>.seams.json if present, else infer."}),
            "infer_seams": ("BOOLEAN", {"default": True, "tooltip": "Infer seams for SVG/DXF without a sidecar."}),
        }}

    def load(self, path: str, sidecar: str = "", infer_seams: bool = True):
        from .pattern_io import load_pattern

        side = resolve_input(sidecar, field="sidecar") if sidecar.strip() else None
        return (load_pattern(resolve_input(path), side, infer_seams),)

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        from ..core.examples import tube_pattern
        from .pattern_io import save_pattern

        (tmp_path / "in").mkdir(exist_ok=True)  # the contract test's input folder
        return {"path": save_pattern(tube_pattern(), tmp_path / "in" / "tube.json").name, "sidecar": "",
                "infer_seams": True}


class AtelierPatternSave:
    DESCRIPTION = "Save a pattern to the output folder as Atelier JSON, SVG (mm) or DXF-AAMA (mm)."
    CATEGORY = CATEGORY
    FUNCTION = "save"
    OUTPUT_NODE = True
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("path",)
    OUTPUT_TOOLTIPS = ("Path of the written file relative to the output folder.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "pattern": PATTERN_IN,
            "filename_prefix": ("STRING", {"default": "atelier/pattern", "tooltip": "File name prefix; may "
                                                                                     "contain a subfolder."}),
            "format": (["json", "svg", "dxf"], {"default": "json", "tooltip": "json keeps everything; svg and "
                                                                            "dxf write seams to a sidecar."}),
        }}

    def save(self, pattern, filename_prefix: str, format: str):
        from .pattern_io import save_pattern

        path, name, subfolder = next_output_path(filename_prefix, format)
        sidecar = path.with_suffix(".seams.json")  # SVG and DXF keep their seams beside them
        before = _mtime(sidecar)
        save_pattern(pattern, path)
        rel = f"{subfolder}/{name}" if subfolder else name
        files = [{"filename": name, "subfolder": subfolder, "type": "output"}]  # for clients that fetch outputs
        if format != "json" and _mtime(sidecar) not in (None, before):  # written by this save: sent along
            files.append({"filename": sidecar.name, "subfolder": subfolder, "type": "output"})
        return {"ui": {"text": [rel], "files": files}, "result": (rel,)}


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class AtelierTriangulate:
    DESCRIPTION = ("Mesh a pattern into a garment: near-uniform triangles (min angle 25°), seam sides with equal "
                   "vertex counts, pattern coordinates kept as UVs; panels laid flat side by side.")
    CATEGORY = CATEGORY
    FUNCTION = "triangulate"
    RETURN_TYPES = ("ATELIER_GARMENT",)
    RETURN_NAMES = ("garment",)
    OUTPUT_TOOLTIPS = ("The meshed garment, flat (connect it to Place Garment).",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"pattern": PATTERN_IN, **widgets(MeshSettings)}}

    def triangulate(self, pattern, **kw):
        from .triangulate import triangulate

        s = from_widgets(MeshSettings, kw)
        return (triangulate(pattern, s.edge_length * CM, max_seam_ratio=s.max_seam_ratio,
                            on_progress=node_progress(len(pattern.panels))),)


class AtelierPlaceGarment:
    DESCRIPTION = ("Wrap a meshed garment's panels around the avatar (torso, arms, legs, head) at a clearance, "
                   "from the panels' placement hints; GarmentCode's own 3D placement is kept when present.")
    CATEGORY = CATEGORY
    FUNCTION = "place"
    RETURN_TYPES = ("ATELIER_GARMENT",)
    RETURN_NAMES = ("garment",)
    OUTPUT_TOOLTIPS = ("The garment with its starting 3D positions around the body.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "garment": ("ATELIER_GARMENT", {"tooltip": "A triangulated garment."}),
            "clearance": ("FLOAT", {"default": 2.0, "min": 0.0, "max": 30.0, "step": 0.5,
                                    "tooltip": "Gap between body and cloth [cm]."}),
            "use_pattern_placement": ("BOOLEAN", {"default": False, "tooltip": (
                "Keep the flat 3D placement a GarmentCode pattern stores (made for GarmentCode's own body) "
                "instead of wrapping panels round this avatar; wrapped panels sew and drape more reliably.")}),
        }, "optional": {"avatar": ("ATELIER_AVATAR", {"tooltip": "The body; without it a mannequin of size M."})}}

    def place(self, garment, clearance: float, use_pattern_placement: bool, avatar=None):
        from .placement import place_garment

        return (place_garment(garment, avatar, clearance=clearance * CM, use_pattern_placement=use_pattern_placement,
                              on_progress=node_progress(len(garment.panel_names))),)


class AtelierPatternPreview:
    DESCRIPTION = "Draw the pattern: panels with seams coloured and numbered in pairs, grain lines and names."
    CATEGORY = CATEGORY
    FUNCTION = "preview"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("image",)
    OUTPUT_TOOLTIPS = ("The pattern picture.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "pattern": PATTERN_IN,
            "width": ("INT", {"default": 1024, "min": 64, "max": 4096, "step": 8, "tooltip": "Image width [px]."}),
            "height": ("INT", {"default": 768, "min": 64, "max": 4096, "step": 8, "tooltip": "Image height [px]."}),
        }}

    def preview(self, pattern, width: int, height: int):
        from .preview import render_pattern

        return (numpy_to_image(render_pattern(pattern, width, height, title=pattern.name)),)


NODE_CLASS_MAPPINGS = {
    "AtelierPatternTemplate": AtelierPatternTemplate,
    "AtelierPatternGrade": AtelierPatternGrade,
    "AtelierPatternLoad": AtelierPatternLoad,
    "AtelierPatternSave": AtelierPatternSave,
    "AtelierTriangulate": AtelierTriangulate,
    "AtelierPlaceGarment": AtelierPlaceGarment,
    "AtelierPatternPreview": AtelierPatternPreview,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierPatternTemplate": "Pattern Template (Atelier)",
    "AtelierPatternGrade": "Grade Pattern XS–3XL (Atelier)",
    "AtelierPatternLoad": "Load Pattern (Atelier)",
    "AtelierPatternSave": "Save Pattern (Atelier)",
    "AtelierTriangulate": "Triangulate Pattern (Atelier)",
    "AtelierPlaceGarment": "Place Garment on Avatar (Atelier)",
    "AtelierPatternPreview": "Pattern Preview (Atelier)",
}
