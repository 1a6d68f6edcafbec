"""Classic try-on (no diffusion) at 1024×768: time per stage and end to end. Target: ≤ 1 s total.

Run: python bench/bench_tryon_classic.py   (prints figures, asserts nothing)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.tryon.agnostic import MaskSettings, agnostic_mask  # noqa: E402
from custom_nodes.tryon.classic import ClassicSettings, classic_tryon  # noqa: E402
from custom_nodes.tryon.garment import cut_garment, garment_landmarks  # noqa: E402
from custom_nodes.tryon.synthetic import synthetic_garment, synthetic_person  # noqa: E402
from custom_nodes.tryon.warp import person_targets, warp_garment  # noqa: E402

RUNS = 5


def timed(fn, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main():
    person = synthetic_person(1024, 768, "long", "pants")
    garment = synthetic_garment("top", 768, 768)
    print(f"classic try-on, person 1024×768, garment photo 768×768, median of {RUNS} runs")
    t, agn = timed(lambda: agnostic_mask(person.labels, person.pose, MaskSettings(mode="relaxed")))
    print(f"  agnostic mask          {t * 1000:7.1f} ms")
    t, cut = timed(lambda: cut_garment(garment))
    print(f"  garment cut-out        {t * 1000:7.1f} ms ({cut.method})")
    t, lm = timed(lambda: garment_landmarks(cut.mask, "top"))
    print(f"  garment landmarks      {t * 1000:7.1f} ms")
    targets = person_targets("top", lm, person.pose)
    t, _ = timed(lambda: warp_garment(cut.image, cut.mask, lm, targets, (1024, 768), 0.3, agn.mask))
    print(f"  TPS warp               {t * 1000:7.1f} ms")
    for blend in ("feather", "poisson"):
        t, res = timed(lambda b=blend: classic_tryon(person.image, person.labels, person.pose, garment,
                                                     ClassicSettings(blend=b)))
        print(f"  end to end ({blend:7s})  {t * 1000:7.1f} ms  target ≤ 1000 ms  "
              f"(warp IoU {res.quality:.2f}, ΔE00 {res.colour['delta_e00_before']:.2f} → "
              f"{res.colour['delta_e00_after']:.2f})")
    busy = synthetic_garment("top", 768, 768, busy=True)
    t, _ = timed(lambda: classic_tryon(person.image, person.labels, person.pose, busy), runs=3)
    print(f"  end to end, busy garment background (GrabCut) {t * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
