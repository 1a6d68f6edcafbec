"""Re-make the cloth pictures in this folder: ``python docs/images/cloth/render.py`` from the repo root."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from custom_nodes.cloth_sim.config import DrapeSettings  # noqa: E402
from custom_nodes.cloth_sim.drape import drape  # noqa: E402
from custom_nodes.cloth_sim.fabrics import fabric_preset  # noqa: E402
from custom_nodes.cloth_sim.preview import render_drape, render_meshes  # noqa: E402
from custom_nodes.cloth_sim.scenes import cylinder_avatar, sheet, skirt, sphere_avatar, torso_avatar, tube  # noqa: E402


def _save(panels: list[np.ndarray], labels: list[str], name: str) -> None:
    img = Image.fromarray((np.concatenate(panels, 1) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    w = panels[0].shape[1]
    for i, text in enumerate(labels):
        draw.text((i * w + 6, 6), text, fill=(20, 20, 20))
    img.save(HERE / name, optimize=True)
    print(HERE / name)


def sphere_picture() -> None:
    import trimesh

    r = drape(sheet(0.6, 0.015, 0.85), sphere_avatar(0.2, (0, 0.6, 0)), fabric_preset("cotton_jersey"))
    ball = trimesh.creation.icosphere(4, 0.2)
    views = [render_meshes([(ball.vertices + [0, 0.6, 0], ball.faces, (0.85, 0.72, 0.62)),
                            (r.positions, r.garment.faces, tuple(r.fabric.color))], 320, yaw) for yaw in (0, 35)]
    _save(views, [f"jersey sheet on a sphere: static at frame {r.report['frames_to_static']}", "35 deg"],
          "sheet_on_sphere.png")


def tube_picture() -> None:
    g = tube(0.82, 0.4, 0.015)
    start = render_meshes([(cylinder_avatar().mesh.vertices, cylinder_avatar().mesh.faces, (0.85, 0.72, 0.62)),
                           (g.positions, g.faces, (0.25, 0.35, 0.6))], 320, 30)
    r = drape(g, cylinder_avatar(), fabric_preset("cotton_jersey"))
    _save([start, render_drape(r, 320, 30)], ["two flat panels", f"sewn: seam gap max {r.report['seam_gap_max_mm']} mm"],
          "sewn_tube.png")


def skirt_picture() -> None:
    panels, labels = [], []
    for name in ("chiffon", "denim"):
        r = drape(skirt(spacing=0.015), torso_avatar(), fabric_preset(name), DrapeSettings(max_frames=400))
        for yaw in (0, 90):
            panels.append(render_drape(r, 280, yaw))
            labels.append(f"{name} {'front' if yaw == 0 else 'side'}")
    _save(panels, labels, "skirt_two_fabrics.png")


if __name__ == "__main__":
    sphere_picture()
    tube_picture()
    skirt_picture()
