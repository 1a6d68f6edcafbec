"""Drape over a pose sequence: carry a settled drape through avatar poses (walk cycles, turntables).

Each pose gets a few frames with stiff seams and gravity on, starting from the previous pose's
positions and velocities; the positions after every pose form ``DrapeResult.sequence``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..core.avatar import Avatar
from ..core.drape import DrapeResult
from ..core.errors import InvalidInputError
from ..core.progress import ProgressFn, report
from ..core.sdf import SDFGrid
from .body import body_collider, skip_masks
from .config import FPS, DrapeSettings
from .drape import _check_finite
from .model import build_model
from .report import build_report
from .solver import StepControls, XPBDSolver


def _same_grid(a: Avatar, b: Avatar) -> None:
    if a.sdf is None or b.sdf is None:
        raise InvalidInputError("every pose needs a collision proxy", field="Avatar.sdf")
    same = (a.sdf.values.shape == b.sdf.values.shape and np.allclose(a.sdf.origin, b.sdf.origin)
            and np.isclose(a.sdf.voxel_size, b.sdf.voxel_size))
    if not same:
        raise InvalidInputError("the poses' SDF grids differ (origin, spacing or size); a sequence needs one "
                                "body on one grid", field="Avatar.sdf")


def interpolate_avatars(a: Avatar, b: Avatar, steps: int) -> list[Avatar]:
    """``steps`` avatars blending from ``a`` (excluded) to ``b`` (included): mesh and SDF values lerped.

    Needs the same body mesh topology and the same SDF grid (one body in two poses).
    """
    _same_grid(a, b)
    if a.mesh.vertices.shape != b.mesh.vertices.shape:
        raise InvalidInputError("the two poses have different body meshes", field="Avatar.mesh")
    out = []
    for k in range(1, steps + 1):
        t = k / steps
        mesh = replace(a.mesh, vertices=(1 - t) * a.mesh.vertices + t * b.mesh.vertices)
        sdf = SDFGrid(a.sdf.origin, a.sdf.voxel_size, (1 - t) * a.sdf.values + t * b.sdf.values, a.sdf.band)
        out.append(replace(b, mesh=mesh, sdf=sdf))
    return out


def drape_sequence(start: DrapeResult, avatars: list[Avatar], settings: DrapeSettings | None = None, *,
                   frames_per_pose: int = 6, on_progress: ProgressFn | None = None) -> DrapeResult:
    """Move the drape ``start`` through ``avatars`` (one per animation frame; the body moves smoothly
    from pose to pose during ``frames_per_pose`` simulation frames). All poses share one SDF grid.

    Returns the last pose's drape with ``sequence`` (len(avatars), n, 3) [m]; ``on_progress(done,
    total)`` counts poses and may raise to cancel.
    """
    if not avatars:
        raise InvalidInputError("needs at least one pose", field="avatars")
    settings = settings or DrapeSettings()
    t0 = time.perf_counter()
    g, fabric = start.garment, start.fabric
    model, skip = build_model(g, fabric), skip_masks(g)
    ctl = StepControls(damping=fabric.damping + settings.air_damping, friction=fabric.friction,
                       thickness=settings.collision_thickness * 1e-2, self_thickness=settings.self_thickness * 1e-2,
                       self_collision=settings.self_collision, self_passes=settings.self_passes)
    solver = XPBDSolver(model, body_collider(start.avatar), skip)
    state, x, frames, frame = solver.state(start.positions), start.positions, [], 0
    dt = 1.0 / FPS / settings.substeps
    previous = start.avatar
    for k, avatar in enumerate(avatars):
        _same_grid(previous, avatar)
        solver.move_body(previous.sdf.values, avatar.sdf.values)  # the body moves during this pose's frames
        for f in range(frames_per_pose):
            ctl.body_t0, ctl.body_t1 = f / frames_per_pose, (f + 1) / frames_per_pose
            state = solver.frame(state, settings.substeps, dt, ctl)
            frame += 1
            new = state.positions()
            _check_finite(new, x, frame)
            x = new
        frames.append(x)
        previous = avatar
        report(on_progress, k + 1, len(avatars))
    collider = body_collider(avatars[-1])
    rep = build_report(g, x, collider, frames=frame, frames_to_static=None, seconds=time.perf_counter() - t0,
                       self_crossings=solver.self_crossings(state), stop_reason="pose sequence done",
                       sewn_at_frame=start.report.get("sewn_at_frame"), recovered=0, fabric_name=fabric.name,
                       require_static=False)
    return DrapeResult(g, avatars[-1], fabric, x, rep, sequence=np.stack(frames))
