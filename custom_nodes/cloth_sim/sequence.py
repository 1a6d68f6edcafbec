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


def on_one_grid(avatars: list[Avatar]) -> list[Avatar]:
    """The avatars with their SDFs on one grid: the first's, grown to cover them all.

    Each pose of a body gets a grid fitted to its own bounds, but the solver blends one grid of samples
    from pose to pose. Samples are resampled (trilinear) where a pose's grid covers them and are
    "outside, far" (+band) elsewhere; the first grid's samples keep their values. Poses with another
    sample spacing are refused (a different body or proxy).
    """
    for a in avatars:
        if a.sdf is None:
            raise InvalidInputError("every pose needs a collision proxy", field="Avatar.sdf")
    base = avatars[0].sdf
    voxel = float(base.voxel_size)
    for a in avatars[1:]:
        if not np.isclose(a.sdf.voxel_size, voxel):
            raise InvalidInputError(f"the poses' SDF grids differ in spacing ({a.sdf.voxel_size * 1e3:g} mm, not "
                                    f"{voxel * 1e3:g} mm): a sequence needs one body's proxy", field="Avatar.sdf")
    ends = [(a.sdf.origin.astype(np.float64), a.sdf.origin + voxel * (np.array(a.sdf.values.shape) - 1))
            for a in avatars]
    lo, hi = np.min([e[0] for e in ends], axis=0), np.max([e[1] for e in ends], axis=0)
    origin = base.origin + voxel * np.floor((lo - base.origin) / voxel + 1e-6)  # aligned with the first grid
    shape = tuple(np.ceil((hi - origin) / voxel - 1e-6).astype(int) + 1)
    out = []
    for a in avatars:
        g = a.sdf
        if g.values.shape == shape and np.allclose(g.origin, origin):
            out.append(a)
            continue
        values = np.full(shape, g.band, np.float32)  # beyond this pose's grid: outside its body
        first = np.ceil((g.origin - origin) / voxel - 1e-6).astype(int)
        last = np.floor((g.origin + voxel * (np.array(g.values.shape) - 1) - origin) / voxel + 1e-6).astype(int)
        axes = [origin[k] + voxel * np.arange(first[k], last[k] + 1) for k in range(3)]
        for i, x in zip(range(first[0], last[0] + 1), axes[0], strict=True):  # a slab at a time: bounded memory
            pts = np.stack(np.meshgrid([x], axes[1], axes[2], indexing="ij"), -1).reshape(-1, 3)
            values[i, first[1]:last[1] + 1, first[2]:last[2] + 1] = g.query(pts)[0].reshape(len(axes[1]), -1)
        out.append(replace(a, sdf=SDFGrid(origin.astype(np.float32), voxel, values, g.band)))
    return out


def interpolate_avatars(a: Avatar, b: Avatar, steps: int) -> list[Avatar]:
    """``steps`` avatars blending from ``a`` (excluded) to ``b`` (included): mesh and SDF values lerped
    (both SDFs first put on one grid, see :func:`on_one_grid`).

    Needs the same body mesh topology (one body in two poses).
    """
    if a.mesh.vertices.shape != b.mesh.vertices.shape:
        raise InvalidInputError("the two poses have different body meshes", field="Avatar.mesh")
    a, b = on_one_grid([a, b])
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
    first, *avatars = on_one_grid([start.avatar, *avatars])
    solver = XPBDSolver(model, body_collider(first), skip)
    state, x, frames, frame = solver.state(start.positions), start.positions, [], 0
    dt = 1.0 / FPS / settings.substeps
    previous = first
    for k, avatar in enumerate(avatars):
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
    rep = build_report(g, x, avatars[-1], collider, frames=frame, frames_to_static=None,
                       seconds=time.perf_counter() - t0, stop_reason="pose sequence done",
                       sewn_at_frame=start.report.get("sewn_at_frame"), recovered=0, fabric_name=fabric.name,
                       require_static=False)
    return DrapeResult(g, avatars[-1], fabric, x, rep, sequence=np.stack(frames))
