"""Read and write meshes (GLB/glTF, OBJ, PLY, STL) through trimesh, with errors that name the file.

Loading returns the geometry as stored (all sub-meshes merged, scene transforms applied). glTF is
metres and Y up by specification; OBJ/PLY carry no units, so callers that need metres (the avatar
loader) detect and convert them.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .errors import FileFormatError, InvalidInputError
from .mesh import TriangleMesh
from .serial import atomic_write_bytes

MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply", ".stl")
MAX_FILE_BYTES = 1 << 30  # 1 GiB: anything larger is not a garment or a body


def load_mesh(path: str | Path) -> TriangleMesh:
    """Load a triangle mesh; every failure is an :class:`InvalidInputError` naming the file."""
    import trimesh

    path = Path(path)
    if not path.is_file():
        raise InvalidInputError("no such file", path=path)
    if path.suffix.lower() not in MESH_SUFFIXES:
        raise FileFormatError(f"unsupported mesh format '{path.suffix}'; use one of {MESH_SUFFIXES}", path=path)
    size = path.stat().st_size
    if size == 0:
        raise FileFormatError("file is empty", path=path)
    if size > MAX_FILE_BYTES:
        raise FileFormatError(f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES >> 20} MiB limit", path=path)
    try:
        loaded = trimesh.load(str(path), force="mesh", process=False)
    except Exception:  # trimesh raises many types (with its own internals' words) for corrupt files
        kind = path.suffix[1:].upper()
        raise FileFormatError(f"cannot read as {kind}: the file is damaged or is not a {kind} mesh", path=path) from None
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise FileFormatError("contains no triangles", path=path)
    verts = np.asarray(loaded.vertices, np.float32)
    if not np.all(np.isfinite(verts)):
        raise FileFormatError("has NaN or infinite vertex coordinates", path=path)
    uv = getattr(loaded.visual, "uv", None)
    uvs = np.asarray(uv, np.float32) if uv is not None and len(uv) == len(verts) else None
    return TriangleMesh(verts, np.asarray(loaded.faces, np.int64), uvs, name=path.stem)


def mesh_to_trimesh(mesh: TriangleMesh, color: tuple[float, float, float] | None = None):
    import trimesh

    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    if mesh.uvs is not None:
        tm.visual = trimesh.visual.TextureVisuals(uv=mesh.uvs)
    if color is not None:
        rgba = (np.append(np.asarray(color, np.float64), 1.0) * 255).astype(np.uint8)
        tm.visual = trimesh.visual.ColorVisuals(tm, face_colors=np.tile(rgba, (len(mesh.faces), 1)))
    return tm


def export_bytes(meshes: list[TriangleMesh] | TriangleMesh, file_type: str) -> bytes:
    """Encode one or several meshes (as separate nodes of one scene) as ``glb``, ``obj`` or ``ply``."""
    import trimesh

    meshes = [meshes] if isinstance(meshes, TriangleMesh) else list(meshes)
    if not meshes or all(m.n_faces == 0 for m in meshes):
        raise InvalidInputError("nothing to export: the mesh has no faces", field="mesh")
    if file_type == "glb":
        scene = trimesh.Scene()
        for m in meshes:
            scene.add_geometry(mesh_to_trimesh(m), geom_name=m.name, node_name=m.name)
        return scene.export(file_type="glb")
    merged = TriangleMesh.concatenate(meshes) if len(meshes) > 1 else meshes[0]
    out = mesh_to_trimesh(merged).export(file_type=file_type)
    return out.encode() if isinstance(out, str) else bytes(out)


def save_mesh(meshes: list[TriangleMesh] | TriangleMesh, path: str | Path) -> Path:
    """Write a GLB/OBJ/PLY atomically (a failed export leaves no half-written file)."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("glb", "obj", "ply"):
        raise InvalidInputError(f"cannot write '{path.suffix}'; use .glb, .obj or .ply", path=path)
    return atomic_write_bytes(path, export_bytes(meshes, kind))


def read_glb_summary(data: bytes) -> dict:
    """Counts from a GLB's JSON chunk (for tests and reports): meshes, nodes, accessors."""
    import pygltflib

    gltf = pygltflib.GLTF2.load_from_bytes(data) if hasattr(pygltflib.GLTF2, "load_from_bytes") else \
        pygltflib.GLTF2().load_binary_from_file_object(io.BytesIO(data))
    return {"meshes": len(gltf.meshes), "nodes": len(gltf.nodes), "accessors": len(gltf.accessors)}
