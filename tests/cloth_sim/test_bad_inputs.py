"""Bad inputs end in clear outcomes: named errors, or a report that says what went wrong — never NaNs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.cloth_sim.drape import _check_finite, drape
from custom_nodes.cloth_sim.fabrics import fabric_preset
from custom_nodes.cloth_sim.scenes import cylinder_avatar, sheet, sphere_avatar, tube
from custom_nodes.core.errors import Cancelled, InvalidInputError, SimulationDivergedError

JERSEY = fabric_preset("cotton_jersey")


def test_avatar_without_proxy_names_the_field():
    avatar = replace(sphere_avatar(), sdf=None)
    with pytest.raises(InvalidInputError, match="Avatar.sdf"):
        drape(sheet(0.2, 0.05), avatar, JERSEY)


def test_frame_cap_of_one_reports_not_static():
    r = drape(tube(0.82, 0.3, 0.05), cylinder_avatar(), JERSEY, DrapeSettings(max_frames=1))
    assert r.report["frames"] == 1
    assert not r.report["passed"]
    assert any("not static" in why for why in r.report["reasons"])
    assert np.all(np.isfinite(r.positions))


def test_garment_inside_the_body_is_pushed_out():
    center = np.array([0.0, 0.6, 0.0])
    g = sheet(0.2, 0.02, height=0.6)  # a 20 cm sheet through the middle of a 40 cm ball
    g = g.with_positions(g.positions * np.array([1, 1, 1], np.float32) + np.array([0, 0, 0.05], np.float32))
    r = drape(g, sphere_avatar(0.2, center), JERSEY, DrapeSettings(max_frames=60))
    assert r.report["recovered_inside_vertices"] == g.n_vertices
    assert np.linalg.norm(r.positions - center, axis=1).min() >= 0.2
    assert any("inside the body" in w for w in r.report["warnings"])


def test_garment_far_too_small_reports_tight_seams_without_exploding():
    g = tube(0.5, 0.3, 0.025)  # 50 cm round a body of 82 cm
    r = drape(g, cylinder_avatar(), JERSEY, DrapeSettings(max_frames=60, sew_frames=30))
    assert np.all(np.isfinite(r.positions))
    assert r.report["seam_gap_max_mm"] > 10
    assert r.report["sewn_at_frame"] is None
    assert any("seams not closed" in w and "side" in w for w in r.report["reasons"])
    assert not r.report["passed"]  # a garment with open seams is never a pass
    assert r.report["body_crossings"] == 0


def test_divergence_names_frame_and_vertex():
    x = np.zeros((5, 3), np.float32)
    bad = x.copy()
    bad[3] = np.nan
    with pytest.raises(SimulationDivergedError, match="frame 7.*vertex 3") as info:
        _check_finite(bad, x, 7)
    assert info.value.frame == 7 and info.value.vertex == 3
    fast = x.copy()
    fast[2, 1] = 5.0  # 5 m in one frame = 300 m/s
    with pytest.raises(SimulationDivergedError, match="vertex 2"):
        _check_finite(fast, x, 1)


def test_progress_reports_frames_and_cancel_stops():
    seen = []

    def on_progress(done, total):
        seen.append((done, total))
        if done == 3:
            raise Cancelled("stop")

    with pytest.raises(Cancelled):
        drape(sheet(0.2, 0.05), None, JERSEY, DrapeSettings(max_frames=50), on_progress=on_progress)
    assert seen == [(1, 50), (2, 50), (3, 50)]


class _Crease:
    """A floor (y = 0) whose field is flat, −2 cm with no gradient, near the origin: an armpit crease."""

    def query(self, x):
        x = np.asarray(x, np.float64)
        deep = np.linalg.norm(x, axis=1) < 0.01
        d = np.where(deep, -0.02, x[:, 1])
        n = np.where(deep[:, None], 0.0, np.array([[0.0, 1.0, 0.0]]))
        return d, n


def test_a_vertex_deep_in_a_crease_joins_its_nearest_neighbour_outside():
    from custom_nodes.cloth_sim.body import STUCK_SHARE, recover_inside

    xs, zs = np.meshgrid(np.linspace(-0.5, 0.5, 21), np.linspace(-0.5, 0.5, 21))
    grid = np.stack([xs.ravel(), np.full(xs.size, 0.01), zs.ravel()], 1)
    grid[np.argmin(np.linalg.norm(grid, axis=1))] = 0.0  # one vertex at the crease's flat bottom
    out, inside = recover_inside(grid, _Crease(), 0.0025)
    d, _ = _Crease().query(out)
    assert inside == 1 and d.min() >= 0.0025 and np.isfinite(out).all()
    many = grid.copy()
    many[: int(STUCK_SHARE * len(grid)) + 2] = 0.0  # more than a few: the garment was placed inside
    with pytest.raises(InvalidInputError, match="cannot be pushed out"):
        recover_inside(many, _Crease(), 0.0025)
