"""Export one design version as a folder or a zip a factory can open without Atelier.

Contents::

    design.json                     the design document (schema-versioned JSON)
    tech_sheet.html                 one printable page: version, body, pattern settings, fabrics, prints, trims
    pattern/<name>.svg, .dxf        the pattern (drafted from the template for the body, or the imported
                                    file), written by the pattern package's own writers; seams in *.seams.json
    media/…                         the design's renders and GLB, under their own names
    prints/…                        print artwork
    avatar/…, source/…              an imported body mesh or pattern file, as imported

A file the media folder does not hold is listed on the tech sheet as missing instead of failing the export.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from custom_nodes.core.design import Design, Look, MediaRef, label
from custom_nodes.core.errors import AtelierError, InvalidInputError
from custom_nodes.core.serial import atomic_write_bytes

from .diff import show_value
from .store import DesignStore, Version


@dataclass
class ExportResult:
    path: Path  # the folder or the zip
    files: list[str] = field(default_factory=list)  # paths inside it
    missing: list[str] = field(default_factory=list)  # media named by the design but not in the media folder


def _safe_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip()).strip("_")
    return stem[:60] or "design"


def _pattern(store: DesignStore, design: Design):
    """The design's pattern: drafted from its template for its body, or read from the imported file."""
    if design.pattern.template is not None:
        from custom_nodes.pattern.templates import draft

        return draft(design.measurements(), design.template_settings())
    from custom_nodes.pattern.pattern_io import load_pattern

    return load_pattern(store.media_path(design.pattern.file))


def _copy(store: DesignStore, ref: MediaRef, folder: Path, result: ExportResult, root: Path) -> str | None:
    try:
        src = store.media_path(ref)
    except AtelierError:
        result.missing.append(ref.name)
        return None
    folder.mkdir(parents=True, exist_ok=True)
    dst, n = folder / ref.name, 1
    while dst.exists():
        n += 1
        dst = folder / f"{Path(ref.name).stem}_{n}{Path(ref.name).suffix}"
    shutil.copyfile(src, dst)
    return dst.relative_to(root).as_posix()


def _fabric_words(fabric_id: str) -> str:
    """Catalog name, composition and weight of a fabric id, or the id when this catalog lacks it."""
    try:
        from custom_nodes.fabric.catalog import Catalog

        e = Catalog().get(fabric_id)
        return f"{e.name} — {e.composition}, {e.weight_gsm:g} g/m²" if e.composition else e.name
    except (AtelierError, ImportError, OSError):
        return f"{fabric_id} (not in this catalog)"


def _trim_words(item_id: str) -> str:
    """A catalog trim in words (kind, composition, properties, how it is sold), or the id when unknown."""
    try:
        from custom_nodes.fabric.catalog import Catalog

        return Catalog().trims.get(item_id).describe()
    except (AtelierError, ImportError, OSError):
        return f"{item_id} (not in this catalog)"


def _look_row(panel: str, look: Look, prints: dict[str, str]) -> str:
    if look.colour_srgb is not None:
        colour = show_value(look.colour_srgb, "colour_srgb")
        swatch = f'<span class="sw" style="background:{colour}"></span> {colour}'
    else:
        swatch = html.escape(look.colourway or "fabric's own colour")
    printed = ""
    if look.print is not None:
        p = look.print
        img = prints.get(p.image.sha256)
        thumb = f'<img class="thumb" src="{html.escape(img)}" alt="">' if img else "(artwork missing)"
        printed = (f"{thumb} {html.escape(p.image.name)}: width {show_value(p.width_m, 'width_m')} cm, offset "
                   f"{show_value(p.offset_m, 'offset_m')} cm, rotation {show_value(p.rotation_deg)}°"
                   f"{', repeated' if p.repeat else ''}")
    return (f"<tr><td>{html.escape(panel)}</td><td>{html.escape(_fabric_words(look.fabric_id))}</td>"
            f"<td>{swatch}</td><td>{printed}</td></tr>")


def _with_unit(key: str, value) -> str:
    """``chest_ease_m`` 0.1 → ``10 cm``: the value in the unit people type, with that unit."""
    units = {"_m_per_s": " cm/s", "_per_s": " /s", "_percent": " %", "_deg": "°", "_m": " cm", "_s": " s"}
    suffix = next((s for s in units if key.endswith(s)), "")
    return show_value(value, key) + units.get(suffix, "")


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) + \
        "</table>"


def tech_sheet(version: Version, panels: list[str], files: dict[str, str], missing: list[str]) -> str:
    """The one-page HTML tech sheet (``files``: sha256 → path inside the export, for images)."""
    d = version.design
    body = [("size", f"{d.body.size} ({d.body.size_column})")]
    body += [(label(k) + (" *" if k in d.body.measurements_m else ""), f"{show_value(v, '_m')} cm")
             for k, v in d.measurements().items()]
    if d.body.avatar is not None:
        body.append(("avatar", d.body.avatar.name))
    if d.pattern.template is not None:
        pattern_rows = [("template", d.garment)] + [
            (label(k), _with_unit(k, v))
            for k, v in d.to_dict()["pattern"]["template"].items() if k != "garment"]
    else:
        pattern_rows = [("pattern file", d.pattern.file.name), ("garment", d.garment or "—")]
    looks = [("all other panels" if panels else "all panels", d.look)] if set(panels) - set(d.panels) or not panels \
        else []
    looks += [(p, lk) for p, lk in d.panels.items()]
    trims = "".join(f"<tr><td>{html.escape(t.title)}</td><td>{html.escape(_trim_words(t.item_id))}</td>"
                    f"<td>{t.quantity}</td>"
                    f"<td>{show_value(t.length_m, 'length_m') + ' cm' if t.length_m else ''}</td>"
                    f"<td>{html.escape(t.panel)}</td><td>{html.escape(t.note)}</td></tr>" for t in d.trims)
    renders = "".join(f'<img class="render" src="{html.escape(files[m.sha256])}" alt="{html.escape(m.name)}">'
                      for m in d.media if m.kind == "render" and m.sha256 in files)
    drape = " · ".join(f"{label(k)} {_with_unit(k, v)}" for k, v in d.to_dict()["drape"].items())
    svg = files.get("pattern.svg")
    pattern_img = f'<img class="pattern" src="{html.escape(svg)}" alt="pattern pieces">' if svg else ""
    missing_note = (f'<p class="warn">Not in the media folder, so not exported: {html.escape(", ".join(missing))}</p>'
                    if missing else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(version.label)} — tech sheet</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font: 10pt/1.35 system-ui, sans-serif; margin: 0 auto; max-width: 190mm; color: #111; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm; }} h2 {{ font-size: 11pt; margin: 4mm 0 1mm; border-bottom: 1px solid #999; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ text-align: left; padding: 0.5mm 2mm; vertical-align: top; }}
th {{ font-weight: 600; width: 35%; }} .cols {{ display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }}
.sw {{ display: inline-block; width: 4mm; height: 4mm; border: 1px solid #555; vertical-align: middle; }}
.thumb {{ height: 10mm; vertical-align: middle; }} .render {{ height: 45mm; margin-right: 2mm; }}
.meta, .small {{ color: #555; }} .small {{ font-size: 8.5pt; }} .pattern {{ max-height: 70mm; max-width: 100%; }} .warn {{ color: #a00; }} pre {{ white-space: pre-wrap; font: inherit; margin: 0; }}
</style></head><body>
<h1>{html.escape(d.name)}</h1>
<p class="meta">Version {version.number} · saved {html.escape(version.created_at[:16].replace("T", " "))} UTC by
{html.escape(version.author)} · {html.escape(version.message)}<br>
{html.escape(d.garment)}{" · season " + html.escape(d.season) if d.season else ""}{" · " + html.escape(", ".join(d.tags)) if d.tags else ""}
· version id {version.id}</p>
{renders}
<div class="cols"><div><h2>Body (cm; * measured, others from the size table)</h2>{_table(body)}</div>
<div><h2>Pattern</h2>{_table(pattern_rows)}{pattern_img}</div></div>
<h2>Fabrics and prints</h2>
<table><tr><th>panel</th><th>fabric</th><th>colour</th><th>print</th></tr>
{"".join(_look_row(p, lk, files) for p, lk in looks)}</table>
<h2>Trims</h2>
{"<table><tr><th>trim</th><th>item</th><th>qty</th><th>length</th><th>panel</th><th>note</th></tr>" + trims + "</table>"
 if trims else "<p>None.</p>"}
<h2>Notes</h2><pre>{html.escape(d.notes) or "—"}</pre>
<h2>Drape settings</h2><p class="small">{html.escape(drape)}</p>
{missing_note}
</body></html>
"""


def export_design(store: DesignStore, version_id: str, target: str | os.PathLike, *,
                  pattern_formats: tuple[str, ...] = ("svg", "dxf")) -> ExportResult:
    """Write ``version_id`` as a folder, or as a zip when ``target`` ends in ``.zip``; returns what was written."""
    version = store.version(version_id)
    target = Path(target)
    bad = [f for f in pattern_formats if f not in ("svg", "dxf", "json")]
    if bad:
        raise InvalidInputError(f"patterns are exported as svg, dxf or json, not {', '.join(bad)}",
                                field="pattern_formats")
    with tempfile.TemporaryDirectory(prefix="atelier-export-") as tmp:
        root = Path(tmp) / _safe_stem(version.design.name)
        root.mkdir()
        result = _write(store, version, root, pattern_formats)
        if target.suffix.lower() == ".zip":
            zipped = Path(tmp) / "export.zip"
            with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
                for name in result.files:
                    zf.write(root / name, f"{root.name}/{name}")
            atomic_write_bytes(target, zipped.read_bytes())
        else:
            if target.exists() and any(target.iterdir()):
                raise InvalidInputError(f"the export folder '{target.name}' is not empty; choose a new one",
                                        field="target")
            target.mkdir(parents=True, exist_ok=True)
            shutil.copytree(root, target, dirs_exist_ok=True)
    result.path = target
    return result


def _write(store: DesignStore, version: Version, root: Path, formats: tuple[str, ...]) -> ExportResult:
    d = version.design
    result = ExportResult(root)
    (root / "design.json").write_text(d.to_json(), encoding="utf-8")
    files: dict[str, str] = {}
    for ref, folder in [*((m, "media") for m in d.media), (d.body.avatar, "avatar"), (d.pattern.file, "source"),
                        *((lk.print.image, "prints") for lk in (d.look, *d.panels.values()) if lk.print)]:
        if ref is not None and ref.sha256 not in files and ref.name not in result.missing:
            copied = _copy(store, ref, root / folder, result, root)
            if copied:
                files[ref.sha256] = copied
    panels: list[str] = []
    try:
        pattern = _pattern(store, d)
    except AtelierError as exc:
        if d.pattern.file is None or d.pattern.file.name not in result.missing:
            raise InvalidInputError(f"the pattern of {version.label} could not be made for the export: {exc}",
                                    field="pattern") from None
    else:
        from custom_nodes.pattern.pattern_io import save_pattern

        panels = [p.name for p in pattern.panels]
        (root / "pattern").mkdir()
        for fmt in formats:
            written = save_pattern(pattern, root / "pattern" / f"{_safe_stem(d.name)}.{fmt}")
            files[f"pattern.{fmt}"] = written.relative_to(root).as_posix()
    (root / "tech_sheet.html").write_text(tech_sheet(version, panels, files, result.missing), encoding="utf-8")
    result.files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return result
