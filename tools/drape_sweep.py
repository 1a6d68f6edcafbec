"""Drape every pattern of the corpus as a user would, and judge each drape by the report's rules.

Each pattern (``corpus/freesewing/*.svg``, ``corpus/garmentcode/*/specification.json``) is loaded, meshed,
placed and draped with the nodes' defaults on an Anny body fitted to that pattern's own measurements (the
FreeSewing model it was drafted for, or GarmentCode's body yaml), in each fabric asked for. The sweep
writes, into ``--out``:

- ``results.json``: one row per (pattern, fabric): stage reached, pass/fail, each rule's figure, frames, time;
- ``table.md``: the pass rates per fabric and family, then every row;
- ``contact_<fabric>.png``: a front view of every drape, framed green (PASS) or red (FAIL).

Usage::

    python tools/drape_sweep.py --out /tmp/sweep                      # the whole corpus, three fabrics
    python tools/drape_sweep.py --out /tmp/sweep --only teagan hoody  # names containing these words
    python tools/drape_sweep.py --out /tmp/sweep --every 3 --jobs 2   # every 3rd pattern, two processes
    python tools/drape_sweep.py --out /tmp/sweep --one-size           # one size of each FreeSewing design
    python tools/drape_sweep.py --out /tmp/sweep --dxf /tmp/valentina  # CAD exports (.dxf, with .vit bodies)

Fitted bodies are cached in ``$ATELIER_CACHE_DIR/sweep_bodies`` (default ``~/.cache/atelier``); nothing is
written into the checkout.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import pickle
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")

CORPUS = REPO / "corpus"
FABRICS = ("cotton_jersey", "denim", "chiffon")
CACHE = Path(os.environ.get("ATELIER_CACHE_DIR", Path.home() / ".cache" / "atelier")) / "sweep_bodies"


# --- the corpus --------------------------------------------------------------------------------------------

def corpus_items(corpus: Path = CORPUS) -> list[dict]:
    """Every pattern in the corpus: name, family, file and the body measurements it was drafted for [m]."""
    items = []
    for svg in sorted((corpus / "freesewing").glob("*.svg")):
        side = json.loads(svg.with_suffix(".json").read_text())
        items.append({"name": svg.stem, "source": "freesewing", "family": side.get("category", "?"),
                      "path": str(svg), "body": side["model"], "sex": _sex(side["model"]),
                      "measurements": freesewing_measurements(side["measurements"])})
    import yaml

    manifest = json.loads((corpus / "garmentcode" / "manifest.json").read_text())
    body_of = {p["name"]: p["body"] for p in manifest["patterns"]}
    for spec in sorted((corpus / "garmentcode").glob("*/specification.json")):
        body = yaml.safe_load((spec.parent / "body.yaml").read_text())["body"]
        name = spec.parent.name
        body_name = body_of.get(name, "mean_all")
        sex = "male" if body_name.startswith(("m_", "mean_male")) else "female"
        items.append({"name": f"gc_{name}", "source": "garmentcode", "family": _gc_family(name),
                      "path": str(spec), "body": f"gc_{body_name}_{_body_key(body)}", "sex": sex,
                      "measurements": garmentcode_measurements(body)})
    return items


#: Valentina measurement names (.vit) → ISO names
VIT_NAMES = {"height": "height", "bust_circ": "chest_girth", "lowbust_circ": "underbust_girth",
             "waist_circ": "waist_girth", "hip_circ": "hip_girth", "neck_circ": "neck_girth",
             "arm_shoulder_tip_to_wrist": "arm_length", "shoulder_tip_to_shoulder_b": "shoulder_width",
             "leg_crotch_to_floor": "inside_leg_length"}
VIT_UNITS = {"mm": 0.001, "cm": 0.01, "inch": 0.0254}


def dxf_items(folder: Path) -> list[dict]:
    """Every ``*.dxf`` in ``folder`` (CAD exports), each on a body fitted to the Valentina measurements file
    ``<stem>.vit`` beside it (or the only .vit there), else to the default body."""
    import xml.etree.ElementTree as ET

    items = []
    for dxf in sorted(folder.glob("*.dxf")):
        vits = [dxf.with_suffix(".vit")] if dxf.with_suffix(".vit").is_file() else sorted(folder.glob("*.vit"))
        measurements, sex, body = {}, "female", "default"
        if len(vits) == 1:
            root = ET.parse(vits[0]).getroot()
            scale = VIT_UNITS.get((root.findtext("unit") or "cm").strip(), 0.01)
            for m in root.iter("m"):
                value = float((m.get("value") or "0").strip() or 0)
                if m.get("name") in VIT_NAMES and value > 0:
                    measurements[VIT_NAMES[m.get("name")]] = value * scale
            sex = "male" if (root.findtext("personal/gender") or "").strip() == "male" else "female"
            body = vits[0].stem
        items.append({"name": dxf.stem, "source": "dxf", "family": "dxf", "path": str(dxf),
                      "body": f"vit_{body}", "sex": sex, "measurements": measurements})
    return items


def _sex(model: str) -> str:
    return "male" if "Male" in model else "female"


def _gc_family(name: str) -> str:
    for key, fam in (("tee", "top"), ("top", "top"), ("shirt", "top"), ("hoody", "hoodie"), ("skirt", "skirt"),
                     ("pants", "trousers"), ("shorts", "shorts"), ("dress", "dress"), ("jumpsuit", "jumpsuit"),
                     ("js_", "jumpsuit")):
        if name.startswith(key):
            return fam
    return "?"


def _body_key(body: dict) -> str:
    return hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]


def freesewing_measurements(mm: dict) -> dict[str, float]:
    """ISO names [m] from a FreeSewing model (mm). Girths map one to one; FreeSewing's ``seat`` is the
    fullest girth over the buttocks (ISO hip girth); shoulder width is its shoulder-to-shoulder."""
    pick = {"chest_girth": "chest", "underbust_girth": "underbust", "waist_girth": "waist", "hip_girth": "seat",
            "inside_leg_length": "inseam", "arm_length": "shoulderToWrist", "shoulder_width": "shoulderToShoulder",
            "neck_girth": "neck"}
    return {iso: mm[fs] / 1000.0 for iso, fs in pick.items() if fs in mm}


def garmentcode_measurements(body: dict) -> dict[str, float]:
    """ISO names [m] from a GarmentCode body yaml (cm), as tests/avatar/test_fit.py maps them."""
    pick = {"height": "height", "chest_girth": "bust", "underbust_girth": "underbust", "waist_girth": "waist",
            "hip_girth": "hips", "arm_length": "arm_length", "shoulder_width": "shoulder_w"}
    return {iso: body[gc] / 100.0 for iso, gc in pick.items() if gc in body}


# --- one drape ---------------------------------------------------------------------------------------------

def fitted_body(item: dict):
    """The Anny body fitted to the item's measurements, cached on disk across runs."""
    key = hashlib.sha1(json.dumps([item["measurements"], item["sex"]], sort_keys=True).encode()).hexdigest()[:12]
    path = CACHE / f"{item['body']}_{key}.pkl.gz"
    if path.exists():
        with gzip.open(path, "rb") as fh:
            return pickle.load(fh)
    from custom_nodes.avatar.build import avatar_from_measurements

    avatar, _ = avatar_from_measurements(item["measurements"], body=item["sex"])
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wb", 3) as fh:
        pickle.dump(avatar, fh)
    tmp.replace(path)
    return avatar


def _defaults(cls) -> dict:
    """The nodes' defaults for ``cls``, with the sweep's ``--set`` overrides (see :func:`_overrides`)."""
    from custom_nodes.core.params import widgets

    out = {k: v[1]["default"] for k, v in widgets(cls).items()}
    for key, value in _overrides().items():
        if key in out:
            out[key] = (value.lower() in ("1", "true", "yes")) if isinstance(out[key], bool) else type(out[key])(value)
    return out


def _overrides() -> dict[str, str]:
    """``--set name=value`` pairs, carried to the worker processes in ``ATELIER_SWEEP_SET``."""
    text = os.environ.get("ATELIER_SWEEP_SET", "")
    return dict(pair.split("=", 1) for pair in text.split(",") if "=" in pair)


def drape_one(item: dict, fabrics: tuple[str, ...], thumbs: Path) -> list[dict]:
    """Load, mesh, place and drape one pattern with the nodes' defaults in each fabric; one row per fabric."""
    from custom_nodes.cloth_sim.config import DrapeSettings
    from custom_nodes.cloth_sim.drape import drape
    from custom_nodes.cloth_sim.preview import render_drape
    from custom_nodes.core.errors import AtelierError
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.pattern.nodes import AtelierPlaceGarment, AtelierTriangulate
    from custom_nodes.pattern.pattern_io import load_pattern

    base = {k: item[k] for k in ("name", "source", "family", "body")}
    t0 = time.perf_counter()
    try:
        pattern = load_pattern(item["path"])
        base["left_out"] = left_out(pattern)
        stage = "mesh"
        garment, = AtelierTriangulate().triangulate(pattern, **_defaults_triangulate())
        stage = "place"
        avatar = fitted_body(item)
        place = {k: v[1]["default"] for k, v in AtelierPlaceGarment.INPUT_TYPES()["required"].items() if k != "garment"}
        garment, = AtelierPlaceGarment().place(garment, avatar=avatar, **place)
    except AtelierError as exc:
        row = {**base, "stage": "import" if "stage" not in locals() else stage, "passed": False,
               "reasons": [str(exc)], "seconds": round(time.perf_counter() - t0, 2)}
        return [{**row, "fabric": f} for f in fabrics]
    prep = time.perf_counter() - t0
    rows = []
    for fab in fabrics:
        t1 = time.perf_counter()
        try:
            result = drape(garment, avatar, Catalog().fabric(fab), DrapeSettings(**_defaults(DrapeSettings)))
        except AtelierError as exc:
            rows.append({**base, "fabric": fab, "stage": "drape", "passed": False, "reasons": [str(exc)],
                         "vertices": garment.n_vertices, "seconds": round(time.perf_counter() - t1, 2)})
            continue
        rep = result.report
        img = render_drape(result, 160, 0.0)
        np.save(thumbs / f"{item['name']}__{fab}.npy", (np.clip(img, 0, 1) * 255).astype(np.uint8))
        rows.append({**base, "fabric": fab, "stage": "done", "passed": bool(rep["passed"]),
                     "reasons": rep["reasons"], "vertices": rep["vertices"], "frames": rep["frames"],
                     "static_at": rep["frames_to_static"], "body_crossings": rep["body_crossings"],
                     "self_crossings": rep["self_crossings"], "seam_gap_max_mm": rep["seam_gap_max_mm"],
                     "seconds": round(time.perf_counter() - t1 + prep, 2)})
    return rows


def left_out(pattern) -> list[str]:
    """Garment parts the import left out (skipped outlines, parts sewn to nothing or only to each other), from its
    notes; detail parts (pockets, facings), never simulated, are not counted. A drape that passes without them
    is a drape of less than the whole garment, and the table says so."""
    notes = pattern.metadata.get("import_notes", [])
    return [n.split("'")[1] for n in notes if n.startswith("part '") and (" left out:" in n or " skipped:" in n)]


def _defaults_triangulate() -> dict:
    from custom_nodes.pattern.params import MeshSettings

    return _defaults(MeshSettings)


def _safe(item: dict, fabrics: tuple[str, ...], thumbs: str) -> list[dict]:
    try:
        return drape_one(item, fabrics, Path(thumbs))
    except Exception as exc:  # a bug, not a user error: keep the sweep going and show it in the table
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return [{"name": item["name"], "source": item["source"], "family": item["family"], "body": item["body"],
                 "fabric": f, "stage": "crash", "passed": False, "reasons": [f"internal error: {tb}"]}
                for f in fabrics]


# --- outputs -----------------------------------------------------------------------------------------------

def rates(rows: list[dict], fabrics) -> dict[str, tuple[int, int]]:
    return {f: (sum(r["passed"] for r in rows if r["fabric"] == f), sum(r["fabric"] == f for r in rows))
            for f in fabrics}


def table_md(rows: list[dict], fabrics) -> str:
    out = ["| fabric | passed | of | rate |", "|---|---|---|---|"]
    for f, (p, n) in rates(rows, fabrics).items():
        out.append(f"| {f} | {p} | {n} | {100 * p / max(n, 1):.0f} % |")
    fams = sorted({r["family"] for r in rows})
    out += ["", "| family | " + " | ".join(fabrics) + " |", "|---|" + "---|" * len(fabrics)]
    for fam in fams:
        cells = []
        for f in fabrics:
            sel = [r for r in rows if r["family"] == fam and r["fabric"] == f]
            cells.append(f"{sum(r['passed'] for r in sel)}/{len(sel)}")
        out.append(f"| {fam} | " + " | ".join(cells) + " |")
    out += ["", "| pattern | fabric | result | body × | self × | seam gap mm | frames | s | parts left out | why |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["name"], r["fabric"])):
        why = "; ".join(r.get("reasons", []))[:160].replace("|", "/")
        res = "PASS" if r["passed"] else ("FAIL" if r["stage"] == "done" else f"no drape ({r['stage']})")
        out.append(f"| {r['name']} | {r['fabric']} | {res} | {r.get('body_crossings', '')} | "
                   f"{r.get('self_crossings', '')} | {r.get('seam_gap_max_mm', '')} | {r.get('frames', '')} | "
                   f"{r.get('seconds', '')} | {', '.join(r.get('left_out', []))} | {why} |")
    return "\n".join(out) + "\n"


def contact_sheet(rows: list[dict], fabric: str, thumbs: Path, path: Path, cols: int = 12) -> None:
    from PIL import Image, ImageDraw

    sel = sorted((r for r in rows if r["fabric"] == fabric), key=lambda r: r["name"])
    if not sel:
        return
    w, h = 160, 180
    sheet = Image.new("RGB", (cols * w, -(-len(sel) // cols) * h), "white")
    draw = ImageDraw.Draw(sheet)
    for i, r in enumerate(sel):
        x, y = (i % cols) * w, (i // cols) * h
        npy = thumbs / f"{r['name']}__{fabric}.npy"
        if npy.exists():
            sheet.paste(Image.fromarray(np.load(npy)), (x, y))
        colour = (0, 150, 0) if r["passed"] else (200, 0, 0)
        draw.rectangle([x, y, x + w - 1, y + 159], outline=colour, width=3)
        draw.text((x + 4, y + 162), r["name"][:26], fill=(0, 0, 0))
        if r.get("left_out"):  # a pass without some of its parts is not the whole garment: say so on the picture
            draw.text((x + 6, y + 4), f"{len(r['left_out'])} part(s) left out", fill=(200, 110, 0))
        if r["stage"] != "done":
            draw.text((x + 8, y + 70), f"no drape:\n{r['stage']}", fill=colour)
    sheet.save(path, optimize=True)


def write_report(rows: list[dict], fabrics, out: Path) -> None:
    """table.md and one contact sheet per fabric from the rows (and the thumbnails under ``out/thumbs``)."""
    order = {(it["name"]): k for k, it in enumerate(corpus_items())}
    rows = sorted(rows, key=lambda r: (order.get(r["name"], 1 << 30), r["fabric"]))
    (out / "table.md").write_text(table_md(rows, fabrics))
    for f in fabrics:
        contact_sheet(rows, f, out / "thumbs", out / f"contact_{f}.png")
    for f, (p, n) in rates(rows, fabrics).items():
        print(f"{f}: {p}/{n} passed ({100 * p / max(n, 1):.0f} %)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for results.json, table.md and contact sheets")
    ap.add_argument("--fabrics", default=",".join(FABRICS), help="comma-separated fabric presets")
    ap.add_argument("--only", nargs="*", default=[], help="keep patterns whose name contains one of these")
    ap.add_argument("--every", type=int, default=1, help="keep every n-th pattern (a quick subset)")
    ap.add_argument("--jobs", type=int, default=1, help="drapes run at once (processes)")
    ap.add_argument("--one-size", action="store_true",
                    help="one size of each FreeSewing design (the first of its three), every GarmentCode pattern")
    ap.add_argument("--dxf", type=Path, default=None,
                    help="drape the DXF files in this folder (CAD exports) instead of the corpus, each on a body "
                         "fitted to the Valentina measurements (.vit) beside it")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                    help="change a drape or mesh setting from the nodes' default (to compare settings on the corpus)")
    ap.add_argument("--report-only", action="store_true",
                    help="only rewrite table.md and the contact sheets from --out's results.json and thumbs")
    args = ap.parse_args(argv)
    fabrics = tuple(f for f in args.fabrics.split(",") if f)
    if args.set:
        from custom_nodes.cloth_sim.config import DrapeSettings
        from custom_nodes.core.params import widgets
        from custom_nodes.pattern.params import MeshSettings

        known = set(widgets(DrapeSettings)) | set(widgets(MeshSettings))
        bad = [p for p in args.set if "=" not in p or p.split("=", 1)[0] not in known]
        if bad:
            ap.error(f"--set {' '.join(bad)}: give NAME=VALUE with a drape or mesh setting's name")
        os.environ["ATELIER_SWEEP_SET"] = ",".join(args.set)
    if args.report_only:
        rows = json.loads((args.out / "results.json").read_text())
        write_report(rows, fabrics, args.out)
        return 0
    source = dxf_items(args.dxf) if args.dxf else corpus_items()
    items = [it for it in source if not args.only or any(w in it["name"] for w in args.only)]
    if args.one_size:
        first: dict[str, dict] = {}
        for it in items:
            first.setdefault(it["name"].split("_cis")[0] if it["source"] == "freesewing" else it["name"], it)
        items = list(first.values())
    items = items[::max(args.every, 1)]
    thumbs = args.out / "thumbs"
    thumbs.mkdir(parents=True, exist_ok=True)
    for it in {it["body"]: it for it in items}.values():  # fit each body once, before the workers share them
        fitted_body(it)
    rows, start = [], time.perf_counter()
    jobs = max(args.jobs, 1)
    os.environ.setdefault("ATELIER_TAICHI_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    tasks = [(it, (f,)) for it in items for f in fabrics]  # one drape a task: long drapes do not hold up the rest
    with ProcessPoolExecutor(jobs) as pool:
        futures = {pool.submit(_safe, it, fab, str(thumbs)): it for it, fab in tasks}
        for k, fut in enumerate(as_completed(futures)):
            got = fut.result()
            rows += got
            done = ", ".join(f"{r['fabric']} {'PASS' if r['passed'] else 'FAIL'}" for r in got)
            print(f"[{k + 1}/{len(tasks)}] {futures[fut]['name']}: {done}  ({time.perf_counter() - start:.0f} s)",
                  flush=True)
            tmp = args.out / "results.json.tmp"
            tmp.write_text(json.dumps(rows, indent=1))
            tmp.replace(args.out / "results.json")  # a sweep cut short keeps every finished row
    write_report(rows, fabrics, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
