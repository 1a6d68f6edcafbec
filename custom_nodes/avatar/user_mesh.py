"""User avatars (GLB/glTF, OBJ, PLY…): units, up axis, facing, floor, budget, and a body check.

Steps, each bounded: decimate by vertex clustering above ``max_vertices`` (O(n), so a 2 M-triangle
scan never hangs); find the up axis (of the two longest box sides, the one along which the surface is
least concentrated in the middle — arms in a T-pose pile the body into the middle of the span, a
standing body does not) and which end is the head (the end slab with the narrower spread: a crown, not
two feet); scale to metres from the stature (a body is 1.0–2.3 m tall in exactly one of m, cm, mm, in);
turn to face +Z (the feet point forward); stand on y = 0 with the torso axis over x = z = 0. Then the body check: two legs, a torso and a
head must show in horizontal sections, else the mesh is refused (a chair has four legs and no torso).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError
from ..core.mesh import TriangleMesh
from ..core.progress import ProgressFn, report
from .sections import loop_around, polygon_area, section_polylines

UNITS = (("m", 1.0), ("cm", 0.01), ("mm", 0.001), ("in", 0.0254))
STATURE_M = (1.0, 2.3)
MAX_VERTICES = 60_000


def cluster_decimate(mesh: TriangleMesh, max_vertices: int) -> TriangleMesh:
    """Vertex clustering on a grid, coarsened until at most ``max_vertices`` remain (≤ 12 tries)."""
    v = mesh.vertices.astype(np.float64)
    f = mesh.faces
    area = float(mesh.face_areas.sum())
    cell = np.sqrt(max(area, 1e-12) / max_vertices) * 0.6
    for _ in range(12):
        key = np.floor((v - v.min(0)) / cell).astype(np.int64)
        _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        if len(counts) <= max_vertices:
            break
        cell *= 1.3
    sums = np.zeros((len(counts), 3))
    np.add.at(sums, inverse, v)
    nv = sums / counts[:, None]
    nf = inverse[f]
    nf = nf[(nf[:, 0] != nf[:, 1]) & (nf[:, 1] != nf[:, 2]) & (nf[:, 2] != nf[:, 0])]
    _, first = np.unique(np.sort(nf, axis=1), axis=0, return_index=True)
    faces = nf[np.sort(first)]
    return TriangleMesh(nv.astype(np.float32), faces.astype(np.int32), name=mesh.name)


def weld(mesh: TriangleMesh) -> TriangleMesh:
    """Merge vertices that coincide (files split them at UV and normal seams), so sections close."""
    v = mesh.vertices.astype(np.float64)
    tol = 1e-6 * max(float(np.ptp(v, axis=0).max()), 1e-12)
    _, first, inverse = np.unique(np.round(v / tol), axis=0, return_index=True, return_inverse=True)
    if len(first) == len(v):
        return mesh
    f = inverse.ravel()[mesh.faces]
    f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])]
    return TriangleMesh(mesh.vertices[first], f.astype(np.int32), name=mesh.name)


def _face_samples(mesh: TriangleMesh, n: int = 20000) -> np.ndarray:
    """Area-weighted face centroids (≤ n), so vertex density does not bias the statistics."""
    areas = mesh.face_areas
    c = mesh.vertices[mesh.faces].mean(1).astype(np.float64)
    if len(c) > n:
        idx = np.random.default_rng(0).choice(len(c), n, p=areas / areas.sum())
        return c[idx]
    return np.repeat(c, np.maximum(1, np.round(areas / max(areas.mean(), 1e-20))).astype(int), axis=0)[: 4 * n]


def up_axis(mesh: TriangleMesh) -> tuple[int, int]:
    """(axis, sign) of the body's up direction in the file's coordinates."""
    pts = _face_samples(mesh)
    lo, hi = pts.min(0), pts.max(0)
    span = hi - lo
    candidates = np.argsort(span)[::-1][:2]

    def middle_share(ax):
        t = (pts[:, ax] - lo[ax]) / max(span[ax], 1e-12)
        return np.mean(np.abs(t - 0.5) < 0.15)

    ax = int(min(candidates, key=middle_share))
    t = (pts[:, ax] - lo[ax]) / max(span[ax], 1e-12)
    others = [k for k in range(3) if k != ax]

    def spread(sel):
        return float(np.linalg.norm(pts[sel][:, others].std(0))) if sel.sum() > 2 else 0.0

    return ax, (1 if spread(t > 0.97) < spread(t < 0.03) else -1)


def _rotation_to_y_up(axis: int, sign: int) -> np.ndarray:
    """Proper rotation taking ``sign`` * e_axis to +Y."""
    if axis == 1:
        return np.eye(3) if sign > 0 else np.diag([1.0, -1.0, -1.0])
    if axis == 2:  # Z up: (x, y, z) -> (x, z, -y), or its flip
        r = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])
        return r if sign > 0 else np.diag([1.0, -1.0, -1.0]) @ r
    r = np.array([[0, -1.0, 0], [1.0, 0, 0], [0, 0, 1.0]])  # X up -> Y
    return r if sign > 0 else np.diag([-1.0, -1.0, 1.0]) @ r


def metres_per_unit(stature: float, path=None) -> tuple[str, float]:
    """The unit in which ``stature`` (file units) is a plausible adult height."""
    for name, scale in UNITS:
        if STATURE_M[0] <= stature * scale <= STATURE_M[1]:
            return name, scale
    raise InvalidInputError(f"this is not a body: it is {stature:.4g} units tall, which is no plausible human "
                            f"height in m, cm, mm or inches", field="mesh", path=path)


def _facing_yaw(v: np.ndarray) -> float:
    """Degrees to turn about +Y so the feet (and so the body) point to +Z; snapped to 90°."""
    h = v[:, 1].max()
    sole_pts = v[v[:, 1] < 0.02 * h]
    shin_pts = v[(v[:, 1] > 0.06 * h) & (v[:, 1] < 0.16 * h)]
    if len(sole_pts) == 0 or len(shin_pts) == 0:
        return 0.0
    d = sole_pts[:, [0, 2]].mean(0) - shin_pts[:, [0, 2]].mean(0)
    yaw = np.degrees(np.arctan2(d[0], d[1]))  # angle of the toes from +Z towards +X
    return -90.0 * np.round(yaw / 90.0)


def normalise(mesh: TriangleMesh, path=None, max_vertices: int = MAX_VERTICES,
              on_progress: ProgressFn | None = None) -> tuple[TriangleMesh, dict]:
    """The mesh in metres, Y up, facing +Z, standing on y = 0, within the vertex budget; and what was done."""
    if mesh.n_faces == 0:
        raise InvalidInputError("the mesh has no faces", field="mesh", path=path)
    if not np.all(np.isfinite(mesh.vertices)):
        raise InvalidInputError("the mesh has NaN or infinite vertices", field="mesh", path=path)
    info = {"input_vertices": mesh.n_vertices, "input_faces": mesh.n_faces}
    mesh = weld(mesh)
    if mesh.n_vertices > max_vertices:
        mesh = cluster_decimate(mesh, max_vertices)
        info["decimated_to"] = mesh.n_vertices
    report(on_progress, 1, 4)
    axis, sign = up_axis(mesh)
    rot = _rotation_to_y_up(axis, sign)
    v = mesh.vertices.astype(np.float64) @ rot.T
    unit, scale = metres_per_unit(float(np.ptp(v[:, 1])), path)
    v = (v - [0, v[:, 1].min(), 0]) * scale
    yaw = _facing_yaw(v)
    a = np.radians(yaw)
    turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    v = v @ turn.T
    loops = [lp for lp in section_polylines(v, mesh.faces, 0.6 * v[:, 1].max()) if len(lp) >= 3]
    if loops:  # the torso axis (largest section at waist height) over x = z = 0, like fitted bodies
        c = max(loops, key=polygon_area).mean(0)
    else:
        c = 0.5 * (v.min(0) + v.max(0))[[0, 2]]
    v -= [c[0], 0.0, c[1]]
    info.update({"up_axis": "xyz"[axis], "up_sign": sign, "unit": unit, "yaw_deg": float(yaw)})
    faces = mesh.faces if np.linalg.det(rot) > 0 else mesh.faces[:, ::-1]
    return TriangleMesh(v.astype(np.float32), faces, mesh.uvs, name=mesh.name), info


def check_body(mesh: TriangleMesh, path=None) -> None:
    """Refuse meshes that are not a standing human: two legs, a torso and a head must show."""
    v, f = mesh.vertices, mesh.faces
    h = float(v[:, 1].max())

    def big_loops(y, min_area):
        return [lp for lp in section_polylines(v, f, y) if len(lp) >= 3 and polygon_area(lp) >= min_area]

    legs = big_loops(0.25 * h, 0.002)
    if len(legs) != 2:
        raise InvalidInputError(f"this is not a body: at knee height it has {len(legs)} large parts, "
                                "expected two legs", field="mesh", path=path)
    torso = loop_around(big_loops(0.6 * h, 0.005), np.array([0.0, 0.0]))
    if torso is None:
        raise InvalidInputError("this is not a body: no torso at waist height", field="mesh", path=path)
    w, d = np.ptp(torso[:, 0]), np.ptp(torso[:, 1])
    if not (0.6 <= w / max(d, 1e-6) <= 3.0 and 0.01 <= polygon_area(torso) <= 0.2):
        raise InvalidInputError(f"this is not a body: the waist-height section is {w * 100:.0f} × {d * 100:.0f} cm",
                                field="mesh", path=path)
    if not big_loops(0.93 * h, 0.003):
        raise InvalidInputError("this is not a body: no head at the top", field="mesh", path=path)
