"""Drape over a pose sequence: the cloth follows a moving body, frame by frame, without NaNs."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.cloth_sim.drape import drape
from custom_nodes.cloth_sim.fabrics import fabric_preset
from custom_nodes.cloth_sim.scenes import sdf_grid, sheet, sphere_avatar
from custom_nodes.cloth_sim.sequence import drape_sequence, interpolate_avatars, on_one_grid
from custom_nodes.core.errors import InvalidInputError


def _ball(center_y: float, own_grid: bool = False):
    """The same sphere at another height (a body in two 'poses'), on one fixed grid or, with ``own_grid``,
    on a grid fitted round it (as each pose of an avatar gets)."""
    from dataclasses import replace

    c = np.array([0.0, center_y, 0.0])
    base = sphere_avatar(0.2, (0.0, 0.6, 0.0))
    lo, hi = ((-0.3, center_y - 0.3, -0.3), (0.3, center_y + 0.3, 0.3)) if own_grid else ((-0.3, 0.3, -0.3),
                                                                                          (0.3, 1.0, 0.3))
    sdf = sdf_grid(lambda p: np.linalg.norm(p - c, axis=1) - 0.2, lo, hi, 0.01)
    return replace(base, mesh=replace(base.mesh, vertices=base.mesh.vertices + np.float32([0, center_y - 0.6, 0])),
                   sdf=sdf)


def test_sheet_rides_on_a_rising_ball():
    start = drape(sheet(0.4, 0.03, 0.85), _ball(0.6), fabric_preset("denim"), DrapeSettings(max_frames=120))
    poses = interpolate_avatars(start.avatar, _ball(0.66), 6)
    seen = []
    result = drape_sequence(start, poses, frames_per_pose=4, on_progress=lambda d, t: seen.append(d))
    assert result.sequence.shape == (6, start.garment.n_vertices, 3)
    assert np.all(np.isfinite(result.sequence))
    assert seen == [1, 2, 3, 4, 5, 6]
    lift = result.positions[:, 1].max() - start.positions[:, 1].max()
    assert lift == pytest.approx(0.06, abs=0.01)  # the cloth went up with the ball
    assert result.report["penetrating_vertices"] == 0


def test_poses_of_different_bodies_are_refused():
    with pytest.raises(InvalidInputError, match="grids differ"):
        interpolate_avatars(_ball(0.6), sphere_avatar(0.2, (0.0, 0.6, 0.0), voxel=0.02), 3)


def test_poses_on_their_own_grids_are_put_on_one():
    """Each pose of a body has a grid fitted to it; the sequence resamples them onto one grid that covers
    all, so the cloth still rides the ball (the node used to refuse any two Anny poses)."""
    a, b = _ball(0.6, own_grid=True), _ball(0.68, own_grid=True)
    assert not np.allclose(a.sdf.origin, b.sdf.origin)
    one_a, one_b = on_one_grid([a, b])
    assert one_a.sdf.values.shape == one_b.sdf.values.shape and np.allclose(one_a.sdf.origin, one_b.sdf.origin)
    probe = np.array([[0.0, 0.68, 0.0], [0.0, 0.88, 0.0], [0.1, 0.75, 0.05], [0.0, 0.95, 0.0]])
    exact = np.linalg.norm(probe - [0.0, 0.68, 0.0], axis=1) - 0.2
    assert np.abs(one_b.sdf.query(probe)[0] - np.clip(exact, -one_b.sdf.band, one_b.sdf.band)).max() < 0.01
    start = drape(sheet(0.4, 0.03, 0.85), a, fabric_preset("denim"), DrapeSettings(max_frames=120))
    result = drape_sequence(start, interpolate_avatars(start.avatar, b, 6), frames_per_pose=4)
    assert result.positions[:, 1].max() - start.positions[:, 1].max() == pytest.approx(0.08, abs=0.015)
    assert result.report["penetrating_vertices"] == 0
