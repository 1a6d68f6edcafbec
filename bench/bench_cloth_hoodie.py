"""Hoodie template at 1 cm edge length (~12-15k vertices) draped on Anny M (female) to static.

Prints wall time, frames, vertex count and the quality report figures. Target: ≤ 10 s on 2 CPU cores.
Run: ATELIER_SHARED_DIR=... python bench/bench_cloth_hoodie.py [edge_cm] [max_frames]. Asserts nothing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")

TARGET_S = 10.0


def main(edge_cm: float = 1.0, max_frames: int = 300) -> None:
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.report import report_text
    from custom_nodes.fabric.catalog import Catalog
    from tools.integration_pictures import avatar_m, placed

    avatar = avatar_m()
    garment = placed("hoodie", avatar, edge_cm * 1e-2)
    start = time.perf_counter()
    result = drape(garment, avatar, Catalog().fabric("cotton_jersey"),
                   DrapeSettings(max_frames=max_frames, self_passes=3))
    seconds = time.perf_counter() - start
    rep = result.report
    print(report_text(rep))
    print(f"hoodie @ {edge_cm:g} cm: {garment.n_vertices} vertices, {rep['frames']} frames "
          f"(static at {rep['frames_to_static']}), {seconds:.1f} s wall ({seconds / max(rep['frames'], 1) * 1e3:.0f} "
          f"ms/frame); body crossings {rep['body_crossings']}, self crossings {rep['self_crossings']}, seam gap "
          f"max {rep['seam_gap_max_mm']} mm; target ≤ {TARGET_S:g} s to static")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(float(args[0]) if args else 1.0, int(args[1]) if len(args) > 1 else 300)
