"""Fit the photo-measurement table (custom_nodes/avatar/data/photo_girths.json) on random Anny bodies.

Run from the repository root: ``python tools/fit_photo_table.py [--bodies 360] [--seed 7]``. About two
minutes on two cores once the Anny cache exists. Bodies come from :func:`photo_eval.sample_bodies`
(both sexes, XS–3XL and beyond, A-pose with the arms 35–55° below the horizontal) with a seed that the evaluation
(``bench/bench_avatar_photos.py``) does not use. Silhouettes are drawn straight from each posed mesh
(every triangle filled, orthographic, 700–1400 px tall, the side view randomly mirrored) — not by the
renderer and segmentation the evaluation uses — and measured with the same code the photos go through
(:mod:`photo_profile`). The ground truth is the tape on the posed mesh (:func:`photo_eval.tape_measure`:
plane sections at the body's landmarks, arms outside the tape).

What is fitted, per sex:
1. where each level sits: the mean fraction between the silhouette's anchors, and the rule (plain
   fraction, or the silhouette's own narrowest / most forward / most backward row near it) whose level
   lands nearest the mesh's landmark, with the RMS level error;
2. the girth model G = b0 + b1·w + b2·d + b3·E(w, d) at each level (5-fold cross-validated RMS);
3. the inside leg from the crotch height, and the shoulder width from the full front width at the
   best fraction between armpits and head top.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.avatar.anny_model import load_anny  # noqa: E402
from custom_nodes.avatar.girth_table import (  # noqa: E402
    TABLE_PATH,
    GirthModel,
    Linear,
    PhotoTable,
    SexTable,
    ellipse_perimeter,
    fit_linear,
    girth_design,
)
from custom_nodes.avatar.photo_eval import mesh_mask, posed_mesh, sample_bodies  # noqa: E402
from custom_nodes.avatar.photo_profile import GIRTH_LEVELS, Lens, body_profile  # noqa: E402
from custom_nodes.avatar.silhouette import PhotoRejected, Silhouette, check_person  # noqa: E402

#: the table is fitted on exact parallel-projection silhouettes of the meshes: nothing to correct
PARALLEL = Lens(parallel=True)

RULES = {"chest": ("fraction", "front_max"), "waist": ("fraction", "min_width"),
         "hip": ("fraction", "back_max"), "neck": ("fraction",)}
GIRTHS = {"chest": "chest_girth", "underbust": "underbust_girth", "waist": "waist_girth", "hip": "hip_girth",
          "neck": "neck_girth"}
SHOULDER_FRACTIONS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)


def _crop(sil: Silhouette, pad: int = 3) -> Silhouette:
    """The silhouette cut down to the person plus ``pad`` pixels (keeps hundreds of them in memory)."""
    cols = np.where(sil.mask.any(0))[0]
    r0, c0 = max(sil.top - pad, 0), max(cols[0] - pad, 0)
    mask = sil.mask[r0: sil.bottom + pad + 1, c0: cols[-1] + pad + 1].copy()
    return replace(sil, mask=mask, top=sil.top - r0, bottom=sil.bottom - r0)


def collect(n: int, seed: int):
    """Silhouettes (cropped to the person), truth and anchors of ``n`` bodies; bodies whose silhouettes
    are refused are counted and left out."""
    body = load_anny()
    rng = np.random.default_rng(seed + 1)
    rows, refused = [], {}
    for s in sample_bodies(body, n, seed, relaxed_fraction=0.0):
        v, _ = posed_mesh(body, s)
        px = int(rng.integers(700, 1400))
        masks = [mesh_mask(v, body.faces, "front", px), mesh_mask(v, body.faces, "side", px, mirror=rng.uniform() < 0.5)]
        try:
            sils = [_crop(check_person(m, view, "mesh")) for m, view in zip(masks, ("front", "side"))]
            prof = body_profile(*sils, s.truth["height"], 0.45, lens=PARALLEL)
        except PhotoRejected as exc:
            refused[exc.problem] = refused.get(exc.problem, 0) + 1
            continue
        rows.append({"sample": s, "sils": sils, "crotch": prof.crotch if prof.crotch_measured else None,
                     "armpit": prof.armpit})
    return rows, refused


def fit_sex(rows: list[dict]) -> tuple[SexTable, list[str]]:
    log = []
    H = np.array([r["sample"].truth["height"] for r in rows])
    crotch = np.array([np.nan if r["crotch"] is None else r["crotch"] for r in rows])
    armpit = np.array([r["armpit"] for r in rows])
    ok = np.isfinite(crotch)
    cf = float(np.mean(crotch[ok] / H[ok]))
    c_sigma = float(np.std(crotch[ok] / H[ok]) * np.mean(H))
    log.append(f"  crotch seen in {ok.sum()}/{len(rows)} bodies; crotch/height {cf:.3f} ± {c_sigma * 100:.1f} cm")
    gt = {lv: np.array([r["sample"].truth_levels[lv] for r in rows]) for lv in (*GIRTH_LEVELS, "underbust")}
    fractions = {}
    for lv in GIRTH_LEVELS:
        t = (gt[lv] - armpit) / (H - armpit) if lv == "neck" else (gt[lv] - crotch) / (armpit - crotch)
        fractions[lv] = float(np.mean(t[ok]))
    profiles = [body_profile(*r["sils"], r["sample"].truth["height"], cf, lens=PARALLEL) for r in rows]
    rules = {}
    for lv in GIRTH_LEVELS:
        best = None
        for rule in RULES[lv]:
            est = np.array([p.refine(rule, p.prior_level(lv, fractions[lv])) for p in profiles])
            rms = float(np.sqrt(np.mean((est - gt[lv]) ** 2)))
            log.append(f"  {lv:<9} level by {rule:<9}: RMS {rms * 100:.2f} cm, bias {np.mean(est - gt[lv]) * 100:+.2f} cm")
            if best is None or rms < best[2]:
                best = (rule, fractions[lv], rms)
        rules[lv] = best
    levels = [p.levels(rules) for p in profiles]
    ub = np.array([lv["underbust"] for lv in levels])
    log.append(f"  underbust level (derived): RMS {np.sqrt(np.mean((ub - gt['underbust']) ** 2)) * 100:.2f} cm")
    girths = {}
    for lv, name in GIRTHS.items():
        w = np.array([p.front_width(L[lv]) for p, L in zip(profiles, levels)])
        d = np.array([p.side_depth(L[lv]) for p, L in zip(profiles, levels)])
        g = np.array([r["sample"].truth[name] for r in rows])
        coef, rmse = fit_linear(girth_design(w, d), g)
        _, rmse_scaled = fit_linear(ellipse_perimeter(w, d)[:, None], g)
        bare = float(np.sqrt(np.mean((ellipse_perimeter(w, d) - g) ** 2)))
        log.append(f"  {name:<16} model CV RMS {rmse * 100:.2f} cm (bare ellipse {bare * 100:.2f}, "
                   f"scaled ellipse {rmse_scaled * 100:.2f})")
        girths[lv] = GirthModel(tuple(float(c) for c in coef), rmse, (float(w.min()), float(w.max())),
                                (float(d.min()), float(d.max())))
    il = np.array([r["sample"].truth["inside_leg_length"] for r in rows])
    (a, b), rmse = fit_linear(np.c_[np.ones(ok.sum()), crotch[ok]], il[ok])
    inside = Linear(float(a), float(b), rmse)
    log.append(f"  inside leg from the crotch: CV RMS {rmse * 100:.2f} cm")
    sw = np.array([r["sample"].truth["shoulder_width"] for r in rows])
    best = None
    for t in SHOULDER_FRACTIONS:
        fw = np.array([p.full_width(p.armpit + t * (p.height - p.armpit)) for p in profiles])
        (a, b), rmse = fit_linear(np.c_[np.ones(len(fw)), fw], sw)
        log.append(f"  shoulder width from the full width at {t:.2f}: CV RMS {rmse * 100:.2f} cm")
        if best is None or rmse < best[0]:
            best = (rmse, t, Linear(float(a), float(b), rmse))
    return SexTable(rules, girths, cf, c_sigma, inside, best[2], best[1]), log


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=360)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=TABLE_PATH)
    args = ap.parse_args()
    t = time.perf_counter()
    rows, refused = collect(args.bodies, args.seed)
    print(f"{len(rows)} bodies measured in {time.perf_counter() - t:.0f} s; refused: {refused or 'none'}")
    tables = {}
    for sex in ("female", "male"):
        print(sex)
        tables[sex], log = fit_sex([r for r in rows if r["sample"].sex == sex])
        print("\n".join(log))
    meta = {"fitted_by": "tools/fit_photo_table.py", "bodies": len(rows), "seed": args.seed,
            "silhouettes": "orthographic, every triangle filled, 700-1400 px tall, side view randomly mirrored",
            "truth": "photo_eval.tape_measure: plane sections of the posed mesh at its landmarks over trunk, "
                     "legs and head (arms outside the tape), convex hull = tape",
            "poses": "A-pose, arms 35-55 deg below the horizontal"}
    path = PhotoTable(tables, meta).save(args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
