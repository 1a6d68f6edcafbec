"""FreeSewing designs from npm (corpus/freesewing, drafted by tools/corpus/freesewing): what the SVG importer
makes of patterns nobody here drew."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from custom_nodes.pattern.pattern_io import load_pattern

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "freesewing"


def test_parts_cut_twice_come_in_mirrored_pairs():
    """Charlie's front and back say 'cut 2, mirrored': both legs are there, so the crotch seam can be sewn."""
    p = load_pattern(CORPUS / "charlie_cisMaleAdult42.svg")
    names = {q.name for q in p.panels}
    assert {"front_left", "front_right", "back_left", "back_right"} <= names


def test_hugo_loads_and_help_lines_are_not_outlines():
    """Hugo used to fail whole ('pocketFacing': outline is not closed: its first 'fabric' path was a help
    line); help lines (class 'fabric help' / 'fabric lashed') are never taken for outlines."""
    p = load_pattern(CORPUS / "hugo_cisMaleAdult42.svg")
    assert {"front", "back", "sleeve_left", "sleeve_right"} <= {q.name for q in p.panels}
    for q in p.panels:  # every outline encloses a real area: no help line became a panel
        assert np.ptp(q.vertices, axis=0).min() > 0.01, q.name


def test_unsewn_parts_are_left_out_and_named():
    p = load_pattern(CORPUS / "charlie_cisMaleAdult42.svg")
    notes = p.metadata["import_notes"]
    assert any("not sewn to any other part" in n for n in notes)
    left_out = [n.split("'")[1] for n in notes if "not sewn" in n]
    assert not set(left_out) & {q.name for q in p.panels}


@pytest.mark.parametrize("svg", sorted(CORPUS.glob("*_cis*Adult3[06].svg")), ids=lambda p: p.stem)
def test_every_design_loads_or_says_why(svg):
    """One size of every design: it loads with at least one panel, or fails with a message naming the problem
    (never a traceback)."""
    from custom_nodes.core.errors import AtelierError

    try:
        p = load_pattern(svg)
    except AtelierError as exc:
        assert "part" in str(exc) or "outline" in str(exc), str(exc)
        return
    assert len(p.panels) >= 1


def test_a_part_without_a_closed_outline_is_skipped_with_a_note(tmp_path):
    svg = tmp_path / "two.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="300mm" height="100mm" viewBox="0 0 300 100">'
                   '<g id="fs-stack-x-part-x.front"><path class="fabric" d="M 0,0 L 80,0 L 80,90 L 0,90 z"/></g>'
                   '<g id="fs-stack-x-part-x.back"><path class="fabric" d="M 100,0 L 180,0 L 180,90 L 100,90 z"/></g>'
                   '<g id="fs-stack-x-part-x.pocket"><path class="fabric" d="M 200,0 L 250,0 L 250,40"/></g></svg>')
    p = load_pattern(svg)
    assert {q.name for q in p.panels} == {"front", "back"}
    assert any("part 'pocket' skipped" in n and "not closed" in n for n in p.metadata["import_notes"])


def test_detail_parts_are_left_out_with_a_note():
    """Pockets, facings, linings, welts and bindings are not simulated: Carlton (a coat of 19 parts) keeps its
    shell and names each part it leaves out."""
    p = load_pattern(CORPUS / "carlton_cisMaleAdult42.svg")
    names = {q.name.split("_")[0] for q in p.panels}
    assert not {n for n in names if any(w in n.lower() for w in ("pocket", "facing", "lining", "welt"))}
    notes = " ".join(p.metadata["import_notes"])
    for part in ("pocket", "frontFacing", "innerPocketWelt"):
        assert f"'{part}" in notes


def test_no_torso_part_is_sewn_to_itself():
    """Inference sewed Teagan's front to itself and Charlie's waistband into a loop by side length alone; only
    a sleeve or a trouser leg closes on itself (into a tube)."""
    for svg in ("teagan_cisMaleAdult42.svg", "charlie_cisMaleAdult42.svg", "aaron_cisMaleAdult42.svg"):
        p = load_pattern(CORPUS / svg)
        for s in p.seams:
            if s.a.panel == s.b.panel and not s.label.endswith("dart"):
                assert p.panel(s.a.panel).body_part.startswith(("arm", "leg")), s.label


def test_trousers_are_worn_from_the_waist_on_the_legs():
    """FreeSewing tags Charlie 'bottoms, trousers': every part hangs from the waist and the parts cut as a left and
    a right copy wrap their own leg (they were wrapped round the chest like a top's front and back)."""
    p = load_pattern(CORPUS / "charlie_cisMaleAdult42.svg")
    assert p.metadata["freesewing"]["design"] == "charlie"
    assert set(p.metadata["anchors"].values()) == {"waist"} and {q.name for q in p.panels} <= set(p.metadata["anchors"])
    parts = {q.name: q.body_part for q in p.panels}
    assert parts["front_left"] == parts["back_left"] == "leg_left"
    assert parts["front_right"] == parts["back_right"] == "leg_right"


def test_a_skirt_hangs_from_the_waist_round_the_torso_and_a_top_from_the_shoulders():
    skirt = load_pattern(CORPUS / "penelope_cisFemaleAdult36.svg")
    assert set(skirt.metadata["anchors"].values()) == {"waist"}
    assert {q.body_part for q in skirt.panels} == {"torso"}
    top = load_pattern(CORPUS / "teagan_cisMaleAdult42.svg")
    assert top.metadata["freesewing"]["design"] == "teagan" and not top.metadata.get("anchors")


def test_a_band_drawn_upright_is_turned_to_run_round_the_body():
    """FreeSewing lays a waistband along the paper (6 cm x 94 cm for Charlie's): placement wraps a panel's rows
    round the body, so it is turned a quarter turn, lengths and winding kept."""
    from custom_nodes.pattern.curves import edge_length, polygon_area
    from custom_nodes.pattern.svg_import import band_across

    p = load_pattern(CORPUS / "lily_cisFemaleAdult36.svg", infer=False)
    band = p.panel("waistband")
    w, h = np.ptp(band.vertices, axis=0)
    assert w > 5 * h
    upright = band_across(band)
    assert upright is band  # already across: left alone
    from custom_nodes.pattern.drafting import rotate_quarter

    tall = rotate_quarter(rotate_quarter(rotate_quarter(band)))  # drawn upright, as in the file
    assert np.ptp(tall.vertices, axis=0)[1] > 5 * np.ptp(tall.vertices, axis=0)[0]
    back = band_across(tall)
    assert np.ptp(back.vertices, axis=0)[0] > 5 * np.ptp(back.vertices, axis=0)[1]
    assert polygon_area(back.vertices) * polygon_area(band.vertices) > 0  # winding kept
    assert np.allclose([edge_length(back, i) for i in range(len(back.edges))],
                       [edge_length(band, i) for i in range(len(band.edges))], rtol=1e-6)


def test_darts_are_sewn_leg_to_leg():
    """Penelope's pencil skirt has two darts in each back half and four in the front: each V cut into the waist
    is sewn shut on its own panel (the legs were sewn across the centre back to the other half's darts)."""
    p = load_pattern(CORPUS / "penelope_cisFemaleAdult36.svg")
    darts = [s for s in p.seams if s.label.endswith("dart")]
    assert sorted(s.a.panel for s in darts) == ["back_left"] * 2 + ["back_right"] * 2 + ["front"] * 4
    assert all(s.a.panel == s.b.panel for s in darts)


def test_armholes_and_necklines_are_openings_not_seams():
    """Aaron (a tank top: front and back cut on the fold) has two shoulder and two side seams. Its front and back
    armholes are as long as each other and touch at both ends, so length and nearness alone sewed them shut;
    they lie a body's depth apart in the middle, which a seam never does."""
    from custom_nodes.pattern.curves import edge_length

    p = load_pattern(CORPUS / "aaron_cisMaleAdult42.svg")
    assert len(p.seams) == 4
    lengths = sorted(round(sum(edge_length(p.panel(s.a.panel), e) for e in s.a.edges), 2) for s in p.seams)
    assert lengths[0] == lengths[1] < 0.1 < lengths[2] == lengths[3]  # two shoulders, two side seams


def test_outlines_drawn_as_separate_paths_are_joined():
    """Tina's back is drawn as several open 'fabric' paths (side seam, hem, neckline…): it was skipped as 'outline
    is not closed'; the pieces are now joined end to end, turned round where needed."""
    p = load_pattern(CORPUS / "tina_cisFemaleAdult30.svg")
    assert "back" in {q.name for q in p.panels}
    assert not any("'back'" in n and "not closed" in n for n in p.metadata["import_notes"])


def test_pieces_chain_into_one_loop_whatever_their_direction():
    from custom_nodes.pattern.svg_import import _chain

    def seg(a, b):
        return (np.array(a, float), np.array(b, float), "line", [])

    pieces = [[seg((0, 0), (1, 0)), seg((1, 0), (1, 1))], [seg((0, 1), (1, 1))], [seg((0, 1), (0, 0))]]
    run = _chain(pieces)
    assert run is not None and len(run) == 4
    for (_, end, _, _), (start, _, _, _) in zip(run, run[1:] + run[:1]):
        assert np.allclose(end, start)
    assert _chain([[seg((0, 0), (1, 0))], [seg((5, 5), (6, 6))]]) is None


def test_detail_words_are_found_in_names_written_without_capitals():
    from custom_nodes.pattern.svg_import import is_detail

    assert is_detail("frontpocketfacing_left") and is_detail("backPocket") and is_detail("flyshield")
    assert not is_detail("front") and not is_detail("sleeve_left") and not is_detail("elbowPatch")


def test_an_inferred_seam_reusing_a_sewn_edge_is_left_out_and_the_design_meshes():
    """Devon's sleeve-cap split once renumbered the under sleeve's edges, and an edge landed in two inferred seams:
    meshing refused the whole jacket ("an edge can be sewn only once"). The later seam is left out, named. (Caps
    are now split only against armholes, and Devon no longer meets it: the seam sewing an edge again is made here.)"""
    from dataclasses import replace

    from custom_nodes.core.pattern import Seam
    from custom_nodes.pattern.seam_infer import _sewn_once
    from custom_nodes.pattern.triangulate import triangulate

    p = load_pattern(CORPUS / "devon_cisMaleAdult36.svg")
    first = p.seams[0]
    again = Seam(first.a, p.seams[1].b, "again: one edge in two seams")
    seams, notes = _sewn_once(p.seams + (again,))
    assert seams == p.seams
    assert notes and "already sewn" in notes[0] and "again" in notes[0]
    sewn = [(x.panel, e) for s in seams for x in (s.a, s.b) for e in x.edges]
    assert len(sewn) == len(set(sewn))
    assert triangulate(replace(p, seams=seams), 0.03).n_vertices > 0


def test_an_outline_that_returns_to_its_start_without_z_is_closed():
    """Diana's front and back draw their outline as ``M a … L a`` with no class and no ``z``: both were skipped
    ("no cutting outline"), and only the sleeves were draped."""
    p = load_pattern(CORPUS / "diana_cisFemaleAdult30.svg")
    assert {"front", "back"} <= {q.name for q in p.panels}
    assert not any("no cutting outline" in n for n in p.metadata["import_notes"])


def test_unclassed_outline_pieces_are_chained_when_a_part_has_no_outline_path():
    """Percy's back is drawn as five open paths with no class: it was skipped, and the trousers had no back."""
    p = load_pattern(CORPUS / "percy_cisFemaleAdult32.svg")
    assert {"back_left", "back_right"} <= {q.name for q in p.panels}


@pytest.mark.parametrize("name,part", [("cornelius_cisFemaleAdult32", "front_left"),
                                       ("walburga_cisFemaleAdult32", "back")])
def test_an_outline_drawn_out_and_back_along_a_line_loads(name, part):
    """Cornelius's front and Walburga's back run out and back along one line (a spike of no width), so their
    outlines touched themselves and were refused as self-intersecting; the spike is dropped, the cloth kept."""
    from custom_nodes.pattern.curves import outline_area

    p = load_pattern(CORPUS / f"{name}.svg")
    assert part in {q.name for q in p.panels}
    assert not any("self-intersecting" in n and f"'{part.split('_')[0]}'" in n for n in p.metadata["import_notes"])
    assert outline_area(p.panel(part)) > 0.05  # [m²] a whole trouser front / tabard back, not a sliver


def test_spikes_are_dropped_and_the_enclosed_cloth_kept():
    from custom_nodes.pattern.svg_import import _drop_spikes

    def seg(a, b):
        return (np.array(a, float), np.array(b, float), "line", [])

    square = [seg((0, 0), (1, 0)), seg((1, 0), (1, 1)), seg((1, 1), (0, 1)), seg((0, 1), (0, 0))]
    spiked = square[:1] + [seg((1, 0), (1.5, 0)), seg((1.5, 0), (1, 0))] + square[1:]  # out and back at a corner
    assert [(tuple(a), tuple(b)) for a, b, _, _ in _drop_spikes(spiked)] == \
        [(tuple(a), tuple(b)) for a, b, _, _ in square]
    overshoot = [seg((0, 0), (1.2, 0)), seg((1.2, 0), (1, 0))] + square[1:]  # a hem drawn past the corner and back
    out = _drop_spikes(overshoot)
    assert len(out) == 4 and np.allclose(out[0][1], (1, 0))
    assert len(_drop_spikes(square)) == 4  # nothing to drop


def test_a_one_piece_trouser_leg_is_sewn_into_a_tube():
    """Lumira's leg is one panel wrapped part way round the leg: its two long sides land 30.5 cm apart on the
    mannequin, just past the 30 cm two sides of different panels may be, and the legs stayed open sheets."""
    p = load_pattern(CORPUS / "lumira_cisFemaleAdult30.svg")
    tubes = {s.a.panel for s in p.seams if s.a.panel == s.b.panel}
    assert {"leg_left", "leg_right"} <= tubes


@pytest.mark.parametrize("name", ["sven_cisMaleAdult36", "teagan_cisMaleAdult36", "toni_cisFemaleAdult36", "yuri_cisMaleAdult36"])
def test_sleeve_caps_are_sewn_underarm_to_underarm(name):
    """A sewn seam walks its first side forwards and its second backwards. A sleeve cap is split between the
    front and back armholes; its first half must go to the armhole side that *ends* at the cap's start (the
    underarm). Matching by the armholes' middles was a coin toss, and Sven's left sleeve was sewn on the wrong
    way round: its underarm pulled to the shoulder point, the bodice hauled up the neck and the sweatshirt fell
    off. Placed on the mannequin, every cap seam's paired points lie closer than they would reversed."""
    from custom_nodes.pattern.nodes import AtelierTriangulate
    from custom_nodes.pattern.placement import place_garment

    p = load_pattern(CORPUS / f"{name}.svg")
    caps = [s.label for s in p.seams if s.label.endswith("sleeve cap")]
    assert caps, "no sleeve cap seam inferred"
    garment, = AtelierTriangulate().triangulate(p, edge_length=2.0)
    x = place_garment(garment, None).positions
    for k, label in enumerate(garment.seam_labels):
        if not label.endswith("sleeve cap"):
            continue
        pairs = garment.seam_pairs[garment.seam_of_pair == k]
        sewn = np.linalg.norm(x[pairs[:, 0]] - x[pairs[:, 1]], axis=1).mean()
        reversed_ = np.linalg.norm(x[pairs[:, 0]] - x[pairs[::-1, 1]], axis=1).mean()
        assert sewn < reversed_, f"{label}: {sewn * 100:.1f} cm apart as sewn, {reversed_ * 100:.1f} reversed"


def test_parts_sewn_only_to_each_other_are_left_out_and_named():
    """Sven's two waistband halves were sewn to each other and to nothing else: they dropped to the floor during
    the drape and tangled the sweatshirt on the way. A group of parts not sewn to the main garment is left out
    like a lone pocket, and the note says what it was sewn to."""
    p = load_pattern(CORPUS / "sven_cisMaleAdult36.svg")
    names = {q.name for q in p.panels}
    assert {"front", "back", "sleeve_left", "sleeve_right"} <= names
    assert not names & {"waistband_left", "waistband_right"}
    assert "part 'waistband_left' left out: it is sewn only to 'waistband_right'" in " ".join(
        p.metadata["import_notes"])


def test_shorts_legs_meet_only_at_the_rise():
    """Ashley's inseams (front and back, left and right) are all 18.7 cm long, and the left leg's land next to the
    right leg's at the crotch: the front inseams were sewn to each other, across the legs, and the front side
    seam to the back waist. Two legs meet only along the rise, which runs from the waist; a side running down
    the leg is sewn to one alongside it."""
    p = load_pattern(CORPUS / "ashley_cisFemaleAdult32.svg")
    pairs = [tuple(sorted((s.a.panel, s.b.panel))) for s in p.seams]
    assert pairs.count(("front_left", "front_right")) == 1  # centre front
    assert pairs.count(("back_left", "back_right")) == 1  # centre back
    assert ("back_left", "front_left") in pairs and ("back_right", "front_right") in pairs  # the inseams
    waists = {(q.name, e) for q in p.panels for e, _ in enumerate(q.edges)
              if q.name.startswith("back") and e == int(np.argmax([q.vertices[x.start][1] + q.vertices[x.end][1]
                                                                   for x in q.edges]))}
    sewn = {(x.panel, e) for s in p.seams for x in (s.a, s.b) for e in x.edges}
    assert not waists & sewn, "a back waist is sewn"
