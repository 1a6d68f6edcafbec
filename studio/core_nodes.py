"""In-process stand-ins for the core ComfyUI nodes our local-runner workflows use.

Same ids, input schemas (copied from ComfyUI 0.3.64's ``/object_info``), outputs, file naming and
``ui`` results as core, so a workflow behaves the same on both backends. Only I/O and the two image
nodes of the recorded traces: anything that needs a model requires a real ComfyUI.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

from custom_nodes.core.bridge import image_to_uint8, numpy_to_image, numpy_to_mask
from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.core.paths import input_directory, next_output_path, output_directory, temp_directory
from custom_nodes.core.serial import atomic_write_bytes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
MAX_PIXELS = 64_000_000  # refuse decompression bombs (≈ 8000²) from the header, before decoding


def _input_files() -> list[str]:
    folder = input_directory()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def _png_bytes(pixels: np.ndarray, prompt: dict | None) -> bytes:
    import io

    meta = PngImagePlugin.PngInfo()
    if prompt is not None:
        meta.add_text("prompt", json.dumps(prompt))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", pnginfo=meta, compress_level=4)
    return buf.getvalue()


class LoadImage:
    CATEGORY = "image"
    FUNCTION = "load_image"
    RETURN_TYPES = ("IMAGE", "MASK")
    DESCRIPTION = ""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": (_input_files(), {"image_upload": True})}}

    @classmethod
    def IS_CHANGED(cls, image):
        path = input_directory() / image
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""

    def load_image(self, image: str):
        path = (input_directory() / image).resolve()
        if input_directory().resolve() not in path.parents:
            raise InvalidInputError("must name a file inside the input folder", field="image")
        try:
            with Image.open(path) as im:
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    raise FileFormatError(f"{im.size[0]}×{im.size[1]} pixels is over the {MAX_PIXELS // 10**6} MP limit",
                                          path=path)
                im = ImageOps.exif_transpose(im)
                rgba = np.asarray(im.convert("RGBA"), np.float32) / 255.0
        except (OSError, Image.DecompressionBombError) as exc:
            raise FileFormatError(f"cannot read image ({exc})", path=path) from None
        mask = 1.0 - rgba[..., 3]  # core: transparent pixels are masked
        return numpy_to_image(rgba[..., :3]), numpy_to_mask(mask)


class SaveImage:
    CATEGORY = "image"
    FUNCTION = "save_images"
    RETURN_TYPES = ()
    OUTPUT_NODE = True
    DESCRIPTION = "Saves the input images to your ComfyUI output directory."
    FOLDER_TYPE = "output"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "images": ("IMAGE", {"tooltip": "The images to save."}),
            "filename_prefix": ("STRING", {"default": "ComfyUI", "tooltip": (
                "The prefix for the file to save. This may include formatting information such as "
                "%date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.")}),
        }, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def _folder(self) -> Path:
        return output_directory()

    def save_images(self, images, filename_prefix="ComfyUI", prompt=None, extra_pnginfo=None):
        results = []
        for pixels in image_to_uint8(images):
            path, name, subfolder = next_output_path(filename_prefix, "png", self._folder())
            atomic_write_bytes(path, _png_bytes(pixels, prompt))
            results.append({"filename": name, "subfolder": subfolder, "type": self.FOLDER_TYPE})
        return {"ui": {"images": results}}


class PreviewImage(SaveImage):
    FOLDER_TYPE = "temp"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",)}, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def _folder(self) -> Path:
        return temp_directory()

    def save_images(self, images, filename_prefix="ComfyUI_temp", prompt=None, extra_pnginfo=None):
        return super().save_images(images, "ComfyUI_temp", prompt, extra_pnginfo)


class EmptyImage:
    CATEGORY = "image"
    FUNCTION = "generate"
    RETURN_TYPES = ("IMAGE",)
    DESCRIPTION = ""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "width": ("INT", {"default": 512, "min": 1, "max": 16384, "step": 1}),
            "height": ("INT", {"default": 512, "min": 1, "max": 16384, "step": 1}),
            "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096}),
            "color": ("INT", {"default": 0, "min": 0, "max": 0xFFFFFF, "step": 1, "display": "color"}),
        }}

    def generate(self, width, height, batch_size=1, color=0):
        rgb = np.array([(color >> 16) & 0xFF, (color >> 8) & 0xFF, color & 0xFF], np.float32) / 255.0
        return (numpy_to_image(np.broadcast_to(rgb, (batch_size, height, width, 3))),)


class ImageInvert:
    CATEGORY = "image"
    FUNCTION = "invert"
    RETURN_TYPES = ("IMAGE",)
    DESCRIPTION = ""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",)}}

    def invert(self, image):
        from custom_nodes.core.bridge import image_to_numpy

        return (numpy_to_image(1.0 - image_to_numpy(image)),)


class PreviewAny:
    """Core's text preview: shows any value (reports, paths) in the canvas as ``ui.text``."""

    CATEGORY = "utils"
    FUNCTION = "main"
    RETURN_TYPES = ()
    OUTPUT_NODE = True
    DESCRIPTION = ""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"source": ("*", {})}}

    def main(self, source=None):
        if isinstance(source, str):
            value = source
        elif isinstance(source, (int, float, bool)):
            value = str(source)
        else:
            try:
                value = json.dumps(source)
            except (TypeError, ValueError):
                value = str(source)
        return {"ui": {"text": (value,)}}


NODE_CLASS_MAPPINGS = {cls.__name__: cls for cls in (LoadImage, SaveImage, PreviewImage, EmptyImage, ImageInvert,
                                                     PreviewAny)}
NODE_DISPLAY_NAME_MAPPINGS = {"LoadImage": "Load Image", "SaveImage": "Save Image", "PreviewImage": "Preview Image",
                              "EmptyImage": "EmptyImage", "ImageInvert": "Invert Image", "PreviewAny": "Preview Any"}
