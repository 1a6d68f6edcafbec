"""Benchmark: hoodie pattern (size M) → triangulated at 1 cm → placed around the mannequin.

Run: ``python bench/bench_pattern_hoodie.py``. Prints the time (target ≤ 0.3 s on the dev machine) and
vertex/face counts; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.core.measurements import size_measurements  # noqa: E402
from custom_nodes.pattern.params import TemplateSettings  # noqa: E402
from custom_nodes.pattern.placement import place_garment  # noqa: E402
from custom_nodes.pattern.templates import draft  # noqa: E402
from custom_nodes.pattern.triangulate import triangulate  # noqa: E402

TARGET_S = 0.3


def run_once(edge_length: float = 0.01):
    t0 = time.perf_counter()
    pattern = draft(size_measurements("M"), TemplateSettings(garment="hoodie"))
    t1 = time.perf_counter()
    garment = triangulate(pattern, edge_length)
    t2 = time.perf_counter()
    placed = place_garment(garment)
    t3 = time.perf_counter()
    return placed, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)


def main() -> None:
    run_once()  # warm-up: imports, first-call caches
    runs = [run_once() for _ in range(5)]
    placed = runs[0][0]
    best = min(r[1][3] for r in runs)
    median = sorted(r[1][3] for r in runs)[len(runs) // 2]
    draft_t, tri_t, place_t = (sorted(r[1][k] for r in runs)[len(runs) // 2] for k in range(3))
    print(f"hoodie M, 1 cm: {placed.n_vertices} vertices, {len(placed.faces)} faces, "
          f"{len(placed.seam_pairs)} seam pairs, {len(placed.panel_names)} panels")
    print(f"pattern -> placed mesh: median {median:.3f} s, best {best:.3f} s (target <= {TARGET_S} s)")
    print(f"  draft {draft_t:.3f} s, triangulate {tri_t:.3f} s, place {place_t:.3f} s")
    preview, _ = run_once(0.02)
    print(f"hoodie M, 2 cm preview mesh: {preview.n_vertices} vertices")


if __name__ == "__main__":
    main()
