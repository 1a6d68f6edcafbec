"""Avatar-from-photos accuracy on rendered Anny bodies, against tape measurements on the meshes.

Run from the repository root: ``python bench/bench_avatar_photos.py [--bodies 64] [--fits 16]
[--overlays DIR] [--parallel]``.

The evaluation set (:mod:`custom_nodes.avatar.photo_eval`): ``--bodies`` random Anny bodies, half female
and half male, across the XS–3XL range and beyond (seed 2026; the table in
``custom_nodes/avatar/data/photo_girths.json`` was fitted on other bodies, seed 7), each posed in an A-pose
and drawn front and side by the project's renderer as phone photos — a pinhole camera 2–4 m away, 28 mm
up to the longest lens that frames the whole person (≤ 85 mm), the lens 0.7–1.5 m high, pitch and roll
within ±2°, clothing colour on torso and legs, skin on head and arms, light from a random direction,
a plain or mildly textured wall with a gradient and noise, the side view facing left or right
(``--parallel``: the first, orthographic set). The photos go through the whole engine (segmentation
without weights, perspective correction with the focal length known, with nothing known, and none,
levels, girth table); ``--overlays`` writes the five worst bodies' overlays. Ground truth: the tape on each rest-pose mesh (plane sections at the body's own
landmarks, convex hull, ISO 8559-1 definitions: chest/bust girth at the bust points, waist girth at the
natural waist, hip girth at the buttocks' greatest prominence). The first ``--fits`` bodies also get
the full Anny fit, and the fitted avatar is measured against the same truth.

Renders are cached in the user cache folder (``<cache>/photo_eval``), never in the repository: the
first run renders (about 2 s a body), later runs only measure. Figures printed here are the ones
docs/avatar.md quotes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.avatar.anny_model import load_anny  # noqa: E402
from custom_nodes.avatar.photo_eval import (  # noqa: E402
    Shot,
    cluttered,
    format_summary,
    photo_errors,
    photo_pair,
    sample_bodies,
    seated_mesh,
    summarise,
    two_people,
)
from custom_nodes.avatar.photo_profile import Lens  # noqa: E402
from custom_nodes.avatar.photos import measure_photos, overlay_image  # noqa: E402
from custom_nodes.avatar.silhouette import PhotoRejected, silhouette  # noqa: E402
from custom_nodes.core.paths import user_cache_dir  # noqa: E402

RENDER_VERSION = 3
SEED = 2026
#: light grey clothes on a grey-blue wall: under the shading the clothes take the wall's tones
LOW_CONTRAST = ((0.85, 0.85, 0.88), (0.55, 0.62, 0.70))


def cached_pair(body, sample, i: int, folder: Path, perspective: bool) -> tuple[np.ndarray, np.ndarray, Shot | None]:
    """The sample's photos (and the phone's :class:`Shot`) from the cache, rendered (and stored as 8-bit
    arrays) on a miss."""
    path = folder / f"{i:03d}.npz"
    if path.exists():
        data = np.load(path)
        if np.allclose(data["phenotypes"], sample.phenotypes) and np.allclose(data["local"], sample.local_changes):
            shot = Shot(*data["shot"]) if "shot" in data else None
            return data["front"].astype(np.float32) / 255, data["side"].astype(np.float32) / 255, shot
    if perspective:
        front, side, shot, _ = photo_pair(body, sample, SEED * 1000 + i, perspective=True, with_shots=True)
    else:
        (front, side), shot = photo_pair(body, sample, SEED * 1000 + i), None
    folder.mkdir(parents=True, exist_ok=True)
    extra = {"shot": np.array([shot.distance, shot.height, shot.focal_mm, shot.pitch, shot.roll])} if shot else {}
    np.savez_compressed(path, front=np.round(front * 255).astype(np.uint8), side=np.round(side * 255).astype(np.uint8),
                        phenotypes=sample.phenotypes, local=sample.local_changes, **extra)
    return front, side, shot


def _cut_knees(photo: np.ndarray) -> np.ndarray:
    """The front photo cut at the person's knees (a quarter of their height above the soles)."""
    sil = silhouette(photo, "front", "classical")
    return photo[: sil.bottom - int(0.25 * sil.height_px)].copy()


def _cut_head(photo: np.ndarray) -> np.ndarray:
    """The photo with its top cut just below the top of the person's head (3 % of their height)."""
    sil = silhouette(photo, "side", "classical")
    return photo[sil.top + int(0.03 * sil.height_px):].copy()


def robustness(body, samples, pairs) -> list[str]:
    """Photos that must be refused: cluttered background, feet cut off, two people, relaxed front arms."""
    from dataclasses import replace

    lines = []
    def wall_only(f, k):  # the same wall and noise, nobody in front of it
        return np.clip(f[:8, :8].reshape(-1, 3).mean(0) + np.random.default_rng(k).normal(0, 0.012, f.shape), 0, 1)

    cases = {"no person": lambda f, s, k: (wall_only(f, k), s),
             "front and side swapped": lambda f, s, k: (s, f),
             "cluttered background": lambda f, s, k: (cluttered(f, np.random.default_rng(k)), s),
             "cut off at the knees": lambda f, s, k: (_cut_knees(f), s),
             "head cut off (side)": lambda f, s, k: (f, _cut_head(s)),
             "two people": lambda f, s, k: (two_people(f), s)}
    for name, make in cases.items():
        refused, messages = 0, set()
        for k, (sample, (f, s)) in enumerate(zip(samples, pairs)):
            try:
                measure_photos(*make(f, s, k), sample.truth["height"], sample.sex, segmentation="classical")
            except PhotoRejected as exc:
                refused += 1
                messages.add(exc.problem.split(" (")[0])
        lines.append(f"  {name:<22} refused {refused}/{len(samples)}: {'; '.join(sorted(messages))[:150]}")
    renders = {"seated": lambda smp, k: photo_pair(body, smp, 99 + k, perspective=True, mesh=seated_mesh(body, smp)),
               "relaxed arms in front": lambda smp, k: photo_pair(body, replace(smp, pose="relaxed", arm_angle=75.0,
                                                                             vertices=None, parts=None), 99 + k, perspective=True),
               "clothes like the wall": lambda smp, k: photo_pair(body, smp, 99 + k, colours=LOW_CONTRAST, perspective=True)}
    for name, make in renders.items():
        refused, messages = 0, set()
        for k, sample in enumerate(samples):
            try:
                measure_photos(*make(sample, k), sample.truth["height"], sample.sex, segmentation="classical")
            except PhotoRejected as exc:
                refused += 1
                messages.add(exc.problem.split(" (")[0])
        lines.append(f"  {name:<22} refused {refused}/{len(samples)}: {'; '.join(sorted(messages))[:150]}")
    return lines


LENSES = {"focal known": lambda shot: Lens(focal_mm=shot.focal_mm),
          "nothing known (3 m assumed)": lambda shot: Lens(),
          "not corrected": lambda shot: Lens(parallel=True)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=64)
    ap.add_argument("--fits", type=int, default=16, help="bodies that also get the full Anny fit")
    ap.add_argument("--robust", type=int, default=6, help="bodies used for the refusal checks")
    ap.add_argument("--parallel", action="store_true",
                    help="the first evaluation set: orthographic renders instead of phone photos")
    ap.add_argument("--overlays", type=Path, help="write the overlays of the five worst bodies here")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    t0 = time.perf_counter()
    body = load_anny()
    samples = sample_bodies(body, args.bodies, SEED)
    kind = "parallel" if args.parallel else "phone"
    folder = user_cache_dir() / "photo_eval" / f"r{RENDER_VERSION}_s{SEED}_{kind}"
    cached = [cached_pair(body, s, i, folder, not args.parallel) for i, s in enumerate(samples)]
    pairs = [(f, sd) for f, sd, _ in cached]
    shots = [shot for _, _, shot in cached]
    t_render = time.perf_counter() - t0
    for sex in ("female", "male"):
        g = [s.truth for s in samples if s.sex == sex]
        print(f"{sex}: {len(g)} bodies, height {min(t['height'] for t in g) * 100:.0f}–"
              f"{max(t['height'] for t in g) * 100:.0f} cm, chest {min(t['chest_girth'] for t in g) * 100:.0f}–"
              f"{max(t['chest_girth'] for t in g) * 100:.0f}, waist {min(t['waist_girth'] for t in g) * 100:.0f}–"
              f"{max(t['waist_girth'] for t in g) * 100:.0f}, hip {min(t['hip_girth'] for t in g) * 100:.0f}–"
              f"{max(t['hip_girth'] for t in g) * 100:.0f} cm")
    if not args.parallel:
        d, c, f = (np.array([getattr(sh, k) for sh in shots]) for k in ("distance", "height", "focal_mm"))
        print(f"phones: distance {d.min():.2f}–{d.max():.2f} m, lens {c.min():.2f}–{c.max():.2f} m above the floor, "
              f"{f.min():.0f}–{f.max():.0f} mm equivalent (median {np.median(f):.0f}), pitch and roll within ±2°")
    lenses = {"parallel projection": lambda shot: Lens(parallel=True)} if args.parallel else LENSES
    results = {}
    for mode, make_lens in lenses.items():
        rows, levels, refused, pms, times = [], [], [], [], []
        for i, (s, (f, sd), shot) in enumerate(zip(samples, pairs, shots)):
            t = time.perf_counter()
            try:
                pm = measure_photos(f, sd, s.truth["height"], s.sex, segmentation="classical", lens=make_lens(shot))
            except PhotoRejected as exc:
                refused.append(f"body {i} ({s.sex}): {exc}")
                pms.append(None)
                continue
            times.append(time.perf_counter() - t)
            pms.append(pm)
            rows.append({**photo_errors(pm, s.truth), "sex": s.sex, "i": i})
            levels.append({f"{k} level": (pm.levels[k] - s.truth_levels[k], np.nan)
                           for k in ("chest", "underbust", "waist", "hip", "neck", "crotch", "armpit")})
        results[mode] = (rows, levels, refused, pms, times)
    rows, levels, refused, pms, times = next(iter(results.values()))
    print(f"\nphotos measured: {len(rows)}/{len(samples)}; {np.mean(times):.1f} s per pair (segmentation: classical); "
          f"renders {t_render:.0f} s (cached after the first run)")
    for line in refused:
        print(f"  refused: {line}")
    summaries = {}
    for mode, (mrows, *_rest) in results.items():
        summaries[mode] = summarise([{k: v for k, v in r.items() if k not in ("sex", "i")} for r in mrows])
        print(f"\nPhoto measurements vs tape on the mesh, all bodies — {mode}")
        print(format_summary(summaries[mode]))
    by_sex = {}
    for sex in ("female", "male"):
        by_sex[sex] = summarise([{k: v for k, v in r.items() if k not in ("sex", "i")} for r in rows if r["sex"] == sex])
        print(f"\n{sex} ({next(iter(results))})")
        print(format_summary(by_sex[sex]))
    print("\nLevel heights vs the mesh's landmarks (cm)")
    print(format_summary(summarise(levels)).split("\n(cm")[0])
    worst = sorted(rows, key=lambda r: -max(abs(r[k][0]) / (0.015 if k.endswith("girth") and k != "neck_girth"
                                                             else 0.02) for k in r if k not in ("sex", "i")))[:5]
    print("\nWorst five bodies (largest error against its target):")
    for r in worst:
        i = r["i"]
        errs = ", ".join(f"{k.split('_')[0]} {r[k][0] * 100:+.1f}" for k in r if k not in ("sex", "i"))
        shot = shots[i]
        where = f"; {shot.distance:.1f} m, {shot.focal_mm:.0f} mm, lens {shot.height:.2f} m" if shot else ""
        print(f"  body {i} ({r['sex']}{where}): {errs} cm")
        if args.overlays:
            from PIL import Image
            args.overlays.mkdir(parents=True, exist_ok=True)
            img = overlay_image(pms[i], *pairs[i], height_px=640)
            Image.fromarray(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)).save(
                args.overlays / f"worst_body{i:02d}.png")
    fits, fit_refused = [], []
    t = time.perf_counter()
    from custom_nodes.avatar.anny_body import NECK_GIRTH_OFFSET
    from custom_nodes.avatar.build import avatar_from_measurements
    from custom_nodes.avatar.photo_eval import tape_measure
    from custom_nodes.core.errors import InvalidInputError
    from custom_nodes.core.measurements import check_measurements
    for i, (s, pm) in enumerate(list(zip(samples, pms))[: args.fits]):
        if pm is None:
            continue
        try:
            avatar, _ = avatar_from_measurements(check_measurements(pm.values), body=s.sex, with_sdf=False)
        except InvalidInputError as exc:
            fit_refused.append(f"body {i}: {exc}")
            continue
        # the fitted avatar measured with the same tape as the truth (A-pose, arms outside the tape)
        lm = dict(avatar.landmarks)
        lm["neck_girth_level"] = lm["neck_base"] + np.array([0.0, NECK_GIRTH_OFFSET, 0.0])
        got = tape_measure(avatar.mesh.vertices, avatar.mesh.faces, avatar.vertex_part, lm)
        fits.append({k: (got[k] - s.truth[k], np.nan) for k in s.truth if k != "height"})
    for line in fit_refused:
        print(f"  fit refused: {line}")
    fit_summary = summarise(fits)
    if fits:
        print(f"\nFitted avatar vs tape on the mesh, first {len(fits)} bodies ({(time.perf_counter() - t) / len(fits):.1f} s "
              "a fit; arm_length is not measured, it comes from the body model)")
        print(format_summary(fit_summary).replace("     nan", ""))
    print("\nRobustness: photos that must be refused")
    for line in robustness(body, samples[: args.robust], pairs[: args.robust]):
        print(line)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"photos": summaries, "by_sex": by_sex, "fitted": fit_summary,
                                         "measured": len(rows), "bodies": len(samples)}, indent=1))


if __name__ == "__main__":
    main()
