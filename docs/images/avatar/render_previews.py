"""Re-render the avatar pictures in this folder: ``python docs/images/avatar/render_previews.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from custom_nodes.avatar.build import avatar_from_measurements, pose_avatar, size_preset  # noqa: E402
from custom_nodes.avatar.load import avatar_from_user_mesh  # noqa: E402
from custom_nodes.avatar.preview import render_measurements, render_preview  # noqa: E402
from custom_nodes.core.mesh import TriangleMesh  # noqa: E402


def save(array: np.ndarray, name: str) -> None:
    Image.fromarray(np.round(array * 255).astype(np.uint8)).save(HERE / name, optimize=True)
    print(HERE / name)


def main() -> None:
    for body in ("female", "male"):
        for size in ("XS", "M", "3XL"):
            avatar, rep = avatar_from_measurements(size_preset(size, body), body=body, with_sdf=False)
            save(render_preview(avatar, 420), f"{body}_{size}.png")
            if size == "M":
                save(render_measurements(avatar, 560), f"{body}_M_measured.png")
                save(render_preview(pose_avatar(avatar, "walk", frame=0, with_sdf=False), 420, keypoints=True),
                     f"{body}_M_walk.png")
                save(render_preview(pose_avatar(avatar, "t_pose", with_sdf=False), 420, keypoints=True),
                     f"{body}_M_tpose.png")
                if body == "male":
                    v = avatar.mesh.vertices.astype(np.float64)
                    scan = TriangleMesh(np.c_[v[:, 0], -v[:, 2], v[:, 1]] * 100, avatar.mesh.faces)  # cm, Z up
                    save(render_preview(avatar_from_user_mesh(scan, with_sdf=False), 420, keypoints=True),
                         "male_M_loaded_from_cm_zup.png")
                    t = pose_avatar(avatar, "t_pose", with_sdf=False).mesh.vertices.astype(np.float64)
                    t_scan = avatar_from_user_mesh(TriangleMesh(np.c_[t[:, 0], -t[:, 2], t[:, 1]] * 100,
                                                                avatar.mesh.faces), with_sdf=False)
                    save(render_preview(pose_avatar(t_scan, "a_pose", 45.0, with_sdf=False), 420, keypoints=True),
                         "male_M_loaded_t_pose_scan_turned_to_a_pose.png")


if __name__ == "__main__":
    main()
