"""The report's rulers: counts made on triangle meshes, GarmentCode's way, checked against cases the old
SDF-based counts got wrong and against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from custom_nodes.cloth_sim.body import body_collider
from custom_nodes.cloth_sim.intersections import _crosses, segments_through_triangles, self_edge_crossings
from custom_nodes.cloth_sim.report import body_contact, build_report, panels_off_body
from custom_nodes.cloth_sim.scenes import cylinder_avatar, sheet, tube
from custom_nodes.core.garment import Garment


def _arm_avatar():
    """A thin 'arm': a capped cylinder 3 cm in radius, standing upright at the origin (1.4 m tall)."""
    return cylinder_avatar(radius=0.03, height=1.4)


def _strip(points: np.ndarray) -> Garment:
    """A strip of cloth, two vertices wide, whose first row follows ``points`` (k, 3)."""
    k = len(points)
    pos = np.concatenate([points, points + [0, 0.01, 0]]).astype(np.float32)
    rest = np.concatenate([np.stack([np.arange(k) * 0.01, np.zeros(k)], 1),
                           np.stack([np.arange(k) * 0.01, np.full(k, 0.01)], 1)]).astype(np.float32)
    i = np.arange(k - 1)
    faces = np.concatenate([np.stack([i, i + 1, k + i], 1), np.stack([i + 1, k + i + 1, k + i], 1)]).astype(np.int32)
    return Garment("strip", rest, pos, faces, np.zeros(2 * k, np.int32), ("strip",), ("arm_left",),
                   np.array([[1.0, 0.0]], np.float32), np.zeros((0, 2), np.int32), np.zeros(0, np.int32))


def test_an_edge_through_an_arm_with_both_ends_outside_counts():
    """Both ends of every edge lie outside the 6 cm arm, yet three edges (one per row and the diagonal
    between them) pass through it. An end-inside-the-SDF count says 0; GarmentCode's edge-against-mesh count
    says 3."""
    arm = _arm_avatar()
    g = _strip(np.array([[-0.10, 1.0, 0.0], [0.10, 1.0, 0.0], [0.20, 1.0, 0.0]]))
    d, _ = body_collider(arm).query(g.positions)
    assert np.all(d > 0)  # no vertex is inside: the old count would have been 0
    contact = body_contact(g, g.positions, arm)
    assert contact["body_crossings"] == 3
    assert contact["body_crossings_by_panel"] == {"strip": 3}
    assert contact["penetrating_vertices"] == 0


def test_an_edge_beside_the_arm_does_not_count():
    g = _strip(np.array([[-0.10, 1.0, 0.05], [0.10, 1.0, 0.05], [0.20, 1.0, 0.05]]))
    assert body_contact(g, g.positions, _arm_avatar())["body_crossings"] == 0


def test_segment_counts_match_brute_force():
    rng = np.random.default_rng(3)
    m = trimesh.creation.icosphere(2, radius=0.3)
    a = rng.uniform(-0.5, 0.5, (800, 3))
    b = a + rng.normal(0, 0.15, (800, 3))
    fast = segments_through_triangles(a, b, m.vertices, m.faces)
    v, f = np.asarray(m.vertices, np.float64), m.faces
    brute = np.array([_crosses(np.repeat(a[i:i + 1], len(f), 0), np.repeat(b[i:i + 1], len(f), 0),
                               v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]).any() for i in range(len(a))])
    assert fast.sum() > 50  # the case is not trivial
    assert np.array_equal(fast, brute)
    # independent ground truth for a sphere: a segment crosses its surface iff one end is inside, or both
    # are outside and the closest point of the segment to the centre is inside (up to the facets).
    inside = lambda p: np.linalg.norm(p, axis=1) < 0.3  # noqa: E731
    t = np.clip(-np.einsum("ij,ij->i", a, b - a) / np.einsum("ij,ij->i", b - a, b - a), 0, 1)
    closest = a + t[:, None] * (b - a)
    exact = (inside(a) != inside(b)) | (~inside(a) & ~inside(b) & (np.linalg.norm(closest, axis=1) < 0.29))
    clear = np.abs(np.linalg.norm(closest, axis=1) - 0.3) > 0.02  # away from the facets' error band
    assert np.array_equal(fast[clear & ~(inside(a) & inside(b))], exact[clear & ~(inside(a) & inside(b))])


def test_one_sheet_through_another_counts_self_crossings():
    """Two sheets crossing at right angles: every edge of one that pierces the other's rectangle counts
    (ground truth: the sign change across the other sheet's plane), and a flat sheet alone counts 0."""
    flat = sheet(0.3, 0.03, 1.0)
    assert self_edge_crossings(flat.positions, _edges_of(flat.faces), flat.faces).sum() == 0
    upright = sheet(0.3, 0.03, 1.15, vertical=True)
    n = flat.n_vertices
    shift = np.array([0.0017, 0.007, 0.0013], np.float32)  # off every grid line of the flat sheet
    x = np.concatenate([flat.positions, upright.positions + shift])
    faces = np.concatenate([flat.faces, upright.faces + n])
    e = _edges_of(faces)
    crossing = self_edge_crossings(x, e, faces)
    a, b = x[e[:, 0]].astype(np.float64), x[e[:, 1]].astype(np.float64)
    in_flat, in_up = e[:, 0] < n, e[:, 0] >= n

    def pierces(axis, level, lo, hi, other):  # crosses the plane x[axis] = level inside the other's box
        t = (level - a[:, axis]) / np.where(a[:, axis] == b[:, axis], np.nan, b[:, axis] - a[:, axis])
        p = a + np.nan_to_num(t)[:, None] * (b - a)
        box = np.all((p[:, other] >= lo) & (p[:, other] <= hi), axis=1)
        return (t >= 0) & (t <= 1) & box

    xs, ys, zs = x[n:, 0], x[n:, 1], x[:n, 2]
    truth = (in_up & pierces(1, 1.0, [-0.15, zs.min()], [0.15, zs.max()], [0, 2])) | \
            (in_flat & pierces(2, 0.0013, [xs.min(), ys.min()], [xs.max(), ys.max()], [0, 1]))
    assert truth.sum() > 20
    assert np.array_equal(crossing, truth)


def _edges_of(faces):
    from custom_nodes.cloth_sim.model import unique_edges

    return unique_edges(faces)[0]


def test_a_panel_that_slid_or_fell_is_named():
    body = cylinder_avatar()
    g = tube(0.82, 0.4, 0.025)
    assert panels_off_body(g, g.positions, body) == []
    x = g.positions.copy()
    x[g.vertex_panel == 1] -= [0, 0.15, 0]  # the back slid 15 cm
    slid = panels_off_body(g, x, body)
    assert len(slid) == 1 and "'back' slid 15.0 cm" in slid[0]
    x[g.vertex_panel == 0] += [0, 0, 0.6]  # the front is 60 cm in front of the body
    out = panels_off_body(g, x, body)
    assert any("'front' fell away from the body" in r for r in out)
    rep = build_report(g, x, body, frames=1, frames_to_static=1, seconds=0.0, stop_reason="test",
                       sewn_at_frame=None, recovered=0, fabric_name="jersey")
    assert not rep["passed"] and any("slid" in r for r in rep["reasons"])


@pytest.mark.parametrize("moving", [True, False])
def test_sliding_is_not_judged_while_the_body_moves(moving):
    body = cylinder_avatar()
    g = tube(0.82, 0.4, 0.025)
    x = g.positions - np.array([0, 0.15, 0], np.float32)
    assert bool(panels_off_body(g, x, body, moving_body=moving)) is not moving
