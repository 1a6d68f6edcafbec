"""Atelier/Design nodes: start a workflow from a saved design, and record what it made as a new version.

Thin V1 wrappers around ``load.py``. The designs database is ``$ATELIER_DB_URL`` or the default SQLite file
(``designs.sqlite`` in Atelier's data folder), the same one the studio uses; it needs the ``designs`` extra
(SQLAlchemy), which ComfyUI's install of the pack brings (requirements.txt).
"""

from __future__ import annotations

from pathlib import Path

from ..core.bridge import image_to_numpy
from ..core.paths import resolve_input

CATEGORY = "Atelier/Design"
DESIGN_ID = ("STRING", {"default": "", "tooltip": "The design's id (32 letters and digits): copy it from the "
                                                  "studio's design list, or wire Load Design's design_id."})


class AtelierLoadDesign:
    DESCRIPTION = ("Start from a saved design: its pattern (drafted for its body), its fabric in its colour with "
                   "every print placed on its panels, and its body measurements, from the designs database.")
    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("ATELIER_PATTERN", "ATELIER_FABRIC", "STRING", "STRING", "STRING", "STRING")
    RETURN_NAMES = ("pattern", "fabric", "body", "design_id", "version_id", "summary")
    OUTPUT_TOOLTIPS = (
        "The pattern: the template drafted for the design's body, or its imported pattern file.",
        "The main fabric in its colourway or dye colour, with the design's prints placed per panel.",
        "The body as JSON: size, size-table column (female/male) and every measurement in cm.",
        "The design's id (wire it to Save Design).",
        "The id of the version loaded (wire it to Save Design's parent_version_id).",
        "What was loaded, and what the drape cannot show (panels in another fabric).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "design_id": DESIGN_ID,
            "version": ("INT", {"default": 0, "min": 0, "max": 1_000_000,
                                "tooltip": "Version number to load (1, 2, 3…); 0 = the latest."}),
        }}

    def load(self, design_id: str, version: int):
        from .load import design_body, design_fabric, design_pattern, find_version, open_store, summary

        with open_store() as store:
            v = find_version(store, design_id, int(version))
            pattern = design_pattern(v.design, store)
            names = [p.name for p in pattern.panels]
            fabric = design_fabric(v.design, store, names)
        return (pattern, fabric, design_body(v.design), v.design_id, v.id, summary(v, names))

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        return {"design_id": _contract_design(), "version": 0}


class AtelierSaveDesign:
    DESCRIPTION = ("Record a result on a saved design: renders and a GLB become media of a new version, with "
                   "your message; the design itself is unchanged and earlier versions stay as they were.")
    CATEGORY = CATEGORY
    FUNCTION = "save"
    OUTPUT_NODE = True
    RETURN_TYPES = ("STRING", "INT")
    RETURN_NAMES = ("version_id", "version")
    OUTPUT_TOOLTIPS = ("The id of the new version.", "Its number (1, 2, 3…).")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "design_id": DESIGN_ID,
            "message": ("STRING", {"default": "render", "multiline": True,
                                   "tooltip": "What this version records (shown in the design's history)."}),
        }, "optional": {
            "images": ("IMAGE", {"tooltip": "Renders to attach (each image of the batch becomes a PNG)."}),
            "glb_path": ("STRING", {"default": "", "tooltip": "A GLB to attach: its output-relative path (wire "
                                                              "Export GLB's path), or a full path inside "
                                                              "ComfyUI's input, output or models folder."}),
            "author": ("STRING", {"default": "", "tooltip": "Who saves it; empty = ATELIER_USER or the login "
                                                            "name."}),
            "parent_version_id": ("STRING", {"default": "", "tooltip": "The version this result was made from "
                                                                       "(wire Load Design's version_id); empty "
                                                                       "= the latest."}),
        }}

    def save(self, design_id: str, message: str, images=None, glb_path: str = "", author: str = "",
             parent_version_id: str = ""):
        from ..fabric.image_io import encode_png
        from .load import open_store, record_result

        files: list[tuple[bytes | Path, str]] = []
        if images is not None:
            batch = image_to_numpy(images)
            files += [(encode_png(img), f"render_{i + 1}.png") for i, img in enumerate(batch)]
        if glb_path.strip():
            path = resolve_input(glb_path, field="glb_path", relative_to="output", what="GLB")
            files.append((path, path.name))
        with open_store() as store:
            v = record_result(store, design_id.strip(), files, message=message.strip(),
                              author=author.strip() or None, parent=parent_version_id.strip() or None)
        text = f"saved {v.label} ({len(files)} file{'s' if len(files) != 1 else ''} attached)"
        return {"ui": {"text": [text]}, "result": (v.id, v.number)}

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        from ..core.examples import socket_examples

        return {"design_id": _contract_design(), "message": "contract test", "images": socket_examples()["IMAGE"],
                "glb_path": "", "author": "contract", "parent_version_id": ""}


def _contract_design() -> str:
    """A small printed design in the default store (the test session's own data folder); returns its id."""
    from ..core.design import Design, Look
    from .load import catalog_print, open_store

    with open_store() as store:
        design = Design.new("Contract tee", "tshirt", "S", look=Look("cotton_jersey",
                                                                     print=catalog_print(store, "polka_dot")))
        return store.create(design, author="contract").design_id


NODE_CLASS_MAPPINGS = {
    "AtelierLoadDesign": AtelierLoadDesign,
    "AtelierSaveDesign": AtelierSaveDesign,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierLoadDesign": "Load Design (Atelier)",
    "AtelierSaveDesign": "Save Design Result (Atelier)",
}
