"""Core types: validation names the bad field; every type round-trips through dict, JSON and JSON+npz."""

from __future__ import annotations

import json

import numpy as np
import pytest

from custom_nodes.core import examples
from custom_nodes.core.camera import Camera
from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.core.fabric import Fabric
from custom_nodes.core.garment import Garment
from custom_nodes.core.mesh import TriangleMesh
from custom_nodes.core.pattern import Edge, Panel, Pattern, Seam, SeamSide
from custom_nodes.core.serial import Record, from_json, load, save, to_json

EXAMPLES = {
    "mesh": examples.tetrahedron,
    "pattern": examples.tube_pattern,
    "garment": examples.tube_garment,
    "avatar": examples.box_avatar,
    "fabric": examples.jersey,
    "camera": examples.front_camera,
    "drape": examples.tube_drape,
    "sdf": examples.box_sdf,
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_dict_json_and_npz(name, tmp_path):
    obj = EXAMPLES[name]()
    assert type(obj).from_dict(obj.to_dict()) == obj
    assert from_json(to_json(obj)) == obj
    path = save(obj, tmp_path / name)
    assert path.suffix == ".json" and path.with_suffix(".npz").is_file()
    back = load(path)
    assert back == obj and type(back) is type(obj)


def test_equality_sees_array_changes():
    a, b = examples.tetrahedron(), examples.tetrahedron()
    assert a == b
    moved = TriangleMesh(a.vertices + 0.001, a.faces)
    assert a != moved


def test_arrays_are_read_only_so_nodes_cannot_mutate_inputs():
    mesh = examples.tetrahedron()
    with pytest.raises(ValueError):
        mesh.vertices[0, 0] = 5.0
    source = np.zeros((3, 3), np.float32)
    m = TriangleMesh(source, [[0, 1, 2]])
    source[0, 0] = 9.0  # the caller's array is copied, not shared
    assert m.vertices[0, 0] == 0.0


@pytest.mark.parametrize("build, field", [
    (lambda: TriangleMesh(np.zeros((3, 2)), [[0, 1, 2]]), "TriangleMesh.vertices"),
    (lambda: TriangleMesh(np.zeros((3, 3)), [[0, 1, 5]]), "TriangleMesh.faces"),
    (lambda: TriangleMesh([[0, 0, 0], [1, 0, np.nan], [0, 1, 0]], [[0, 1, 2]]), "TriangleMesh.vertices"),
    (lambda: Fabric("x", -1, 1e-3, 1, 1, 1, 0, 0), "Fabric.area_density"),
    (lambda: Fabric("x", 0.2, 1e-3, 1, 1, 1, 0, 0, friction=5), "Fabric.friction"),
    (lambda: Camera(eye=[0, 1, 2], target=[0, 1, 0], width=0), "Camera.width"),
    (lambda: Camera(eye=[0, 1, 2], target=[0, 1, 0], height=20000), "Camera.height"),
    (lambda: Camera(eye=[0, 1, 0], target=[0, 1, 0]), "Camera.eye"),
])
def test_validation_names_the_field(build, field):
    with pytest.raises(InvalidInputError) as err:
        build()
    assert field in str(err.value)


def test_panel_outline_must_close():
    verts = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    edges = (Edge(0, 1), Edge(1, 2), Edge(2, 3), Edge(3, 1))
    with pytest.raises(InvalidInputError, match="not closed"):
        Panel("front", verts, edges)


def test_curve_needs_its_control_points():
    with pytest.raises(InvalidInputError, match="cubic edge needs 2"):
        Edge(0, 1, "cubic", np.zeros((1, 2)))


def test_seam_must_name_existing_panels_and_edges():
    front = examples.rectangle_panel("front")
    with pytest.raises(InvalidInputError, match="unknown panel 'back'"):
        Pattern("p", (front,), (Seam(SeamSide("front", (1,)), SeamSide("back", (3,))),))
    with pytest.raises(InvalidInputError, match="which has 4 edges"):
        Pattern("p", (front,), (Seam(SeamSide("front", (1,)), SeamSide("front", (7,))),))


def test_garment_checks_seam_indices():
    g = examples.tube_garment()
    with pytest.raises(InvalidInputError, match="Garment.seam_pairs"):
        Garment(g.name, g.rest, g.positions, g.faces, g.vertex_panel, g.panel_names, g.panel_body_parts,
                g.panel_grain, np.array([[0, 99]]), np.array([0]), g.seam_labels)


def test_garment_rest_areas_and_mesh_uvs():
    g = examples.tube_garment()
    assert g.face_rest_areas.sum() == pytest.approx(2 * 0.4 * 0.6)
    assert np.array_equal(g.mesh.uvs, g.rest)


def test_mesh_normals_point_outwards_on_a_box():
    box = examples.box()
    centre = box.vertices.mean(0)
    face_centres = box.vertices[box.faces].mean(1)
    assert np.all(np.einsum("ij,ij->i", box.face_normals, face_centres - centre) > 0)


def test_sdf_sign_and_distance_on_box():
    sdf = examples.box_sdf()
    d, grad = sdf.query(np.array([[0.0, 0.85, 0.0], [0.0, 0.85, 0.15]]))
    assert d[0] < -0.05 and d[1] == pytest.approx(0.05, abs=0.005)
    assert grad[1, 2] == pytest.approx(1.0, abs=0.05)  # points away from the body


def test_camera_projects_target_to_image_centre_and_depth_is_distance():
    cam = Camera.orbit(30.0, 10.0, 2.5, target=(0.1, 1.0, 0.0), width=200, height=100)
    px, depth = cam.project(np.array([[0.1, 1.0, 0.0]]))
    assert px[0] == pytest.approx([100.0, 50.0], abs=1e-6)
    assert depth[0] == pytest.approx(2.5)


def test_camera_up_is_up_in_image():
    cam = examples.front_camera(100, 100)
    px, _ = cam.project(np.array([[0, 1.2, 0], [0, 0.6, 0], [0.3, 0.9, 0]]))
    assert px[0, 1] < px[1, 1]  # higher point → smaller row
    assert px[2, 0] > 50  # +X is to the right when looking at the front (from +Z)


def test_loading_rejects_garbage_with_file_name(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(FileFormatError, match="broken.json"):
        load(bad)
    doc = json.loads(to_json(examples.tetrahedron()))
    doc["record"]["__type__"] = "Spaceship"
    with pytest.raises(FileFormatError, match="Spaceship"):
        from_json(json.dumps(doc))


def test_unknown_keys_are_rejected():
    d = examples.tetrahedron().to_dict()
    d["colour"] = 3
    with pytest.raises(InvalidInputError, match="colour"):
        TriangleMesh.from_dict(d)


def test_every_core_type_is_a_record():
    for build in EXAMPLES.values():
        assert isinstance(build(), Record)


def test_atomic_writes_make_ordinary_readable_files(tmp_path):
    import stat

    from custom_nodes.core import serial
    from custom_nodes.core.serial import atomic_write_bytes

    path = atomic_write_bytes(tmp_path / "a" / "out.png", b"data")
    assert path.read_bytes() == b"data" and stat.S_IMODE(path.stat().st_mode) == 0o666 & ~serial._UMASK
    assert stat.S_IMODE(path.stat().st_mode) & 0o044  # group/others can read (unless the umask forbids it)
    assert [p.name for p in path.parent.iterdir()] == ["out.png"]
