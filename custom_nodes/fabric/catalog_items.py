"""The catalog's other shelves: prints (artwork with its physical repeat size) and trims (rib, binding,
buttons…), stored like fabrics, one folder per entry::

    fabrics/prints/checkerboard/print.json   name, repeat_size_m [w, h], tags, source
    fabrics/prints/checkerboard/print.png    the artwork, one repeat, sRGB (+ alpha: 0 = the fabric shows)
    fabrics/trims/rib_1x1/trim.json          name, kind, composition, colour, sold_by, properties (SI)

``Catalog().prints`` and ``Catalog().trims`` list the bundled shelf (read-only) with the user's
(``user_data_dir()/fabrics/prints``, ``…/trims``, where saves go), exactly as fabrics are: names are cleaned
and bounded (:func:`~.catalog.clean_text`), a bundled id is never replaced (a new entry of that name gets
``<id>_2``), and an entry is written into a temporary folder and swapped in only when complete.

A print's size is physical: ``repeat_size_m`` is the width and height one copy of the artwork covers on
the cloth (its aspect must match the image's), so a 0.2 m checkerboard is 0.2 m on an XS and on a 3XL.
Trim properties follow the design document's unit rule: ``width_m``, ``diameter_m``, ``stretch_percent``…
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import FileFormatError, InvalidInputError
from ..core.fabric import PRINT_MAX_SIDE, PrintLayer
from ..core.serial import _UMASK
from .catalog import _ID, COMPOSITION_MAX, _swap_in, clean_tags, clean_text, slugify
from .image_io import encode_png, read_image

PRINTS_DIR, TRIMS_DIR = "prints", "trims"
#: Folder names inside a catalog root that are shelves, never fabric ids.
SHELVES = (PRINTS_DIR, TRIMS_DIR)
TRIM_KINDS = ("rib", "binding", "button", "zip", "elastic", "tape", "cord", "label", "other")
SOLD_BY = ("length", "piece")
#: Trim property → (lowest, highest) allowed, in the unit its suffix names.
TRIM_PROPERTIES = {"width_m": (0.001, 1.0), "diameter_m": (0.002, 0.1), "thickness_m": (1e-4, 0.02),
                   "length_m": (0.005, 5.0), "stretch_percent": (0.0, 300.0), "holes": (0, 8),
                   "weight_gsm": (5.0, 3000.0)}


def _read_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise FileFormatError(f"not valid JSON: {why}", path=path) from None
    if not isinstance(doc, dict):
        raise FileFormatError("expected a JSON object", path=path)
    return doc


class _Shelf:
    """Entries of one kind under ``root`` (written) and ``bundled`` (read-only), one folder each."""

    FILE = ""  # the record file that makes a folder an entry
    WHAT = ""  # "print" or "trim", for messages

    def __init__(self, root: Path, bundled: Path | None):
        self.root, self.bundled = Path(root), bundled

    def _roots(self) -> list[Path]:
        return [r for r in (self.bundled, self.root) if r is not None]

    def ids(self) -> list[str]:
        """Ids of every complete entry, bundled and the user's, sorted."""
        found = set()
        for r in self._roots():
            if r.is_dir():
                found |= {p.name for p in r.iterdir() if _ID.match(p.name) and (p / self.FILE).is_file()}
        return sorted(found)

    def is_bundled(self, entry_id: str) -> bool:
        return self.bundled is not None and (self.bundled / entry_id / self.FILE).is_file()

    def free_id(self, name: str) -> str:
        """``name``'s slug, or ``<slug>_2``, ``_3``… when a bundled entry already has it."""
        slug = candidate = slugify(name)
        n = 1
        while self.is_bundled(candidate):
            n += 1
            candidate = f"{slug[:60]}_{n}"
        return candidate

    def folder(self, entry_id: str) -> Path:
        """The entry's folder (the bundled one wins); an unknown id names the known ones."""
        valid = bool(_ID.match(entry_id or ""))
        found = [r / entry_id for r in self._roots() if valid and (r / entry_id / self.FILE).is_file()]
        if not found:
            shown = entry_id if len(str(entry_id)) <= 64 else f"{str(entry_id)[:64]}…"
            raise InvalidInputError(f"no {self.WHAT} '{shown}' in the catalog; known: {self.ids()}",
                                    field=f"{self.WHAT}_id")
        return found[0]

    def _target(self, entry_id: str, overwrite: bool) -> Path:
        """Where a new entry goes, after the catalog's rules (bundled never replaced, overwrite asked)."""
        if not _ID.match(entry_id):
            raise InvalidInputError(f"id {entry_id!r} must be lower-case letters, digits and '_'", field="id")
        if self.is_bundled(entry_id):
            raise InvalidInputError(f"'{entry_id}' is a bundled {self.WHAT} and is never replaced; save yours "
                                    f"under another name (e.g. '{self.free_id(entry_id)}')", field="name")
        target = self.root / entry_id
        if target.exists() or target.is_symlink():
            if not overwrite:
                raise InvalidInputError(f"{self.WHAT} '{entry_id}' already exists in the catalog; tick overwrite "
                                        f"to replace it, or choose another name", field="name")
            if target.is_symlink() or not (target / self.FILE).is_file():
                raise InvalidInputError(f"'{entry_id}' in the catalog folder is not a {self.WHAT} entry, so it is "
                                        f"never replaced; choose another name", field="name")
        return target

    def _write(self, target: Path, files: dict[str, bytes]) -> None:
        """Write ``files`` into a temporary sibling folder, then swap it in as ``target``."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=self.root))
        try:
            os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700; entries are ordinary folders others may read
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            _swap_in(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


# --- prints --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintEntry:
    """One print's record as stored in ``print.json`` (the artwork is loaded on demand)."""

    id: str
    name: str
    repeat_size_m: tuple[float, float]  # [m] width, height one copy of the artwork covers on the cloth
    tags: tuple[str, ...]
    folder: Path
    image_file: str = "print.png"
    source: str = ""

    @property
    def image_path(self) -> Path:
        return self.folder / self.image_file

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "repeat_size_m": list(self.repeat_size_m), "tags": list(self.tags),
                "image": self.image_file, "source": self.source}


def load_artwork(path: str | Path) -> np.ndarray:
    """A print's artwork as (h, w, 4) sRGB + alpha float32, downscaled to at most ``PRINT_MAX_SIDE`` px."""
    image = read_image(path, mode="RGBA")
    h, w = image.shape[:2]
    if max(h, w) > PRINT_MAX_SIDE:
        from PIL import Image

        scale = PRINT_MAX_SIDE / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = Image.fromarray(np.round(image * 255).astype(np.uint8), "RGBA").resize(size, Image.LANCZOS)
        image = np.asarray(small, np.float32) / 255.0
    return image


class PrintShelf(_Shelf):
    FILE, WHAT = "print.json", "print"

    def get(self, print_id: str) -> PrintEntry:
        folder = self.folder(print_id)
        path = folder / self.FILE
        doc = _read_json(path)
        try:
            size = tuple(float(v) for v in doc["repeat_size_m"])
            entry = PrintEntry(str(doc["id"]), str(doc["name"]), size, tuple(str(t) for t in doc.get("tags", [])),
                               folder, str(doc.get("image", "print.png")), str(doc.get("source", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise FileFormatError(f"malformed print record ({type(exc).__name__}: {exc})", path=path) from None
        if len(size) != 2 or not all(np.isfinite(size)) or min(size) <= 0:
            raise FileFormatError("repeat_size_m must be two positive lengths in metres", path=path)
        if "/" in entry.image_file or "\\" in entry.image_file or entry.image_file.startswith("."):
            raise FileFormatError("the image must be a file inside the print's folder", path=path)
        return entry

    def entries(self) -> list[PrintEntry]:
        return [self.get(i) for i in self.ids()]

    def artwork(self, print_id: str) -> np.ndarray:
        """The artwork of one print: (h, w, 4) float32."""
        return load_artwork(self.get(print_id).image_path)

    def layer(self, print_id: str, *, offset_m=(0.0, 0.0), rotation_deg: float = 0.0, width_m: float | None = None,
              repeat: bool = True, panels: tuple[str, ...] = ()) -> PrintLayer:
        """The print ready to place on a fabric: at its catalog repeat size unless ``width_m`` [m] is given."""
        entry = self.get(print_id)
        return PrintLayer(self.artwork(print_id), width_m or entry.repeat_size_m[0], np.asarray(offset_m, np.float32),
                          rotation_deg, repeat, tuple(panels), entry.id)

    def save(self, image: np.ndarray, name: str, repeat_width_m: float, *, tags=(), source: str = "",
             overwrite: bool = False) -> PrintEntry:
        """Add artwork ``image`` ((h, w, 3) or (h, w, 4), 0..1) whose one copy is ``repeat_width_m`` [m] wide."""
        name = clean_text(name, what="print name")
        tags = clean_tags(tags)
        source = clean_text(source, limit=COMPOSITION_MAX, field="source", what="source", required=False)
        img = np.asarray(image, np.float32)
        if img.ndim != 3 or img.shape[-1] not in (3, 4) or min(img.shape[:2]) < 8:
            raise InvalidInputError(f"artwork must be an (h, w, 3|4) image of at least 8 px a side, got "
                                    f"{img.shape}", field="image")
        if max(img.shape[:2]) > PRINT_MAX_SIDE:
            raise InvalidInputError(f"artwork is {img.shape[1]}×{img.shape[0]} px; keep it to {PRINT_MAX_SIDE} px "
                                    f"a side", field="image")
        if not (np.isfinite(repeat_width_m) and 0.001 <= repeat_width_m <= 10.0):
            raise InvalidInputError(f"the repeat width must be 0.1–1000 cm, got {repeat_width_m * 100:g} cm",
                                    field="repeat_width")
        entry_id = self.free_id(name)
        target = self._target(entry_id, overwrite)
        h, w = img.shape[:2]
        entry = PrintEntry(entry_id, name, (float(repeat_width_m), round(float(repeat_width_m) * h / w, 6)), tags,
                           target, "print.png", source)
        self._write(target, {"print.png": encode_png(np.clip(img, 0.0, 1.0)),
                             self.FILE: (json.dumps(entry.to_json(), indent=1) + "\n").encode()})
        return entry


# --- trims ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrimEntry:
    """A trim item: what it is, what it is made of, how it is sold, and a few physical properties (SI)."""

    id: str
    name: str
    kind: str  # one of TRIM_KINDS
    composition: str = ""
    colour_srgb: tuple[float, float, float] = (1.0, 1.0, 1.0)
    sold_by: str = "length"  # "length" (per metre) or "piece"
    properties: dict = field(default_factory=dict)  # TRIM_PROPERTIES keys, SI with unit suffixes
    tags: tuple[str, ...] = ()
    folder: Path = Path()
    source: str = ""

    def check(self) -> TrimEntry:
        """The entry with its text cleaned and every value checked (errors name the field)."""
        if self.kind not in TRIM_KINDS:
            raise InvalidInputError(f"kind must be one of {', '.join(TRIM_KINDS)}, got {self.kind!r}", field="kind")
        if self.sold_by not in SOLD_BY:
            raise InvalidInputError(f"sold by must be 'length' or 'piece', got {self.sold_by!r}", field="sold_by")
        colour = tuple(float(c) for c in self.colour_srgb)
        if len(colour) != 3 or not all(0.0 <= c <= 1.0 for c in colour):
            raise InvalidInputError(f"colour must be three sRGB values 0..1, got {self.colour_srgb!r}",
                                    field="colour_srgb")
        props = {}
        for key, value in dict(self.properties).items():
            if key not in TRIM_PROPERTIES:
                raise InvalidInputError(f"unknown trim property '{key}'; known: {', '.join(TRIM_PROPERTIES)}",
                                        field="properties")
            lo, hi = TRIM_PROPERTIES[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise InvalidInputError(f"{key} must be a number in [{lo}, {hi}], got {value!r}",
                                        field=f"properties.{key}")
            props[key] = value
        return TrimEntry(self.id, clean_text(self.name, what="trim name"), self.kind,
                         clean_text(self.composition, limit=COMPOSITION_MAX, field="composition", what="composition",
                                    required=False), colour, self.sold_by, props, clean_tags(self.tags), self.folder,
                         clean_text(self.source, limit=COMPOSITION_MAX, field="source", what="source", required=False))

    def describe(self) -> str:
        """One line in user words: ``Rib 1×1 (rib), cotton/elastane, width 5 cm, stretch 80 %, per metre``."""
        shown = {"_m": (100.0, " cm"), "_percent": (1.0, " %"), "_gsm": (1.0, " g/m²")}
        parts = []
        for key, value in self.properties.items():
            factor, unit = next(((f, u) for s, (f, u) in shown.items() if key.endswith(s)), (1.0, ""))
            word = key.rsplit("_", 1)[0] if unit else key
            parts.append(f"{word.replace('_', ' ')} {value * factor:g}{unit}")
        sold = "per metre" if self.sold_by == "length" else "per piece"
        return ", ".join([f"{self.name} ({self.kind})", *([self.composition] if self.composition else []), *parts,
                          sold])

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind, "composition": self.composition,
                "colour_srgb": list(self.colour_srgb), "sold_by": self.sold_by, "properties": dict(self.properties),
                "tags": list(self.tags), "source": self.source}


class TrimShelf(_Shelf):
    FILE, WHAT = "trim.json", "trim"

    def get(self, trim_id: str) -> TrimEntry:
        folder = self.folder(trim_id)
        path = folder / self.FILE
        doc = _read_json(path)
        try:
            entry = TrimEntry(str(doc["id"]), str(doc["name"]), str(doc["kind"]), str(doc.get("composition", "")),
                              tuple(doc.get("colour_srgb", (1.0, 1.0, 1.0))), str(doc.get("sold_by", "length")),
                              dict(doc.get("properties", {})), tuple(str(t) for t in doc.get("tags", [])), folder,
                              str(doc.get("source", ""))).check()
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidInputError):
                raise FileFormatError(f"bad trim record: {exc}", path=path) from None
            raise FileFormatError(f"malformed trim record ({type(exc).__name__}: {exc})", path=path) from None
        return entry

    def entries(self) -> list[TrimEntry]:
        return [self.get(i) for i in self.ids()]

    def save(self, entry: TrimEntry, *, overwrite: bool = False) -> TrimEntry:
        """Store ``entry`` under :meth:`free_id` of its name (its own ``id`` is ignored)."""
        checked = entry.check()
        entry_id = self.free_id(checked.name)
        target = self._target(entry_id, overwrite)
        stored = TrimEntry(**{**checked.__dict__, "id": entry_id, "folder": target})
        self._write(target, {self.FILE: (json.dumps(stored.to_json(), indent=1) + "\n").encode()})
        return stored
