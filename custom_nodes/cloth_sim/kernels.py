"""Taichi kernels of the XPBD cloth solver.

All kernels take Taichi ndarrays, so they compile once per process whatever the mesh size (fields
would recompile per model). Import this module only after :func:`runtime.ensure_taichi`; use
:func:`get_kernels` for the shared instance.

Determinism: every parallel loop writes only to the items it owns. Constraints are graph-coloured
(no two constraints of one colour share a vertex) and solved colour by colour (Gauss-Seidel), the
self-collision pass takes a per-vertex minimum with an index tie-break and applies corrections in a
second loop, and the only atomics are integer counters. CPU runs are therefore bitwise repeatable.

Updates to arrays are written ``x[i] = x[i] + d``, never ``x[i] += d``: inside a parallel loop Taichi turns
``+=`` into an atomic add (a compare-and-swap loop on f64 vectors), which made the constraint sweep 3x slower.
"""

import taichi as ti

vec3 = ti.types.vector(3, ti.f64)  # positions and velocities in double: v = Δx/dt loses too much in f32
V3 = ti.types.ndarray(dtype=vec3, ndim=1)
F1 = ti.types.ndarray(dtype=ti.f32, ndim=1)
I1 = ti.types.ndarray(dtype=ti.i32, ndim=1)
F2 = ti.types.ndarray(dtype=ti.f32, ndim=2)
I2 = ti.types.ndarray(dtype=ti.i32, ndim=2)
F3 = ti.types.ndarray(dtype=ti.f32, ndim=3)
I3 = ti.types.ndarray(dtype=ti.i32, ndim=3)
B3 = ti.types.ndarray(dtype=ti.types.vector(3, ti.f32), ndim=1)
B4 = ti.types.ndarray(dtype=ti.types.vector(4, ti.f32), ndim=1)


STRETCH, BEND, SEAM, LONG, LONG_SEAM, SEAM_BEND = 0, 1, 2, 3, 4, 5  # constraint types (see model.py)
FOLDED = 0.4  # cloth nearer in space than this share of its pattern distance has folded onto itself
# Slots of substeps_serial's parameter array (see XPBDSolver._cpu_frame)
PARAMS = ("dt", "keep", "seam_step", "voxel", "thickness", "friction", "use_body", "max_speed", "body_t0",
          "body_t1", "long_begin", "long_end", "seam_begin")
(DT, KEEP, SEAM_STEP, VOXEL, THICKNESS, FRICTION, USE_BODY, MAX_SPEED, BODY_T0, BODY_T1, LONG_BEGIN, LONG_END,
 SEAM_BEGIN) = range(len(PARAMS))


@ti.func
def _hash(c, table):
    """Bucket of integer cell ``c`` in a table of ``table`` buckets, a power of two (a mask, not a modulo:
    integer division made hashing half of the self-collision pass)."""
    h = (c[0] * 73856093) ^ (c[1] * 19349663) ^ (c[2] * 83492791)
    return h & (table - 1)


@ti.func
def _closest_on_triangle(p, a, b, c):
    """Closest point to ``p`` on triangle abc (Ericson, Real-Time Collision Detection 5.1.5)."""
    ab, ac, ap = b - a, c - a, p - a
    d1, d2 = ab.dot(ap), ac.dot(ap)
    bp = p - b
    d3, d4 = ab.dot(bp), ac.dot(bp)
    cp = p - c
    d5, d6 = ab.dot(cp), ac.dot(cp)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    res = a
    if d1 <= 0 and d2 <= 0:
        res = a
    elif d3 >= 0 and d4 <= d3:
        res = b
    elif d6 >= 0 and d5 <= d6:
        res = c
    elif vc <= 0 and d1 >= 0 and d3 <= 0:
        res = a + ab * (d1 / (d1 - d3))
    elif vb <= 0 and d2 >= 0 and d6 <= 0:
        res = a + ac * (d2 / (d2 - d6))
    elif va <= 0 and (d4 - d3) >= 0 and (d5 - d6) >= 0:
        res = b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)))
    else:
        denom = 1.0 / (va + vb + vc)
        res = a + ab * (vb * denom) + ac * (vc * denom)
    return res


@ti.data_oriented
class ClothKernels:
    """The solver's kernels; one instance per process (see :func:`get_kernels`)."""

    @ti.func
    def _predict(self, i, x_in: ti.template(), v_in: ti.template(), x_out: ti.template(), inv_mass: ti.template(),
                 gravity, dt, keep):
        """Explicit prediction: v ← keep·v + g·dt, x ← x + v·dt (pinned vertices stay)."""
        x_out[i] = x_in[i]
        if inv_mass[i] > 0:
            x_out[i] = x_in[i] + (v_in[i] * keep + gravity * dt) * dt

    @ti.func
    def _solve(self, c, x: ti.template(), inv_mass: ti.template(), ctype: ti.template(), cidx: ti.template(),
               cw: ti.template(), scale: ti.template(), seam_step):
        """One XPBD projection of constraint ``c`` (``scale`` from :meth:`prepare`)."""
        if ctype[c] == BEND:
            self._bend(c, x, inv_mass, cidx, cw, scale[c])
        elif ctype[c] == SEAM_BEND:
            if seam_step > 1.0:  # bending across a seam waits until it is sewn
                self._bend(c, x, inv_mass, cidx, cw, scale[c])
        elif ctype[c] == SEAM:
            self._distance(c, x, inv_mass, cidx, cw, scale[c], seam_step, 0)
        elif ctype[c] == STRETCH:
            self._distance(c, x, inv_mass, cidx, cw, scale[c], 1e9, 0)
        elif ctype[c] == LONG or seam_step > 1.0:  # limits across a seam wait until it is sewn
            self._distance(c, x, inv_mass, cidx, cw, scale[c], 1e9, 1)

    @ti.kernel
    def prepare(self, inv_mass: F1, ctype: I1, cidx: I2, cw: F2, compliance: F1, dt: ti.f32, omega: ti.f32,
                scale: F1):
        """Per constraint, what a projection multiplies its violation by: ω / (Σ w_k |∇C_k|² + α / dt²). It
        only changes with dt, ω and the masses, so the sweeps read it instead of summing and dividing
        (seams are never over-relaxed: ω = 1)."""
        for c in range(ctype.shape[0]):
            denom = compliance[c] / (dt * dt)
            if ctype[c] == BEND or ctype[c] == SEAM_BEND:  # every substep: at half rate (one 2 dt step) stiff
                # fabrics such as denim grew a ripple at the long-range anchors and tangled (67 of 82 denim
                # sweep drapes)
                for k in ti.static(range(4)):
                    denom += inv_mass[cidx[c, k]] * cw[c, k] * cw[c, k]
            else:
                denom += inv_mass[cidx[c, 0]] + inv_mass[cidx[c, 1]]
            w_sum = inv_mass[cidx[c, 0]] + inv_mass[cidx[c, 1]] + inv_mass[cidx[c, 2]] + inv_mass[cidx[c, 3]]
            scale[c] = 0.0
            if denom > 0 and w_sum > 0:
                scale[c] = (1.0 if ctype[c] == SEAM else omega) / denom

    @ti.kernel
    def predict(self, x_in: V3, v_in: V3, x_out: V3, inv_mass: F1, gravity: vec3, dt: ti.f32, keep: ti.f32):
        for i in x_in:
            self._predict(i, x_in, v_in, x_out, inv_mass, gravity, dt, keep)

    @ti.kernel
    def solve_colour(self, begin: ti.i32, end: ti.i32, x: V3, inv_mass: F1, ctype: I1, cidx: I2, cw: F2,
                     scale: F1, seam_step: ti.f32):
        """One XPBD iteration over constraints ``begin..end`` (one colour: no shared vertices)."""
        for c in range(begin, end):
            self._solve(c, x, inv_mass, ctype, cidx, cw, scale, seam_step)

    @ti.kernel
    def substeps_serial(self, nsub: ti.i32, x: V3, x_prev: V3, v: V3, inv_mass: F1, ctype: I1, cidx: I2, cw: F2,
                        scale: F1, skip_parts: I1, sdf: F3, sdf_to: F3, parts: I3, far: B4, floor: F1, gravity: vec3,
                        origin: vec3, p: F1):
        """``nsub`` whole substeps in one launch, strictly in order (the CPU path: no launch overhead,
        sequential Gauss-Seidel in colour order).

        ``p``: the :data:`PARAMS`, in that order:
        - the body's SDF blends from ``sdf`` to ``sdf_to`` as t runs from body_t0 to body_t1 over the
          substeps (a moving body, no teleports);
        - constraints long_begin..long_end are the long-range limits, swept twice (one sweep a substep is
          soft on fine meshes: a denim waistband slid down and stretched 37 % over the hips at 8 mm, 20 %
          with the limits twice);
        ``far``: see :meth:`_collide`."""
        ti.loop_config(serialize=True)
        for _s in range(nsub):
            for i in range(x.shape[0]):
                x_prev[i] = x[i]
                self._predict(i, x_prev, v, x, inv_mass, gravity, p[DT], p[KEEP])
            for c in range(ti.cast(p[LONG_END], ti.i32)):  # stretch, bending and the long-range limits ...
                self._solve(c, x, inv_mass, ctype, cidx, cw, scale, p[SEAM_STEP])
            for c in range(ti.cast(p[LONG_BEGIN], ti.i32), ctype.shape[0]):  # ... the limits again, the seams
                self._solve(c, x, inv_mass, ctype, cidx, cw, scale, p[SEAM_STEP])
            for i in range(x.shape[0]):
                t = p[BODY_T0] + (p[BODY_T1] - p[BODY_T0]) * (_s + 1) / nsub
                self._collide(i, x_prev, x, v, inv_mass, skip_parts, sdf, sdf_to, t, parts, far, floor, origin, p[VOXEL],
                              p[THICKNESS], p[FRICTION], p[DT], ti.cast(p[USE_BODY], ti.i32), p[MAX_SPEED])
            if p[SEAM_STEP] > 1.0:  # sewn: the seams once more, after the body's friction moved the partners
                for c in range(ti.cast(p[SEAM_BEGIN], ti.i32), ctype.shape[0]):
                    self._solve(c, x, inv_mass, ctype, cidx, cw, scale, p[SEAM_STEP])

    @ti.func
    def _distance(self, c, x: ti.template(), inv_mass: ti.template(), cidx: ti.template(), cw: ti.template(),
                  scale, max_step, one_sided):
        """Distance constraint; ``one_sided`` ones act only when stretched; a correction longer than
        ``max_step`` [m] is clamped (sewing)."""
        i, j = cidx[c, 0], cidx[c, 1]
        d = x[i] - x[j]
        length = d.norm()
        if scale > 0 and length > 1e-9 and (one_sided == 0 or length > cw[c, 0]):
            wi, wj = inv_mass[i], inv_mass[j]
            dl = -(length - cw[c, 0]) * scale
            if max_step < 1e8:
                reach = max_step / (wi + wj)
                dl = ti.math.clamp(dl, -reach, reach)
            n = d * (dl / length)
            x[i] = x[i] + wi * n
            x[j] = x[j] - wj * n

    @ti.func
    def _bend(self, c, x: ti.template(), inv_mass: ti.template(), cidx: ti.template(), cw: ti.template(), scale):
        """Isometric bending (Bergou et al. 2006): C = Σ K_k x_k is linear, so one step is exact."""
        s = vec3(0.0)
        for k in ti.static(range(4)):
            s += cw[c, k] * x[cidx[c, k]]
        dl = -s * scale
        for k in ti.static(range(4)):
            x[cidx[c, k]] = x[cidx[c, k]] + inv_mass[cidx[c, k]] * cw[c, k] * dl

    @ti.func
    def _sdf(self, p, sdf: ti.template(), sdf_to: ti.template(), blend, origin, voxel):
        """Trilinear distance [m] and its gradient at ``p`` (clamped to the grid) in the body blended
        ``blend`` of the way from ``sdf`` to ``sdf_to``."""
        q = (p - origin) / voxel
        hi = ti.Vector([sdf.shape[0], sdf.shape[1], sdf.shape[2]]) - 1
        q = ti.math.clamp(q, 0.0, ti.cast(hi, ti.f32) - 1e-4)
        i0 = ti.cast(ti.floor(q), ti.i32)
        t = q - ti.cast(i0, ti.f32)
        dist = ti.cast(0.0, ti.f64)
        grad = vec3(0.0)
        for corner in ti.static(range(8)):
            o = ((corner >> 2) & 1, (corner >> 1) & 1, corner & 1)
            w = ti.Vector([t[a] if o[a] else 1.0 - t[a] for a in ti.static(range(3))])
            s = sdf[i0[0] + o[0], i0[1] + o[1], i0[2] + o[2]]
            if blend > 0:  # a moving body (blend < 0 marks a still one: one read per sample)
                s += blend * (sdf_to[i0[0] + o[0], i0[1] + o[1], i0[2] + o[2]] - s)
            dist += s * w[0] * w[1] * w[2]
            grad += s * ti.Vector([(1.0 if o[0] else -1.0) * w[1] * w[2], (1.0 if o[1] else -1.0) * w[0] * w[2],
                                   (1.0 if o[2] else -1.0) * w[0] * w[1]])
        return dist, grad / voxel, i0 + ti.cast(ti.round(t), ti.i32)

    @ti.func
    def _collide(self, i, x_prev: ti.template(), x: ti.template(), v_out: ti.template(), inv_mass: ti.template(),
                 skip_parts: ti.template(), sdf: ti.template(), sdf_to: ti.template(), blend, parts: ti.template(),
                 far: ti.template(), floor: ti.template(), origin, voxel, thickness, friction, dt, use_body, max_speed):
        """Push a vertex out of the body SDF to ``thickness`` with Coulomb friction; set v = Δx/dt, clamped
        to ``max_speed`` (constraint projection of a badly placed start must not fling the cloth).

        ``far[i]`` = (where the SDF was last read, the distance read there). The trilinear SDF changes by at
        most √3 × a move (each axis slope is an average of sample differences ≤ one voxel per voxel), so a
        vertex that moved less than half of (distance − thickness) since is still clear of a still body
        and skips the lookup: most of a drape's cloth hangs clear of the body most of the time.

        ``floor[i]``: the lowest height [m] vertex i may take (GarmentCode's waist attachment, see attach.py; a
        large negative number for a free vertex)."""
        if inv_mass[i] > 0 and x[i][1] < floor[i]:
            x[i][1] = floor[i]
        if inv_mass[i] > 0 and use_body:
            seen = far[i]
            moved = (ti.cast(x[i], ti.f32) - ti.Vector([seen[0], seen[1], seen[2]])).norm()
            if blend >= 0 or 2.0 * moved + 1e-5 >= seen[3] - thickness:  # a moving body: always look
                self._push_out(i, x_prev, x, skip_parts, sdf, sdf_to, blend, parts, far, origin, voxel,
                               thickness, friction)
        v = (x[i] - x_prev[i]) / dt
        speed = v.norm()
        if speed > max_speed:
            v *= max_speed / speed
        v_out[i] = v

    @ti.func
    def _push_out(self, i, x_prev: ti.template(), x: ti.template(), skip_parts: ti.template(), sdf: ti.template(),
                  sdf_to: ti.template(), blend, parts: ti.template(), far: ti.template(), origin, voxel, thickness,
                  friction):
        d, g, cell = self._sdf(x[i], sdf, sdf_to, blend, origin, voxel)
        xf = ti.cast(x[i], ti.f32)
        far[i] = ti.Vector([xf[0], xf[1], xf[2], ti.cast(d, ti.f32)])
        part = parts[cell[0], cell[1], cell[2]]
        if d < thickness and g.norm() > 1e-6 and (skip_parts[i] >> part) & 1 == 0:
                n = g.normalized()
                push = thickness - d
                x[i] = x[i] + n * push
                dx = x[i] - x_prev[i]
                tang = dx - n * dx.dot(n)
                lt = tang.norm()
                if lt > 0:
                    x[i] = x[i] - tang * ti.min(1.0, friction * push / lt)

    @ti.kernel
    def collide_update(self, x_prev: V3, x: V3, v_out: V3, inv_mass: F1, skip_parts: I1, sdf: F3, sdf_to: F3,
                       blend: ti.f32, parts: I3, far: B4, floor: F1, origin: vec3, voxel: ti.f32, thickness: ti.f32,
                       friction: ti.f32, dt: ti.f32, use_body: ti.i32, max_speed: ti.f32):
        for i in x:
            self._collide(i, x_prev, x, v_out, inv_mass, skip_parts, sdf, sdf_to, blend, parts, far, floor, origin, voxel,
                          thickness, friction, dt, use_body, max_speed)

    @ti.func
    def _cell_range(self, x: ti.template(), faces: ti.template(), f, cell_size, pad):
        """Integer cell bounds [lo, hi] of triangle ``f``'s box grown by ``pad``, at most 2 cells an axis."""
        a, b, c = x[faces[f, 0]], x[faces[f, 1]], x[faces[f, 2]]
        lo = ti.cast(ti.floor((ti.min(a, b, c) - pad) / cell_size), ti.i32)
        hi = ti.cast(ti.floor((ti.max(a, b, c) + pad) / cell_size), ti.i32)
        return lo, ti.min(hi, lo + 1)

    @ti.kernel
    def hash_count(self, x: V3, faces: I2, cell_size: ti.f32, pad: ti.f32, counts: I1):
        """Count, per hash bucket, the triangles whose padded box overlaps its cells (integer atomics)."""
        for t in counts:
            counts[t] = 0
        for f in range(faces.shape[0]):
            lo, hi = self._cell_range(x, faces, f, cell_size, pad)
            for i, j, k in ti.ndrange((lo[0], hi[0] + 1), (lo[1], hi[1] + 1), (lo[2], hi[2] + 1)):
                ti.atomic_add(counts[_hash(ti.Vector([i, j, k]), counts.shape[0])], 1)

    @ti.kernel
    def hash_fill(self, x: V3, faces: I2, cell_size: ti.f32, pad: ti.f32, counts: I1, starts: I1, fill: I1,
                  items: I1, box_lo: B3, box_hi: B3):
        """Prefix sum (serial) then scatter triangle ids into their buckets (order inside a bucket is free:
        every query takes a minimum with an index tie-break, or a count). Each entry also holds the
        triangle's box, grown by 1 µm against rounding, so queries reject far triangles reading contiguous
        memory only."""
        ti.loop_config(serialize=True)
        for t in range(counts.shape[0]):
            starts[t + 1] = starts[t] + counts[t]
            fill[t] = 0
        for f in range(faces.shape[0]):
            lo, hi = self._cell_range(x, faces, f, cell_size, pad)
            a, b, c = x[faces[f, 0]], x[faces[f, 1]], x[faces[f, 2]]
            blo, bhi = ti.cast(ti.min(a, b, c) - 1e-6, ti.f32), ti.cast(ti.max(a, b, c) + 1e-6, ti.f32)
            for i, j, k in ti.ndrange((lo[0], hi[0] + 1), (lo[1], hi[1] + 1), (lo[2], hi[2] + 1)):
                h = _hash(ti.Vector([i, j, k]), counts.shape[0])
                slot = starts[h] + ti.atomic_add(fill[h], 1)
                items[slot], box_lo[slot], box_hi[slot] = f, blo, bhi

    @ti.func
    def _nearest_triangle(self, i, p, x: ti.template(), faces: ti.template(), rep: ti.template(),
                          cell_size, starts: ti.template(), items: ti.template(), box_lo: ti.template(),
                          box_hi: ti.template(), radius, rest: ti.template(), near_rest, seam_dist: ti.template()):
        """(distance, triangle) of the nearest triangle within ``radius`` (-1 if none), ignoring triangles
        of the vertex's own panel closer than ``near_rest`` in pattern space (``rest`` = (u, v, panel)):
        those are its mesh neighbours, not cloth it could fold onto; near a seam (``seam_dist``: pattern
        distance to the panel's nearest seam vertex) the same holds for the sewn-on panel's triangles."""
        best_d, best_t = ti.cast(radius, ti.f64), -1
        ri, ci, pf = rest[i], rep[i], ti.cast(p, ti.f32)
        lo = ti.cast(ti.floor((p - radius) / cell_size), ti.i32)  # the cells the search sphere touches (the
        hi = ti.min(ti.cast(ti.floor((p + radius) / cell_size), ti.i32), lo + 1)  # table has unpadded boxes)
        for cx, cy, cz in ti.ndrange((lo[0], hi[0] + 1), (lo[1], hi[1] + 1), (lo[2], hi[2] + 1)):
            h = _hash(ti.Vector([cx, cy, cz]), starts.shape[0] - 1)
            for s in range(starts[h], starts[h + 1]):
                # cheapest test first: most triangles of a bucket lie farther than best_d along some axis
                r = ti.cast(best_d, ti.f32)
                if (pf >= box_lo[s] - r).all() and (pf <= box_hi[s] + r).all():
                    t = items[s]
                    a, b, c = faces[t, 0], faces[t, 1], faces[t, 2]
                    if rep[a] != ci and rep[b] != ci and rep[c] != ci:
                        apart = 1e9  # [m] how far apart the two lie in the pattern (through the seam)
                        if ri[2] == rest[a][2]:
                            apart = ti.min((rest[a] - ri).norm(), (rest[b] - ri).norm(), (rest[c] - ri).norm())
                        elif seam_dist[i] < near_rest:
                            apart = seam_dist[i] + ti.min(seam_dist[a], seam_dist[b], seam_dist[c])
                        d = (p - _closest_on_triangle(p, x[a], x[b], x[c])).norm()
                        # a neighbour in the pattern, as far away in space as in the pattern, is the sheet
                        # itself; one much closer in space than in the pattern is cloth folded onto it (a
                        # vertex on a seam is the seam's to hold: pushing it off the cloth beside its partner
                        # opens the seam)
                        own = apart < near_rest and (d >= FOLDED * apart or seam_dist[i] < 1e-6)
                        if not own and (d < best_d or (d == best_d and t < best_t)):
                            best_d, best_t = d, t
        return best_d, best_t

    @ti.kernel
    def self_collide(self, x_ref: V3, x: V3, v: V3, inv_mass: F1, faces: I2, rep: I1, cell_size: ti.f32,
                     starts: I1, items: I1, box_lo: B3, box_hi: B3, thickness: ti.f32, reach: ti.f32, dx: V3,
                     friction: ti.f32, dt: ti.f32, rest: V3, near_rest: ti.f32, seam_dist: F1):
        """Point–triangle repulsion: keep each vertex ``thickness`` away from the nearest other triangle,
        on the side it was on in ``x_ref`` (``dt`` seconds ago), drop its velocity towards it and apply
        Coulomb friction (cloth on cloth) to its sliding velocity. A vertex that moved by m since
        ``x_ref`` looks ``thickness + m`` (at most ``reach``) far, so one that passed through is caught."""
        for i in x:
            dx[i] = vec3(0.0)
            if inv_mass[i] > 0:
                radius = ti.min(thickness + (x[i] - x_ref[i]).norm(), reach)
                _, t = self._nearest_triangle(i, x[i], x, faces, rep, cell_size, starts, items, box_lo, box_hi,
                                              radius, rest, near_rest, seam_dist)
                if t >= 0:
                    a, b, c = faces[t, 0], faces[t, 1], faces[t, 2]
                    n = (x[b] - x[a]).cross(x[c] - x[a])
                    n0 = (x_ref[b] - x_ref[a]).cross(x_ref[c] - x_ref[a])
                    if n.norm() > 1e-12 and n0.norm() > 1e-12:
                        side = 1.0 if (x_ref[i] - x_ref[a]).dot(n0) >= 0 else -1.0
                        n = n.normalized() * side  # points to the vertex's side
                        sd = (x[i] - x[a]).dot(n)
                        if sd < thickness:
                            dx[i] = n * (thickness - sd) * 0.5
        for i in x:
            if dx[i].norm_sqr() > 0:
                x[i] = x[i] + dx[i]
                n = dx[i].normalized()
                v[i] = v[i] - n * ti.min(v[i].dot(n), 0.0)
                vt = v[i] - n * v[i].dot(n)
                lt = vt.norm()
                if lt > 0:
                    v[i] = v[i] - vt * ti.min(1.0, friction * dx[i].norm() / dt / lt)

    @ti.kernel
    def count_self_crossings(self, x: V3, edges: I2, faces: I2, rep: I1, cell_size: ti.f32, starts: I1,
                             items: I1) -> ti.i32:
        """Number of (edge, triangle) pairs that cross, ignoring pairs that share a (sewn) vertex."""
        total = 0
        for e in range(edges.shape[0]):
            i, j = edges[e, 0], edges[e, 1]
            p, q = x[i], x[j]
            h = _hash(ti.cast(ti.floor((p + q) * 0.5 / cell_size), ti.i32), starts.shape[0] - 1)
            if True:
                for s in range(starts[h], starts[h + 1]):
                    t = items[s]
                    a, b, c = faces[t, 0], faces[t, 1], faces[t, 2]
                    shared = False
                    for k in ti.static(range(3)):
                        if rep[faces[t, k]] == rep[i] or rep[faces[t, k]] == rep[j]:
                            shared = True
                    if not shared and self._segment_hits(p, q, x[a], x[b], x[c]):
                        total += 1
        return total

    @ti.func
    def _segment_hits(self, p, q, a, b, c):
        n = (b - a).cross(c - a)
        dp, dq = (p - a).dot(n), (q - a).dot(n)
        hit = 0
        if dp * dq < 0:
            r = p + (q - p) * (dp / (dp - dq))
            u = (b - a).cross(r - a).dot(n)
            v = (c - b).cross(r - b).dot(n)
            w = (a - c).cross(r - c).dot(n)
            if u >= 0 and v >= 0 and w >= 0:
                hit = 1
        return hit


_instance = None


def get_kernels():
    """The process-wide kernel set (Taichi must already be initialised)."""
    global _instance
    if _instance is None:
        _instance = ClothKernels()
    return _instance
