"""Long-range limits hold only pairs whose straight line stays on the cloth."""

import numpy as np

from custom_nodes.cloth_sim.longrange import boundary_edges, segments_inside

# a 0.4 x 0.4 m panel with a slit 4 cm wide cut 0.3 m up from its hem, outline counter-clockwise
SLIT = np.array([[0, 0], [0.18, 0], [0.2, 0.3], [0.22, 0], [0.4, 0], [0.4, 0.4], [0, 0.4]], float)


def _outline(poly):
    return np.stack([poly, np.roll(poly, -1, axis=0)], 1)


def test_a_chord_across_a_slit_is_not_on_the_cloth():
    outline = _outline(SLIT)
    a = np.array([[0.1, 0.1], [0.1, 0.1], [0.0, 0.0], [0.17, 0.0], [0.05, 0.35]])
    b = np.array([[0.3, 0.1], [0.1, 0.35], [0.4, 0.0], [0.23, 0.0], [0.35, 0.35]])
    ok = segments_inside(a, b, outline)
    # across the slit; inside; along the hem across the slit's mouth; between its lips; above the slit
    assert ok.tolist() == [False, True, False, False, True]


def test_segments_along_the_outline_count_as_on_the_cloth():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    ok = segments_inside(np.array([[0.0, 0.0], [1.0, 0.2]]), np.array([[0.6, 0.0], [1.0, 0.9]]), _outline(square))
    assert ok.all()


def test_boundary_edges_of_two_triangles_are_the_square():
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    assert sorted(map(tuple, boundary_edges(faces).tolist())) == [(0, 1), (0, 3), (1, 2), (2, 3)]
