import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.examples import rectangle_panel
from custom_nodes.core.pattern import Pattern
from custom_nodes.pattern.curves import outline_area
from custom_nodes.pattern.mesher import mesh_polygon, triangle_angles
from custom_nodes.pattern.triangulate import graded_fractions, triangulate


def _edges(tris):
    e = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    return set(map(tuple, np.sort(e, axis=1)))


def test_boundary_points_are_kept_exactly_and_all_boundary_edges_exist():
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    ring = np.stack([0.2 * np.cos(t), 0.12 * np.sin(t)], 1)
    pts, tris = mesh_polygon(ring, 0.01)
    assert np.array_equal(pts[:90], ring)
    edges = _edges(tris)
    assert all(tuple(sorted((i, (i + 1) % 90))) in edges for i in range(90))
    assert triangle_angles(pts, tris).min() >= 25.0


def test_internal_lines_become_mesh_edges():
    from dataclasses import replace

    dart = np.array([[0.2, 0.0], [0.2, 0.3]], np.float32)
    panel = replace(rectangle_panel("p", 0.4, 0.6), internal_lines=(dart,))
    g = triangulate(Pattern("p", (panel,)), 0.02)
    on_line = np.where((np.abs(g.rest[:, 0] - 0.2) < 1e-6) & (g.rest[:, 1] <= 0.3 + 1e-6))[0]
    on_line = on_line[np.argsort(g.rest[on_line, 1])]
    assert len(on_line) >= 15
    edges = _edges(g.faces)
    present = [tuple(sorted((a, b))) in edges for a, b in zip(on_line[:-1], on_line[1:], strict=True)]
    assert all(present)  # every internal-line segment is a mesh edge
    assert g.face_rest_areas.sum() == pytest.approx(outline_area(panel), rel=1e-4)


def test_graded_fractions_shrink_towards_a_short_neighbour():
    f = graded_fractions(0.5, 0.02, 0.004, 0.02)
    steps = np.diff(f) * 0.5
    assert steps[0] == pytest.approx(0.004, rel=0.2) and steps.max() <= 0.022
    assert np.all(steps[1:] / steps[:-1] < 1.45)


def test_self_intersecting_outline_is_refused():
    bowtie = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], float)
    with pytest.raises(InvalidInputError, match="self-intersecting"):
        mesh_polygon(bowtie, 0.05)


def test_absurd_resolution_and_self_sewn_edges_are_refused():
    from custom_nodes.core.examples import tube_pattern
    from custom_nodes.core.pattern import Seam, SeamSide

    big = Pattern("big", (rectangle_panel("p", 3.0, 3.0),))
    with pytest.raises(InvalidInputError, match="M vertices"):
        triangulate(big, 0.002)
    tube = tube_pattern()
    bad = Pattern("bad", tube.panels, (Seam(SeamSide("front", (1,)), SeamSide("front", (1,), reverse=True)),))
    with pytest.raises(InvalidInputError, match="to themselves"):
        triangulate(bad, 0.05)
