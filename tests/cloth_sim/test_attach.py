"""GarmentCode's waist attachment (cloth_sim/attach.py): which vertices it holds, and that holding them keeps a
garment worn from the waist up while it settles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from custom_nodes.cloth_sim.attach import waist_vertices
from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.cloth_sim.drape import drape
from custom_nodes.cloth_sim.fabrics import fabric_preset
from custom_nodes.cloth_sim.scenes import torso_avatar
from custom_nodes.pattern.params import TemplateSettings
from custom_nodes.pattern.placement import body_from, place_garment
from custom_nodes.pattern.templates import draft
from custom_nodes.pattern.triangulate import triangulate

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _top_of_each_panel(g, ids):
    for p in np.unique(g.vertex_panel[ids]):
        mine = ids[g.vertex_panel[ids] == p]
        top = g.rest[g.vertex_panel == p, 1].max()
        yield p, g.rest[mine, 1], top


def test_a_template_skirt_is_held_by_its_waist_edge_and_a_tshirt_not_at_all():
    g = triangulate(draft({}, TemplateSettings(garment="skirt_aline")), 0.03)
    ids = waist_vertices(g)
    assert len(ids) >= 10 and set(np.unique(g.vertex_panel[ids])) == {0, 1}
    for _, v, top in _top_of_each_panel(g, ids):
        assert np.allclose(v, top, atol=1e-4)  # the 'waist' edge is the panel's straight top
    assert len(waist_vertices(triangulate(draft({}, TemplateSettings(garment="tshirt")), 0.03))) == 0


def test_garmentcode_patterns_are_held_by_the_edges_they_label_lower_interface():
    from custom_nodes.pattern.pattern_io import load_pattern

    p = load_pattern(CORPUS / "garmentcode" / "skirt2_00" / "specification.json")
    labelled = {q.name for q in p.panels if any(e.label == "lower_interface" for e in q.edges)}
    assert labelled
    g = triangulate(p, 0.03)
    ids = waist_vertices(g)
    assert {g.panel_names[i] for i in np.unique(g.vertex_panel[ids])} == labelled


def test_freesewing_trousers_are_held_by_the_top_of_their_legs():
    """FreeSewing marks nothing: the unsewn top side of each panel hung from the waist is its waist."""
    from custom_nodes.pattern.pattern_io import load_pattern

    g = triangulate(load_pattern(CORPUS / "freesewing" / "lily_cisFemaleAdult36.svg"), 0.03)
    ids = waist_vertices(g)
    assert {g.panel_names[i] for i in np.unique(g.vertex_panel[ids])} == {"front_left", "front_right", "back_left",
                                                                           "back_right"}
    sewn = set(g.seam_pairs.ravel().tolist())
    assert not sewn & set(ids.tolist())
    for _, v, top in _top_of_each_panel(g, ids):
        assert v.min() > top - 0.06  # near the top of the leg, not down the side seam


def test_holding_the_waist_keeps_a_loose_skirt_up_until_it_settles():
    """A skirt wider than its body (a cylinder with no hips) falls off when let go; GarmentCode holds the waist
    at the waist line while it settles. Without the avatar's waist landmark nothing is held, and the same
    drape sinks and stops."""
    g = place_garment(triangulate(draft({}, TemplateSettings(garment="skirt_aline")), 0.03), None)
    ids = waist_vertices(g)
    level = body_from(None).waist_y
    body = torso_avatar(((0.0, 0.0), (0.10, 0.0), (0.10, 1.6), (0.0, 1.6)))
    settings = DrapeSettings(max_frames=110)
    free = drape(g, body, fabric_preset("cotton_jersey"), settings)
    held = drape(g, replace(body, landmarks={"waist": np.array([0.0, level, 0.0], np.float32)}),
                 fabric_preset("cotton_jersey"), settings)
    assert "fell off" in free.report["stop_reason"] and "waist_held" not in free.report
    assert held.report["waist_held"]["vertices"] == len(ids) and held.report["waist_held"]["released_at_frame"] is None
    assert held.positions[ids, 1].min() >= level - 1e-4
    assert held.positions[:, 1].mean() > level - 0.4  # hanging from the waist, not on the floor
