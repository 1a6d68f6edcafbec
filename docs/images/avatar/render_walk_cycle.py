"""Render Anny's walk cycle as a strip: ``python docs/images/avatar/render_walk_cycle.py``.

Top row: side views (the walker faces left) of every walk frame of a size-M female; bottom row: front views.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from custom_nodes.avatar.build import avatar_from_measurements, pose_avatar, size_preset  # noqa: E402
from custom_nodes.avatar.pose import WALK_FRAMES  # noqa: E402
from custom_nodes.avatar.preview import render_view  # noqa: E402

HEIGHT = 300
CELL = 150


def main() -> None:
    avatar, _ = avatar_from_measurements(size_preset("M", "female"), body="female", with_sdf=False)
    strip = Image.new("RGB", (CELL * WALK_FRAMES, 2 * HEIGHT + 18), (246, 246, 244))
    draw = ImageDraw.Draw(strip)
    for k in range(WALK_FRAMES):
        posed = pose_avatar(avatar, "walk", frame=k, with_sdf=False)
        for row, view in enumerate(("side", "front")):
            img = render_view(posed, view, HEIGHT)
            left = max(0, (img.width - CELL) // 2)
            img = img.crop((left, 0, left + min(CELL, img.width), HEIGHT))
            strip.paste(img, (k * CELL + (CELL - img.width) // 2, 18 + row * HEIGHT))
        draw.text((k * CELL + CELL // 2 - 22, 3), f"frame {k}", fill=(30, 30, 30))
    path = HERE / "walk_cycle.png"
    strip.quantize(colors=128).save(path, optimize=True)
    print(path, np.asarray(strip).shape)


if __name__ == "__main__":
    main()
