"""A saved design version as the things the pack's nodes take, and a result recorded as a new version.

* :func:`design_pattern` — the pattern drafted from the design's template for its body (or its imported
  pattern file, read from the media folder);
* :func:`design_fabric` — the main look's catalog fabric in its colourway or dye colour, with every print
  placed per panel as the fabric's :class:`~..core.fabric.PrintLayer` list (what the renderer and the GLB
  export draw);
* :func:`design_body` — size, size-table column and measurements (cm) as JSON;
* :func:`catalog_print` — a catalog print as a design's print (its artwork copied into the media folder);
* :func:`node_inputs` — the widget values a design sets on the pack's nodes (for batch rows);
* :func:`record_result` — renders and GLBs attached as media to a new version.

One fabric drapes and renders the whole garment: a panel with a fabric or colour of its own is named in
:func:`summary` (not drawn differently); its print, though, is placed on that panel.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..core.design import Design, Look, MediaRef, Print
from ..core.errors import InvalidInputError
from ..core.fabric import Fabric, PrintLayer
from ..core.pattern import Pattern
from .store import DesignStore, Version

#: Media kinds by file suffix, for results attached to a version.
_KIND_BY_SUFFIX = {".glb": "glb", ".gltf": "glb", ".png": "render", ".jpg": "render", ".jpeg": "render",
                   ".webp": "render", ".mp4": "render", ".obj": "other"}


def open_store() -> DesignStore:
    """The designs database the nodes use: ``$ATELIER_DB_URL``, else the default SQLite file."""
    return DesignStore()


def parse_reference(text: Any) -> tuple[str, int]:
    """``"<design id>"`` or ``"<design id>@<version>"`` → (id, version number; 0 = latest)."""
    raw = str(text).strip()
    design_id, _, number = raw.partition("@")
    design_id = design_id.strip()
    if not design_id:
        raise InvalidInputError("no design id given: copy it from the studio's design list "
                                "(32 letters and digits), optionally with @version", field="design")
    if not number.strip():
        return design_id, 0
    try:
        version = int(number.strip())
    except ValueError:
        raise InvalidInputError(f"'{raw[:80]}': the part after @ must be a version number (1, 2, 3…)",
                                field="design") from None
    if version < 1:
        raise InvalidInputError(f"'{raw[:80]}': version numbers start at 1 (leave out @… for the latest)",
                                field="design")
    return design_id, version


def find_version(store: DesignStore, design_id: str, version: int = 0) -> Version:
    """Version ``version`` of ``design_id`` (0 = latest); errors say what is missing, in user words."""
    design_id = str(design_id).strip()
    if not design_id:
        raise InvalidInputError("no design id given: copy it from the studio's design list", field="design_id")
    return store.numbered(design_id, int(version))


# --- the pattern and the body -----------------------------------------------------------------------------


def design_pattern(design: Design, store: DesignStore) -> Pattern:
    """The design's pattern: its template drafted for its body's measurements, or its imported file."""
    if design.pattern.template is not None:
        from ..pattern.templates import draft

        return draft(design.measurements(), design.template_settings())
    from ..pattern.pattern_io import load_pattern

    return load_pattern(store.media_path(design.pattern.file))


def design_body(design: Design) -> str:
    """The body as JSON: size, size-table column, every measurement in cm and which ones are overrides."""
    body = design.body
    return json.dumps({"size": body.size, "body": body.size_column,
                       "measurements_cm": {k: round(v * 100.0, 2) for k, v in design.measurements().items()},
                       "overrides": sorted(body.measurements_m),
                       "avatar_file": body.avatar.name if body.avatar else None}, indent=1)


# --- the fabric and its prints ------------------------------------------------------------------------------


def _artwork(store: DesignStore, ref: MediaRef) -> np.ndarray:
    from ..fabric.catalog_items import load_artwork

    return load_artwork(store.media_path(ref))


def print_layers(design: Design, store: DesignStore, panel_names: Iterable[str] = ()) -> tuple[PrintLayer, ...]:
    """Every print of the design as a placed layer: the main look's on every panel without a look of its
    own (listed by name from ``panel_names`` when some panels have a look of their own), then each panel's
    own."""
    own, panel_names = set(design.panels), tuple(panel_names)
    layers = []
    if design.look.print is not None:
        p = design.look.print
        if own and not panel_names:
            raise InvalidInputError("the main print skips the panels with a look of their own, so it needs the "
                                    "pattern's panel names", field="panel_names")
        others = tuple(n for n in panel_names if n not in own) if own else ()
        if others or not own:  # some panel still takes the main look
            layers.append(PrintLayer(_artwork(store, p.image), p.width_m, np.asarray(p.offset_m, np.float32),
                                     p.rotation_deg, p.repeat, others, p.image.name))
    for name, look in design.panels.items():
        if look.print is not None:
            p = look.print
            layers.append(PrintLayer(_artwork(store, p.image), p.width_m, np.asarray(p.offset_m, np.float32),
                                     p.rotation_deg, p.repeat, (name,), p.image.name))
    return tuple(layers)


def catalog_print(store: DesignStore, print_id: str, *, offset_m=(0.0, 0.0), rotation_deg: float = 0.0,
                  width_m: float | None = None, repeat: bool = True, catalog=None) -> Print:
    """A catalog print as a design's :class:`~..core.design.Print`: its artwork copied into the media folder,
    printed at its catalog repeat width unless ``width_m`` [m] is given."""
    from ..fabric.catalog import Catalog

    entry = (catalog or Catalog()).prints.get(print_id)
    art = store.add_media(entry.image_path, f"{entry.id}.png", "print")
    return Print(art, tuple(offset_m), width_m or entry.repeat_size_m[0], rotation_deg, repeat)


def look_fabric(look: Look, catalog=None) -> Fabric:
    """The catalog fabric of ``look`` in its colourway, or recoloured to its dye colour (no prints)."""
    from ..fabric.catalog import Catalog, recolour_fabric

    catalog = catalog or Catalog()
    if look.fabric_id not in catalog.ids():
        raise InvalidInputError(f"the design uses fabric '{look.fabric_id}', which this catalog does not have; "
                                f"add it to the catalog or pick another (known: {', '.join(catalog.ids())})",
                                field="fabric_id")
    fabric = catalog.fabric(look.fabric_id, look.colourway or None)
    if look.colour_srgb is not None:
        fabric = recolour_fabric(fabric, look.colour_srgb, "dye colour")
    return fabric


def design_fabric(design: Design, store: DesignStore, panel_names: Iterable[str] = (), catalog=None) -> Fabric:
    """The main look's fabric with every print of the design placed on it."""
    fabric = look_fabric(design.look, catalog)
    layers = print_layers(design, store, tuple(panel_names))
    return dataclasses.replace(fabric, prints=layers) if layers else fabric


def summary(version: Version, panel_names: Iterable[str] = ()) -> str:
    """What was loaded, in user words, with what the drape cannot show (other fabrics on some panels)."""
    d = version.design
    lines = [f"{version.label} by {version.author} ({version.created_at[:16].replace('T', ' ')} UTC): "
             f"{d.garment or 'garment'}, size {d.body.size} ({d.body.size_column}), fabric {d.look.fabric_id}"
             f"{' in ' + d.look.colourway if d.look.colourway else ''}"]
    for name, look in [("every panel", d.look), *d.panels.items()]:
        if look.print is not None:
            p = look.print
            lines.append(f"print '{p.image.name}' on {name}: {p.width_m * 100:g} cm wide, offset "
                         f"({p.offset_m[0] * 100:g}, {p.offset_m[1] * 100:g}) cm, {p.rotation_deg:g}°"
                         f"{', repeated' if p.repeat else ''}")
    names = set(panel_names)
    for name, look in d.panels.items():
        if names and name not in names:
            lines.append(f"note: the design gives panel '{name}' its own look, but the pattern has no such panel")
        if (look.fabric_id, look.colourway, look.colour_srgb) != (d.look.fabric_id, d.look.colourway,
                                                                  d.look.colour_srgb):
            lines.append(f"note: panel '{name}' is {look.fabric_id}{' ' + look.colourway if look.colourway else ''}"
                         f"; the drape and renders use the main fabric for every panel")
    if d.body.avatar is not None:
        lines.append(f"note: the body is the imported avatar '{d.body.avatar.name}' (designs media folder); "
                     f"load it with Load Avatar — the pattern is drafted for the size-table body")
    if d.trims:
        lines.append("trims: " + ", ".join(f"{t.title} ×{t.quantity}" for t in d.trims))
    return "\n".join(lines)


# --- node settings from a design (batch rows) -----------------------------------------------------------------


def node_inputs(version: Version) -> dict[str, dict[str, Any]]:
    """Node class → {input: widget value} a design sets, for the pack's nodes a workflow may start from.

    A workflow with an ``AtelierLoadDesign`` node needs only its id and version; the others take the
    design's template settings, body, fabric and drape settings as their own widgets (cm, as typed).
    """
    d = version.design
    out: dict[str, dict[str, Any]] = {"AtelierLoadDesign": {"design_id": version.design_id,
                                                            "version": version.number}}
    size = {"size": d.body.size, "body": d.body.size_column}
    if d.pattern.template is not None:
        template = dataclasses.asdict(d.pattern.template)
        out["AtelierPatternTemplate"] = {**template, **size}
        out["AtelierPatternGrade"] = {**template, **size}
    out["AtelierAvatarFromMeasurements"] = {**size, **{f"{k}_cm": round(v * 100.0, 2)
                                                       for k, v in d.body.measurements_m.items()}}
    out["AtelierFabricFromCatalog"] = {"fabric_id": d.look.fabric_id, "colourway": d.look.colourway}
    if d.look.colour_srgb is not None:
        out["AtelierRecolourFabric"] = {"colour": "#" + "".join(f"{round(c * 255):02x}" for c in d.look.colour_srgb),
                                        "colourway": "dye colour"}
    out["AtelierDrape"] = dataclasses.asdict(d.drape)
    return out


def what_only_load_design_brings(design: Design) -> list[str]:
    """Parts of a design that only an ``AtelierLoadDesign`` node brings into a workflow (not widgets)."""
    lost = []
    if design.pattern.template is None:
        lost.append(f"the imported pattern file '{design.pattern.file.name}'")
    if any(lk.print is not None for lk in (design.look, *design.panels.values())):
        lost.append("its prints")
    return lost


# --- recording a result --------------------------------------------------------------------------------------


def media_kind(name: str) -> str:
    return _KIND_BY_SUFFIX.get(Path(name).suffix.lower(), "other")


def record_result(store: DesignStore, design_id: str, files: Iterable[tuple[bytes | Path, str]], *,
                  message: str = "", author: str | None = None, parent: str | None = None) -> Version:
    """Attach ``files`` ((bytes or path, file name) each) as media of a new version of ``design_id``, edited
    from ``parent`` (a version id of that design; default the latest). Nothing else of the design changes."""
    files = list(files)
    if not files:
        raise InvalidInputError("nothing to record: connect images or give the path of a GLB", field="images")
    base = store.version(parent) if parent else store.latest(design_id)
    if base.design_id != str(design_id).strip():
        raise InvalidInputError(f"version '{str(parent)[:40]}' belongs to another design than "
                                f"'{str(design_id)[:40]}'", field="parent_version_id")
    refs = [store.add_media(source, name, media_kind(name)) for source, name in files]
    media = {m.sha256: m for m in base.design.media}
    for ref in refs:
        media.setdefault(ref.sha256, ref)
    design = dataclasses.replace(base.design, media=tuple(media.values()))
    names = ", ".join(name for _, name in files)
    return store.save(base.design_id, design, author=author, message=message or f"added {names}", parent=base.id)
