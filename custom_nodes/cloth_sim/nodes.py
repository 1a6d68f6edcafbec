"""Atelier/Cloth nodes: fabrics, drape, drape report, drape to mesh, drape preview. Thin wrappers."""

from __future__ import annotations

import numpy as np

from ..core.bridge import numpy_to_image
from ..core.drape import DrapeResult
from ..core.params import from_widgets, widgets
from ..core.progress import node_progress
from .config import DrapeSettings
from .fabrics import custom_fabric, fabric_preset, preset_names

CATEGORY = "Atelier/Cloth"
_DRAPE_TIP = {"tooltip": "A drape from the Drape node."}


class AtelierFabricPreset:
    DESCRIPTION = "A fabric from the preset library (weight, stretch and bending in physical units)."
    CATEGORY = CATEGORY
    FUNCTION = "make"
    RETURN_TYPES = ("ATELIER_FABRIC",)
    RETURN_NAMES = ("fabric",)
    OUTPUT_TOOLTIPS = ("The fabric, SI units inside.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"preset": (list(preset_names()), {
            "default": "cotton_jersey", "tooltip": "Fabric preset; see cloth_sim/fabrics.py for sources."})}}

    def make(self, preset: str):
        return (fabric_preset(preset),)


class AtelierCustomFabric:
    DESCRIPTION = "A fabric from catalogue numbers: weight in g/m², stretch in N/m, bending in µN·m."
    CATEGORY = CATEGORY
    FUNCTION = "make"
    RETURN_TYPES = ("ATELIER_FABRIC",)
    RETURN_NAMES = ("fabric",)
    OUTPUT_TOOLTIPS = ("The fabric, SI units inside.",)

    @classmethod
    def INPUT_TYPES(cls):
        def num(default, lo, hi, step, tip):
            return ("FLOAT", {"default": default, "min": lo, "max": hi, "step": step, "tooltip": tip})

        return {"required": {
            "name": ("STRING", {"default": "custom fabric", "tooltip": "Display name of the fabric."}),
            "weight": num(180.0, 10.0, 2000.0, 1.0, "Fabric weight [g/m²]."),
            "thickness": num(0.06, 0.005, 1.0, 0.005, "Fabric thickness [cm]."),
            "stretch_warp": num(1500.0, 10.0, 100000.0, 10.0, "Tensile stiffness along the grain [N/m]."),
            "stretch_weft": num(800.0, 10.0, 100000.0, 10.0, "Tensile stiffness across the grain [N/m]."),
            "stretch_bias": num(500.0, 10.0, 100000.0, 10.0, "Tensile stiffness at 45° (shear) [N/m]."),
            "bend_warp": num(4.0, 0.0, 10000.0, 0.1, "Bending stiffness, warp [µN·m] (1 gf·cm²/cm ≈ 98 µN·m)."),
            "bend_weft": num(2.5, 0.0, 10000.0, 0.1, "Bending stiffness, weft [µN·m]."),
            "friction": num(0.4, 0.0, 2.0, 0.05, "Friction coefficient against the body."),
            "damping": num(0.2, 0.0, 20.0, 0.05, "Air damping [1/s]."),
        }}

    def make(self, name, weight, thickness, stretch_warp, stretch_weft, stretch_bias, bend_warp, bend_weft,
             friction, damping):
        return (custom_fabric(name, weight, thickness * 10.0, stretch_warp, stretch_weft, stretch_bias,
                              bend_warp, bend_weft, friction=friction, damping=damping),)


class AtelierDrape:
    DESCRIPTION = ("Sew the garment shut around the avatar and let it settle (Taichi XPBD cloth). Returns the "
                   "drape and a quality report (body/self crossings, strain, seam gaps, pass/fail).")
    CATEGORY = CATEGORY
    FUNCTION = "drape"
    RETURN_TYPES = ("ATELIER_DRAPE", "STRING")
    RETURN_NAMES = ("drape", "report")
    OUTPUT_TOOLTIPS = ("The draped garment on the avatar.", "Quality report as text.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "garment": ("ATELIER_GARMENT", {"tooltip": "Triangulated, placed garment."}),
            "avatar": ("ATELIER_AVATAR", {"tooltip": "Body with its collision proxy (SDF)."}),
            "fabric": ("ATELIER_FABRIC", {"tooltip": "Fabric of the whole garment."}),
            **widgets(DrapeSettings)}}

    def drape(self, garment, avatar, fabric, **settings):
        from .drape import drape
        from .report import report_text

        cfg = from_widgets(DrapeSettings, settings)
        result = drape(garment, avatar, fabric, cfg, on_progress=node_progress(cfg.max_frames))
        return (result, report_text(result.report))

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        from ..core.examples import box_avatar, jersey, tube_garment

        fields = {k: v[1]["default"] for k, v in widgets(DrapeSettings).items()}
        return {"garment": tube_garment(), "avatar": box_avatar(), "fabric": jersey(),
                **fields, "max_frames": 5, "substeps": 2}


class AtelierDrapeReport:
    DESCRIPTION = "The drape's quality report as human text and as JSON."
    CATEGORY = CATEGORY
    FUNCTION = "report"
    RETURN_TYPES = ("STRING", "STRING", "BOOLEAN")
    RETURN_NAMES = ("text", "json", "passed")
    OUTPUT_TOOLTIPS = ("Readable summary.", "Every figure as JSON.", "True when the drape passed.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"drape": ("ATELIER_DRAPE", _DRAPE_TIP)}}

    def report(self, drape: DrapeResult):
        from .report import report_json, report_text

        return (report_text(drape.report), report_json(drape.report), bool(drape.report.get("passed", False)))


class AtelierDrapeSequence:
    DESCRIPTION = ("Carry a settled drape from its avatar's pose to another pose of the same body, through "
                   "in-between poses (blended body and proxy); every in-between pose becomes an animation frame.")
    CATEGORY = CATEGORY
    FUNCTION = "animate"
    RETURN_TYPES = ("ATELIER_DRAPE", "STRING")
    RETURN_NAMES = ("drape", "report")
    OUTPUT_TOOLTIPS = ("The drape on the last pose, with every frame in its sequence.", "Quality report as text.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "drape": ("ATELIER_DRAPE", {"tooltip": "A settled drape (from the Drape node)."}),
            "avatar": ("ATELIER_AVATAR", {"tooltip": "The same body in the pose to move to."}),
            "poses": ("INT", {"default": 12, "min": 1, "max": 600, "tooltip": "Animation frames to get there."}),
            "frames_per_pose": ("INT", {"default": 6, "min": 1, "max": 120,
                                        "tooltip": "Simulation frames (60 fps) per animation frame."}),
        }}

    def animate(self, drape: DrapeResult, avatar, poses: int, frames_per_pose: int):
        from .report import report_text
        from .sequence import drape_sequence, interpolate_avatars

        result = drape_sequence(drape, interpolate_avatars(drape.avatar, avatar, poses),
                                frames_per_pose=frames_per_pose, on_progress=node_progress(poses))
        return (result, report_text(result.report))

    @classmethod
    def contract_inputs(cls, tmp_path) -> dict:
        from ..core.examples import tube_drape

        d = tube_drape()
        return {"drape": d, "avatar": d.avatar, "poses": 2, "frames_per_pose": 1}


class AtelierDrapeToMesh:
    DESCRIPTION = ("The draped garment as a mesh with pattern-space UVs [m] (feed Save GLB / Mesh → MESH). Sewn "
                   "vertices closer than the weld distance (at most 1 mm) become one point; wider gaps stay open.")
    CATEGORY = CATEGORY
    FUNCTION = "convert"
    RETURN_TYPES = ("ATELIER_MESH", "STRING")
    RETURN_NAMES = ("mesh", "weld")
    OUTPUT_TOOLTIPS = ("Garment mesh at its draped positions.", "What the weld merged, in words.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"drape": ("ATELIER_DRAPE", _DRAPE_TIP)},
                "optional": {"weld_mm": ("FLOAT", {
                    "default": 1.0, "min": 0.0, "max": 1.0, "step": 0.1,
                    "tooltip": "Merge sewn vertices within this distance [mm] (0 = no weld; 1 mm at most, so a "
                               "weld never hides an open seam)."})}}

    def convert(self, drape: DrapeResult, weld_mm: float = 1.0):
        from .drape import welded_mesh

        mesh, merged = welded_mesh(drape, weld_mm * 1e-3)
        sewn = int(len(np.unique(drape.garment.seam_pairs))) if len(drape.garment.seam_pairs) else 0
        return (mesh, f"welded {merged} of {sewn} sewn vertices (within {weld_mm:g} mm)")


class AtelierDrapePreview:
    DESCRIPTION = "A quick shaded preview image of the drape on the avatar."
    CATEGORY = CATEGORY
    FUNCTION = "preview"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("image",)
    OUTPUT_TOOLTIPS = ("Preview, one image.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "drape": ("ATELIER_DRAPE", _DRAPE_TIP),
            "size": ("INT", {"default": 384, "min": 64, "max": 2048, "step": 16, "tooltip": "Image size [px]."}),
            "yaw": ("FLOAT", {"default": 0.0, "min": -180.0, "max": 180.0, "step": 5.0,
                              "tooltip": "View angle around the vertical axis [degrees]; 0 = front."}),
        }}

    def preview(self, drape: DrapeResult, size: int, yaw: float):
        from .preview import render_drape

        return (numpy_to_image(render_drape(drape, size, yaw)[None]),)


NODE_CLASS_MAPPINGS = {
    "AtelierFabricPreset": AtelierFabricPreset,
    "AtelierCustomFabric": AtelierCustomFabric,
    "AtelierDrape": AtelierDrape,
    "AtelierDrapeReport": AtelierDrapeReport,
    "AtelierDrapeToMesh": AtelierDrapeToMesh,
    "AtelierDrapeSequence": AtelierDrapeSequence,
    "AtelierDrapePreview": AtelierDrapePreview,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierFabricPreset": "Fabric Preset (Atelier)",
    "AtelierCustomFabric": "Custom Fabric (Atelier)",
    "AtelierDrape": "Drape Garment (Atelier)",
    "AtelierDrapeReport": "Drape Report (Atelier)",
    "AtelierDrapeToMesh": "Drape → Mesh (Atelier)",
    "AtelierDrapeSequence": "Drape Pose Sequence (Atelier)",
    "AtelierDrapePreview": "Drape Preview (Atelier)",
}
