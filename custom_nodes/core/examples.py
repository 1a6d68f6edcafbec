"""Tiny, valid instances of every core type: for contract tests, docs and quick experiments.

Each is the smallest thing that still means something (a two-panel tube, a box body, a 4×4 swatch),
built in microseconds, so every node can be exercised on every machine.
"""

from __future__ import annotations

import numpy as np

from .avatar import AVATAR_PARTS, Avatar
from .camera import Camera
from .drape import DrapeResult
from .fabric import Fabric
from .garment import Garment
from .mesh import TriangleMesh
from .pattern import Edge, Panel, Pattern, Seam, SeamSide
from .sdf import SDFGrid


def tetrahedron() -> TriangleMesh:
    v = [[0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]]
    return TriangleMesh(np.array(v, np.float32), [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], name="tetrahedron")


def box(size=(0.3, 1.7, 0.2), center=(0.0, 0.85, 0.0)) -> TriangleMesh:
    """Axis-aligned box [m], outward-facing triangles."""
    s, c = np.asarray(size, np.float32) / 2, np.asarray(center, np.float32)
    v = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], np.float32) * s + c
    f = [[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
         [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]]
    return TriangleMesh(v, f, name="box")


def rectangle_panel(name: str, width: float = 0.4, height: float = 0.6, **hints) -> Panel:
    verts = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    edges = tuple(Edge(i, (i + 1) % 4, label=lab) for i, lab in enumerate(("hem", "right", "top", "left")))
    return Panel(name, verts, edges, **hints)


def tube_pattern() -> Pattern:
    """Front and back rectangles sewn along both sides: the smallest garment that closes."""
    front = rectangle_panel("front", facing="front")
    back = rectangle_panel("back", facing="back")
    seams = (Seam(SeamSide("front", (1,)), SeamSide("back", (3,), reverse=True), "right side"),
             Seam(SeamSide("front", (3,)), SeamSide("back", (1,), reverse=True), "left side"))
    return Pattern("tube", (front, back), seams, {"source": "examples.tube_pattern"})


def tube_garment() -> Garment:
    """The tube pattern meshed coarsely (2 triangles a panel) and placed around the box body."""
    rest = np.array([[0, 0], [0.4, 0], [0.4, 0.6], [0, 0.6]] * 2, np.float32)
    pos = np.array([[-0.2, 0.7, 0.15], [0.2, 0.7, 0.15], [0.2, 1.3, 0.15], [-0.2, 1.3, 0.15],
                    [0.2, 0.7, -0.15], [-0.2, 0.7, -0.15], [-0.2, 1.3, -0.15], [0.2, 1.3, -0.15]], np.float32)
    faces = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7]], np.int32)
    pairs = np.array([[1, 4], [2, 7], [0, 5], [3, 6]], np.int32)
    return Garment("tube", rest, pos, faces, np.array([0] * 4 + [1] * 4, np.int32), ("front", "back"),
                   ("torso", "torso"), np.array([[0, 1], [0, 1]], np.float32), pairs,
                   np.array([0, 0, 1, 1], np.int32), ("right side", "left side"), tube_pattern())


def box_sdf(mesh: TriangleMesh | None = None, voxel: float = 0.05) -> SDFGrid:
    """Exact SDF of the example box on a coarse grid (negative inside)."""
    lo, hi = (mesh or box()).bounds.astype(np.float64)
    origin = lo - 0.1
    n = np.ceil((hi + 0.1 - origin) / voxel).astype(int) + 1
    grid = origin + voxel * np.stack(np.meshgrid(*[np.arange(k) for k in n], indexing="ij"), -1)
    c, h = (lo + hi) / 2, (hi - lo) / 2
    q = np.abs(grid - c) - h
    dist = np.linalg.norm(np.maximum(q, 0), axis=-1) + np.minimum(q.max(-1), 0)
    return SDFGrid(origin, voxel, dist.astype(np.float32), band=0.1)


def box_avatar() -> Avatar:
    mesh = box()
    kp = np.array([[0, 1.6, 0.1], [0, 1.45, 0], [-0.15, 1.4, 0], [-0.3, 1.15, 0], [-0.35, 0.9, 0],
                   [0.15, 1.4, 0], [0.3, 1.15, 0], [0.35, 0.9, 0], [-0.1, 0.9, 0], [-0.1, 0.5, 0],
                   [-0.1, 0.08, 0], [0.1, 0.9, 0], [0.1, 0.5, 0], [0.1, 0.08, 0], [-0.03, 1.63, 0.1],
                   [0.03, 1.63, 0.1], [-0.07, 1.6, 0.05], [0.07, 1.6, 0.05]], np.float32)
    return Avatar("box", mesh, np.full(mesh.n_vertices, AVATAR_PARTS.index("torso")), kp,
                  measurements={"height": 1.7, "waist_girth": 1.0}, landmarks={"waist": [0, 1.05, 0]},
                  pose="a_pose", sdf=box_sdf(mesh))


def jersey() -> Fabric:
    return Fabric("cotton jersey", area_density=0.18, thickness=6e-4, stretch_warp=400.0, stretch_weft=200.0,
                  stretch_bias=150.0, bend_warp=5e-6, bend_weft=3e-6, friction=0.4, damping=0.1,
                  color=np.array([0.2, 0.3, 0.6], np.float32), albedo=np.full((4, 4, 3), 0.5, np.float32),
                  metadata={"preset": "cotton_jersey"})


def front_camera(width: int = 64, height: int = 96) -> Camera:
    return Camera.orbit(0.0, 0.0, 3.0, target=(0.0, 0.9, 0.0), width=width, height=height)


def tube_drape() -> DrapeResult:
    g = tube_garment()
    return DrapeResult(g, box_avatar(), jersey(), g.positions, {"passed": True, "frames_to_static": 0})


#: Tiny value per socket type, for node contract tests.
def socket_examples() -> dict[str, object]:
    from .bridge import numpy_to_image, numpy_to_mask

    rng = np.random.default_rng(0)
    return {
        "ATELIER_MESH": tetrahedron(),
        "ATELIER_PATTERN": tube_pattern(),
        "ATELIER_GARMENT": tube_garment(),
        "ATELIER_AVATAR": box_avatar(),
        "ATELIER_FABRIC": jersey(),
        "ATELIER_DRAPE": tube_drape(),
        "ATELIER_CAMERA": front_camera(),
        "IMAGE": numpy_to_image(rng.random((1, 32, 24, 3), dtype=np.float32)),
        "MASK": numpy_to_mask((rng.random((1, 32, 24)) > 0.5).astype(np.float32)),
    }
