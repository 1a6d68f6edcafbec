"""GLB (glTF 2.0 binary) and OBJ+MTL export of avatar + garment with PBR fabric materials.

glTF is metres and +Y up by specification, which is Atelier's frame, so vertices are written as they
are. The garment's TEXCOORD_0 is the pattern-space UV [m] turned along each panel's grain and divided
by the fabric's tile size (``scenes.tile_coordinates``), V flipped for glTF; with REPEAT samplers one
fabric tile covers exactly ``tile_size`` metres of cloth, so prints keep their scale and grain.
Fabric maps become a baseColor texture (sRGB), a normal texture (OpenGL green-up, as glTF) and a
metallicRoughness texture (roughness in G, metallic 0). A fabric with prints gets its colour baked instead
(``prints.bake_albedo``: each panel's pattern-space box in one atlas, the same colours the preview and the
albedo map show) as a baseColor texture on TEXCOORD_1 with a clamping sampler; normal and roughness stay
on the repeating tile UVs. OBJ has one UV set, so a printed OBJ carries the baked colour only (no normal
or roughness map). Every file passes Khronos glTF-Validator (tests/render/test_export.py runs it when
node + npm are present).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.drape import DrapeResult
from ..core.errors import InvalidInputError
from ..core.fabric import Fabric
from ..core.serial import atomic_write_bytes
from .prints import bake_albedo
from .scenes import SKIN_SRGB, tile_coordinates
from .texture import srgb_to_linear

FLOAT, UINT = 5126, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
REPEAT, CLAMP_TO_EDGE, LINEAR, LINEAR_MIPMAP_LINEAR = 10497, 33071, 9729, 9987


@dataclass(frozen=True, eq=False)
class ExportMesh:
    """One node of the exported scene."""

    name: str
    vertices: np.ndarray  # [m], (n, 3) float32
    faces: np.ndarray  # (m, 3) int
    normals: np.ndarray  # (n, 3) unit float32
    uv: np.ndarray | None = None  # (n, 2) fabric tile coordinates (v up)
    fabric: Fabric | None = None  # None → neutral skin material
    double_sided: bool = False
    extras: dict = field(default_factory=dict)
    atlas: np.ndarray | None = None  # sRGB (H, W, 3): baked colour with prints (replaces the albedo tile)
    atlas_uv: np.ndarray | None = None  # (n, 2) atlas coordinates, from the image's top-left


def parts_from_drape(drape: DrapeResult) -> list[ExportMesh]:
    """Avatar (skin material) + garment (fabric material, tile UVs) of a drape."""
    if not isinstance(drape, DrapeResult):
        raise InvalidInputError(f"expected a DrapeResult, got {type(drape).__name__}", field="drape")
    g = drape.garment
    if g.n_vertices == 0 or len(g.faces) == 0:
        raise InvalidInputError("the drape has no garment triangles to export", field="drape.garment")
    body, cloth = drape.avatar.mesh, drape.garment_mesh
    uv = tile_coordinates(g.rest, g.vertex_panel, g.panel_grain, drape.fabric.tile_size)
    extras = {"uv_units": "fabric tiles", "tile_size_m": drape.fabric.tile_size.tolist()}
    atlas = atlas_uv = None
    if drape.fabric.prints:
        baked = bake_albedo(drape.fabric, g.rest, g.vertex_panel, g.panel_grain, g.panel_names)
        atlas, atlas_uv = baked.image, baked.uv
        extras.update(print_atlas_texel_m=baked.texel_m, prints=[p.name for p in drape.fabric.prints])
    return [ExportMesh(drape.avatar.name or "avatar", body.vertices, body.faces, body.vertex_normals),
            ExportMesh(g.name or "garment", cloth.vertices, cloth.faces, cloth.vertex_normals, uv, drape.fabric,
                       True, extras, atlas, atlas_uv)]


def _unit_normals(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, np.float64)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    out = np.where(length > 1e-8, n / np.maximum(length, 1e-12), [0.0, 1.0, 0.0])
    return out.astype(np.float32)


def vertex_tangents(vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """(n, 4) float32 glTF tangents: unit xyz along +u, orthogonal to the normal, w = ±1 handedness.

    Accumulated per vertex from each face's UV gradient (Lengyel); vertices without a usable UV
    gradient get any unit vector orthogonal to their normal, so every tangent is valid.
    """
    v, t = np.asarray(vertices, np.float64), np.asarray(uv, np.float64)
    f = np.asarray(faces)
    e1, e2 = v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]
    d1, d2 = t[f[:, 1]] - t[f[:, 0]], t[f[:, 2]] - t[f[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    r = np.where(np.abs(det) > 1e-12, 1.0 / np.where(np.abs(det) > 1e-12, det, 1.0), 0.0)[:, None]
    tan = (e1 * d2[:, 1:] - e2 * d1[:, 1:]) * r
    bit = (e2 * d1[:, :1] - e1 * d2[:, :1]) * r
    T, B = np.zeros_like(v), np.zeros_like(v)
    for k in range(3):
        np.add.at(T, f[:, k], tan)
        np.add.at(B, f[:, k], bit)
    n = _unit_normals(normals).astype(np.float64)
    T -= n * np.einsum("ij,ij->i", n, T)[:, None]
    length = np.linalg.norm(T, axis=1)
    bad = length < 1e-9
    if bad.any():  # any unit vector orthogonal to n
        alt = np.cross(n[bad], np.where(np.abs(n[bad, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]]))
        T[bad], length[bad] = alt, np.linalg.norm(alt, axis=1)
    T /= length[:, None]
    w = np.where(np.einsum("ij,ij->i", np.cross(n, T), B) < 0, -1.0, 1.0)
    return np.c_[T, w].astype(np.float32)


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    arr = np.round(np.clip(np.asarray(image, np.float32), 0, 1) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def fabric_textures(fabric: Fabric) -> dict[str, bytes]:
    """PNG bytes of the fabric's maps: ``base_color``, ``normal``, ``metallic_roughness`` (those it has)."""
    out = {}
    if fabric.albedo is not None and fabric.albedo.size:
        out["base_color"] = _png(fabric.albedo)
    if fabric.normal_map is not None and fabric.normal_map.size:
        out["normal"] = _png(fabric.normal_map)
    if fabric.roughness_map is not None and fabric.roughness_map.size:
        r = fabric.roughness_map
        out["metallic_roughness"] = _png(np.stack([np.ones_like(r), r, np.zeros_like(r)], -1))
    return out


class _Builder:
    """Accumulates one binary buffer and the glTF JSON objects that point into it."""

    def __init__(self):
        import pygltflib

        self.g = pygltflib
        self.gltf = pygltflib.GLTF2(asset=pygltflib.Asset(version="2.0", generator="Atelier render"))
        self.blob = bytearray()

    def view(self, data: bytes, target: int | None) -> int:
        self.blob += b"\0" * (-len(self.blob) % 4)
        self.gltf.bufferViews.append(self.g.BufferView(buffer=0, byteOffset=len(self.blob),
                                                       byteLength=len(data), target=target))
        self.blob += data
        return len(self.gltf.bufferViews) - 1

    def accessor(self, arr: np.ndarray, kind: str, ctype: int, target: int, bounds: bool = False) -> int:
        v = self.view(arr.tobytes(), target)
        acc = self.g.Accessor(bufferView=v, componentType=ctype, count=len(arr), type=kind)
        if bounds:
            acc.min, acc.max = arr.min(0).tolist(), arr.max(0).tolist()
        self.gltf.accessors.append(acc)
        return len(self.gltf.accessors) - 1

    def sampler(self, wrap: int) -> int:
        for i, s in enumerate(self.gltf.samplers):
            if s.wrapS == wrap:
                return i
        self.gltf.samplers.append(self.g.Sampler(magFilter=LINEAR, minFilter=LINEAR_MIPMAP_LINEAR,
                                                 wrapS=wrap, wrapT=wrap))
        return len(self.gltf.samplers) - 1

    def texture(self, png: bytes, wrap: int = REPEAT) -> int:
        sampler = self.sampler(wrap)
        self.gltf.images.append(self.g.Image(bufferView=self.view(png, None), mimeType="image/png"))
        self.gltf.textures.append(self.g.Texture(sampler=sampler, source=len(self.gltf.images) - 1))
        return len(self.gltf.textures) - 1

    def material(self, part: ExportMesh) -> int:
        g = self.g
        if part.fabric is None:
            pbr = g.PbrMetallicRoughness(baseColorFactor=[*srgb_to_linear(SKIN_SRGB).tolist(), 1.0],
                                         metallicFactor=0.0, roughnessFactor=0.55)
            mat = g.Material(name="skin", pbrMetallicRoughness=pbr)
        else:
            f, tex = part.fabric, fabric_textures(part.fabric)
            pbr = g.PbrMetallicRoughness(metallicFactor=0.0, roughnessFactor=1.0 if "metallic_roughness" in tex
                                         else float(f.roughness))
            if part.atlas is not None and part.atlas_uv is not None:  # prints baked per panel, on TEXCOORD_1
                pbr.baseColorTexture = g.TextureInfo(index=self.texture(_png(part.atlas), CLAMP_TO_EDGE), texCoord=1)
            elif "base_color" in tex and part.uv is not None:
                pbr.baseColorTexture = g.TextureInfo(index=self.texture(tex["base_color"]))
            else:
                pbr.baseColorFactor = [*srgb_to_linear(f.color).tolist(), 1.0]
            if "metallic_roughness" in tex and part.uv is not None:
                pbr.metallicRoughnessTexture = g.TextureInfo(index=self.texture(tex["metallic_roughness"]))
            else:
                pbr.roughnessFactor = float(f.roughness)
            mat = g.Material(name=f.name or "fabric", pbrMetallicRoughness=pbr, doubleSided=part.double_sided)
            if "normal" in tex and part.uv is not None:
                mat.normalTexture = g.NormalMaterialTexture(index=self.texture(tex["normal"]))
        self.gltf.materials.append(mat)
        return len(self.gltf.materials) - 1

    def mesh(self, part: ExportMesh) -> None:
        g = self.g
        verts = np.ascontiguousarray(part.vertices, np.float32)
        attrs = g.Attributes(POSITION=self.accessor(verts, "VEC3", FLOAT, ARRAY_BUFFER, bounds=True),
                             NORMAL=self.accessor(_unit_normals(part.normals), "VEC3", FLOAT, ARRAY_BUFFER))
        if part.uv is not None:
            uv = np.asarray(part.uv, np.float32) * [1.0, -1.0] + [0.0, 1.0]  # glTF: v runs down the image
            attrs.TEXCOORD_0 = self.accessor(np.ascontiguousarray(uv, np.float32), "VEC2", FLOAT, ARRAY_BUFFER)
            if part.fabric is not None and part.fabric.normal_map is not None:
                # from the v-up tile UVs: glTF's bitangent cross(N, T)·w points up the image (green up)
                tangents = vertex_tangents(verts, part.faces, part.normals, part.uv)
                attrs.TANGENT = self.accessor(tangents, "VEC4", FLOAT, ARRAY_BUFFER)
            if part.atlas is not None and part.atlas_uv is not None:
                atlas_uv = np.ascontiguousarray(part.atlas_uv, np.float32)
                attrs.TEXCOORD_1 = self.accessor(atlas_uv, "VEC2", FLOAT, ARRAY_BUFFER)
        idx = np.ascontiguousarray(np.asarray(part.faces).reshape(-1), np.uint32)
        prim = g.Primitive(attributes=attrs, indices=self.accessor(idx, "SCALAR", UINT, ELEMENT_ARRAY_BUFFER),
                           material=self.material(part))
        self.gltf.meshes.append(g.Mesh(name=part.name, primitives=[prim]))
        self.gltf.nodes.append(g.Node(name=part.name, mesh=len(self.gltf.meshes) - 1, extras=dict(part.extras)))

    def finish(self) -> bytes:
        self.blob += b"\0" * (-len(self.blob) % 4)
        self.gltf.buffers.append(self.g.Buffer(byteLength=len(self.blob)))
        self.gltf.scenes.append(self.g.Scene(name="atelier", nodes=list(range(len(self.gltf.nodes)))))
        self.gltf.scene = 0
        self.gltf.set_binary_blob(bytes(self.blob))
        return b"".join(self.gltf.save_to_bytes())


def glb_bytes(parts: list[ExportMesh]) -> bytes:
    """A GLB holding every part with a face (metres, +Y up)."""
    parts = [p for p in parts if len(p.faces)]
    if not parts:
        raise InvalidInputError("nothing to export: no part has faces", field="mesh")
    b = _Builder()
    for p in parts:
        b.mesh(p)
    return b.finish()


def save_glb(parts: list[ExportMesh], path: str | Path) -> Path:
    return atomic_write_bytes(path, glb_bytes(parts))


def _obj_uv(part: ExportMesh) -> np.ndarray | None:
    """OBJ's one UV set (v up): the print atlas when the colour is baked, else the fabric tile UVs."""
    if part.atlas is not None and part.atlas_uv is not None:
        return np.asarray(part.atlas_uv, np.float32) * [1.0, -1.0] + [0.0, 1.0]
    return part.uv


def _obj_text(parts: list[ExportMesh], mtl_name: str) -> tuple[str, list[str]]:
    lines = ["# Atelier export: metres, +Y up, avatar faces +Z", f"mtllib {mtl_name}"]
    base_v = base_vt = 0
    materials = []
    for i, p in enumerate(parts):
        mat = f"mat{i}_{'skin' if p.fabric is None else 'fabric'}"
        materials.append(mat)
        lines.append(f"o {p.name}")
        lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in p.vertices]
        lines += [f"vn {x:.6f} {y:.6f} {z:.6f}" for x, y, z in _unit_normals(p.normals)]
        uv = _obj_uv(p)
        if uv is not None:
            lines += [f"vt {u:.6f} {v:.6f}" for u, v in uv]
        lines.append(f"usemtl {mat}")
        f = np.asarray(p.faces) + 1
        for a, b, c in f:
            if uv is not None:
                lines.append(f"f {a + base_v}/{a + base_vt}/{a + base_v} {b + base_v}/{b + base_vt}/{b + base_v} "
                             f"{c + base_v}/{c + base_vt}/{c + base_v}")
            else:
                lines.append(f"f {a + base_v}//{a + base_v} {b + base_v}//{b + base_v} {c + base_v}//{c + base_v}")
        base_v += len(p.vertices)
        base_vt += len(uv) if uv is not None else 0
    return "\n".join(lines) + "\n", materials


def save_obj(parts: list[ExportMesh], path: str | Path) -> list[Path]:
    """Write ``name.obj``, ``name.mtl`` and the fabric PNGs beside them; returns every path written."""
    path = Path(path)
    parts = [p for p in parts if len(p.faces)]
    if not parts:
        raise InvalidInputError("nothing to export: no part has faces", field="mesh")
    obj, materials = _obj_text(parts, path.with_suffix(".mtl").name)
    written, mtl = [], []
    for mat, p in zip(materials, parts, strict=True):
        color = SKIN_SRGB if p.fabric is None else p.fabric.color
        rough = 0.55 if p.fabric is None else p.fabric.roughness
        mtl += [f"newmtl {mat}", "Ka 0 0 0", "Kd {:.4f} {:.4f} {:.4f}".format(*color), "Ks 0.04 0.04 0.04",
                f"Pr {rough:.3f}", "Pm 0", "illum 2"]
        if p.fabric is not None and p.uv is not None:
            textures = fabric_textures(p.fabric)
            if p.atlas is not None:  # the atlas UVs carry the baked colour; tile maps would need the tile UVs
                textures = {"base_color": _png(p.atlas)}
            for key, png in textures.items():
                if key == "metallic_roughness":  # OBJ readers want roughness as a grey map
                    key, png = "roughness", _png(p.fabric.roughness_map)
                tex = path.with_name(f"{path.stem}_{mat}_{key}.png")
                written.append(atomic_write_bytes(tex, png))
                tag = {"base_color": "map_Kd", "normal": "norm", "roughness": "map_Pr"}[key]
                mtl.append(f"{tag} {tex.name}")
        mtl.append("")
    written.append(atomic_write_bytes(path.with_suffix(".mtl"), "\n".join(mtl).encode()))
    written.append(atomic_write_bytes(path, obj.encode()))
    return written
