"""Mesh files in and out, and the first IO nodes behaving like their core counterparts."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core import examples
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.mesh_io import load_mesh, read_glb_summary, save_mesh
from custom_nodes.core.nodes import AtelierLoadMesh, AtelierMeshToCoreMesh, AtelierSaveGLB
from custom_nodes.core.paths import using_directories


@pytest.mark.parametrize("suffix", [".glb", ".obj", ".ply"])
def test_save_and_load_keep_geometry(tmp_path, suffix):
    box = examples.box()
    path = save_mesh(box, tmp_path / f"box{suffix}")
    back = load_mesh(path)
    assert back.n_faces == box.n_faces
    assert np.allclose(np.sort(back.vertices, axis=0), np.sort(box.vertices, axis=0), atol=1e-6)


def test_glb_holds_one_node_per_mesh(tmp_path):
    path = save_mesh([examples.box(), examples.tetrahedron()], tmp_path / "scene.glb")
    summary = read_glb_summary(path.read_bytes())
    assert summary["meshes"] == 2
    merged = load_mesh(path)  # loading merges sub-meshes
    assert merged.n_faces == 12 + 4


@pytest.mark.parametrize("content, match", [
    (b"", "empty"), (b"\x00garbage" * 100, "cannot read"), (b"solid x\nendsolid x\n", "no triangles")])
def test_bad_files_name_the_file(tmp_path, content, match):
    suffix = ".stl" if content.startswith(b"solid") else ".glb"
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(content)
    with pytest.raises(InvalidInputError, match=match) as err:
        load_mesh(bad)
    assert "bad" in str(err.value)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(InvalidInputError, match="no such file"):
        load_mesh(tmp_path / "nope.glb")
    (tmp_path / "x.fbx").write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="unsupported mesh format"):
        load_mesh(tmp_path / "x.fbx")


def test_failed_export_leaves_no_file(tmp_path):
    from custom_nodes.core.mesh import TriangleMesh

    with pytest.raises(InvalidInputError, match="no faces"):
        save_mesh(TriangleMesh(np.zeros((0, 3)), np.zeros((0, 3))), tmp_path / "empty.glb")
    assert list(tmp_path.iterdir()) == []


def test_save_glb_node_returns_core_preview_output(tmp_path):
    with using_directories(output=tmp_path):
        out = AtelierSaveGLB().save(examples.box(), "atelier/box")
        again = AtelierSaveGLB().save(examples.box(), "atelier/box")
    assert out["ui"] == {"3d": [{"filename": "box_00001_.glb", "subfolder": "atelier", "type": "output"}]}
    assert again["ui"]["3d"][0]["filename"] == "box_00002_.glb"
    assert out["result"] == ("atelier/box_00001_.glb",)
    assert load_mesh(tmp_path / "atelier" / "box_00001_.glb").n_faces == 12


def test_load_mesh_node_reads_from_input_folder(tmp_path):
    save_mesh(examples.box(), tmp_path / "body.obj")
    with using_directories(input=tmp_path):
        (mesh,) = AtelierLoadMesh().load("body.obj")
    assert mesh.n_faces == 12 and mesh.name == "body"


def test_core_mesh_has_the_batched_layout_core_savglb_reads():
    (core,) = AtelierMeshToCoreMesh().convert(examples.box())
    assert tuple(core.vertices.shape) == (1, 8, 3) and tuple(core.faces.shape) == (1, 12, 3)
    assert str(core.faces.dtype) == "torch.int64"
