"""Classic try-on judged against rendered ground truth: today's path against the path before issue 18.

Run: python bench/bench_tryon_truth.py [--limit N] [--out DIR] [--cache DIR]   (prints figures, asserts nothing)

The triples come from tools/tryon_truth.py: Anny bodies (S, M, L; A-pose, relaxed arms, walk frames) wearing
a tee, hoodie or GarmentCode shirt, re-dressed in another of those or a shift dress, in solid, striped and
printed jersey, on plain and textured backgrounds — 54 in all. The try-on gets the person photo, its label
map and pose (exact, from the render) and garment B's photo; the truth is the body rendered wearing B.

"before" is ``custom_nodes/`` at commit ``BEFORE`` (the classic path as issue 18 found it), extracted with
``git archive`` into a temporary folder and run in a subprocess; it needs the repository's git history.
Figures (tools/tryon_truth.judge): SSIM (scikit-image, Gaussian window σ = 1.5), mean L1 and CIEDE2000 over
garment B's region in the truth and over the whole image, and the share of old-garment pixels left over.
Writes the five worst results (by garment-region SSIM) as strips person | garment | truth | now | before,
a contact sheet of every result, and figures.json, into --out.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

import tryon_truth as tt  # noqa: E402

BEFORE = "e50d73c^"  # the commit before "Try-on from a real photo" (issue 18's first change)
METRICS = ("ssim_garment", "l1_garment", "de_garment", "ssim_image", "l1_image", "de_image", "leftover")

_OLD_RUNNER = """
import pickle, sys
sys.path.insert(0, sys.argv[1])
from custom_nodes.tryon.classic import ClassicSettings, classic_tryon
jobs = pickle.load(open(sys.argv[2], "rb"))
out = []
for person, labels, pose, garment, kind in jobs:
    try:
        out.append(classic_tryon(person, labels, pose, garment, ClassicSettings(kind=kind)).image)
    except Exception as exc:
        out.append(repr(exc))
pickle.dump(out, open(sys.argv[3], "wb"))
"""


def run_now(triple) -> tuple[np.ndarray, np.ndarray]:
    """Today's classic try-on of the person, and of the same person with A in its other fabric."""
    from custom_nodes.tryon.classic import ClassicSettings, classic_tryon

    p, s = triple.person, ClassicSettings(kind=triple.kind)
    return tuple(classic_tryon(img, p.labels, p.pose, triple.garment_photo, s).image
                 for img in (p.image, triple.person_alt.image))


def run_before(triples, rev: str = BEFORE) -> list | None:
    """The classic path at ``rev`` on every triple, as (person, person_alt) results or an error text (a
    subprocess on an extracted tree); None without git."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        try:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "custom_nodes"], check=True,
                                     capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"  (before: no git history for {rev}: {exc}; only today's figures)")
            return None
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        jobs = Path(tmp) / "jobs.pkl"
        jobs.write_bytes(pickle.dumps([(img, t.person.labels, t.person.pose, t.garment_photo, t.kind)
                                       for t in triples for img in (t.person.image, t.person_alt.image)]))
        out = Path(tmp) / "out.pkl"
        subprocess.run([sys.executable, "-c", _OLD_RUNNER, str(tree), str(jobs), str(out)], check=True)
        done = pickle.loads(out.read_bytes())
        return [(a, b) if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else
                (a if isinstance(a, str) else b) for a, b in zip(done[::2], done[1::2], strict=True)]


def _save(img: np.ndarray, path: Path) -> None:
    from PIL import Image

    Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(path, optimize=True)


def main() -> None:
    ap = argparse.ArgumentParser(description="Classic try-on against rendered ground truth")
    ap.add_argument("--limit", type=int, default=None, help="first N triples only")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bench_tryon_truth")
    ap.add_argument("--cache", type=Path, default=tt.DEFAULT_CACHE, help="drape cache (outside the checkout)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("worst_*.png"):  # a previous run's worst five
        stale.unlink()

    t0 = time.perf_counter()
    skipped: list = []
    triples = list(tt.make_triples(args.limit, args.cache, log=lambda s: print(s, flush=True), skipped=skipped))
    print(f"{len(triples)} triples rendered in {time.perf_counter() - t0:.0f} s; {len(skipped)} left out because "
          "a drape was refused")
    t0 = time.perf_counter()
    now = [run_now(t) for t in triples]
    t_now = (time.perf_counter() - t0) / (2 * len(triples))
    t0 = time.perf_counter()
    before = run_before(triples)
    t_before = (time.perf_counter() - t0) / (2 * len(triples))

    rows = []
    for i, t in enumerate(triples):
        row = {"name": t.name, "now": tt.judge(now[i][0], t, now[i][1])}
        if before is not None:
            row["before"] = tt.judge(before[i][0], t, before[i][1]) if isinstance(before[i], tuple) else {
                "error": before[i]}
        rows.append(row)

    print(f"\n{'triple':58s} {'SSIM garment':>14s} {'leftover %':>12s}")
    print(f"{'':58s} {'now  before':>14s} {'now  before':>12s}")
    for r in rows:
        b = r.get("before", {})
        bs = f"{b['ssim_garment']:.3f}" if "ssim_garment" in b else "  —  "
        bl = f"{100 * b['leftover']:5.1f}" if "leftover" in b else "  —  "
        print(f"{r['name']:58s} {r['now']['ssim_garment']:.3f} {bs} {100 * r['now']['leftover']:5.1f} {bl}")

    def stats(side):
        ok = [r[side] for r in rows if side in r and "ssim_garment" in r[side]]
        return {m: (statistics.mean(x[m] for x in ok), statistics.median(x[m] for x in ok)) for m in METRICS}, len(ok)

    summary = {}
    print(f"\nmean (median) over {len(rows)} triples        now                 before")
    s_now, _ = stats("now")
    s_before, n_before = stats("before") if before is not None else ({}, 0)
    for m in METRICS:
        a = s_now[m]
        line = f"  {m:14s}  {a[0]:8.3f} ({a[1]:.3f})"
        if m in s_before:
            line += f"    {s_before[m][0]:8.3f} ({s_before[m][1]:.3f})"
        print(line)
        summary[m] = {"now": a, "before": s_before.get(m)}
    print("  garment SSIM by garment B's fabric (stripes and dots land out of phase with the truth's drape, so")
    print("  there SSIM rewards a blur as much as a sharp, shifted print):")
    for tex in tt.TEXTURES:
        idx = [i for i, t in enumerate(triples) if t.texture_b == tex]
        a = statistics.mean(rows[i]["now"]["ssim_garment"] for i in idx)
        b = [rows[i]["before"]["ssim_garment"] for i in idx if "ssim_garment" in rows[i].get("before", {})]
        print(f"    {tex:8s} ({len(idx):2d})  now {a:.3f}" + (f"   before {statistics.mean(b):.3f}" if b else ""))
        summary[f"ssim_garment_{tex}"] = {"now": a, "before": statistics.mean(b) if b else None}
    left_now = sum(r["now"]["leftover_px"] for r in rows)
    print(f"  old-garment pixels left over, all triples: now {left_now}", end="")
    if before is not None:
        left_before = sum(r["before"].get("leftover_px", 0) for r in rows)
        failed = len(rows) - n_before
        print(f", before {left_before}" + (f" ({failed} before-runs failed)" if failed else ""))
        gain = s_now["ssim_garment"][0] - s_before["ssim_garment"][0]
        print(f"  SSIM over the garment region: now − before = {gain:+.3f} (target ≥ +0.100)")
        summary["ssim_gain"] = gain
    else:
        print()
    print(f"  time per try-on: now {t_now * 1000:.0f} ms, before {t_before * 1000:.0f} ms (incl. its start-up)")

    worst = sorted(range(len(rows)), key=lambda i: rows[i]["now"]["ssim_garment"])[:5]
    print("\nworst five (garment SSIM now):")
    for i in worst:
        old = before[i][0] if before and isinstance(before[i], tuple) else None
        shown = [now[i][0]] + ([] if old is None else [old])
        _save(tt.strip(triples[i], *shown), args.out / f"worst_{triples[i].name}.png")
        print(f"  {triples[i].name}: {rows[i]['now']['ssim_garment']:.3f}")
    thumbs = [np.concatenate([triples[i].truth.image, np.clip(now[i][0], 0, 1)], 1)[::2, ::2]
              for i in range(len(rows))]
    cols = 6
    while len(thumbs) % cols:
        thumbs.append(np.ones_like(thumbs[0]))
    sheet = np.concatenate([np.concatenate(thumbs[r:r + cols], 1) for r in range(0, len(thumbs), cols)], 0)
    _save(sheet, args.out / "contact_sheet.png")
    (args.out / "figures.json").write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))
    print(f"wrote {args.out}/figures.json, contact_sheet.png (truth | now per triple) and the worst five")


if __name__ == "__main__":
    main()
