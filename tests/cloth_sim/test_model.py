"""Static model: masses from density × area, flat rest state, valid colouring, grain-dependent stiffness."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.cloth_sim.fabrics import custom_fabric
from custom_nodes.cloth_sim.model import BEND, LONG, LONG_SEAM, SEAM, SEAM_BEND, STRETCH, build_model
from custom_nodes.cloth_sim.scenes import sheet, tube
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.garment import Garment

FABRIC = custom_fabric("test", 200, 0.5, 2000, 500, 300, 5, 5)


def test_mass_is_density_times_area():
    m = build_model(sheet(0.4, 0.05), FABRIC)
    assert m.mass.sum() == pytest.approx(0.2 * 0.4 * 0.4, rel=1e-5)


def test_colours_share_no_vertex_and_rest_shape_is_at_rest():
    g = tube(0.6, 0.3, 0.05)
    m = build_model(g, FABRIC)
    for c in range(len(m.colour_offsets) - 1):
        idx = m.cidx[m.colour_offsets[c]:m.colour_offsets[c + 1]]
        verts = np.concatenate([np.unique(row) for row in idx])
        assert len(verts) == len(np.unique(verts)), f"colour {c} shares a vertex"
    assert set(np.unique(m.ctype)) == {STRETCH, BEND, SEAM, LONG, LONG_SEAM, SEAM_BEND}
    rest3 = np.concatenate([g.rest, np.zeros((g.n_vertices, 1), np.float32)], 1)
    bend = m.ctype == BEND
    assert np.abs(np.einsum("ck,ckd->cd", m.cw[bend], rest3[m.cidx[bend]])).max() < 1e-6
    st = m.ctype == STRETCH
    lengths = np.linalg.norm(g.rest[m.cidx[st, 0]] - g.rest[m.cidx[st, 1]], axis=1)
    assert np.allclose(lengths, m.cw[st, 0], atol=1e-6)
    long = (m.ctype == LONG) | (m.ctype == LONG_SEAM)  # long-range limits span several edges and start exactly at rest
    same = g.vertex_panel[m.cidx[:, 0]] == g.vertex_panel[m.cidx[:, 1]]
    inside, across = long & same, long & ~same
    spans = np.linalg.norm(g.rest[m.cidx[inside, 0]] - g.rest[m.cidx[inside, 1]], axis=1)
    assert np.allclose(spans, m.cw[inside, 0], atol=1e-6) and spans.min() > 2 * np.median(lengths)
    assert across.any()  # the sewn hoop is held across its seams too
    placed = np.linalg.norm(g.positions[m.cidx[across, 0]] - g.positions[m.cidx[across, 1]], axis=1)
    assert np.all(m.cw[across, 0] < placed)  # rest = a path through the seam, not the gap between flat panels
    assert np.all(placed > 0.3)


def test_warp_edges_are_stiffer_than_weft_edges():
    g = sheet(0.2, 0.05)  # grain is +v (rest y)
    m = build_model(g, FABRIC)
    st = m.ctype == STRETCH
    d = g.rest[m.cidx[st, 1]] - g.rest[m.cidx[st, 0]]
    along_warp = np.abs(d[:, 0]) < 1e-6
    along_weft = np.abs(d[:, 1]) < 1e-6
    assert m.compliance[st][along_warp].max() < m.compliance[st][along_weft].min()


def test_zero_area_triangles_are_rejected_by_name():
    g = sheet(0.2, 0.1)
    faces = np.concatenate([g.faces, [[0, 1, 2]]])  # collinear: first row of the grid
    bad = Garment("bad", g.rest, g.positions, faces, g.vertex_panel, g.panel_names, g.panel_body_parts,
                  g.panel_grain, g.seam_pairs, g.seam_of_pair)
    with pytest.raises(InvalidInputError, match="Garment.faces.*zero area"):
        build_model(bad, FABRIC)


def test_a_gathered_seam_takes_the_shorter_sides_rest_length():
    """Two strips sewn edge to edge, one side twice as long: the sewn edges of the long side rest at the short
    side's lengths (GarmentCode's rule), so the seam gathers it; edges off the seam keep their own length."""
    from custom_nodes.cloth_sim.model import gathered_lengths, unique_edges
    from custom_nodes.core.garment import Garment

    # panel 0: a 0.1 m strip with 3 seam vertices on its top; panel 1: a 0.2 m strip, 3 seam vertices below
    short = np.array([[0, 0], [0.05, 0], [0.1, 0], [0, -0.05], [0.1, -0.05]], np.float32)
    long_ = np.array([[0, 0], [0.1, 0], [0.2, 0], [0, 0.05], [0.2, 0.05]], np.float32)
    rest = np.concatenate([short, long_])
    faces = np.array([[3, 1, 0], [3, 4, 1], [4, 2, 1], [5, 6, 8], [6, 9, 8], [6, 7, 9]], np.int32)
    pairs = np.array([[0, 5], [1, 6], [2, 7]], np.int32)
    g = Garment("g", rest, np.c_[rest, np.zeros(10)].astype(np.float32), faces, np.repeat([0, 1], 5),
                ("a", "b"), ("torso", "torso"), np.array([[0, 1], [0, 1]], np.float32), pairs,
                np.zeros(3, np.int32), ("seam",))
    edges, _ = unique_edges(faces)
    length = np.linalg.norm(rest[edges[:, 0]] - rest[edges[:, 1]], axis=1)
    out = gathered_lengths(g, edges, length)
    on_long_seam = [(5, 6), (6, 7)]
    for a, b in on_long_seam:
        k = int(np.flatnonzero((np.sort(edges, 1) == sorted((a, b))).all(1))[0])
        assert length[k] == pytest.approx(0.1) and out[k] == pytest.approx(0.05)
    off = ~np.isin(edges, [5, 6, 7]).all(1)
    assert np.array_equal(out[off], length[off])


def test_each_sewn_edge_pair_is_a_bending_hinge_flat_at_rest():
    """Across each seam, every pair of sewn edges gets a bending stencil over the two triangles they belong
    to, at rest when the back panel is laid flat beside the front (unfolded across that seam)."""
    g = tube(0.6, 0.3, 0.05)
    m = build_model(g, FABRIC)
    hinge = m.ctype == SEAM_BEND
    rows = int(np.sum(g.rest[g.vertex_panel == 0, 0] == 0))  # vertices up one side seam
    assert hinge.sum() == 2 * (rows - 1)
    idx, w = m.cidx[hinge], m.cw[hinge]
    assert np.all(g.vertex_panel[idx[:, :3]] == g.vertex_panel[idx[:, :1]]) and np.all(
        g.vertex_panel[idx[:, 3]] != g.vertex_panel[idx[:, 0]])
    width = float(g.rest[:, 0].max())
    residual = []
    for shift in (width, -width):  # the back laid beside the front's right side, or its left
        flat = np.concatenate([g.rest, np.zeros((g.n_vertices, 1), np.float32)], 1).astype(np.float64)
        flat[g.vertex_panel == 1, 0] += shift
        residual.append(np.abs(np.einsum("ck,ckd->cd", w, flat[idx])).max(1))
    assert np.minimum(*residual).max() < 1e-5
