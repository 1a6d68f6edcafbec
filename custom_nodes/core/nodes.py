"""Atelier/IO nodes: load a mesh file, save a mesh as GLB (with the canvas's 3D preview), hand a mesh
to core ComfyUI as ``MESH``. Thin wrappers: convert inputs, one engine call, convert outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .mesh import TriangleMesh
from .mesh_io import MESH_SUFFIXES, load_mesh, save_mesh
from .paths import next_output_path, resolve_input

CATEGORY = "Atelier/IO"


class AtelierLoadMesh:
    DESCRIPTION = f"Load a triangle mesh ({', '.join(MESH_SUFFIXES)}); sub-meshes are merged, units kept as stored."
    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("ATELIER_MESH",)
    RETURN_NAMES = ("mesh",)
    OUTPUT_TOOLTIPS = ("The mesh, vertices as stored in the file.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"path": ("STRING", {
            "default": "", "multiline": False,
            "tooltip": "Mesh file: a name inside ComfyUI's input folder, or a full path inside its input, "
                       "output or models folder."})}}

    def load(self, path: str):
        return (load_mesh(resolve_input(path)),)

    @classmethod
    def contract_inputs(cls, tmp_path: Path) -> dict:
        from .mesh_io import save_mesh as _save

        tet = TriangleMesh(np.eye(4, 3, dtype=np.float32), [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
        (tmp_path / "in").mkdir(exist_ok=True)  # the contract test's input folder
        return {"path": _save(tet, tmp_path / "in" / "tet.glb").name}


class AtelierSaveGLB:
    DESCRIPTION = "Save a mesh as a binary glTF (GLB) in the output folder and show it in the canvas's 3D viewer."
    CATEGORY = CATEGORY
    FUNCTION = "save"
    OUTPUT_NODE = True
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("glb_path",)
    OUTPUT_TOOLTIPS = ("Path of the GLB relative to the output folder (what core Preview3D takes).",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "mesh": ("ATELIER_MESH", {"tooltip": "The mesh to save (metres, Y up)."}),
            "filename_prefix": ("STRING", {"default": "atelier/mesh",
                                           "tooltip": "File name prefix; may contain a subfolder."}),
        }}

    def save(self, mesh: TriangleMesh, filename_prefix: str):
        path, name, subfolder = next_output_path(filename_prefix, "glb")
        save_mesh(mesh, path)
        rel = f"{subfolder}/{name}" if subfolder else name
        return {"ui": {"3d": [{"filename": name, "subfolder": subfolder, "type": "output"}]}, "result": (rel,)}


class AtelierMeshToCoreMesh:
    DESCRIPTION = "Convert an Atelier mesh to core ComfyUI MESH, so core SaveGLB and 3D nodes accept it."
    CATEGORY = CATEGORY
    FUNCTION = "convert"
    RETURN_TYPES = ("MESH",)
    RETURN_NAMES = ("mesh",)
    OUTPUT_TOOLTIPS = ("Core MESH: vertices [1, N, 3] float32 and faces [1, M, 3] int64 tensors.",)

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"mesh": ("ATELIER_MESH", {"tooltip": "The Atelier mesh to convert."})}}

    def convert(self, mesh: TriangleMesh):
        return (to_core_mesh(mesh),)


class _CoreMeshStandIn:
    """Same attributes as ComfyUI's ``comfy_extras.nodes_hunyuan3d.MESH`` when that is not importable."""

    def __init__(self, vertices, faces):
        self.vertices, self.faces = vertices, faces


def to_core_mesh(mesh: TriangleMesh):
    """Build core ComfyUI's MESH (batched torch tensors) from a TriangleMesh."""
    verts = np.array(mesh.vertices[None], np.float32, copy=True)
    faces = np.array(mesh.faces[None], np.int64, copy=True)
    try:
        import torch

        verts, faces = torch.from_numpy(verts), torch.from_numpy(faces)
    except ImportError:
        pass
    try:
        from comfy_extras.nodes_hunyuan3d import MESH  # inside ComfyUI: the real class
    except ImportError:
        MESH = _CoreMeshStandIn
    return MESH(verts, faces)


NODE_CLASS_MAPPINGS = {
    "AtelierLoadMesh": AtelierLoadMesh,
    "AtelierSaveGLB": AtelierSaveGLB,
    "AtelierMeshToCoreMesh": AtelierMeshToCoreMesh,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "AtelierLoadMesh": "Load Mesh (Atelier)",
    "AtelierSaveGLB": "Save GLB (Atelier)",
    "AtelierMeshToCoreMesh": "Atelier Mesh → MESH",
}
