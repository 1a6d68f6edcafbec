"""The collision proxy: exact distances near the surface, the right sign inside and out."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from custom_nodes.avatar.sdf import build_sdf
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.mesh import TriangleMesh


def winding_number(points: np.ndarray, v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Generalised winding number (1 inside a closed mesh, 0 outside), by solid angles."""
    a0, b0, c0 = v[f[:, 0]].astype(float), v[f[:, 1]].astype(float), v[f[:, 2]].astype(float)
    out = []
    for p in points:
        a, b, c = a0 - p, b0 - p, c0 - p
        la, lb, lc = (np.linalg.norm(x, axis=1) for x in (a, b, c))
        det = np.einsum("ij,ij->i", a, np.cross(b, c))
        den = la * lb * lc + np.einsum("ij,ij->i", a, b) * lc + np.einsum("ij,ij->i", b, c) * la \
            + np.einsum("ij,ij->i", c, a) * lb
        out.append(np.arctan2(det, den).sum() / (2 * np.pi))
    return np.array(out)


@pytest.fixture(scope="module")
def sphere():
    s = trimesh.creation.icosphere(subdivisions=5, radius=0.2)
    mesh = TriangleMesh(s.vertices + [0, 1.0, 0], s.faces)
    return mesh, build_sdf(mesh)


def test_sphere_distances_are_exact_in_the_band(sphere):
    mesh, sdf = sphere
    rng = np.random.default_rng(0)
    d = rng.normal(size=(2000, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    r = rng.uniform(0.185, 0.215, 2000)
    p = np.array([0, 1.0, 0]) + d * r[:, None]
    dist, grad = sdf.query(p)
    assert np.abs(dist - (r - 0.2)).max() < 2.5e-3  # trilinear on 5 mm cells, faceted sphere
    assert np.mean(np.einsum("ij,ij->i", grad, d) > 0) > 0.99  # gradients point outwards
    assert sdf.voxel_size == pytest.approx(0.005)


def test_sphere_sign_is_right_deep_inside_and_far_outside(sphere):
    _, sdf = sphere
    inside, _ = sdf.query(np.array([[0, 1.0, 0], [0.1, 1.05, 0.0]]))
    outside, _ = sdf.query(np.array([[0.0, 1.0, 0.3], [0.5, 1.5, 0.5]]))
    assert np.all(inside < 0) and np.all(outside > 0)


def test_body_sign_matches_the_winding_number(female_m):
    avatar, _ = female_m
    sdf = avatar.sdf
    v, f = avatar.mesh.vertices, avatar.mesh.faces
    rng = np.random.default_rng(1)
    body = v[avatar.vertex_part != 2]  # not the head: its eye sockets and mouth are cavities
    p = body[rng.choice(len(body), 400)] + rng.normal(0, 0.012, (400, 3))
    d, _ = sdf.query(p)
    inside = winding_number(p, v, f) > 0.5
    clear = np.abs(d) > 0.004
    assert np.mean((d[clear] < 0) == inside[clear]) > 0.99


def test_sdf_refuses_a_mesh_without_faces():
    empty = TriangleMesh(np.zeros((3, 3), np.float32), np.zeros((0, 3), np.int32))
    with pytest.raises(InvalidInputError, match="no faces"):
        build_sdf(empty)


def test_sdf_is_cached_per_mesh(sphere):
    mesh, sdf = sphere
    assert build_sdf(mesh) is sdf


def test_a_scan_with_a_hole_still_has_its_inside_negative():
    s = trimesh.creation.icosphere(subdivisions=5, radius=0.2)
    centres = s.triangles_center
    keep = ~((centres[:, 1] > 0.195) & (np.abs(centres[:, 0]) < 0.008) & (np.abs(centres[:, 2]) < 0.008))
    assert (~keep).sum() >= 8  # a hole of about 1.5 cm at the top
    mesh = TriangleMesh(s.vertices + [0, 1.0, 0], s.faces[keep])
    sdf = build_sdf(mesh)
    d, _ = sdf.query(np.array([[0, 1.0, 0], [0.12, 1.0, 0.0], [0.0, 1.0, 0.3]]))
    assert d[0] < 0 and d[1] < 0 and d[2] > 0
