"""Camera: the one projection every renderer, keypoint map and alignment test agrees on.

Pixel convention: x to the right, y down, origin at the top-left *corner* of the image, so the centre
of pixel (row i, column j) is at (j + 0.5, i + 0.5). Depth is the distance along the view axis [m].
Matrices follow OpenGL (camera looks down −Z in its own frame, clip z in [−1, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .checks import array_field, in_range, one_of, positive, set_field
from .errors import InvalidInputError
from .serial import Record

MAX_RESOLUTION = 2048


@dataclass(frozen=True, eq=False)
class Camera(Record):
    eye: np.ndarray  # [m], (3,) camera position
    target: np.ndarray  # [m], (3,) point looked at
    up: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0, 0.0], np.float32))  # (3,)
    fov_y: float = 30.0  # [deg] vertical field of view (perspective)
    width: int = 768  # [px]
    height: int = 1024  # [px]
    near: float = 0.05  # [m]
    far: float = 50.0  # [m]
    projection: str = "perspective"  # or "orthographic"
    ortho_height: float = 2.0  # [m] visible height for orthographic cameras

    def __post_init__(self):
        eye = array_field(self.eye, "Camera.eye", np.float32, (3,))
        target = array_field(self.target, "Camera.target", np.float32, (3,))
        if np.linalg.norm(eye - target) < 1e-6:
            raise InvalidInputError("eye and target coincide", field="Camera.eye")
        set_field(self, "eye", eye)
        set_field(self, "target", target)
        up = array_field(self.up, "Camera.up", np.float32, (3,))
        if np.linalg.norm(np.cross(target - eye, up)) < 1e-6:
            raise InvalidInputError("up is parallel to the view direction", field="Camera.up")
        set_field(self, "up", up)
        in_range(self.fov_y, "Camera.fov_y", 1.0, 170.0)
        for name in ("width", "height"):
            value = getattr(self, name)
            if int(value) != value or not 1 <= int(value) <= MAX_RESOLUTION:
                raise InvalidInputError(f"must be an integer in [1, {MAX_RESOLUTION}] pixels, got {value!r}",
                                        field=f"Camera.{name}")
            set_field(self, name, int(value))
        positive(self.near, "Camera.near")
        if not self.far > self.near:
            raise InvalidInputError("must be greater than near", field="Camera.far")
        one_of(self.projection, "Camera.projection", ("perspective", "orthographic"))
        positive(self.ortho_height, "Camera.ortho_height")

    @classmethod
    def orbit(cls, yaw: float, pitch: float, distance: float, target=(0.0, 0.9, 0.0), **kw) -> Camera:
        """Camera on a sphere around ``target``: yaw 0 looks at the avatar's front (from +Z), yaw 90 from +X.

        ``yaw``/``pitch`` in degrees, ``distance`` in metres.
        """
        positive(distance, "Camera.distance")
        y, p = np.radians(yaw), np.radians(pitch)
        offset = distance * np.array([np.sin(y) * np.cos(p), np.sin(p), np.cos(y) * np.cos(p)])
        target = np.asarray(target, np.float64)
        return cls(eye=target + offset, target=target, **kw)

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def view_matrix(self) -> np.ndarray:
        """World → camera, (4, 4) float64."""
        f = self.target.astype(np.float64) - self.eye
        f /= np.linalg.norm(f)
        s = np.cross(f, self.up)
        s /= np.linalg.norm(s)
        u = np.cross(s, f)
        m = np.eye(4)
        m[0, :3], m[1, :3], m[2, :3] = s, u, -f
        m[:3, 3] = -m[:3, :3] @ self.eye
        return m

    def projection_matrix(self) -> np.ndarray:
        """Camera → clip (OpenGL), (4, 4) float64."""
        n, f = self.near, self.far
        m = np.zeros((4, 4))
        if self.projection == "perspective":
            t = 1.0 / np.tan(np.radians(self.fov_y) / 2)
            m[0, 0], m[1, 1] = t / self.aspect, t
            m[2, 2], m[2, 3], m[3, 2] = (f + n) / (n - f), 2 * f * n / (n - f), -1.0
        else:
            h = self.ortho_height / 2
            m[0, 0], m[1, 1] = 1 / (h * self.aspect), 1 / h
            m[2, 2], m[2, 3], m[3, 3] = -2 / (f - n), -(f + n) / (f - n), 1.0
        return m

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (n, 2) [px, x right / y down] and view depth (n,) [m] of world ``points`` (n, 3).

        Points behind the camera get depth ≤ 0; callers decide what to do with them.
        """
        p = np.asarray(points, np.float64).reshape(-1, 3)
        cam = p @ self.view_matrix()[:3, :3].T + self.view_matrix()[:3, 3]
        depth = -cam[:, 2]
        clip = np.c_[cam, np.ones(len(cam))] @ self.projection_matrix().T
        w = np.where(np.abs(clip[:, 3]) > 1e-12, clip[:, 3], 1e-12)
        ndc = clip[:, :2] / w[:, None]
        px = np.stack([(ndc[:, 0] + 1) * 0.5 * self.width, (1 - ndc[:, 1]) * 0.5 * self.height], axis=1)
        return px, depth
