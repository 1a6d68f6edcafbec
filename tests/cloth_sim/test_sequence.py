"""Drape over a pose sequence: the cloth follows a moving body, frame by frame, without NaNs."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.cloth_sim.drape import drape
from custom_nodes.cloth_sim.fabrics import fabric_preset
from custom_nodes.cloth_sim.scenes import sdf_grid, sheet, sphere_avatar
from custom_nodes.cloth_sim.sequence import drape_sequence, interpolate_avatars
from custom_nodes.core.errors import InvalidInputError


def _ball(center_y: float):
    """The same sphere on one fixed grid, at another height (a body in two 'poses')."""
    from dataclasses import replace

    c = np.array([0.0, center_y, 0.0])
    base = sphere_avatar(0.2, (0.0, 0.6, 0.0))
    sdf = sdf_grid(lambda p: np.linalg.norm(p - c, axis=1) - 0.2, (-0.3, 0.3, -0.3), (0.3, 1.0, 0.3), 0.01)
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
