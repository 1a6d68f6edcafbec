"""Benchmark: control maps at 1024² for ~30k triangles, and a 36-view 512² turntable.

Run: ``python bench/bench_render_maps.py``. Prints figures and the targets; asserts nothing.
Scene: the analytic mannequin (~15k triangles) wearing a top and a skirt, refined to ~30k triangles.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.core.mesh import TriangleMesh  # noqa: E402
from custom_nodes.render.cameras import frame  # noqa: E402
from custom_nodes.render.maps import DEPTH_FLOOR, _depth_maps, _normal_map, _pose, render_pass  # noqa: E402
from custom_nodes.render.raster import box_down  # noqa: E402
from custom_nodes.render.scenes import GARMENT, build_scene, cylinder_skirt, mannequin, top_garment  # noqa: E402
from custom_nodes.render.turntable import turntable_frames  # noqa: E402


def bench_scene():
    body, kp = mannequin()
    top, panel = top_garment(segments=128, rows=32)
    skirt = cylinder_skirt(segments=128, rows=24)
    garment = TriangleMesh.concatenate([top, skirt])
    panels = np.r_[panel, np.full(skirt.n_vertices, 2)]
    return build_scene(body, garment, garment_panel=panels, keypoints=kp)


def core_maps(scene, cam, ss):
    """depth + normal + pose + masks from one pass (what the target names)."""
    rp = render_pass(scene, cam, ss)
    depth, depth_m = _depth_maps(rp)
    return depth, _normal_map(rp), _pose(rp, depth_m), box_down(rp.obj == GARMENT, ss)


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), float(np.median(times))


def bench_backends(scene, cam):
    """The rasterisation alone (1024², ss=2) on NumPy and, when a CUDA GPU is present, on torch/CUDA."""
    from custom_nodes.render.raster import rasterize
    from custom_nodes.render.raster_torch import torch_device

    backends = ["numpy"] + (["cuda"] if torch_device("auto") is not None else [])
    for backend in backends:
        run = lambda b=backend: rasterize(scene.vertices, scene.faces, cam, 2, backend=b)  # noqa: E731
        run()
        best, med = best_of(run)
        print(f"rasterise only 1024² ss=2 backend={backend}: best {best:.3f} s, median {med:.3f} s")
    if len(backends) == 1:
        print("no CUDA GPU here: the torch/CUDA backend is not timed")


def main():
    from custom_nodes.render.maps import control_maps

    scene = bench_scene()
    print(f"scene: {scene.n_faces} triangles (depth floor {DEPTH_FLOOR})")
    cam = frame(scene, "full_body", yaw=30, width=1024, height=1024)
    for ss in (1, 2):
        core_maps(scene, cam, ss)  # warm-up
        best, med = best_of(lambda ss=ss: core_maps(scene, cam, ss))
        print(f"depth+normal+pose+masks 1024² ss={ss}: best {best:.3f} s, median {med:.3f} s (target ≤ 0.5 s)")
        best, med = best_of(lambda ss=ss: control_maps(scene, cam, ss))
        print(f"all control maps (+lineart, albedo, panels) 1024² ss={ss}: best {best:.3f} s, median {med:.3f} s")
    bench_backends(scene, cam)
    t = time.perf_counter()
    frames = turntable_frames(scene, views=36, width=512, height=512, ss=2)
    dt = time.perf_counter() - t
    print(f"turntable 36 views 512² ss=2: {dt:.2f} s ({dt / 36 * 1000:.0f} ms/view), frames {frames.shape}")


if __name__ == "__main__":
    main()
