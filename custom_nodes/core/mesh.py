"""Triangle mesh: the one 3D surface type every domain passes around."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .checks import array_field, index_field, optional_array, set_field
from .errors import InvalidInputError
from .serial import Record


@dataclass(frozen=True, eq=False)
class TriangleMesh(Record):
    """An indexed triangle mesh in Atelier's frame (metres, Y up, +Z forward).

    ``uvs`` are per-vertex texture coordinates; for garments they are the pattern-space rest
    coordinates in metres, so a texture with a physical size maps at its true scale.
    """

    vertices: np.ndarray  # [m], (n, 3) float32
    faces: np.ndarray  # (m, 3) int32, counter-clockwise seen from outside
    uvs: np.ndarray | None = None  # [m] or [0..1], (n, 2) float32
    name: str = "mesh"

    def __post_init__(self):
        verts = array_field(self.vertices, "TriangleMesh.vertices", np.float32, (None, 3))
        set_field(self, "vertices", verts)
        set_field(self, "faces", index_field(self.faces, "TriangleMesh.faces", len(verts), (None, 3)))
        uvs = optional_array(self.uvs, "TriangleMesh.uvs", np.float32, (None, 2))
        if uvs is not None and len(uvs) != len(verts):
            raise InvalidInputError(f"has {len(uvs)} rows for {len(verts)} vertices", field="TriangleMesh.uvs")
        set_field(self, "uvs", uvs)

    @property
    def n_vertices(self) -> int:
        return len(self.vertices)

    @property
    def n_faces(self) -> int:
        return len(self.faces)

    @cached_property
    def face_normals(self) -> np.ndarray:
        """Unit normals, (m, 3) float32; degenerate faces get (0, 0, 0)."""
        v = self.vertices.astype(np.float64)
        f = self.faces
        n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
        length = np.linalg.norm(n, axis=1, keepdims=True)
        return (n / np.where(length > 0, length, 1.0)).astype(np.float32)

    @cached_property
    def face_areas(self) -> np.ndarray:
        """[m²], (m,) float64."""
        v = self.vertices.astype(np.float64)
        f = self.faces
        return 0.5 * np.linalg.norm(np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]), axis=1)

    @cached_property
    def vertex_normals(self) -> np.ndarray:
        """Area-weighted unit vertex normals, (n, 3) float32."""
        acc = np.zeros((self.n_vertices, 3), np.float64)
        weighted = self.face_normals * self.face_areas[:, None]
        for k in range(3):
            np.add.at(acc, self.faces[:, k], weighted)
        length = np.linalg.norm(acc, axis=1, keepdims=True)
        return (acc / np.where(length > 0, length, 1.0)).astype(np.float32)

    @cached_property
    def bounds(self) -> np.ndarray:
        """[m], (2, 3) float32: min and max corner; zeros for an empty mesh."""
        if self.n_vertices == 0:
            return np.zeros((2, 3), np.float32)
        return np.stack([self.vertices.min(0), self.vertices.max(0)])

    @cached_property
    def edges_unique(self) -> np.ndarray:
        """(e, 2) int32 undirected edges, each once, sorted per row."""
        e = np.sort(self.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
        return np.unique(e, axis=0).astype(np.int32)

    def transformed(self, matrix: np.ndarray) -> TriangleMesh:
        """A new mesh with vertices multiplied by a 4×4 affine ``matrix`` (faces flipped if it mirrors)."""
        m = np.asarray(matrix, np.float64)
        v = self.vertices @ m[:3, :3].T + m[:3, 3]
        faces = self.faces[:, ::-1] if np.linalg.det(m[:3, :3]) < 0 else self.faces
        return TriangleMesh(v, faces, self.uvs, self.name)

    @staticmethod
    def concatenate(meshes: list[TriangleMesh], name: str = "mesh") -> TriangleMesh:
        """One mesh holding all of ``meshes``; UVs kept only if every part has them."""
        if not meshes:
            raise InvalidInputError("nothing to concatenate", field="meshes")
        offsets = np.cumsum([0] + [m.n_vertices for m in meshes[:-1]])
        faces = np.concatenate([m.faces + o for m, o in zip(meshes, offsets)])
        uvs = None
        if all(m.uvs is not None for m in meshes):
            uvs = np.concatenate([m.uvs for m in meshes])
        return TriangleMesh(np.concatenate([m.vertices for m in meshes]), faces, uvs, name)
