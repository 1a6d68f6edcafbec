"""Classic try-on (no diffusion) at 1024×768: time per stage and end to end. Target: ≤ 1 s total.

Run: python bench/bench_tryon_classic.py   (prints figures, asserts nothing)

The last section compares the committed classic path (``git show HEAD:custom_nodes/tryon/classic.py``,
loaded beside the package) with the working tree's on synthetic people: the share of old-garment pixels
left unchanged outside the new garment, and the time. The judgement against rendered ground truth is
bench/bench_tryon_truth.py.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.tryon.agnostic import MaskSettings, agnostic_mask  # noqa: E402
from custom_nodes.tryon.classic import ClassicSettings, classic_tryon  # noqa: E402
from custom_nodes.tryon.garment import cut_garment, garment_landmarks  # noqa: E402
from custom_nodes.tryon.labels import L  # noqa: E402
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
    compare_with_head()


def _head_classic():
    """The committed classic module, or None outside a git checkout."""
    repo = Path(__file__).resolve().parents[1]
    try:
        src = subprocess.run(["git", "show", "HEAD:custom_nodes/tryon/classic.py"], cwd=repo, capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "classic_head.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("custom_nodes.tryon._classic_head", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def leftover_share(person, result) -> float:
    """Old-garment pixels outside the new garment whose colour is (nearly) unchanged, per old-garment pixel."""
    old = person.labels == L["upper_clothes"]
    unchanged = np.abs(result.image - person.image).max(-1) < 0.03
    return float((old & ~result.garment_mask & unchanged).sum() / max(1, old.sum()))


def compare_with_head():
    head = _head_classic()
    if head is None:
        print("  (no git checkout: HEAD comparison skipped)")
        return
    garment = synthetic_garment("top", 768, 768)
    print("HEAD classic vs working tree, 1024×768, old-garment leftover share / time (median of 3)")
    for sleeves in ("long", "short"):
        person = synthetic_person(1024, 768, sleeves, "pants")
        for name, fn in (("HEAD", head.classic_tryon), ("new ", classic_tryon)):
            t, res = timed(lambda f=fn, p=person: f(p.image, p.labels, p.pose, garment), runs=3)
            print(f"  {sleeves:5s} sleeves  {name}  leftover {leftover_share(person, res):6.2%}  {t * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
