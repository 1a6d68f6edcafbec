"""drape(): sew a garment shut around an avatar, let it settle under gravity, report the quality.

Phases (GarmentCode / Blender practice): seams pull together at a clamped speed with gravity off;
once every seam is closed (or ``sew_frames`` ran out) gravity starts and closed seams become stiff;
the drape stops at static equilibrium (GarmentCode's rule: fewer than 1.5 % of vertices move more than
0.3 mm, L1 norm, in a 60 fps frame), at the frame cap or at the time limit.

The drape returns the solver's positions as they are: seams are not welded here, so the report measures
the gaps the solver left. Welding (at most 1 mm) is an export option: :func:`weld_seams`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..core.avatar import Avatar
from ..core.drape import DrapeResult
from ..core.errors import InvalidInputError, SimulationDivergedError
from ..core.fabric import Fabric
from ..core.garment import Garment
from ..core.mesh import TriangleMesh
from ..core.progress import ProgressFn, report
from .attach import ATTACH_FRAMES, WaistHold, waist_vertices
from .body import body_collider, lift_out, recover_inside, skip_masks
from .config import FPS, DrapeSettings
from .model import build_model
from .report import build_report
from .solver import StepControls, XPBDSolver

MAX_SPEED = 50.0  # [m/s] a cloth vertex faster than this has exploded
STIFFEN_GAP = 0.10  # [m] seams closer than this when sewing stalls or its time is up are made stiff: where four
# panels meet at the armpit clamped sewing stalls (a denim hoodie's underarm stays ~8 cm open), stiff seams shut it
WELD_MAX = 0.001  # [m] the widest weld an export may ask for: sewn vertices closer than this merge
STALL_GAIN, STALL_FRAMES = 0.002, 10  # sewing has stalled when the gap shrank < 2 mm in 10 frames
GUARD_EVERY = 10  # frames between divergence checks
TORN_STRETCH = 1.0  # an edge stretched past twice its rest length: no fabric does that, the solve has diverged
TORN_SHARE = 0.01  # ... on more than this share of edges
RUNAWAY_SELF = 20 * 300  # self crossings (the solver's hash count) past 20x GarmentCode's limit: tangled for good
FALLEN_DROP = 0.5  # [m] a garment whose centre sank this far below where it was placed has fallen off the body


@dataclass
class _Clock:
    """Where the drape is: frame counts, sewing and stopping state."""

    frame: int = 0
    sewn_at: int | None = None
    gravity_from: int | None = None
    static_at: int | None = None
    stop_reason: str = "frame cap reached"
    best_gap: float = float("inf")  # [m] smallest largest-seam-gap seen while sewing
    best_at: int = 0  # frame it was seen


def _check_finite(x: np.ndarray, last: np.ndarray, frame: int) -> None:
    bad = ~np.all(np.isfinite(x), axis=1)
    if bad.any():
        v = int(np.flatnonzero(bad)[0])
        raise SimulationDivergedError(f"the cloth diverged at frame {frame}: vertex {v} is not finite",
                                      frame=frame, vertex=v)
    speed = np.linalg.norm(x - last, axis=1) * FPS
    if speed.max() > MAX_SPEED:
        v = int(np.argmax(speed))
        raise SimulationDivergedError(f"the cloth exploded at frame {frame}: vertex {v} moves at "
                                      f"{speed[v]:.0f} m/s", frame=frame, vertex=v)


def _guard(solver: XPBDSolver, state, model, x: np.ndarray, x0: np.ndarray, rest: np.ndarray, garment: Garment,
           frame: int, has_body: bool, settled: bool) -> str | None:
    """Stop a drape that has gone wrong: raise on divergence (torn edges, runaway tangling), or return why
    the drape should stop early (the garment fell off the body); None when all is well."""
    e = model.edges
    stretch = np.linalg.norm(x[e[:, 0]] - x[e[:, 1]], axis=1) / np.maximum(rest, 1e-9) - 1.0
    torn = stretch > TORN_STRETCH
    if torn.mean() > TORN_SHARE:
        panel = garment.panel_names[int(np.bincount(garment.vertex_panel[e[torn, 0]]).argmax())]
        raise SimulationDivergedError(
            f"the cloth diverged at frame {frame}: {int(torn.sum())} edges stretched past twice their length "
            f"(most in panel '{panel}'); try a finer mesh, more substeps or a softer fabric", frame=frame)
    crossings = solver.self_crossings(state) if settled else 0  # sewing may pass panels through each other
    if crossings > RUNAWAY_SELF:
        raise SimulationDivergedError(
            f"the cloth diverged at frame {frame}: {crossings} self crossings and growing (the cloth passed "
            f"through itself); try more substeps or self-collision passes", frame=frame)
    if has_body and x0[:, 1].mean() - x[:, 1].mean() > FALLEN_DROP:
        return f"the garment fell off the body (its centre sank {x0[:, 1].mean() - x[:, 1].mean():.1f} m)"
    return None


def _controls(settings: DrapeSettings, fabric: Fabric, clock: _Clock, has_seams: bool) -> StepControls:
    dt = 1.0 / FPS / settings.substeps
    sewing = has_seams and clock.gravity_from is None
    return StepControls(
        gravity_scale=0.0 if sewing else 1.0,
        seam_step=1e9 if clock.sewn_at is not None else settings.sew_speed * 1e-2 * dt,
        damping=fabric.damping + settings.air_damping,
        friction=0.0 if sewing else fabric.friction,  # panels slide over the body while seams pull
        thickness=settings.collision_thickness * 1e-2,
        self_thickness=settings.self_thickness * 1e-2,
        self_collision=settings.self_collision,
        self_passes=settings.self_passes,
        relaxation=settings.relaxation)


def _update_phase(garment: Garment, x: np.ndarray, settings: DrapeSettings, clock: _Clock) -> None:
    """Close the sewing phase when seams are shut or out of time; start gravity then."""
    if clock.gravity_from is not None:
        return
    pairs = garment.seam_pairs
    gap = np.linalg.norm(x[pairs[:, 0]] - x[pairs[:, 1]], axis=1).max() if len(pairs) else 0.0
    if gap < clock.best_gap - STALL_GAIN:
        clock.best_gap, clock.best_at = gap, clock.frame
    stalled = gap <= STIFFEN_GAP and clock.frame - clock.best_at >= STALL_FRAMES
    if gap <= settings.seam_close * 1e-2:
        clock.sewn_at = clock.frame
        clock.gravity_from = clock.frame
    elif clock.frame >= settings.sew_frames or stalled:
        clock.gravity_from = clock.frame
        if gap <= STIFFEN_GAP:  # nearly shut: make seams stiff anyway (GarmentCode does after N frames)
            clock.sewn_at = clock.frame
        # else the seams stay clamped (garment too small?): the report names the open ones


def _lift_deep(solver: XPBDSolver, state, x: np.ndarray, model, collider, settings: DrapeSettings) -> np.ndarray:
    """Lift out vertices deep inside the body, where the clamped SDF has no gradient to push them (e.g.
    bodice vertices the sewing-time filter let into an arm, see :func:`body.skip_masks`). Returns the
    positions (n, 3), changed only when some vertex was deep. Only vertices the solver last saw inside
    the body are looked at (:meth:`XPBDSolver.maybe_inside`)."""
    near = solver.maybe_inside()
    d, n = collider.query(x[near])
    if not np.any((d < 0) & (np.linalg.norm(n, axis=1) < 0.5)):
        return x
    lifted = lift_out(x, collider, settings.collision_thickness * 1e-2)
    moved = np.flatnonzero(np.any(lifted != x, axis=1))
    at = np.full(len(x), -1)
    at[model.rep[moved]] = moved  # sewn partners of a lifted vertex go with it (the seam stays shut)
    follow = at[model.rep] >= 0
    lifted[follow] = lifted[at[model.rep[follow]]]
    state.x.from_numpy(lifted)
    return lifted.astype(np.float32)


def weld_seams(x: np.ndarray, rep: np.ndarray, max_spread: float = WELD_MAX) -> tuple[np.ndarray, int]:
    """Merge sewn vertices (same ``rep``) lying within ``max_spread`` [m] of their mean into that mean.

    An export option (never part of the drape or its report): stiff seams end a drape a few tenths of a
    millimetre open, and GarmentCode's meshes have sewn vertices as one point. ``max_spread`` is capped at
    :data:`WELD_MAX` so a weld can never hide an open seam. Returns (positions (n, 3) float32, vertices
    merged)."""
    if not 0.0 <= max_spread <= WELD_MAX + 1e-12:
        raise InvalidInputError(f"a seam weld must be between 0 and {WELD_MAX * 1e3:g} mm, got "
                                f"{max_spread * 1e3:g} mm", field="weld")
    x = np.asarray(x, np.float64)
    groups = np.unique(rep)
    if len(groups) == len(rep) or max_spread == 0.0:
        return x.astype(np.float32), 0
    inv = np.searchsorted(groups, rep)
    count = np.bincount(inv, minlength=len(groups)).astype(np.float64)
    mean = np.stack([np.bincount(inv, x[:, k], len(groups)) for k in range(3)], 1) / count[:, None]
    spread = np.zeros(len(groups))
    np.maximum.at(spread, inv, np.linalg.norm(x - mean[inv], axis=1))
    merge = (count[inv] > 1) & (spread[inv] <= max_spread)
    out = x.copy()
    out[merge] = mean[inv[merge]]
    return out.astype(np.float32), int(merge.sum())


def welded_mesh(result: DrapeResult, max_spread: float = WELD_MAX) -> tuple[TriangleMesh, int]:
    """The draped garment mesh with sewn vertices within ``max_spread`` [m] (at most 1 mm) merged: the
    export option. Returns (mesh, vertices merged)."""
    from .model import representatives

    g = result.garment
    x, merged = weld_seams(result.positions, representatives(g.n_vertices, g.seam_pairs.astype(np.int64)),
                           max_spread)
    return TriangleMesh(x, g.faces, g.rest, g.name), merged


def _is_static(x: np.ndarray, last: np.ndarray, settings: DrapeSettings) -> bool:
    """GarmentCode's static rule (d449629, pygarment/meshgen/garment.py:546-552, thresholds from
    assets/Sim_props/default_sim_props.yaml:9-10 `static_threshold: 0.03` [cm], `non_static_percent: 1.5`):
    a vertex still moves when its L1 displacement over the frame exceeds the threshold; the garment is
    static when fewer than that percentage of its vertices still move."""
    moved = np.abs(x - last).sum(axis=1) > settings.static_motion * 1e-2
    return moved.mean() * 100.0 < settings.static_fraction


def drape(garment: Garment, avatar: Avatar | None, fabric: Fabric, settings: DrapeSettings | None = None, *,
          pins: np.ndarray | None = None, on_progress: ProgressFn | None = None) -> DrapeResult:
    """Simulate ``garment`` in ``fabric`` on ``avatar`` (None: no body, e.g. a hanging sheet).

    ``pins``: vertex ids held in place until ``settings.pin_release_frame`` (0 = for good).
    ``on_progress(done_frames, max_frames)`` is called every frame and may raise to cancel.
    Raises :class:`InvalidInputError` for unusable inputs and :class:`SimulationDivergedError`
    (naming frame and vertex) instead of returning non-finite positions.
    """
    settings = settings or DrapeSettings()
    start = time.perf_counter()
    model = build_model(garment, fabric, pins)
    collider = body_collider(avatar) if avatar is not None else None
    x0, recovered = garment.positions, 0
    has_seams = len(garment.seam_pairs) > 0
    skip = skip_masks(garment, sewing=has_seams)
    if collider is not None:
        x0, recovered = recover_inside(x0, collider, settings.collision_thickness * 1e-2, skip=skip)
    solver = XPBDSolver(model, collider, skip)
    state = solver.state(x0)
    clock, last = _Clock(), x0.copy()
    dt = 1.0 / FPS / settings.substeps
    sewing_mask = has_seams
    rest = np.linalg.norm(garment.rest[model.edges[:, 0]] - garment.rest[model.edges[:, 1]], axis=1)
    hold = _waist_hold(garment, avatar)
    hold.start(solver)
    while clock.frame < settings.max_frames:
        if settings.pin_release_frame and clock.frame == settings.pin_release_frame and len(model.pins):
            solver.set_inv_mass((1.0 / model.mass).astype(np.float32))
        state = solver.frame(state, settings.substeps, dt, _controls(settings, fabric, clock, has_seams))
        clock.frame += 1
        x = state.positions()
        _check_finite(x, last, clock.frame)
        _update_phase(garment, x, settings, clock)
        if sewing_mask and clock.gravity_from is not None:  # sewn: the torso feels the arms again
            solver.set_skip(skip_masks(garment))
            sewing_mask = False
        if not sewing_mask and collider is not None:
            x = _lift_deep(solver, state, x, model, collider, settings)
        settled = clock.gravity_from is not None and clock.frame - clock.gravity_from >= settings.min_settle_frames
        if settled and _is_static(x, last, settings):
            if hold.active:  # at rest while held: let go of the waist, and the drape must come to rest again
                hold.release(solver, clock.frame)
                clock.gravity_from = clock.frame
            else:
                clock.static_at, clock.stop_reason = clock.frame, "static equilibrium"
        elif hold.active and clock.frame >= ATTACH_FRAMES:
            hold.release(solver, clock.frame)
        last = x
        report(on_progress, clock.frame, settings.max_frames)
        if clock.static_at is not None:
            break
        if clock.frame % GUARD_EVERY == 0:
            settling = clock.gravity_from is not None and clock.frame - clock.gravity_from >= 30
            fell = _guard(solver, state, model, x, x0, rest, garment, clock.frame, collider is not None, settling)
            if fell:
                clock.stop_reason = fell
                break
        if time.perf_counter() - start > settings.time_limit:
            clock.stop_reason = f"time limit of {settings.time_limit:.0f} s reached"
            break
    rep = build_report(garment, last, avatar, collider, frames=clock.frame, frames_to_static=clock.static_at,
                       seconds=time.perf_counter() - start, stop_reason=clock.stop_reason,
                       sewn_at_frame=clock.sewn_at, recovered=recovered, fabric_name=fabric.name)
    if len(hold.ids):
        rep["waist_held"] = {"vertices": int(len(hold.ids)), "level_m": round(hold.level, 4),
                             "released_at_frame": hold.released_at}
    if avatar is None:
        avatar = _no_avatar()
    return DrapeResult(garment, avatar, fabric, last, rep)


def _waist_hold(garment: Garment, avatar: Avatar | None) -> WaistHold:
    """GarmentCode's waist attachment (see :mod:`attach`) for a garment worn from the waist on an avatar that
    knows where its waist is; an inactive hold otherwise."""
    if avatar is None or "waist" not in avatar.landmarks:
        return WaistHold(np.zeros(0, np.int64), 0.0)
    return WaistHold(waist_vertices(garment), float(avatar.landmarks["waist"][1]))


def _no_avatar() -> Avatar:
    """Placeholder avatar for body-less drapes (DrapeResult needs one)."""
    from dataclasses import replace

    from ..core.examples import box_avatar

    return replace(box_avatar(), name="none", sdf=None)

