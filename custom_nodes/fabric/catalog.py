"""A file-backed fabric catalog: one folder per fabric, holding PNG maps and ``fabric.json``.

Layout (``fabrics/`` at the repository root is the bundled catalog; the user's own fabrics, scans
included, live in the same layout under ``user_data_dir()/fabrics``)::

    fabrics/denim/fabric.json    name, composition, weight_gsm, tags, colourways, physical, tile_size_m…
    fabrics/denim/albedo.png     sRGB, one tile
    fabrics/denim/normal.png     tangent space, OpenGL green up
    fabrics/denim/height.png     16-bit grey, 0..1
    fabrics/denim/roughness.png  grey 0..1 (metallic is 0 for every textile and is not stored)
    fabrics/prints/…, fabrics/trims/…  the prints and trims shelves (catalog_items.py), same rules

``Catalog()`` lists the bundled fabrics and the user's together but writes only the user's folder:
the bundled ones are read-only, and a new fabric whose name matches a bundled id is stored under a
distinct id (``denim_2``), so nothing ever writes into the pack. An entry is written into a temporary
sibling folder and swapped into place only when complete: a reader never sees half a fabric, and a
replaced entry survives any failure before the swap. Names are cleaned and at most :data:`NAME_MAX`
characters (:func:`clean_text`). Nodes reach a catalog folder only through :func:`catalog_folder`,
which keeps it inside the user's catalog, output or models folders. Colourways are recoloured on
load: the albedo is shifted in CIELAB so its mean becomes the colourway's colour while every pixel
keeps its offset from the mean (the weave, the shading).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import FileFormatError, InvalidInputError
from ..core.fabric import Fabric
from ..core.paths import REPO_ROOT, comfy_models_directory, output_directory, resolve_within, user_data_dir
from ..core.progress import ProgressFn, report
from .color import delta_e00, lab_to_srgb, mean_colour, srgb_to_lab
from .image_io import read_image, write_png
from .maps import PBRMaps

PHYSICAL_FIELDS = ("area_density", "thickness", "stretch_warp", "stretch_weft", "stretch_bias", "bend_warp",
                   "bend_weft", "friction", "damping")
MAP_FILES = {"albedo": "albedo.png", "normal": "normal.png", "height": "height.png", "roughness": "roughness.png"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_SHELVES = ("prints", "trims")  # sub-folders holding the prints and trims shelves, never fabric ids
NAME_MAX = 60  # characters of a fabric's display name
COMPOSITION_MAX = 120
TAG_MAX, TAGS_MAX = 40, 20  # characters of one tag, number of tags


def default_catalog_dir() -> Path:
    """The catalog bundled with the repository (``<repo>/fabrics``); ``Catalog()`` only reads it."""
    return REPO_ROOT / "fabrics"


def user_catalog_dir() -> Path:
    """Where ``Catalog()`` saves new fabrics and scans: ``user_data_dir()/fabrics``, outside the pack."""
    return user_data_dir() / "fabrics"


def catalog_folder(text: str) -> Path | None:
    """A node's ``catalog_dir`` as a real folder, or None for the default catalog (empty text).

    A name is a folder inside the user's catalog (:func:`user_catalog_dir`); an absolute path must lie
    inside it, in the output folder or (in ComfyUI) the models folder, and never in the pack. Anything
    else is refused, so a shared workflow cannot point a save at any writable folder.
    """
    if not (text or "").strip():
        return None
    roots = [user_catalog_dir(), output_directory()]
    where = "your fabric catalog folder or Atelier's output folder"
    comfy_models = comfy_models_directory()
    if comfy_models is not None:
        roots.append(comfy_models)
        where = "your Atelier fabric catalog folder, or ComfyUI's output or models folder"
    folder = resolve_within(text, user_catalog_dir(), roots, where, field="catalog_dir", what="catalog folder")
    if folder == REPO_ROOT.resolve() or REPO_ROOT.resolve() in folder.parents:
        raise InvalidInputError("the catalog folder cannot be inside the Atelier pack, which is never written to",
                                field="catalog_dir")
    return None if folder == user_catalog_dir().resolve() else folder


def clean_text(text: str, *, limit: int = NAME_MAX, field: str = "name", what: str = "fabric name",
               required: bool = True) -> str:
    """``text`` as stored: line breaks and tabs become spaces, control and invisible characters are
    dropped, path separators become '-', runs of spaces one space. Longer than ``limit`` characters
    (or empty, when ``required``) is an :class:`InvalidInputError`."""
    if not isinstance(text, str):
        raise InvalidInputError(f"the {what} must be text", field=field)
    out = " ".join(text.split())
    out = "".join(ch for ch in out if not unicodedata.category(ch).startswith("C"))
    out = " ".join(re.sub(r"[/\\]+", "-", out).split())
    if required and not out:
        raise InvalidInputError(f"the {what} is empty; give it a few letters or digits", field=field)
    if len(out) > limit:
        raise InvalidInputError(f"the {what} is {len(out)} characters long; keep it to {limit} or fewer",
                                field=field)
    return out


def clean_tags(tags) -> tuple[str, ...]:
    """Tags cleaned like names (at most :data:`TAGS_MAX`, each at most :data:`TAG_MAX` characters)."""
    cleaned = [clean_text(t, limit=TAG_MAX, field="tags", what="tag", required=False) for t in tags]
    cleaned = list(dict.fromkeys(t for t in cleaned if t))
    if len(cleaned) > TAGS_MAX:
        raise InvalidInputError(f"{len(cleaned)} tags; keep it to {TAGS_MAX} or fewer", field="tags")
    return tuple(cleaned)


def slugify(name: str) -> str:
    """``"Silk Charmeuse #2"`` → ``"silk_charmeuse_2"`` (a safe folder name)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:64]
    if not slug:
        raise InvalidInputError(f"the name {name[:NAME_MAX]!r} has no letters a-z or digits to make the catalog "
                                f"id (its folder name) from; add some", field="name")
    return slug


def recolour(albedo: np.ndarray, target_rgb) -> np.ndarray:
    """Shift ``albedo`` ``(h, w, 3)`` in Lab so its mean colour becomes ``target_rgb`` (sRGB 0..1).

    L*, a* and b* are moved by the same offset everywhere, so lightness detail (yarns, shading) is
    kept exactly until the gamut clips it; if the target is so dark or light that detail would clip,
    the lightness detail is compressed rather than cut.
    """
    target = np.asarray(target_rgb, np.float32).reshape(3)
    if not np.isfinite(target).all() or target.min() < 0 or target.max() > 1:
        raise InvalidInputError(f"sRGB components must lie in [0, 1], got {target.tolist()}", field="colour")
    lab = srgb_to_lab(np.asarray(albedo, np.float32))
    goal = srgb_to_lab(target)
    mean = lab.reshape(-1, 3).mean(axis=0)
    detail = lab - mean
    lo, hi = float(np.percentile(detail[..., 0], 1)), float(np.percentile(detail[..., 0], 99))
    room = min(1.0, (goal[0] - 1.0) / max(-lo, 1e-6), (99.0 - goal[0]) / max(hi, 1e-6))
    detail[..., 0] *= max(room, 0.2)
    out = lab_to_srgb(detail + goal)
    # one correction step: gamut clipping and the non-linear mean move the mean a little
    fix = goal - srgb_to_lab(mean_colour(out))
    return lab_to_srgb(detail + goal + fix)


@dataclass(frozen=True)
class CatalogEntry:
    """One fabric's record as stored in ``fabric.json`` (maps are loaded on demand)."""

    id: str
    name: str
    composition: str
    weight_gsm: float
    tags: tuple[str, ...]
    colourways: tuple[tuple[str, tuple[float, float, float]], ...]  # (name, sRGB 0..1)
    physical: dict  # PHYSICAL_FIELDS in SI + weight_gsm
    tile_size: tuple[float, float]  # [m]
    roughness: float
    folder: Path
    source: str = ""

    def colour(self, colourway: str | None = None) -> tuple[str, tuple[float, float, float]]:
        """(name, sRGB) of a colourway by name (case-insensitive); None → the first (the maps' own)."""
        if not colourway:
            return self.colourways[0]
        for name, rgb in self.colourways:
            if name.lower() == colourway.strip().lower():
                return name, rgb
        raise InvalidInputError(f"fabric '{self.id}' has no colourway {colourway!r}; it has "
                                f"{[n for n, _ in self.colourways]}", field="colourway")

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "composition": self.composition, "weight_gsm": self.weight_gsm,
                "tags": list(self.tags), "colourways": [{"name": n, "srgb": list(c)} for n, c in self.colourways],
                "physical": dict(self.physical), "tile_size_m": list(self.tile_size), "roughness": self.roughness,
                "metallic": 0.0, "maps": dict(MAP_FILES), "normal_convention": "opengl", "source": self.source}


def _entry_from_json(doc: dict, folder: Path) -> CatalogEntry:
    path = folder / "fabric.json"
    try:
        phys = {k: float(doc["physical"][k]) for k in PHYSICAL_FIELDS}
        phys["weight_gsm"] = float(doc["physical"].get("weight_gsm", doc["weight_gsm"]))
        ways = tuple((str(c["name"]), tuple(float(v) for v in c["srgb"])) for c in doc["colourways"])
        entry = CatalogEntry(str(doc["id"]), str(doc["name"]), str(doc.get("composition", "")),
                             float(doc["weight_gsm"]), tuple(str(t) for t in doc.get("tags", [])), ways, phys,
                             tuple(float(v) for v in doc["tile_size_m"]), float(doc.get("roughness", 0.8)),
                             folder, str(doc.get("source", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise FileFormatError(f"malformed fabric record ({type(exc).__name__}: {exc})", path=path) from None
    if not entry.colourways or len(entry.tile_size) != 2:
        raise FileFormatError("needs at least one colourway and a 2-value tile_size_m", path=path)
    return entry


class Catalog:
    """The fabrics under ``root`` (one sub-folder each). Reads are lazy; writes are atomic.

    ``Catalog()``: the user's catalog (:func:`user_catalog_dir`, where writes go) listed together with
    the read-only bundled one (:func:`default_catalog_dir`, which wins when both hold an id).
    ``Catalog(folder)``: that one folder, read and written.
    """

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else user_catalog_dir()
        self.bundled = None if root else default_catalog_dir()

    def _roots(self) -> list[Path]:
        return [r for r in (self.bundled, self.root) if r is not None]

    def _ids_in(self, root: Path) -> set[str]:
        if not root.is_dir():
            return set()
        return {p.name for p in root.iterdir()
                if (p / "fabric.json").is_file() and _ID.match(p.name) and p.name not in _SHELVES}

    def ids(self) -> list[str]:
        """Ids of every complete entry (a folder with a ``fabric.json``), bundled and the user's, sorted."""
        return sorted(set().union(*(self._ids_in(r) for r in self._roots())))

    def is_bundled(self, fabric_id: str) -> bool:
        """Whether ``fabric_id`` is one of the read-only bundled fabrics of this catalog."""
        return self.bundled is not None and (self.bundled / fabric_id / "fabric.json").is_file()

    def free_id(self, name: str) -> str:
        """The id a new entry called ``name`` is saved under: its slug, or ``<slug>_2``, ``_3``… when
        a bundled fabric already has that id (a bundled fabric is never replaced)."""
        slug = candidate = slugify(name)
        n = 1
        while self.is_bundled(candidate) or candidate in _SHELVES:
            n += 1
            candidate = f"{slug[:60]}_{n}"
        return candidate

    @property
    def prints(self):
        """The prints shelf (:class:`~.catalog_items.PrintShelf`): ``root/prints`` with the bundled one."""
        from .catalog_items import PrintShelf

        return PrintShelf(self.root / "prints", self.bundled / "prints" if self.bundled else None)

    @property
    def trims(self):
        """The trims shelf (:class:`~.catalog_items.TrimShelf`): ``root/trims`` with the bundled one."""
        from .catalog_items import TrimShelf

        return TrimShelf(self.root / "trims", self.bundled / "trims" if self.bundled else None)

    def get(self, fabric_id: str) -> CatalogEntry:
        valid = bool(_ID.match(fabric_id or "")) and fabric_id not in _SHELVES
        found = [r / fabric_id for r in self._roots() if valid and (r / fabric_id / "fabric.json").is_file()]
        if not found:
            shown = fabric_id if len(str(fabric_id)) <= 64 else f"{str(fabric_id)[:64]}…"
            raise InvalidInputError(f"no fabric '{shown}' in the catalog; known: {self.ids()}", field="fabric_id")
        folder = found[0]
        try:
            doc = json.loads((folder / "fabric.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise FileFormatError(f"not valid JSON: {why}", path=folder / "fabric.json") from None
        return _entry_from_json(doc, folder)

    def entries(self) -> list[CatalogEntry]:
        return [self.get(i) for i in self.ids()]

    def search(self, text: str = "", tags: tuple[str, ...] | list[str] = ()) -> list[CatalogEntry]:
        """Entries whose id, name, composition or tags contain every word of ``text`` (case-insensitive)
        and that carry every tag in ``tags``."""
        words = text.lower().split()
        wanted = {t.lower() for t in tags}
        hits = []
        for e in self.entries():
            hay = " ".join([e.id, e.name, e.composition, *e.tags]).lower()
            if all(w in hay for w in words) and wanted <= {t.lower() for t in e.tags}:
                hits.append(e)
        return hits

    def load_maps(self, fabric_id: str) -> PBRMaps:
        """The stored maps of one entry as :class:`PBRMaps` (metallic zeros)."""
        folder = self.get(fabric_id).folder
        albedo = read_image(folder / MAP_FILES["albedo"])
        normal = read_image(folder / MAP_FILES["normal"])
        height = read_image(folder / MAP_FILES["height"], mode="I;16")
        rough = read_image(folder / MAP_FILES["roughness"], mode="L")
        if not (albedo.shape[:2] == normal.shape[:2] == height.shape == rough.shape):
            raise FileFormatError("maps differ in size", path=folder)
        return PBRMaps(albedo, height, normal, rough, np.zeros(height.shape, np.float32))

    def fabric(self, fabric_id: str, colourway: str | None = None) -> Fabric:
        """A core :class:`Fabric` with the entry's physical preset and its maps in ``colourway``."""
        entry = self.get(fabric_id)
        way, rgb = entry.colour(colourway)
        maps = self.load_maps(fabric_id)
        albedo = maps.albedo if way == entry.colourways[0][0] else recolour(maps.albedo, rgb)
        phys = {k: entry.physical[k] for k in PHYSICAL_FIELDS}
        meta = {"preset": entry.id, "composition": entry.composition, "weight_gsm": entry.weight_gsm,
                "tags": list(entry.tags), "colourway": way, "source": entry.source, "catalog": str(entry.folder)}
        return Fabric(entry.name, **phys, color=np.asarray(rgb, np.float32), roughness=entry.roughness,
                      albedo=albedo, normal_map=maps.normal, roughness_map=maps.roughness,
                      tile_size=np.asarray(entry.tile_size, np.float32), metadata=meta)

    def save(self, entry: CatalogEntry, maps: PBRMaps, *, overwrite: bool = False) -> CatalogEntry:
        """Write ``entry`` and its maps as ``root/<entry.id>/`` atomically; returns the stored entry.

        An existing entry is replaced only with ``overwrite``, and only once the new one is complete:
        on any failure the old one is left as it was.
        """
        if not _ID.match(entry.id):
            raise InvalidInputError(f"id {entry.id!r} must be lower-case letters, digits and '_'", field="id")
        if entry.id in _SHELVES:
            raise InvalidInputError(f"'{entry.id}' is the catalog's {entry.id} shelf, not a fabric id; choose "
                                    f"another name (e.g. '{self.free_id(entry.id)}')", field="name")
        if maps.green != "opengl":
            raise InvalidInputError("catalog normal maps are stored OpenGL green-up", field="green")
        if self.is_bundled(entry.id):
            raise InvalidInputError(f"'{entry.id}' is a bundled fabric and is never replaced; save yours under "
                                    f"another name (e.g. '{self.free_id(entry.id)}')", field="name")
        name = clean_text(entry.name)
        target = self.root / entry.id
        if target.exists() or target.is_symlink():
            if not overwrite:
                raise InvalidInputError(f"fabric '{entry.id}' already exists in the catalog; tick overwrite to "
                                        f"replace it, or choose another name", field="name")
            if target.is_symlink() or not (target / "fabric.json").is_file():
                raise InvalidInputError(f"'{entry.id}' in the catalog folder is not a fabric entry, so it is "
                                        f"never replaced; choose another name", field="name")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.id}.", dir=self.root))
        try:
            write_png(maps.albedo, tmp / MAP_FILES["albedo"])
            write_png(maps.normal, tmp / MAP_FILES["normal"])
            write_png(maps.height, tmp / MAP_FILES["height"], bits=16)
            write_png(maps.roughness, tmp / MAP_FILES["roughness"])
            stored = CatalogEntry(**{**entry.__dict__, "name": name, "folder": target})
            (tmp / "fabric.json").write_text(json.dumps(stored.to_json(), indent=1, allow_nan=False) + "\n")
            _swap_in(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return stored

    def import_scan(self, maps: PBRMaps, name: str, *, preset: str, composition: str = "",
                    tags: tuple[str, ...] = (), tile_size: float = 0.1, weight_gsm: float | None = None,
                    overwrite: bool = False, on_progress: ProgressFn | None = None) -> CatalogEntry:
        """Add a scanned tile: physical values from the bundled preset ``preset`` (weight overridable),
        colourway = the scan's mean colour. ``tile_size`` [m] is the scan's physical side. The id is
        :meth:`free_id` of ``name``: a scan named like a bundled fabric gets its own id."""
        from .presets import PRESETS

        name = clean_text(name)
        composition = clean_text(composition, limit=COMPOSITION_MAX, field="composition", what="composition",
                                 required=False)
        tags = clean_tags(tags)
        if preset not in PRESETS:
            raise InvalidInputError(f"unknown preset {preset!r}; one of {list(PRESETS)}", field="preset")
        if not (np.isfinite(tile_size) and 1e-3 <= tile_size <= 10.0):
            raise InvalidInputError(f"must lie in [0.001, 10] m, got {tile_size}", field="tile_size")
        report(on_progress, 0, 1)
        phys = dict(PRESETS[preset]["physical"])
        if weight_gsm is not None:
            if not 5.0 <= weight_gsm <= 3000.0:
                raise InvalidInputError(f"must lie in [5, 3000] g/m², got {weight_gsm}", field="weight_gsm")
            phys.update(weight_gsm=float(weight_gsm), area_density=float(weight_gsm) / 1000.0)
        rgb = tuple(round(float(v), 4) for v in mean_colour(maps.albedo))
        fabric_id = self.free_id(name)
        entry = CatalogEntry(fabric_id, name, composition, phys["weight_gsm"],
                             tuple(dict.fromkeys(["scan", *tags])), (("scanned", rgb),), phys,
                             (float(tile_size), float(tile_size)), float(np.mean(maps.roughness)),
                             self.root / fabric_id, f"scan, physical preset '{preset}'")
        stored = self.save(entry, maps, overwrite=overwrite)
        report(on_progress, 1, 1)
        return stored


def _swap_in(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` to ``target``. An old ``target`` is first renamed to a backup
    beside it, restored if the new one cannot be moved in, and deleted only after the swap."""
    if not target.exists():
        os.replace(tmp, target)
        return
    backup = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    os.replace(target, backup)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def colour_error(albedo: np.ndarray, rgb) -> float:
    """CIEDE2000 between an albedo's mean colour and ``rgb`` (how well a recolour hit its target)."""
    return float(delta_e00(srgb_to_lab(mean_colour(albedo)), srgb_to_lab(np.asarray(rgb, np.float32))))


def parse_colour(text: str) -> tuple[float, float, float]:
    """``"#7a2e3b"`` or ``"0.48, 0.18, 0.23"`` (sRGB) → sRGB floats 0..1."""
    t = (text or "").strip()
    try:
        if t.startswith("#") and len(t) == 7:
            return tuple(int(t[i:i + 2], 16) / 255.0 for i in (1, 3, 5))
        vals = tuple(float(v) for v in t.split(","))
    except ValueError:
        vals = ()
    if len(vals) != 3 or not all(0.0 <= v <= 1.0 for v in vals):
        raise InvalidInputError(f"cannot read a colour from {text!r}; write '#rrggbb' or 'r, g, b' in 0..1",
                                field="colour")
    return vals


def recolour_fabric(fabric: Fabric, rgb, colourway: str = "custom") -> Fabric:
    """A copy of ``fabric`` in another colour: albedo recoloured (texture kept), ``color`` set."""
    import dataclasses

    albedo = None if fabric.albedo is None else recolour(fabric.albedo, rgb)
    meta = {**fabric.metadata, "colourway": colourway}
    return dataclasses.replace(fabric, albedo=albedo, color=np.asarray(rgb, np.float32), metadata=meta)


def import_image(catalog: Catalog, albedo: np.ndarray, name: str, *, preset: str, strength: float = 4.0,
                 roughness_base: float = 0.8, **kwargs) -> CatalogEntry:
    """Make the PBR maps of a tileable ``albedo`` and add them to ``catalog`` (see ``import_scan``)."""
    from .maps import make_pbr_maps

    maps = make_pbr_maps(albedo, strength=strength, roughness_base=roughness_base)
    return catalog.import_scan(maps, name, preset=preset, **kwargs)
