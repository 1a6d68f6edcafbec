"""Real garments on a fitted Anny avatar: template → triangulate → place → drape, judged by the report."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")


@pytest.fixture(scope="module")
def avatar_m():
    """Anny fitted to size M female, as AtelierAvatarFromMeasurements builds it with its defaults."""
    from custom_nodes.avatar.nodes import AtelierAvatarFromMeasurements, BodySettings
    from custom_nodes.core.params import widgets

    kwargs = {name: spec[1]["default"] for name, spec in widgets(BodySettings).items()}
    return AtelierAvatarFromMeasurements().build(**kwargs)[0]


def _placed(kind: str, avatar, edge: float = 0.02):
    """Template ``kind`` (size M female) or a GarmentCode pattern from corpus/ ("gc_shirt", "gc_dress"), meshed and
    placed, as the documentation pictures are (tools/integration_pictures.py)."""
    from tools.integration_pictures import placed

    return placed(kind, avatar, edge)


HOODIE_2CM = pytest.param("hoodie", marks=pytest.mark.xfail(strict=True, reason=(
    "counted against the body mesh (GarmentCode's rule) the 2 cm hoodie has 39 body crossings (limit 35), "
    "mostly sleeve edges across the arm; the 1 cm hoodie (the bench's) passes with 9.")))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tshirt", HOODIE_2CM, "gc_shirt"])
def test_garment_drapes_on_m_avatar_to_static_with_seams_shut(avatar_m, kind):
    """The issue's bar: static, 0 body crossings, every seam within 2 mm, GarmentCode's self-crossing limit."""
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.fabric.catalog import Catalog

    garment = _placed(kind, avatar_m)
    result = drape(garment, avatar_m, Catalog().fabric("cotton_jersey"), DrapeSettings(max_frames=250))
    rep = result.report
    assert np.isfinite(result.positions).all()
    assert rep["frames_to_static"] is not None, report_text(rep)
    assert rep["body_crossings"] <= 35, report_text(rep)  # GarmentCode's rule, counted against the body mesh
    assert rep["seam_gap_max_mm"] < 2.0, report_text(rep)
    assert rep["passed"], report_text(rep)
    _assert_worn(garment, result.positions, avatar_m, kind)


def test_hoodie_is_placed_without_cloth_through_cloth(avatar_m):
    """Every panel starts as a smooth sheet: no garment edge passes through the garment (hood halves placed
    beside the head used to dip into the shoulders, and pushing them out folded them through themselves)."""
    from custom_nodes.cloth_sim.fabrics import fabric_preset
    from custom_nodes.cloth_sim.model import build_model
    from custom_nodes.cloth_sim.solver import XPBDSolver

    for edge in (0.02, 0.01):
        garment = _placed("hoodie", avatar_m, edge)
        solver = XPBDSolver(build_model(garment, fabric_preset("cotton_jersey")))
        assert solver.self_crossings(solver.state(garment.positions)) <= 2, f"at {edge * 100:g} cm"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "the 2 cm pencil dress's skirt crumples up into the bodice within a few frames of being sewn (cause not "
    "found): 89 body crossings (limit 35) and 3,373 self crossings (limit 300), seams shut to 1.5 mm "
    "(rerun 2026-12-06)"))
def test_garmentcode_pencil_dress_drapes_with_its_skirt_under_the_bodice(avatar_m):
    """The dress's skirt is sewn to the bodice's hem: it starts there (not at the body's waist, 20 cm up
    inside the bodice, which crumpled both), and the drape passes."""
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.fabric.catalog import Catalog

    garment = _placed("gc_dress", avatar_m)
    a, b = garment.seam_pairs.T
    panel = np.asarray(garment.panel_names)[garment.vertex_panel]
    waist = np.char.startswith(panel[a], "skirt") != np.char.startswith(panel[b], "skirt")
    assert waist.sum() > 20
    assert np.abs(garment.positions[a[waist], 1] - garment.positions[b[waist], 1]).mean() < 0.03  # [m]
    result = drape(garment, avatar_m, Catalog().fabric("cotton_jersey"), DrapeSettings(max_frames=250))
    rep = result.report
    assert rep["passed"] and rep["seam_gap_max_mm"] < 2.0, report_text(rep)


@pytest.mark.slow
def test_tee_follows_anny_from_a_pose_into_a_walk_frame(avatar_m):
    """AtelierDrapeSequence from the A-pose drape to walk frame 2 (each pose has its own SDF grid): the
    sleeves come down with the arms and the cloth stays outside the body (a pinch under the arms aside)."""
    from custom_nodes.avatar.build import pose_avatar
    from custom_nodes.cloth_sim.body import body_collider
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.nodes import AtelierDrapeSequence
    from custom_nodes.core.avatar import OPENPOSE18
    from custom_nodes.fabric.catalog import Catalog

    walk = pose_avatar(avatar_m, "walk", frame=2)
    start = drape(_placed("tshirt", avatar_m), avatar_m, Catalog().fabric("cotton_jersey"),
                  DrapeSettings(max_frames=250))
    result = AtelierDrapeSequence().animate(start, walk, 12, 6)[0]
    assert result.sequence.shape == (12, start.garment.n_vertices, 3) and np.isfinite(result.sequence).all()
    inside = body_collider(walk).query(result.positions)[0] < -0.001
    assert inside.mean() < 0.005, f"{inside.sum()} vertices inside the walking body"
    kp = {name: walk.keypoints[i] for i, name in enumerate(OPENPOSE18)}
    for side in ("left", "right"):
        sleeve = np.isin(result.garment.vertex_panel,
                         [i for i, n in enumerate(result.garment.panel_names) if "sleeve" in n and side in n])
        reach = np.linalg.norm(result.positions[sleeve] - kp[f"{side}_shoulder"], axis=1).min()
        assert reach < 0.08, f"the {side} sleeve ends {reach * 100:.0f} cm from the walking shoulder"


@pytest.mark.slow
def test_hoodie_at_1cm_drapes_with_default_settings(avatar_m):
    """The benchmark's garment (bench_cloth_hoodie.py): ~12.7k vertices, the AtelierDrape node's defaults."""
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.fabric.catalog import Catalog

    garment = _placed("hoodie", avatar_m, 0.01)
    assert garment.n_vertices > 12000
    result = drape(garment, avatar_m, Catalog().fabric("cotton_jersey"), DrapeSettings(max_frames=300))
    rep = result.report
    assert rep["passed"] and rep["seam_gap_max_mm"] < 2.0, report_text(rep)
    _assert_worn(garment, result.positions, avatar_m, "hoodie")


def _assert_worn(garment, x, avatar, kind):
    """What a user would see first when a drape goes wrong: sleeves slid down the arms, a hood fallen."""
    from custom_nodes.core.avatar import OPENPOSE18

    kp = {name: avatar.keypoints[i] for i, name in enumerate(OPENPOSE18)}
    for side in ("left", "right"):
        names = [n for n in garment.panel_names if "sleeve" in n and side in n]
        sleeve = np.isin(garment.vertex_panel, [garment.panel_names.index(n) for n in names])
        top = x[sleeve][np.argmax(garment.rest[sleeve, 1])] if kind != "gc_shirt" else None
        reach = np.linalg.norm(x[sleeve] - kp[f"{side}_shoulder"], axis=1).min()
        assert reach < 0.08, f"{side} sleeve ends {reach * 100:.0f} cm from the shoulder: it slid down the arm"
        if top is not None:
            assert np.linalg.norm(top - kp[f"{side}_shoulder"]) < 0.12, "the sleeve cap left the shoulder"
    if kind == "hoodie":
        hood = np.isin(garment.vertex_panel, [i for i, n in enumerate(garment.panel_names) if n.startswith("hood")])
        assert x[hood, 1].max() > kp["nose"][1], "the hood fell off the head"


@pytest.mark.slow
@pytest.mark.parametrize(("size", "body", "kind", "edge"), [("XS", "female", "hoodie", 0.01),
                                                           ("3XL", "male", "tshirt", 0.02)])
def test_templates_drape_on_other_sizes_and_bodies(size, body, kind, edge):
    """Placement reads each avatar's own arms, chest and head: the smallest woman and the largest man too.

    The hoodie at the bench's 1 cm: at 2 cm its hood and sleeve edges cross the body mesh 37-39 times (limit
    35) since the seams are held shut after the body collision (33 before, with seams up to 0.4 mm open), as
    the 2 cm M hoodie above (37)."""
    from custom_nodes.avatar.nodes import AtelierAvatarFromMeasurements, BodySettings
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.core.measurements import size_measurements
    from custom_nodes.core.params import widgets
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.pattern.params import TemplateSettings
    from custom_nodes.pattern.placement import place_garment
    from custom_nodes.pattern.templates import draft
    from custom_nodes.pattern.triangulate import triangulate

    kwargs = {name: spec[1]["default"] for name, spec in widgets(BodySettings).items()}
    avatar = AtelierAvatarFromMeasurements().build(**{**kwargs, "size": size, "body": body})[0]
    pattern = draft(size_measurements(size, body), TemplateSettings(garment=kind))
    garment = place_garment(triangulate(pattern, edge), avatar)
    result = drape(garment, avatar, Catalog().fabric("cotton_jersey"), DrapeSettings(max_frames=250))
    rep = result.report
    assert rep["passed"] and rep["seam_gap_max_mm"] < 2.0, report_text(rep)
    _assert_worn(garment, result.positions, avatar, kind)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["aaron_cisMaleAdult36", "teagan_cisMaleAdult42", "sven_cisMaleAdult36"])
def test_freesewing_designs_drape_with_their_seams_shut(name):
    """FreeSewing designs (corpus/freesewing, MIT) on Anny fitted to their own model's measurements, with the
    nodes' defaults, as tools/drape_sweep.py drapes them.

    - Aaron (tank top): before the seams were projected again after the body's friction, the side seams' hem
      corners stayed 3.8 mm open (friction moved each partner by its own slip).
    - Teagan at cisMaleAdult42 (tee, the issue's own example): before the seams were projected again after
      each self-collision pass, a push that moved one partner left a seam 2.2 mm open.
    - Sven (sweatshirt): its left sleeve cap was sewn on the wrong way round (underarm to shoulder point): the
      bodice was hauled up the neck, 446 self crossings, and the sweatshirt fell off the body."""
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.pattern.nodes import AtelierPlaceGarment, AtelierTriangulate
    from custom_nodes.pattern.pattern_io import load_pattern
    from tools import drape_sweep as ds

    item = next(i for i in ds.corpus_items() if i["name"] == name)
    garment, = AtelierTriangulate().triangulate(load_pattern(item["path"]), **ds._defaults_triangulate())
    avatar = ds.fitted_body(item)
    place = {k: v[1]["default"] for k, v in AtelierPlaceGarment.INPUT_TYPES()["required"].items() if k != "garment"}
    garment, = AtelierPlaceGarment().place(garment, avatar=avatar, **place)
    result = drape(garment, avatar, Catalog().fabric("cotton_jersey"), DrapeSettings(**ds._defaults(DrapeSettings)))
    x, pairs = result.positions, garment.seam_pairs
    assert np.linalg.norm(x[pairs[:, 0]] - x[pairs[:, 1]], axis=1).max() < 0.001
    assert result.report["passed"], result.report["reasons"]


def test_the_sweep_names_garment_parts_the_import_left_out():
    """A drape that passes without some of its parts is not the whole garment: the sweep's table and contact sheet
    name the parts left out (Sven's waistband halves, sewn only to each other), but not detail parts (pockets,
    facings), which are never simulated."""
    from custom_nodes.pattern.pattern_io import load_pattern
    from tools import drape_sweep as ds

    corpus = Path(ds.__file__).resolve().parents[1] / "corpus" / "freesewing"
    sven = ds.left_out(load_pattern(corpus / "sven_cisMaleAdult36.svg"))
    assert {"waistband_left", "waistband_right"} <= set(sven)  # (its ribbed cuffs too: their seams are not found)
    ashley = load_pattern(corpus / "ashley_cisFemaleAdult32.svg")
    assert not {"pocket_left", "flyFacing"} & set(ds.left_out(ashley))
    row = {"name": "sven_cisMaleAdult36", "fabric": "cotton_jersey", "family": "top", "stage": "done",
           "passed": True, "reasons": [], "left_out": ["waistband_left", "waistband_right"]}
    assert "| waistband_left, waistband_right |" in ds.table_md([row], ("cotton_jersey",))
