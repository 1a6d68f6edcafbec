"""Atelier/Render nodes: camera, control maps, preview, turntable, GLB/OBJ export.

Thin wrappers: convert inputs, one engine call (render/api.py), convert outputs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.bridge import numpy_to_image, numpy_to_mask
from ..core.params import from_widgets, param, widgets
from ..core.paths import next_output_path
from ..core.progress import node_progress
from ..core.serial import atomic_write_bytes
from . import api
from .cameras import PRESETS
from .maps import depth_to_uint16
from .turntable import write_webp

CATEGORY = "Atelier/Render"
DRAPE = ("ATELIER_DRAPE", {"tooltip": "The draped garment on its avatar (from Drape)."})
CAMERA = ("ATELIER_CAMERA", {"tooltip": "The camera (from Atelier Camera); maps and preview share its pixel grid."})


@dataclass(frozen=True)
class CameraSettings:
    preset: str = param("full_body", choices=PRESETS, tooltip="What to frame: the whole avatar, its upper "
                        "half, the garment, or the pattern panels laid flat seen from above.")
    yaw: float = param(0.0, lo=-360.0, hi=360.0, step=1.0, unit="deg",
                       tooltip="Turn around the subject: 0 = front, 90 = from the avatar's left (+X), 180 = back.")
    pitch: float = param(5.0, lo=-80.0, hi=80.0, step=1.0, unit="deg", tooltip="Look down (+) or up (−).")
    fov_y: float = param(30.0, lo=5.0, hi=120.0, step=1.0, unit="deg", tooltip="Vertical field of view.")
    width: int = param(768, lo=16, hi=2048, step=8, unit="px", tooltip="Image width.")
    height: int = param(1024, lo=16, hi=2048, step=8, unit="px", tooltip="Image height.")
    margin: float = param(1.1, lo=1.0, hi=3.0, step=0.05, tooltip="Free space around the framed region (1 = tight).")
    distance: float = param(0.0, lo=0.0, hi=2000.0, step=1.0, unit="cm",
                            tooltip="Camera distance from the framed centre; 0 = fit the preset automatically.")


@dataclass(frozen=True)
class MapSettings:
    supersample: int = param(2, lo=1, hi=4, tooltip="Samples per pixel along each axis (anti-aliasing); "
                             "1 is fastest.")
    crease_angle: float = param(40.0, lo=5.0, hi=90.0, step=1.0, unit="deg",
                                tooltip="Line art draws folds sharper than this angle.")
    save_depth_16bit: bool = param(False, tooltip="Also write the depth map as a 16-bit PNG to the output folder.")


class AtelierCamera:
    DESCRIPTION = "A camera framing the drape: orbit angles plus a framing preset (full body, upper body, " \
                  "garment close-up, flat lay)."
    CATEGORY = CATEGORY
    FUNCTION = "make"
    RETURN_TYPES = ("ATELIER_CAMERA",)
    RETURN_NAMES = ("camera",)
    OUTPUT_TOOLTIPS = ("Camera with Atelier's pixel convention (x right, y down, pixel centres at +0.5).",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"drape": DRAPE, **widgets(CameraSettings)}}

    def make(self, drape, **kw):
        s = asdict(from_widgets(CameraSettings, kw))
        s["distance"] = s["distance"] / 100.0  # cm at the node, metres inside
        return (api.frame_drape(drape, **s),)


class AtelierRenderMaps:
    DESCRIPTION = "Pixel-aligned ControlNet maps from one render pass: depth (near bright), normals " \
                  "(normalbae convention), OpenPose skeleton, line art, albedo, panel ids and masks."
    CATEGORY = CATEGORY
    FUNCTION = "render"
    RETURN_TYPES = ("IMAGE", "IMAGE", "IMAGE", "IMAGE", "IMAGE", "IMAGE", "MASK", "MASK", "MASK", "STRING")
    RETURN_NAMES = ("depth", "normal", "openpose", "lineart", "albedo", "panel_ids", "garment_mask", "body_mask",
                    "subject_mask", "depth16_path")
    OUTPUT_TOOLTIPS = (
        "Depth, near = white, normalised over the subject, background black.",
        "Camera-space normals, ControlNet normalbae colours (red = left, green = up, blue = toward camera).",
        "OpenPose-18 skeleton in controlnet_aux colours.",
        "White silhouette, crease and seam lines on black.",
        "Unlit colour: the fabric print at true scale, neutral skin.",
        "One flat colour per pattern panel.",
        "Visible garment (anti-aliased).", "Visible body (anti-aliased).", "Garment + body.",
        "Output-relative path of the 16-bit depth PNG, or empty.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"drape": DRAPE, "camera": CAMERA, **widgets(MapSettings)}}

    def render(self, drape, camera, **kw):
        s = from_widgets(MapSettings, kw)
        m = api.drape_maps(drape, camera, s.supersample, s.crease_angle, on_progress=node_progress(3))
        path = _save_png16(depth_to_uint16(m.depth)) if s.save_depth_16bit else ""
        return (numpy_to_image(m.depth), numpy_to_image(m.normal), numpy_to_image(m.pose),
                numpy_to_image(m.lineart), numpy_to_image(m.albedo), numpy_to_image(m.panel_color),
                numpy_to_mask(m.garment_mask), numpy_to_mask(m.body_mask), numpy_to_mask(m.subject_mask), path)


def _save_png16(depth16: np.ndarray) -> str:
    import io

    from PIL import Image

    path, name, sub = next_output_path("atelier/depth16", "png")
    buf = io.BytesIO()
    Image.fromarray(depth16).save(buf, format="PNG")
    atomic_write_bytes(path, buf.getvalue())
    return f"{sub}/{name}" if sub else name


class AtelierRenderPreview:
    DESCRIPTION = "A lit studio preview (key, fill and rim lights, ambient occlusion, fabric texture, " \
                  "neutral skin, gradient backdrop) to show a buyer."
    CATEGORY = CATEGORY
    FUNCTION = "render"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("image",)
    OUTPUT_TOOLTIPS = ("The preview, sRGB.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "drape": DRAPE, "camera": CAMERA,
            "supersample": ("INT", {"default": 2, "min": 1, "max": 4, "tooltip": "Anti-aliasing samples per axis."}),
            "exposure": ("FLOAT", {"default": 1.0, "min": 0.25, "max": 4.0, "step": 0.05,
                                   "tooltip": "Brightness multiplier before tone mapping."}),
        }}

    def render(self, drape, camera, supersample, exposure):
        img = api.drape_preview(drape, camera, int(supersample), float(exposure), on_progress=node_progress(1))
        return (numpy_to_image(img),)


class AtelierTurntable:
    DESCRIPTION = "Preview views all around the dressed avatar: an IMAGE batch, an MP4 in the output folder " \
                  "and an animated WebP the canvas plays."
    CATEGORY = CATEGORY
    FUNCTION = "render"
    OUTPUT_NODE = True
    RETURN_TYPES = ("IMAGE", "STRING")
    RETURN_NAMES = ("frames", "mp4_path")
    OUTPUT_TOOLTIPS = ("One preview per view, starting at the front and turning to the avatar's left.",
                       "Output-relative path of the MP4.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "drape": DRAPE,
            "views": ("INT", {"default": 36, "min": 1, "max": 360, "tooltip": "Number of views around 360°."}),
            "preset": (["full_body", "upper_body", "garment_closeup"], {"default": "full_body",
                                                                        "tooltip": "Framing of every view."}),
            "pitch": ("FLOAT", {"default": 5.0, "min": -80.0, "max": 80.0, "step": 1.0,
                                "tooltip": "Look down (+) or up (−) [deg]."}),
            "width": ("INT", {"default": 512, "min": 16, "max": 2048, "step": 8, "tooltip": "Frame width [px]."}),
            "height": ("INT", {"default": 512, "min": 16, "max": 2048, "step": 8, "tooltip": "Frame height [px]."}),
            "fps": ("INT", {"default": 24, "min": 1, "max": 60, "tooltip": "MP4 frames per second."}),
            "supersample": ("INT", {"default": 2, "min": 1, "max": 4, "tooltip": "Anti-aliasing samples per axis."}),
            "filename_prefix": ("STRING", {"default": "atelier/turntable",
                                           "tooltip": "File name prefix; may contain a subfolder."}),
        }}

    def render(self, drape, views, preset, pitch, width, height, fps, supersample, filename_prefix):
        path, name, sub = next_output_path(filename_prefix, "mp4")
        frames = api.drape_turntable(drape, path, int(views), int(fps), on_progress=node_progress(int(views)),
                                     preset=preset, pitch=float(pitch), width=int(width), height=int(height),
                                     ss=int(supersample))
        rel = f"{sub}/{name}" if sub else name
        webp, webp_name, webp_sub = next_output_path(filename_prefix, "webp")
        write_webp(frames, webp, int(fps))  # the canvas plays animated WebP (as core SaveAnimatedWEBP)
        preview = {"filename": webp_name, "subfolder": webp_sub, "type": "output"}
        video = {"filename": name, "subfolder": sub, "type": "output", "format": "video/mp4"}
        return {"ui": {"images": [preview], "animated": (True,), "videos": [video]},
                "result": (numpy_to_image(frames), rel)}

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        from ..core.examples import tube_drape

        return {"drape": tube_drape(), "views": 3, "preset": "full_body", "pitch": 5.0, "width": 32,
                "height": 48, "fps": 12, "supersample": 1, "filename_prefix": "atelier/turntable"}


class _Export:
    CATEGORY = CATEGORY
    FUNCTION = "export"
    OUTPUT_NODE = True
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("path",)
    SUFFIX = "glb"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"drape": DRAPE, "filename_prefix": ("STRING", {
            "default": f"atelier/drape_{cls.SUFFIX}", "tooltip": "File name prefix; may contain a subfolder."})}}

    def export(self, drape, filename_prefix):
        path, name, sub = next_output_path(filename_prefix, self.SUFFIX)
        api.export_drape(drape, path)
        rel = f"{sub}/{name}" if sub else name
        return {"ui": {"3d": [{"filename": name, "subfolder": sub, "type": "output"}]}, "result": (rel,)}


class AtelierExportGLB(_Export):
    DESCRIPTION = "Save avatar + garment as GLB (metres, +Y up) with PBR fabric textures and pattern UVs; " \
                  "the canvas shows it in 3D."
    OUTPUT_TOOLTIPS = ("Output-relative path of the GLB (what core Preview3D takes).",)
    SUFFIX = "glb"


class AtelierExportOBJ(_Export):
    DESCRIPTION = "Save avatar + garment as OBJ + MTL (metres, +Y up) with the fabric textures beside it."
    OUTPUT_TOOLTIPS = ("Output-relative path of the OBJ; the .mtl and PNGs sit next to it.",)
    SUFFIX = "obj"


class AtelierRenderPrompt:
    DESCRIPTION = ("Positive and negative prompts for a photoreal SDXL render, built from the drape's garment, "
                   "fabric and colour and a chosen setting.")
    CATEGORY = CATEGORY
    FUNCTION = "build"
    RETURN_TYPES = ("STRING", "STRING")
    RETURN_NAMES = ("positive", "negative")
    OUTPUT_TOOLTIPS = ("Describes garment, material, colour, setting and lens.", "Common failure modes to avoid.")

    @classmethod
    def INPUT_TYPES(cls):
        from .prompt import ENVIRONMENTS

        return {"required": {
            "drape": DRAPE,
            "environment": (list(ENVIRONMENTS), {"default": "studio", "tooltip": "Where the photo is taken."}),
            "extra": ("STRING", {"default": "", "multiline": True, "tooltip": "Words appended to the prompt "
                                                                             "(model, pose, mood…)."}),
        }}

    def build(self, drape, environment: str, extra: str):
        from .prompt import build_prompt

        return build_prompt(drape, environment, extra)


NODE_CLASS_MAPPINGS = {
    "AtelierRenderPrompt": AtelierRenderPrompt,
    "AtelierCamera": AtelierCamera,
    "AtelierRenderMaps": AtelierRenderMaps,
    "AtelierRenderPreview": AtelierRenderPreview,
    "AtelierTurntable": AtelierTurntable,
    "AtelierExportGLB": AtelierExportGLB,
    "AtelierExportOBJ": AtelierExportOBJ,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierRenderPrompt": "Render Prompt (Atelier)",
    "AtelierCamera": "Camera (Atelier)",
    "AtelierRenderMaps": "Render Control Maps (Atelier)",
    "AtelierRenderPreview": "Render Preview (Atelier)",
    "AtelierTurntable": "Turntable (Atelier)",
    "AtelierExportGLB": "Export GLB (Atelier)",
    "AtelierExportOBJ": "Export OBJ (Atelier)",
}
