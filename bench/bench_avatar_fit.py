"""Avatar benchmark: Anny fit time per size-table body and narrow-band SDF build time.

Run from the repository root: ``python bench/bench_avatar_fit.py``. Targets (issue 4): fit ≤ 15 s,
SDF ≤ 2 s on the 2-core development machine, after the Anny cache exists (the first run builds it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.avatar.anny_model import cache_dir, load_anny  # noqa: E402
from custom_nodes.avatar.build import avatar_from_measurements, landmark_ids, size_preset  # noqa: E402
from custom_nodes.avatar.fit import fit_measurements  # noqa: E402
from custom_nodes.avatar.sdf import _CACHE, build_sdf  # noqa: E402
from custom_nodes.core.mesh import TriangleMesh  # noqa: E402


def main() -> None:
    t = time.perf_counter()
    body = load_anny()
    ids = landmark_ids(body)
    print(f"Anny model ready in {time.perf_counter() - t:.1f} s (cache: {cache_dir()})")
    print(f"{'body':<14}{'fit [s]':>8}{'iters':>7}{'max |residual| [cm]':>21}   (target: fit <= 15 s, <= 1 cm)")
    for gender, name in ((1.0, "female"), (0.0, "male")):
        for size in ("XS", "M", "3XL"):
            t = time.perf_counter()
            _, _, rep = fit_measurements(body, ids, size_preset(size, name), gender=gender)
            print(f"{name + ' ' + size:<14}{time.perf_counter() - t:8.2f}{rep.iterations:7d}"
                  f"{rep.max_abs_residual * 100:21.2f}")
    t = time.perf_counter()
    avatar, _ = avatar_from_measurements(size_preset("M", "female"), with_sdf=False)
    print(f"full avatar (fit + pose + landmarks + keypoints, no SDF): {time.perf_counter() - t:.2f} s")
    mesh = TriangleMesh(avatar.mesh.vertices, avatar.mesh.faces[body.main_faces])
    times = []
    for _ in range(3):
        _CACHE.clear()
        t = time.perf_counter()
        sdf = build_sdf(mesh)
        times.append(time.perf_counter() - t)
    print(f"SDF build (5 mm cells, grid {sdf.values.shape}, band {sdf.band * 100:.0f} cm): "
          f"best {min(times):.2f} s, mean {sum(times) / len(times):.2f} s   (target: <= 2 s)")


if __name__ == "__main__":
    main()
