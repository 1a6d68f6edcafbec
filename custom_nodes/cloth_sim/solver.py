"""XPBD cloth solver shaped like Newton's: a static model, states, and ``step(state_in, state_out, dt)``.

Small steps (Macklin et al. 2019): many substeps with one constraint iteration each. The Taichi
arrays are sized per model and live as long as the solver; the kernels are shared and compile once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .body import BodyCollider
from .model import LONG, LONG_SEAM, SEAM, ClothModel
from .runtime import ensure_taichi, taichi_arch

GRAVITY = np.array([0.0, -9.81, 0.0])  # [m/s²], Y up
NO_FLOOR = -1e9  # [m] the floor of a vertex no attachment holds


@dataclass
class ClothState:
    """Positions [m] and velocities [m/s] of every vertex, as Taichi ndarrays of vec3."""

    x: object
    v: object

    def positions(self) -> np.ndarray:
        """[m], (n, 3) float32."""
        return self.x.to_numpy().astype(np.float32)

    def velocities(self) -> np.ndarray:
        """[m/s], (n, 3) float32."""
        return self.v.to_numpy().astype(np.float32)


@dataclass
class StepControls:
    """What may change between steps: gravity scale, sewing clamp, collision and damping settings."""

    gravity_scale: float = 1.0
    seam_step: float = 1e9  # [m] largest seam correction per substep (clamped sewing)
    damping: float = 0.0  # [1/s]
    friction: float = 0.3
    thickness: float = 0.0025  # [m] body collision distance
    self_thickness: float = 0.003  # [m]
    self_collision: bool = False
    relaxation: float = 1.0  # successive over-relaxation of the constraint sweep (1 = plain Gauss-Seidel)
    self_passes: int = 1  # self-collision passes per frame, evenly between the substeps
    max_speed: float = 10.0  # [m/s] velocity clamp (a garment never moves this fast while draping)
    body_t0: float = 1.0  # body blend (see XPBDSolver.move_body) at the start of the frame
    body_t1: float = 1.0  # ... and at its end


def _nd(ti, array: np.ndarray, dtype, vec: bool = False):
    """A Taichi ndarray holding ``array`` (vec3 rows when ``vec``)."""
    if vec:
        out = ti.Vector.ndarray(3, ti.f64, shape=len(array))
    else:
        out = ti.ndarray(dtype, shape=array.shape)
    if array.size:
        out.from_numpy(np.ascontiguousarray(array))
    return out


class XPBDSolver:
    """Steps a :class:`ClothModel` against an optional :class:`BodyCollider`."""

    def __init__(self, model: ClothModel, collider: BodyCollider | None = None,
                 skip_parts: np.ndarray | None = None):
        ti = ensure_taichi()
        from .kernels import PARAMS, get_kernels, vec3

        self.ti, self.k, self.model = ti, get_kernels(), model
        self.k_vec = lambda a: vec3(*np.asarray(a, np.float64).tolist())
        n = model.n_vertices
        self.inv_mass = _nd(ti, model.inv_mass, ti.f32)
        self.ctype = _nd(ti, model.ctype, ti.i32)
        self.cidx = _nd(ti, model.cidx, ti.i32)
        self.cw = _nd(ti, model.cw, ti.f32)
        self.compliance = _nd(ti, model.compliance, ti.f32)
        self.scale = ti.ndarray(ti.f32, max(len(model.ctype), 1))  # see kernels.prepare
        self._prepared: tuple | None = None  # (dt, relaxation, masses version) the scales were made for
        self._substep = 0  # substeps run so far
        self._masses = 0
        self.offsets = [int(o) for o in model.colour_offsets]
        self.faces = _nd(ti, model.faces, ti.i32)
        self.edges = _nd(ti, model.edges, ti.i32)
        self.rep = _nd(ti, model.rep, ti.i32)
        self.skip = _nd(ti, np.zeros(n, np.int32) if skip_parts is None else skip_parts.astype(np.int32), ti.i32)
        self.use_body = collider is not None
        c = collider or BodyCollider(np.ones((2, 2, 2), np.float32), np.zeros((2, 2, 2), np.int32),
                                     np.zeros(3, np.float32), 1.0)
        self.sdf, self.parts = _nd(ti, c.sdf, ti.f32), _nd(ti, c.parts, ti.i32)
        self.sdf_to = self.sdf  # a moving body blends sdf -> sdf_to (see move_body)
        self.floor = _nd(ti, np.full(n, NO_FLOOR, np.float32), ti.f32)  # lowest height per vertex (attach.py)
        self.far = ti.Vector.ndarray(4, ti.f32, shape=n)  # where each vertex last read the SDF, and the distance
        self._forget_far()
        self.origin, self.voxel = self.k_vec(c.origin), float(c.voxel)
        m = len(model.faces)
        table = 1 << int(np.ceil(np.log2(max(2 * m, 16))))
        self.items = ti.ndarray(ti.i32, 8 * m)  # a triangle lands in at most 2x2x2 cells
        self.box_lo, self.box_hi = (ti.Vector.ndarray(3, ti.f32, shape=8 * m) for _ in range(2))
        self.counts, self.fill = ti.ndarray(ti.i32, table), ti.ndarray(ti.i32, table)
        self.starts = ti.ndarray(ti.i32, table + 1)
        self.starts.fill(0)
        self.dx = ti.Vector.ndarray(3, ti.f64, shape=n)
        self.x_prev = ti.Vector.ndarray(3, ti.f64, shape=n)
        self.x_start = ti.Vector.ndarray(3, ti.f64, shape=n)  # positions at the start of the frame
        self.rest = _nd(ti, model.rest_uvp, None, vec=True)
        self.seam_dist = _nd(ti, model.seam_dist, ti.f32)
        self.param_names = PARAMS  # slots of self.params (kernels.substeps_serial)
        self.params = ti.ndarray(ti.f32, len(PARAMS))
        long = np.flatnonzero((model.ctype == LONG) | (model.ctype == LONG_SEAM))  # contiguous: own colours
        self.long_range = begin, end = (int(long[0]), int(long[-1]) + 1) if len(long) else (0, 0)
        seams = np.flatnonzero(model.ctype == SEAM)  # the last colours (model.build_model's sweep order)
        self.seam_begin = int(seams[0]) if len(seams) else len(model.ctype)
        colours = range(len(self.offsets) - 1)  # the GPU path's sweep, as the CPU kernel's: limits twice
        self._sweep = ([c for c in colours if self.offsets[c] < end]
                       + [c for c in colours if self.offsets[c] >= begin])
        self.serial = taichi_arch() != "cuda"  # CPU: whole frames in one launch (see kernels.substeps_serial)
        self._spare: ClothState | None = None

    def state(self, positions: np.ndarray, velocities: np.ndarray | None = None) -> ClothState:
        """A new state at ``positions`` (n, 3) [m] (velocities default to zero)."""
        v = np.zeros_like(positions, np.float32) if velocities is None else velocities
        return ClothState(_nd(self.ti, positions.astype(np.float64), None, vec=True),
                          _nd(self.ti, v.astype(np.float64), None, vec=True))

    def move_body(self, sdf_from: np.ndarray, sdf_to: np.ndarray) -> None:
        """Let the body move: collisions blend SDF samples ``sdf_from`` → ``sdf_to`` (same grid shape) as
        ``StepControls.body_t0..body_t1`` advance, substep by substep."""
        if self.sdf_to is self.sdf:
            self.sdf_to = self.ti.ndarray(self.ti.f32, shape=sdf_to.shape)
        self.sdf.from_numpy(np.ascontiguousarray(sdf_from, np.float32))
        self.sdf_to.from_numpy(np.ascontiguousarray(sdf_to, np.float32))
        self._forget_far()

    def maybe_inside(self) -> np.ndarray:
        """Ids of the vertices whose last body test read a negative distance (or that were never tested):
        the only ones that can be inside the body after a frame, as a vertex is only pushed outwards after
        its test and one that skipped it provably stayed clear (see kernels._collide)."""
        return np.flatnonzero(~(self.far.to_numpy()[:, 3] >= 0))

    def set_floor(self, ids: np.ndarray, level: float | None) -> None:
        """Keep vertices ``ids`` at or above height ``level`` [m] every substep (a one-sided attachment, see
        attach.py); ``level=None`` lets every vertex go."""
        floor = np.full(self.model.n_vertices, NO_FLOOR, np.float32)
        if level is not None:
            floor[ids] = level
        self.floor.from_numpy(floor)

    def _forget_far(self) -> None:
        """Make every vertex read the SDF at its next collision test (the body changed)."""
        far = np.zeros((self.model.n_vertices, 4), np.float32)
        far[:, 3] = -np.inf
        self.far.from_numpy(far)

    def _blend(self, t0: float, t1: float) -> tuple[float, float]:
        """Body blend range for the kernels; -1 when the body does not move (skips the second SDF)."""
        return (t0, t1) if self.sdf_to is not self.sdf else (-1.0, -1.0)

    def set_skip(self, skip_parts: np.ndarray) -> None:
        """Replace the per-vertex bitmask of avatar parts each vertex ignores."""
        self.skip.from_numpy(skip_parts.astype(np.int32))

    def set_inv_mass(self, inv_mass: np.ndarray) -> None:
        """Replace inverse masses (pinning / releasing vertices)."""
        self.inv_mass.from_numpy(inv_mass.astype(np.float32))
        self._masses += 1

    def _prepare(self, dt: float, relaxation: float) -> None:
        """Constraint scales for this substep length, over-relaxation and masses (once, not per sweep)."""
        key = (dt, relaxation, self._masses)
        if self._prepared != key:
            self.k.prepare(self.inv_mass, self.ctype, self.cidx, self.cw, self.compliance, dt, relaxation,
                           self.scale)
            self._prepared = key

    def step(self, state_in: ClothState, state_out: ClothState, dt: float, ctl: StepControls | None = None) -> None:
        """Advance one substep of ``dt`` seconds from ``state_in`` into ``state_out``."""
        ctl = ctl or StepControls()
        k, g = self.k, GRAVITY * ctl.gravity_scale
        keep = float(np.exp(-ctl.damping * dt))
        k.predict(state_in.x, state_in.v, state_out.x, self.inv_mass, self.k_vec(g), dt, keep)
        offs = self.offsets
        self._prepare(dt, ctl.relaxation)
        for c in self._sweep:
            k.solve_colour(offs[c], offs[c + 1], state_out.x, self.inv_mass, self.ctype, self.cidx, self.cw,
                           self.scale, ctl.seam_step)
        self._substep += 1
        k.collide_update(state_in.x, state_out.x, state_out.v, self.inv_mass, self.skip, self.sdf, self.sdf_to,
                         self._blend(ctl.body_t1, ctl.body_t1)[1], self.parts, self.far, self.floor,
                         self.origin, self.voxel, ctl.thickness, ctl.friction, dt, int(self.use_body),
                         ctl.max_speed)
        self._close_seams(state_out, ctl)  # after the body's friction moved the partners apart

    def _close_seams(self, state: ClothState, ctl: StepControls) -> None:
        """Once sewn (``seam_step > 1``), project the seam constraints once more: a collision that moved two
        sewn partners by different amounts (body friction, a self-collision push) must not leave the seam open."""
        if ctl.seam_step <= 1.0:
            return
        offs = self.offsets
        for c in range(len(offs) - 1):
            if offs[c] >= self.seam_begin:
                self.k.solve_colour(offs[c], offs[c + 1], state.x, self.inv_mass, self.ctype, self.cidx, self.cw,
                                    self.scale, ctl.seam_step)

    def frame(self, state: ClothState, substeps: int, dt: float, ctl: StepControls) -> ClothState:
        """Advance ``substeps`` substeps of ``dt`` seconds, with a self-collision pass after each of
        ``ctl.self_passes`` even chunks of them; returns the new state, which may be ``state`` itself (CPU
        path) or a second buffer (per-kernel path)."""
        if self.serial:
            return self._cpu_frame(state, substeps, dt, ctl)
        if self._spare is None:
            self._spare = self.state(np.zeros((self.model.n_vertices, 3), np.float32))
        a, b = state, self._spare
        for lo, hi in self._chunks(substeps, ctl):
            if ctl.self_collision:
                self.x_start.copy_from(a.x)
            for s in range(lo, hi):
                t = ctl.body_t0 + (ctl.body_t1 - ctl.body_t0) * (s + 1) / substeps
                self.step(a, b, dt, replace(ctl, body_t0=t, body_t1=t))
                a, b = b, a
            if ctl.self_collision:
                self._self_collide(self.x_start, a, ctl, dt * (hi - lo))
                self._close_seams(a, ctl)
        self._spare = b
        return a

    @staticmethod
    def _chunks(substeps: int, ctl: StepControls) -> list[tuple[int, int]]:
        """Substep ranges with a self-collision pass after each: ``self_passes`` of them a frame."""
        passes = max(1, min(ctl.self_passes, substeps)) if ctl.self_collision else 1
        bounds = np.linspace(0, substeps, passes + 1).round().astype(int)
        return [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]

    def _cpu_frame(self, state: ClothState, substeps: int, dt: float, ctl: StepControls) -> ClothState:
        """The CPU frame: substeps in ``self_passes`` chunks of one launch each (kernels.substeps_serial), a
        self-collision pass after each chunk; the body blend advances chunk by chunk."""
        g = self.k_vec(GRAVITY * ctl.gravity_scale)
        self._prepare(dt, ctl.relaxation)
        blend = lambda s: ctl.body_t0 + (ctl.body_t1 - ctl.body_t0) * s / substeps  # noqa: E731
        for lo, hi in self._chunks(substeps, ctl):
            t0, t1 = self._blend(blend(lo), blend(hi))
            p = {"dt": dt, "keep": np.exp(-ctl.damping * dt), "seam_step": ctl.seam_step, "voxel": self.voxel,
                 "thickness": ctl.thickness, "friction": ctl.friction, "use_body": self.use_body,
                 "max_speed": ctl.max_speed, "body_t0": t0, "body_t1": t1, "long_begin": self.long_range[0],
                 "long_end": self.long_range[1], "seam_begin": self.seam_begin}
            self.params.from_numpy(np.array([p[name] for name in self.param_names], np.float32))
            if ctl.self_collision:
                self.x_start.copy_from(state.x)
            self.k.substeps_serial(int(hi - lo), state.x, self.x_prev, state.v, self.inv_mass, self.ctype,
                                   self.cidx, self.cw, self.scale, self.skip, self.sdf, self.sdf_to,
                                   self.parts, self.far, self.floor, g, self.origin, self.params)
            self._substep += int(hi - lo)
            if ctl.self_collision:
                self._self_collide(self.x_start, state, ctl, dt * int(hi - lo))
                self._close_seams(state, ctl)
        return state

    def _build_hash(self, x, cell: float, pad: float) -> None:
        self.k.hash_count(x, self.faces, cell, pad, self.counts)
        self.k.hash_fill(x, self.faces, cell, pad, self.counts, self.starts, self.fill, self.items, self.box_lo,
                         self.box_hi)

    def _self_collide(self, x_ref, state: ClothState, ctl: StepControls, dt: float) -> None:
        h = ctl.self_thickness
        reach = h + min(0.5 * self.model.max_edge, 0.02)  # [m] how far a vertex that passed through is sought
        # cells as small as a triangle may span (25 % stretch allowed), and at least twice the search radius:
        # a triangle then sits in <= 2 cells an axis and a search touches <= 2
        cell = max(1.25 * self.model.max_edge, 2.0 * reach + 1e-4)
        self._build_hash(state.x, cell, 0.0)
        self.k.self_collide(x_ref, state.x, state.v, self.inv_mass, self.faces, self.rep, cell, self.starts,
                            self.items, self.box_lo, self.box_hi, h, reach, self.dx, ctl.friction, dt, self.rest,
                            2.0 * self.model.max_edge + 2.0 * reach, self.seam_dist)

    def self_crossings(self, state: ClothState) -> int:
        """Garment edges that pass through a non-adjacent garment triangle."""
        x = state.positions()
        e = self.model.edges
        half = 0.5 * float(np.linalg.norm(x[e[:, 0]] - x[e[:, 1]], axis=1).max()) + 1e-6
        cell = 4 * half  # a triangle's padded box spans <= 2 cells an axis
        self._build_hash(state.x, cell, half)
        return int(self.k.count_self_crossings(state.x, self.edges, self.faces, self.rep, cell, self.starts,
                                               self.items))
