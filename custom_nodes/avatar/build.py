"""Avatars from tape measurements: fit Anny, pose it, label it, give it keypoints and a collision proxy.

``avatar_from_measurements`` is the one engine call behind the "Avatar from Measurements" node;
``pose_anny_avatar`` re-poses an avatar made here (its Anny parameters live in ``metadata["anny"]``).
"""

from __future__ import annotations

import numpy as np

from ..core.avatar import AVATAR_PARTS, Avatar
from ..core.errors import InvalidInputError
from ..core.measurements import SIZES, size_measurements
from ..core.mesh import TriangleMesh
from ..core.progress import ProgressFn, report
from .anny_body import AnnyLandmarkIds, anny_landmarks, measure_anny, pick_landmark_ids
from .anny_model import AnnyBody, load_anny, vertex_parts
from .fit import FitReport, fit_measurements
from .keypoints import openpose_from_coco
from .pose import pose_rotations, skin
from .sdf import build_sdf

_IDS: dict[int, AnnyLandmarkIds] = {}
GENDER = {"female": 1.0, "male": 0.0}


def landmark_ids(body: AnnyBody) -> AnnyLandmarkIds:
    """Landmark vertex ids for this loaded model (picked once, then memoised)."""
    if id(body) not in _IDS:
        _IDS[id(body)] = pick_landmark_ids(body)
    return _IDS[id(body)]


def size_preset(size: str, body: str, overrides_cm: dict[str, float] | None = None) -> dict[str, float]:
    """Size-table measurements [m] with ``overrides_cm`` (name → cm; 0 or missing = keep the table)."""
    values = size_measurements(size, body)
    for name, cm in (overrides_cm or {}).items():
        if cm is None or (isinstance(cm, (int, float)) and cm == 0):
            continue
        if name not in values:
            raise InvalidInputError(f"unknown measurement; expected one of {sorted(values)}", field=name)
        values[name] = float(cm) * 0.01
    return values


def body_parts(body: AnnyBody, ids: AnnyLandmarkIds, rest_vertices: np.ndarray) -> np.ndarray:
    """(n,) part per vertex: the dominant bone's part, except that the hips and buttocks above the
    crotch (skinned to the thigh bones) count as torso, where a garment's waistband sits."""
    parts = vertex_parts(body).copy()
    legs = np.isin(parts, [AVATAR_PARTS.index("leg_left"), AVATAR_PARTS.index("leg_right")])
    parts[legs & (rest_vertices[:, 1] > rest_vertices[ids.crotch, 1] + 0.02)] = AVATAR_PARTS.index("torso")
    return parts


def posed_anny(body: AnnyBody, phen: np.ndarray, local: np.ndarray, pose: str, arm_angle: float,
               frame: int = 0, extra_rotations: dict | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rest vertices/heads and posed vertices/heads [m] of one Anny body; ``extra_rotations`` (bone name →
    rotation) override or add to the pose's."""
    v, h = (a[0] for a in body.rest(phen, local))
    rots = pose_rotations(pose, h, body.bone, arm_angle, frame, body.bone_labels, body.bone_parents)
    rots.update(extra_rotations or {})
    pv, ph = skin(v, h, body.bone_parents, body.skin_weights, body.skin_indices, rots, body.bone)
    return v, h, pv, ph


def anny_avatar(body: AnnyBody, phen: np.ndarray, local: np.ndarray, *, name: str, pose: str = "a_pose",
                arm_angle: float = 45.0, frame: int = 0, measurements: dict | None = None,
                metadata: dict | None = None, with_sdf: bool = True,
                on_progress: ProgressFn | None = None) -> Avatar:
    """An :class:`Avatar` for Anny parameters ``phen`` (1, P), ``local`` (1, L) in ``pose``."""
    ids = landmark_ids(body)
    v, h, pv, ph = posed_anny(body, phen, local, pose, arm_angle, frame)
    if measurements is None:
        measurements = measure_anny(body, ids, v, h)
    mesh = TriangleMesh(pv.astype(np.float32), body.faces, name=name)
    coco = body.coco_weights @ pv
    meta = dict(metadata or {})
    meta["anny"] = {"phenotypes": phen[0].tolist(), "local_changes": local[0].tolist(),
                    "arm_angle": float(arm_angle), "frame": int(frame)}
    meta["coco17"] = coco.astype(np.float32).tolist()
    sdf = None
    if with_sdf:
        report(on_progress, 0, 1)
        sdf = build_sdf(TriangleMesh(mesh.vertices, body.faces[body.main_faces]))
    lm = anny_landmarks(pv, ph, ids)
    lm = {k: p for k, p in lm.items() if k != "neck_girth_level"}
    return Avatar(name=name, mesh=mesh, vertex_part=body_parts(body, ids, v), keypoints=openpose_from_coco(coco),
                  measurements=measurements, landmarks=lm, pose=pose if pose != "walk" else f"walk_{frame}",
                  sdf=sdf, metadata=meta)


def avatar_from_measurements(measurements: dict[str, float], *, body: str = "female", age: float = 0.5,
                             muscle: float = 0.5, pose: str = "a_pose", arm_angle: float = 45.0,
                             frame: int = 0, max_iterations: int = 12, with_sdf: bool = True,
                             on_progress: ProgressFn | None = None) -> tuple[Avatar, FitReport]:
    """Fit Anny to ``measurements`` [m] (ISO names) and build the posed avatar; see :mod:`.fit`."""
    if body not in GENDER:
        raise InvalidInputError(f"must be one of {sorted(GENDER)}, got {body!r}", field="body")
    model = load_anny()
    ids = landmark_ids(model)
    phen, local, rep = fit_measurements(model, ids, measurements, gender=GENDER[body], age=age, muscle=muscle,
                                        max_iterations=max_iterations, on_progress=on_progress)
    meta = {"source": "anny", "body": body, "fit": {"asked": rep.asked, "achieved": rep.achieved,
                                                    "residuals": rep.residuals, "iterations": rep.iterations}}
    avatar = anny_avatar(model, phen, local, name=f"anny_{body}", pose=pose, arm_angle=arm_angle, frame=frame,
                         measurements=rep.achieved, metadata=meta, with_sdf=with_sdf)
    return avatar, rep


def pose_anny_avatar(avatar: Avatar, pose: str, arm_angle: float = 45.0, frame: int = 0,
                     with_sdf: bool = True) -> Avatar:
    """The same Anny body in another pose; rest-shape measurements are kept."""
    params = avatar.metadata.get("anny")
    if not params:
        raise InvalidInputError("this avatar has no Anny parameters (it was not made from measurements)",
                                field="avatar")
    model = load_anny()
    phen = np.array([params["phenotypes"]])
    local = np.array([params["local_changes"]])
    return anny_avatar(model, phen, local, name=avatar.name, pose=pose, arm_angle=arm_angle, frame=frame,
                       measurements=avatar.measurements, metadata=avatar.metadata, with_sdf=with_sdf)





def pose_avatar(avatar: Avatar, pose: str, arm_angle: float = 45.0, frame: int = 0,
                with_sdf: bool = True) -> Avatar:
    """Re-pose any avatar: Anny avatars through their skeleton; others (loaded meshes) by turning the
    arm-labelled vertices about the shoulders (A-pose, T-pose, relaxed only)."""
    from dataclasses import replace

    from .load import estimate_keypoints
    from .pose import POSES, pose_arms_rigidly

    if avatar.metadata.get("anny"):
        return pose_anny_avatar(avatar, pose, arm_angle, frame, with_sdf)
    if pose not in POSES:
        raise InvalidInputError(f"unknown pose {pose!r}; choose one of {list(POSES)}", field="pose")
    if pose == "walk":
        raise InvalidInputError("walk frames need an Anny avatar (a loaded mesh has no skeleton)", field="pose")
    if not (np.isfinite(arm_angle) and -10.0 <= arm_angle <= 90.0):
        raise InvalidInputError(f"arm angle must lie in [-10, 90] degrees, got {arm_angle!r}", field="arm_angle")
    angle = {"t_pose": 0.0, "relaxed": 75.0}.get(pose, arm_angle)
    arms = (AVATAR_PARTS.index("arm_left"), AVATAR_PARTS.index("arm_right"))
    v, lm = pose_arms_rigidly(avatar.mesh.vertices, avatar.vertex_part, avatar.landmarks, angle, arms)
    v[:, 1] -= v[:, 1].min()
    mesh = TriangleMesh(v.astype(np.float32), avatar.mesh.faces, avatar.mesh.uvs, avatar.mesh.name)
    kp, vis = avatar.keypoints, avatar.keypoint_visible
    needed = ("shoulder_left", "shoulder_right", "elbow_left", "elbow_right", "wrist_left", "wrist_right",
              "hip_joint_left", "hip_joint_right", "knee_left", "knee_right", "ankle_left", "ankle_right",
              "head_top", "neck_base")
    if all(k in lm for k in needed):
        kp, vis = estimate_keypoints(v, lm)
    sdf = build_sdf(mesh) if with_sdf and avatar.sdf is not None else None
    return replace(avatar, mesh=mesh, landmarks=lm, keypoints=kp, keypoint_visible=vis, pose=pose, sdf=sdf)


def measurement_table(avatar: Avatar) -> str:
    """Text table (cm) of the avatar's rest-shape measurements, with asked/residual after a fit."""
    fit = avatar.metadata.get("fit")
    if fit:
        return FitReport(asked=fit["asked"], achieved=fit["achieved"], iterations=fit.get("iterations", 0)).table()
    from ..core.measurements import MEASUREMENT_NAMES

    lines = [f"{'measurement':<20}{'value':>9}"]
    names = [k for k in MEASUREMENT_NAMES if k in avatar.measurements]
    names += sorted(k for k in avatar.measurements if k not in MEASUREMENT_NAMES)
    lines += [f"{k:<20}{avatar.measurements[k] * 100:9.1f}" for k in names]
    return "\n".join(lines + ["(cm)"])


__all__ = ["SIZES", "avatar_from_measurements", "pose_anny_avatar", "size_preset", "anny_avatar", "pose_avatar",
           "measurement_table"]
