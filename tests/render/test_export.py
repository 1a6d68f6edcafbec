"""GLB/OBJ export: Khronos glTF-Validator reports 0 errors; geometry, units, UVs and textures survive."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pygltflib
import pytest
import trimesh

from custom_nodes.core import examples as ex
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.render import api
from custom_nodes.render.export import ExportMesh, glb_bytes, parts_from_drape, vertex_tangents
from custom_nodes.render.scenes import cylinder_skirt, plane, tile_coordinates


@pytest.fixture()
def printed_drape(printed_fabric):
    return replace(ex.tube_drape(), fabric=printed_fabric)


def test_glb_passes_the_khronos_validator(tmp_path, printed_drape, gltf_validator):
    path = api.export_drape(printed_drape, tmp_path / "drape.glb")[0]
    report = gltf_validator(path)
    assert report["numErrors"] == 0, report["messages"]
    assert report["numWarnings"] == 0, report["messages"]  # tangents are written, not left to viewers


def test_tangents_are_unit_orthogonal_and_signed():
    skirt = cylinder_skirt(segments=12, rows=3)
    uv = skirt.uvs.copy()
    uv[skirt.faces[0]] = uv[skirt.faces[0, 0]]  # one face with a collapsed UV triangle
    t = vertex_tangents(skirt.vertices, skirt.faces, skirt.vertex_normals, uv)
    assert np.allclose(np.linalg.norm(t[:, :3], axis=1), 1, atol=1e-5)
    assert np.abs(np.einsum("ij,ij->i", t[:, :3], skirt.vertex_normals)).max() < 1e-4
    assert set(np.unique(t[:, 3])) <= {-1.0, 1.0}
    flat = plane(1.0, 1.0, divisions=2)  # u runs along +x on a plane facing +z
    tp = vertex_tangents(flat.vertices, flat.faces, flat.vertex_normals, flat.uvs)
    assert np.allclose(tp, [1, 0, 0, 1], atol=1e-6)


def test_plain_fabric_and_skirt_glbs_validate(tmp_path, gltf_validator, printed_fabric):
    plain = tmp_path / "plain.glb"
    api.export_drape(ex.tube_drape(), plain)  # flat-colour tile, no normal or roughness map
    skirt = cylinder_skirt(segments=24, rows=6)
    uv = tile_coordinates(skirt.uvs, np.zeros(skirt.n_vertices, np.int32), np.array([[0, 1]], np.float32),
                          printed_fabric.tile_size)
    parts = [ExportMesh("box", ex.box().vertices, ex.box().faces, ex.box().vertex_normals),
             ExportMesh("skirt", skirt.vertices, skirt.faces, skirt.vertex_normals, uv, printed_fabric, True)]
    (tmp_path / "skirt.glb").write_bytes(glb_bytes(parts))
    for p in (plain, tmp_path / "skirt.glb"):
        assert gltf_validator(p)["numErrors"] == 0


def test_glb_keeps_metres_uvs_and_pbr_maps(tmp_path, printed_drape):
    path = api.export_drape(printed_drape, tmp_path / "drape.glb")[0]
    gltf = pygltflib.GLTF2().load(str(path))
    assert [n.name for n in gltf.nodes] == ["box", "tube"]
    mat = gltf.materials[gltf.meshes[1].primitives[0].material]
    assert mat.pbrMetallicRoughness.baseColorTexture is not None and mat.normalTexture is not None
    assert mat.pbrMetallicRoughness.metallicRoughnessTexture is not None and mat.doubleSided
    assert len(gltf.images) == 3 and gltf.samplers[0].wrapS == 10497
    scene = trimesh.load(str(path), process=False)
    tube = scene.geometry["tube"]
    assert np.allclose(tube.vertices, printed_drape.positions, atol=1e-6)  # metres, +Y up, untouched
    g = printed_drape.garment
    tiles = tile_coordinates(g.rest, g.vertex_panel, g.panel_grain, printed_drape.fabric.tile_size)
    # trimesh flips V back on load; 0.4 m of pattern across = 4 tiles of 10 cm
    assert np.allclose(tube.visual.uv, tiles, atol=1e-5)
    assert np.ptp(tube.visual.uv[:, 0]) == pytest.approx(4.0)


def test_obj_with_mtl_and_textures(tmp_path, printed_drape):
    files = api.export_drape(printed_drape, tmp_path / "drape.obj")
    names = sorted(p.name for p in files)
    assert "drape.obj" in names and "drape.mtl" in names and any(n.endswith("base_color.png") for n in names)
    mtl = (tmp_path / "drape.mtl").read_text()
    assert "map_Kd drape_mat1_fabric_base_color.png" in mtl and "norm " in mtl and "map_Pr " in mtl
    loaded = trimesh.load(str(tmp_path / "drape.obj"), process=False, force="mesh")
    assert len(loaded.faces) == 12 + 4
    assert np.allclose(loaded.bounds, [[-0.2, 0.0, -0.15], [0.2, 1.7, 0.15]], atol=1e-5)


def test_export_refuses_nothing_to_write(tmp_path):
    with pytest.raises(InvalidInputError, match="nothing to export"):
        glb_bytes([ExportMesh("none", np.zeros((0, 3)), np.zeros((0, 3), int), np.zeros((0, 3)))])
    assert len(parts_from_drape(ex.tube_drape())) == 2
