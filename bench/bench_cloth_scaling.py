"""Cloth solver benchmark: time per frame from 4k to 60k vertices, and a ~15k-vertex garment to static.

Run: ``python bench/bench_cloth_scaling.py [--quick]``. Prints figures; asserts nothing.
Target (issue 5): a ~15k-vertex garment to static in <= 10 s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.cloth_sim.config import DrapeSettings  # noqa: E402
from custom_nodes.cloth_sim.drape import drape  # noqa: E402
from custom_nodes.cloth_sim.fabrics import fabric_preset  # noqa: E402
from custom_nodes.cloth_sim.model import build_model  # noqa: E402
from custom_nodes.cloth_sim.runtime import taichi_arch  # noqa: E402
from custom_nodes.cloth_sim.scenes import sheet, skirt, sphere_avatar, torso_avatar  # noqa: E402
from custom_nodes.cloth_sim.solver import StepControls, XPBDSolver  # noqa: E402


def per_frame(n_target: int, frames: int, substeps: int) -> tuple[int, float, float]:
    """(vertices, model build seconds, seconds per frame) for a sheet falling onto a sphere."""
    spacing = 1.0 / (n_target ** 0.5 - 1)
    g = sheet(1.0, spacing, 0.85)
    t0 = time.perf_counter()
    model = build_model(g, fabric_preset("cotton_jersey"))
    from custom_nodes.cloth_sim.body import body_collider

    solver = XPBDSolver(model, body_collider(sphere_avatar(0.3, (0, 0.5, 0))))
    build = time.perf_counter() - t0
    state = solver.state(g.positions)
    ctl = StepControls(damping=1.5, self_collision=True)
    dt = 1 / 60 / substeps
    state = solver.frame(state, substeps, dt, ctl)  # warm-up (kernel compile / cache load)
    t0 = time.perf_counter()
    for _ in range(frames):
        state = solver.frame(state, substeps, dt, ctl)
    state.positions()
    return g.n_vertices, build, (time.perf_counter() - t0) / frames


def garment_to_static(spacing: float, substeps: int) -> dict:
    g = skirt(spacing=spacing)
    t0 = time.perf_counter()
    r = drape(g, torso_avatar(), fabric_preset("denim"), DrapeSettings(max_frames=600, substeps=substeps))
    return {"vertices": g.n_vertices, "seconds": time.perf_counter() - t0, **r.report}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes only")
    ap.add_argument("--substeps", type=int, default=DrapeSettings().substeps)
    args = ap.parse_args()
    print(f"backend: {taichi_arch()}  cpu cores visible: {os.cpu_count()}  substeps/frame: {args.substeps}")
    sizes = (4000, 8000) if args.quick else (4000, 8000, 15000, 30000, 60000)
    print("(c) time per 60 fps frame, sheet on a sphere, body + self collision")
    for n in sizes:
        verts, build, sec = per_frame(n, 10 if n > 20000 else 20, args.substeps)
        print(f"  {verts:6d} vertices: {sec * 1e3:8.1f} ms/frame   (model build {build:.2f} s)")
    spacing = 0.02 if args.quick else 0.0085
    r = garment_to_static(spacing, args.substeps)
    print(f"(a) A-line skirt sewn onto a round torso (denim), {r['vertices']} vertices: {r['seconds']:.2f} s total, "
          f"{r['frames']} frames, static at {r['frames_to_static']}, seam gap max {r['seam_gap_max_mm']} mm, "
          f"body crossings {r['body_crossings']}, self crossings {r['self_crossings']}, weft strain max/p99/mean "
          f"{r['strain_weft_max']}/{r['strain_weft_p99']}/{r['strain_weft_mean']}  (target <= 10 s at ~15k)")


if __name__ == "__main__":
    main()
