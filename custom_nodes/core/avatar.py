"""Avatar: a body mesh in a pose, with its measurements, landmarks, part labels and keypoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .checks import array_field, index_field, set_field
from .errors import InvalidInputError
from .mesh import TriangleMesh
from .sdf import SDFGrid
from .serial import Record

#: Per-vertex body-part labels, indices into this tuple (``Avatar.vertex_part``).
AVATAR_PARTS = ("other", "torso", "head", "arm_left", "arm_right", "leg_left", "leg_right")

#: OpenPose-18 keypoint order, as ControlNet OpenPose and comfyui_controlnet_aux's POSE_KEYPOINT use.
OPENPOSE18 = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
)


@dataclass(frozen=True, eq=False)
class Avatar(Record):
    """A body standing on y = 0 facing +Z, in metres.

    ``measurements`` use ISO 8559-1 names (``chest_girth``, ``waist_girth``, ``height``…) in metres.
    ``keypoints`` follow :data:`OPENPOSE18`; ``keypoint_visible`` marks the ones that exist.
    ``sdf`` is the collision proxy, built by the avatar domain once per body + pose.
    """

    name: str
    mesh: TriangleMesh
    vertex_part: np.ndarray  # (n,) int32, index into AVATAR_PARTS
    keypoints: np.ndarray  # [m], (18, 3) float32, OpenPose-18 order
    keypoint_visible: np.ndarray = field(default_factory=lambda: np.ones(18, bool))  # (18,) bool
    measurements: dict[str, float] = field(default_factory=dict)  # [m]
    landmarks: dict[str, np.ndarray] = field(default_factory=dict)  # [m], each (3,)
    pose: str = "a_pose"
    sdf: SDFGrid | None = None
    metadata: dict = field(default_factory=dict)  # source file, fit parameters, priors…

    def __post_init__(self):
        if not isinstance(self.mesh, TriangleMesh):
            raise InvalidInputError("must be a TriangleMesh", field="Avatar.mesh")
        if self.mesh.n_faces == 0:
            raise InvalidInputError("the body mesh has no faces", field="Avatar.mesh")
        n = self.mesh.n_vertices
        set_field(self, "vertex_part", index_field(self.vertex_part, "Avatar.vertex_part", len(AVATAR_PARTS), (n,)))
        set_field(self, "keypoints", array_field(self.keypoints, "Avatar.keypoints", np.float32, (18, 3)))
        set_field(self, "keypoint_visible",
                  array_field(self.keypoint_visible, "Avatar.keypoint_visible", bool, (18,)))
        meas = {}
        for k, v in dict(self.measurements).items():
            if not np.isfinite(float(v)) or float(v) <= 0:
                raise InvalidInputError(f"must be a positive length in metres, got {v!r}",
                                        field=f"Avatar.measurements['{k}']")
            meas[str(k)] = float(v)
        set_field(self, "measurements", meas)
        set_field(self, "landmarks", {str(k): array_field(v, f"Avatar.landmarks['{k}']", np.float32, (3,))
                                      for k, v in dict(self.landmarks).items()})
        set_field(self, "metadata", dict(self.metadata))

    @cached_property
    def height(self) -> float:
        """[m] top of the mesh above the floor."""
        return float(self.mesh.bounds[1, 1])

    def keypoints_dict(self) -> dict[str, np.ndarray]:
        return {name: self.keypoints[i] for i, name in enumerate(OPENPOSE18) if self.keypoint_visible[i]}
