"""What the renderer draws: one flat triangle soup with per-face object and panel labels.

A :class:`RenderScene` is built once per drape (or avatar, or analytic test mesh) and then rendered
from any number of cameras. Garment UVs are turned here into *tile coordinates*: pattern-space metres
rotated so that the tile's vertical axis follows each panel's grain (warp) and divided by the fabric's
``tile_size``, so the weave keeps its physical scale and grain direction on every panel. The pattern-space
UVs themselves are kept too (``pattern_uv``): prints are placed there (``prints.py``).

Also holds small analytic meshes (sphere, plane, cylinder, skirt) for tests and pictures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.avatar import Avatar
from ..core.drape import DrapeResult
from ..core.errors import InvalidInputError
from ..core.fabric import Fabric
from ..core.mesh import TriangleMesh

BACKGROUND, BODY, GARMENT = 0, 1, 2
#: Neutral mannequin skin tone, sRGB 0..1: light warm grey so the garment carries the colour.
SKIN_SRGB = np.array([0.80, 0.72, 0.64], np.float32)


@dataclass(frozen=True, eq=False)
class RenderScene:
    """Everything one render pass needs, as plain arrays.

    ``face_object`` is BODY or GARMENT per face; ``face_panel`` the garment panel index (−1 on the body).
    ``tile_uv`` are texture coordinates in fabric tiles (1.0 = one ``Fabric.tile_size``), (n, 2);
    ``pattern_uv`` each vertex's point in its panel's own pattern frame [m], where prints are placed.
    """

    vertices: np.ndarray  # [m], (n, 3) float32
    faces: np.ndarray  # (m, 3) int32
    normals: np.ndarray  # (n, 3) float32 unit vertex normals
    tile_uv: np.ndarray  # (n, 2) float32, fabric tiles
    face_object: np.ndarray  # (m,) int8, BODY or GARMENT
    face_panel: np.ndarray  # (m,) int32, −1 for the body
    fabric: Fabric | None = None
    keypoints: np.ndarray | None = None  # [m], (18, 3) OpenPose-18
    keypoint_visible: np.ndarray | None = None  # (18,) bool
    panel_names: tuple[str, ...] = ()
    pattern_uv: np.ndarray | None = None  # [m], (n, 2) float32 pattern-space point (zeros on the body)

    @property
    def n_faces(self) -> int:
        return len(self.faces)

    def bounds(self) -> np.ndarray:
        """[m], (2, 3) min/max corner of everything drawn; raises on an empty scene."""
        if self.n_faces == 0:
            raise InvalidInputError("the scene has no triangles to frame", field="scene")
        used = self.vertices[np.unique(self.faces)]
        return np.stack([used.min(0), used.max(0)])

    def garment_bounds(self) -> np.ndarray:
        """[m], (2, 3) bounds of the garment faces (the whole scene when there is no garment)."""
        sel = self.faces[self.face_object == GARMENT]
        if len(sel) == 0:
            return self.bounds()
        used = self.vertices[np.unique(sel)]
        return np.stack([used.min(0), used.max(0)])


def tile_coordinates(rest: np.ndarray, vertex_panel: np.ndarray, panel_grain: np.ndarray,
                     tile_size: np.ndarray) -> np.ndarray:
    """Pattern-space UVs [m] (n, 2) → fabric tile coordinates (n, 2).

    Each panel's grain ``g`` (unit, pattern space) becomes the tile's +v axis and ``(g.y, −g.x)`` its
    +u axis (weft to the right of the warp), then lengths are divided by ``tile_size`` [m] (u, v).
    """
    g = np.asarray(panel_grain, np.float64)[vertex_panel]
    g /= np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)
    r = np.asarray(rest, np.float64)
    u = r[:, 0] * g[:, 1] - r[:, 1] * g[:, 0]
    v = r[:, 0] * g[:, 0] + r[:, 1] * g[:, 1]
    return (np.stack([u, v], 1) / np.asarray(tile_size, np.float64)).astype(np.float32)


def build_scene(body: TriangleMesh | None = None, garment: TriangleMesh | None = None, *,
                garment_tile_uv: np.ndarray | None = None, garment_panel: np.ndarray | None = None,
                fabric: Fabric | None = None, keypoints=None, keypoint_visible=None,
                panel_names: tuple[str, ...] = (), garment_pattern_uv: np.ndarray | None = None) -> RenderScene:
    """Scene from a body mesh and/or a garment mesh (either may be None, not both empty-checked here).

    ``garment_pattern_uv`` (n, 2) [m] defaults to the garment's own UVs (pattern space);
    ``garment_tile_uv`` (n, 2) to those / fabric tile size; ``garment_panel`` (n,) per-vertex panel ids,
    default 0.
    """
    parts, objects, panels, uvs, pattern = [], [], [], [], []
    if body is not None and body.n_faces:
        parts.append(body)
        objects.append(np.full(body.n_faces, BODY, np.int8))
        panels.append(np.full(body.n_faces, -1, np.int32))
        uvs.append(np.zeros((body.n_vertices, 2), np.float32))
        pattern.append(np.zeros((body.n_vertices, 2), np.float32))
    if garment is not None and garment.n_faces:
        parts.append(garment)
        objects.append(np.full(garment.n_faces, GARMENT, np.int8))
        vp = np.zeros(garment.n_vertices, np.int32) if garment_panel is None else np.asarray(garment_panel)
        panels.append(vp[garment.faces[:, 0]].astype(np.int32))
        if garment_pattern_uv is None:
            garment_pattern_uv = garment.uvs if garment.uvs is not None else garment.vertices[:, :2]
        if garment_tile_uv is None:
            tile = fabric.tile_size if fabric is not None else np.array([0.1, 0.1], np.float32)
            garment_tile_uv = np.asarray(garment_pattern_uv, np.float32) / tile
        uvs.append(np.asarray(garment_tile_uv, np.float32))
        pattern.append(np.asarray(garment_pattern_uv, np.float32))
    if not parts:
        return _empty_scene(fabric, keypoints, keypoint_visible)
    offsets = np.cumsum([0] + [p.n_vertices for p in parts[:-1]])
    return RenderScene(
        vertices=np.concatenate([p.vertices for p in parts]).astype(np.float32),
        faces=np.concatenate([p.faces + o for p, o in zip(parts, offsets, strict=True)]).astype(np.int32),
        normals=np.concatenate([p.vertex_normals for p in parts]).astype(np.float32),
        tile_uv=np.concatenate(uvs), face_object=np.concatenate(objects), face_panel=np.concatenate(panels),
        fabric=fabric, keypoints=None if keypoints is None else np.asarray(keypoints, np.float32),
        keypoint_visible=None if keypoint_visible is None else np.asarray(keypoint_visible, bool),
        panel_names=tuple(panel_names), pattern_uv=np.concatenate(pattern))


def _empty_scene(fabric, keypoints, keypoint_visible) -> RenderScene:
    z3, z2 = np.zeros((0, 3), np.float32), np.zeros((0, 2), np.float32)
    return RenderScene(z3, np.zeros((0, 3), np.int32), z3, z2, np.zeros(0, np.int8), np.zeros(0, np.int32),
                       fabric, keypoints, keypoint_visible, pattern_uv=z2)


def scene_from_drape(drape: DrapeResult) -> RenderScene:
    """Avatar + draped garment, with tile UVs following each panel's grain. Empty garments are an error."""
    if not isinstance(drape, DrapeResult):
        raise InvalidInputError(f"expected a DrapeResult, got {type(drape).__name__}", field="drape")
    g = drape.garment
    if g.n_vertices == 0 or len(g.faces) == 0:
        raise InvalidInputError("the drape has no garment triangles to render", field="drape.garment")
    tiles = tile_coordinates(g.rest, g.vertex_panel, g.panel_grain, drape.fabric.tile_size)
    return build_scene(drape.avatar.mesh, drape.garment_mesh, garment_tile_uv=tiles,
                       garment_panel=g.vertex_panel, fabric=drape.fabric, keypoints=drape.avatar.keypoints,
                       keypoint_visible=drape.avatar.keypoint_visible, panel_names=g.panel_names,
                       garment_pattern_uv=g.rest)


def scene_from_avatar(avatar: Avatar) -> RenderScene:
    """The body alone (no garment)."""
    return build_scene(avatar.mesh, None, keypoints=avatar.keypoints, keypoint_visible=avatar.keypoint_visible)


# --- analytic meshes for tests and pictures ------------------------------------------------------


def uv_sphere(radius: float = 0.5, center=(0.0, 0.0, 0.0), rings: int = 32, segments: int = 64) -> TriangleMesh:
    """Closed UV sphere [m], outward CCW faces."""
    th = np.linspace(0, np.pi, rings + 1)[1:-1]
    ph = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    t, p = np.meshgrid(th, ph, indexing="ij")
    ring = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], -1).reshape(-1, 3)
    verts = np.concatenate([[[0, 1, 0]], ring, [[0, -1, 0]]]) * radius + np.asarray(center)
    faces = []
    idx = lambda r, s: 1 + r * segments + s % segments  # noqa: E731
    for s in range(segments):
        faces.append([0, idx(0, s), idx(0, s + 1)])
        last = len(verts) - 1
        faces.append([last, idx(rings - 2, s + 1), idx(rings - 2, s)])
        for r in range(rings - 2):
            a, b, c, d = idx(r, s), idx(r + 1, s), idx(r + 1, s + 1), idx(r, s + 1)
            faces += [[a, b, c], [a, c, d]]
    return TriangleMesh(verts.astype(np.float32), np.array(faces, np.int32), name="sphere")


def plane(width: float = 1.0, height: float = 1.0, center=(0.0, 0.0, 0.0), divisions: int = 1) -> TriangleMesh:
    """Rectangle in the XY plane facing +Z, UVs = (x, y) [m] from its lower-left corner."""
    xs = np.linspace(0, width, divisions + 1)
    ys = np.linspace(0, height, divisions + 1)
    gx, gy = np.meshgrid(xs, ys)
    uv = np.stack([gx.ravel(), gy.ravel()], 1)
    verts = np.c_[uv - [width / 2, height / 2], np.zeros(len(uv))] + np.asarray(center)
    n = divisions + 1
    faces = []
    for j in range(divisions):
        for i in range(divisions):
            a = j * n + i
            faces += [[a, a + 1, a + n + 1], [a, a + n + 1, a + n]]
    return TriangleMesh(verts.astype(np.float32), np.array(faces, np.int32), uv.astype(np.float32), "plane")


def cylinder_skirt(top_radius: float = 0.19, bottom_radius: float = 0.32, top_y: float = 1.05,
                   length: float = 0.55, segments: int = 96, rows: int = 24, folds: int = 8,
                   fold_depth: float = 0.025) -> TriangleMesh:
    """An open, flared, folded tube like a skirt [m]; UVs are its unrolled pattern [m] (grain = +v)."""
    t = np.linspace(0, 1, rows + 1)[:, None]
    a = np.pi + np.linspace(0, 2 * np.pi, segments + 1)[None, :]  # seam at the centre back
    r = top_radius + (bottom_radius - top_radius) * t ** 0.8
    r = r + fold_depth * t * np.sin(folds * a)
    x, z = r * np.sin(a), r * np.cos(a)
    y = top_y - length * t + 0.0 * a
    verts = np.stack([x, y, z], -1).reshape(-1, 3)
    circumference = 2 * np.pi * (top_radius + bottom_radius) / 2  # a gathered rectangle (dirndl) pattern
    uv = np.stack(np.broadcast_arrays((a - np.pi) / (2 * np.pi) * circumference, (1 - t) * length), -1).reshape(-1, 2)
    n = segments + 1
    faces = []
    for j in range(rows):
        for i in range(segments):
            p = j * n + i
            faces += [[p, p + n, p + n + 1], [p, p + n + 1, p + 1]]
    return TriangleMesh(verts.astype(np.float32), np.array(faces, np.int32), uv.astype(np.float32), "skirt")


def checker_tile(n: int = 2, size: int = 64, colors=((0.9, 0.9, 0.9), (0.1, 0.1, 0.1))) -> np.ndarray:
    """An (size, size, 3) float32 sRGB tile of n×n checks, first colour at the top-left."""
    cells = (np.arange(size) * n // size)
    board = (cells[:, None] + cells[None, :]) % 2
    return np.asarray(colors, np.float32)[board]


def lofted_tube(centers: np.ndarray, rx: np.ndarray, rz: np.ndarray, segments: int = 48, closed: bool = True,
                name: str = "tube") -> TriangleMesh:
    """A tube through ring ``centers`` (r, 3) [m] with elliptic rings of half-axes ``rx``, ``rz`` (r,) [m]
    (in the ring's x/z plane), capped at both ends when ``closed``; outward CCW faces."""
    a = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    rings = centers[:, None, :] + np.stack([rx[:, None] * np.sin(a), np.zeros((len(rx), segments)),
                                            rz[:, None] * np.cos(a)], -1)
    verts = [rings.reshape(-1, 3)]
    faces = []
    n = segments
    for j in range(len(centers) - 1):  # rings run top → bottom when centers descend
        for i in range(n):
            p, q = j * n + i, j * n + (i + 1) % n
            faces += [[p, p + n, q + n], [p, q + n, q]]
    if closed:
        top, bottom = len(centers) * n, len(centers) * n + 1
        verts.append(np.stack([centers[0], centers[-1]]))
        last = (len(centers) - 1) * n
        for i in range(n):
            faces += [[top, i, (i + 1) % n], [bottom, last + (i + 1) % n, last + i]]
    f = np.array(faces, np.int32)
    if centers[0, 1] < centers[-1, 1]:  # rings ascend: flip to keep the faces outward
        f = f[:, ::-1]
    return TriangleMesh(np.concatenate(verts).astype(np.float32), f, name=name)


def _limb(a, b, r0, r1, rings=12, segments=24) -> TriangleMesh:
    """Tapered round tube from point ``a`` (top) to ``b`` (bottom), radii r0 → r1 [m] (rings in the XZ plane)."""
    t = np.linspace(0, 1, rings)[:, None]
    c = np.asarray(a, float) * (1 - t) + np.asarray(b, float) * t
    r = r0 + (r1 - r0) * t[:, 0]
    return lofted_tube(c, r, r, segments)


def mannequin() -> tuple[TriangleMesh, np.ndarray]:
    """A smooth analytic dress-form body (~20k triangles, 1.75 m, A-pose, facing +Z) and its
    OpenPose-18 keypoints (18, 3) [m]. Parts overlap (it is not one manifold); for pictures and benches."""
    ys = np.linspace(1.47, 0.82, 40)
    prof = lambda pts: np.interp(ys, [p[0] for p in pts][::-1], [p[1] for p in pts][::-1])  # noqa: E731
    rx = prof([(1.47, 0.12), (1.40, 0.19), (1.28, 0.175), (1.10, 0.14), (0.95, 0.175), (0.82, 0.15)])
    rz = prof([(1.47, 0.08), (1.40, 0.1), (1.28, 0.125), (1.10, 0.1), (0.95, 0.115), (0.82, 0.1)])
    torso = lofted_tube(np.stack([np.zeros_like(ys), ys, np.zeros_like(ys)], 1), rx, rz, 96, name="torso")
    head = uv_sphere(1.0, (0, 0, 0), 24, 48).transformed(np.diag([0.085, 0.115, 0.1, 1.0]) + np.array(
        [[0, 0, 0, 0], [0, 0, 0, 1.64], [0, 0, 0, 0.01], [0, 0, 0, 0]]))
    parts = [torso, head, _limb((0, 1.56, 0), (0, 1.42, 0), 0.05, 0.055)]
    for s in (-1, 1):
        parts += [_limb((s * 0.17, 1.4, 0), (s * 0.27, 1.15, 0), 0.05, 0.04),
                  _limb((s * 0.27, 1.15, 0), (s * 0.33, 0.9, 0.02), 0.04, 0.03),
                  _limb((s * 0.09, 0.9, 0), (s * 0.1, 0.5, 0), 0.085, 0.055),
                  _limb((s * 0.1, 0.5, 0), (s * 0.1, 0.03, 0), 0.055, 0.035),
                  _limb((s * 0.1, 0.06, 0.02), (s * 0.1, 0.0, 0.08), 0.035, 0.03, rings=4)]
    body = TriangleMesh.concatenate(parts, name="mannequin")
    kp = np.array([[0, 1.63, 0.1], [0, 1.45, 0], [-0.17, 1.41, 0], [-0.27, 1.15, 0], [-0.33, 0.9, 0.02],
                   [0.17, 1.41, 0], [0.27, 1.15, 0], [0.33, 0.9, 0.02], [-0.09, 0.9, 0], [-0.1, 0.5, 0],
                   [-0.1, 0.06, 0], [0.09, 0.9, 0], [0.1, 0.5, 0], [0.1, 0.06, 0], [-0.035, 1.67, 0.085],
                   [0.035, 1.67, 0.085], [-0.08, 1.65, 0.0], [0.08, 1.65, 0.0]], np.float32)
    return body, kp


def top_garment(segments: int = 96, rows: int = 30, ease: float = 0.018) -> tuple[TriangleMesh, np.ndarray]:
    """A loose sleeveless top over :func:`mannequin`'s torso: mesh with pattern UVs [m] and per-vertex
    panel ids (0 = front, 1 = back). The tube is cut at the centre back (duplicated seam vertices)."""
    ys = np.linspace(1.42, 0.98, rows + 1)[:, None]
    a = np.pi + np.linspace(0, 2 * np.pi, segments + 1)[None, :]  # from the centre back, round the front
    rx = np.interp(ys, [0.98, 1.1, 1.28, 1.40, 1.42], [0.17, 0.15, 0.175, 0.185, 0.16]) + ease
    rz = np.interp(ys, [0.98, 1.1, 1.28, 1.40, 1.42], [0.12, 0.11, 0.13, 0.105, 0.09]) + ease
    fold = 0.006 * np.sin(7 * a) * np.clip((1.25 - ys) / 0.27, 0, 1)
    x, z = (rx + fold) * np.sin(a), (rz + fold) * np.cos(a)
    verts = np.stack(np.broadcast_arrays(x, ys, z), -1).reshape(-1, 3)
    arc = (a - np.pi) * float(np.mean(rx + rz)) / 2  # a rectangle pattern: straight grain all round
    uv = np.stack(np.broadcast_arrays(arc, ys - 0.98), -1).reshape(-1, 2)
    n = segments + 1
    faces = [[p, p + n, p + n + 1] for j in range(rows) for p in range(j * n, j * n + segments)]
    faces += [[p, p + n + 1, p + 1] for j in range(rows) for p in range(j * n, j * n + segments)]
    panel = np.broadcast_to(np.cos(a) < 0, (rows + 1, n)).reshape(-1).astype(np.int32)
    return TriangleMesh(verts.astype(np.float32), np.array(faces, np.int32), uv.astype(np.float32), "top"), panel
