"""Load a user's body mesh as an Avatar: normalised frame (see ``user_mesh``), landmarks from
sections, measurements with the same tape code as fitted bodies, part labels, keypoints, SDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.avatar import AVATAR_PARTS, OPENPOSE18, Avatar
from ..core.errors import InvalidInputError
from ..core.mesh import TriangleMesh
from ..core.mesh_io import load_mesh
from ..core.progress import ProgressFn, report
from .landmarks import estimate_landmarks
from .measure import measure_body
from .sdf import build_sdf
from .sections import loop_around, section_polylines
from .user_mesh import MAX_VERTICES, check_body, normalise


def label_parts(v: np.ndarray, f: np.ndarray, lm: dict) -> np.ndarray:
    """(n,) part per vertex, no skeleton needed: head above the neck base, legs below the crotch, arms
    outside the torso's own section edge (below the armpits) or beyond the armpit (above them)."""
    part = np.full(len(v), AVATAR_PARTS.index("torso"), np.int32)
    crotch, neck = lm["crotch"][1], lm["neck_base"][1]
    centre = np.asarray(lm["waist"], np.float64)[[0, 2]]
    for side, name in ((1, "left"), (-1, "right")):
        pit = lm[f"armpit_{name}"]
        ys = np.linspace(crotch + 0.02, pit[1], 24)  # just above the crotch the section is one loop
        edges = []
        for y in ys:
            loop = loop_around(section_polylines(v, f, y), centre)
            edges.append(float((side * loop[:, 0]).max()) if loop is not None else np.nan)
        edges = np.array(edges)
        edge = np.interp(v[:, 1], ys[np.isfinite(edges)], edges[np.isfinite(edges)]) if np.isfinite(edges).any() \
            else np.full(len(v), side * pit[0])
        below = (v[:, 1] >= crotch + 0.02) & (v[:, 1] <= pit[1]) & (side * v[:, 0] > edge + 0.005)
        above = (v[:, 1] > pit[1]) & (side * v[:, 0] > side * pit[0] + 0.01) \
            & (v[:, 1] < lm[f"shoulder_{name}"][1] + 0.03)
        arm = below | above
        part[arm] = AVATAR_PARTS.index(f"arm_{name}")
        part[(v[:, 1] < crotch) & (side * v[:, 0] >= 0) & ~arm] = AVATAR_PARTS.index(f"leg_{name}")
    part[v[:, 1] > neck + 0.02] = AVATAR_PARTS.index("head")
    return part


def estimate_keypoints(v: np.ndarray, lm: dict) -> tuple[np.ndarray, np.ndarray]:
    """OpenPose-18 (18, 3) [m] and visibility (18,); eyes and ears are not estimated (invisible)."""
    top, neck = lm["head_top"][1], lm["neck_base"][1]
    face = v[(v[:, 1] > neck + 0.45 * (top - neck)) & (v[:, 1] < top - 0.3 * (top - neck)) & (np.abs(v[:, 0]) < 0.03)]
    nose = face[np.argmax(face[:, 2])] if len(face) else np.array([0.0, neck + 0.6 * (top - neck), 0.1])
    kp = {"nose": nose, "neck": 0.5 * (lm["shoulder_left"] + lm["shoulder_right"])}
    for ours, theirs in (("left", "left"), ("right", "right")):
        kp[f"{theirs}_shoulder"] = lm[f"shoulder_{ours}"] - [0, 0.03, 0]
        kp[f"{theirs}_elbow"], kp[f"{theirs}_wrist"] = lm[f"elbow_{ours}"], lm[f"wrist_{ours}"]
        kp[f"{theirs}_hip"], kp[f"{theirs}_knee"] = lm[f"hip_joint_{ours}"], lm[f"knee_{ours}"]
        kp[f"{theirs}_ankle"] = lm[f"ankle_{ours}"]
    pts = np.array([kp.get(n, np.zeros(3)) for n in OPENPOSE18], np.float32)
    return pts, np.array([n in kp for n in OPENPOSE18])


def avatar_from_user_mesh(mesh: TriangleMesh, *, path=None, max_vertices: int = MAX_VERTICES,
                          with_sdf: bool = True, on_progress: ProgressFn | None = None) -> Avatar:
    """Normalise, check and measure a user mesh; the result is an :class:`Avatar` (pose ``as_loaded``)."""
    mesh, info = normalise(mesh, path, max_vertices, on_progress)
    check_body(mesh, path)
    report(on_progress, 2, 4)
    v, f = mesh.vertices.astype(np.float64), mesh.faces
    try:
        lm = estimate_landmarks(v, f)
    except ValueError as exc:
        raise InvalidInputError(f"cannot find the landmarks of this body: {exc}", field="mesh", path=path) from None
    measurements = {k: x for k, x in measure_body(v, f, lm).items() if x > 0}
    lm.pop("neck_girth_level", None)
    kp, visible = estimate_keypoints(v, lm)
    report(on_progress, 3, 4)
    sdf = build_sdf(mesh) if with_sdf else None
    report(on_progress, 4, 4)
    return Avatar(name=mesh.name, mesh=mesh, vertex_part=label_parts(v, f, lm), keypoints=kp, keypoint_visible=visible,
                  measurements=measurements, landmarks=lm, pose="as_loaded", sdf=sdf,
                  metadata={"source": str(path) if path else "mesh", "normalised": info})


def load_avatar(path: str | Path, *, max_vertices: int = MAX_VERTICES, with_sdf: bool = True,
                on_progress: ProgressFn | None = None) -> Avatar:
    """Load a body mesh file (GLB/glTF, OBJ, PLY, STL) as an Avatar; sub-meshes are merged."""
    mesh = load_mesh(path)
    return avatar_from_user_mesh(mesh, path=path, max_vertices=max_vertices, with_sdf=with_sdf,
                                 on_progress=on_progress)
