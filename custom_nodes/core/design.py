"""A design: everything a team needs to remake a garment, as one versioned JSON document.

A :class:`Design` holds the pattern (a built-in template with its settings, or an imported pattern file
named by its content hash), the body (a size of the shared size table, measurement overrides, or an
imported avatar file), the look of every panel (catalog fabric, colourway or dye colour, a print with its
placement in pattern space), trims (catalog items), the drape settings, notes, a season and tags, and
media (renders, GLBs) by content hash. It is pure data: storage, versions and diffs live in
``custom_nodes/design`` (re-exported as ``studio.designs``); the files behind the hashes live in its media
folder.

**The unit rule.** Inside, Atelier is SI. Every figure in the document carries its unit in its field
name: ``_m`` metres, ``_deg`` degrees, ``_s`` seconds, ``_m_per_s`` metres per second, ``_per_s`` per
second, ``_percent`` percent, ``_srgb`` sRGB components 0..1. A number without such a suffix is a pure
count or factor (``max_frames``, ``quantity``, ``relaxation``), never a length. Template and drape settings are stored with the
same rule (the widget's ``chest_ease`` in cm is ``chest_ease_m`` here); :meth:`Design.template_settings`
and :meth:`Design.drape_settings` convert back to the config dataclasses the engines take.

**The JSON form** (:meth:`Design.to_json`) starts with ``"schema": SCHEMA``. :meth:`Design.from_json`
reads any older schema by running the upgrade functions in :data:`UPGRADES` in order, refuses newer ones,
and checks every value, naming the field (``body.measurements_m.chest_girth``) and the problem in user
words (:class:`~.errors.InvalidInputError`).

This module reads two dependency-free config modules of other domains (``pattern.params`` and
``cloth_sim.config``) on purpose: the document is where their settings meet, and deriving its fields from
them keeps the node widgets, the studio form and saved designs from drifting apart.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..cloth_sim.config import DrapeSettings
from ..pattern.params import GARMENTS, TemplateSettings
from .errors import FileFormatError, InvalidInputError
from .measurements import SIZES, check_measurements, size_measurements
from .units import CM

SCHEMA = 1  # the schema this Atelier writes; older ones are upgraded on load by UPGRADES
#: ``UPGRADES[n]`` turns a schema-``n`` document (a dict) into a schema-``n + 1`` one.
UPGRADES: dict[int, Callable[[dict], dict]] = {}

MEDIA_KINDS = ("render", "glb", "pattern", "avatar", "print", "other")
SIZE_COLUMNS = ("female", "male")
NAME_MAX, NOTES_MAX, TAG_MAX, TAGS_MAX = 120, 20_000, 40, 30
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CATALOG_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_PANEL = re.compile(r"^[A-Za-z0-9_.\- ]{1,64}$")

# widget unit → (suffix of the document key, metres-or-SI per widget unit)
_UNIT_KEYS = {"cm": ("_m", CM), "cm/s": ("_m_per_s", CM), "1/s": ("_per_s", 1.0), "s": ("_s", 1.0),
              "%": ("_percent", 1.0), "": ("", 1.0)}


# --- small checks ---------------------------------------------------------------------------------


def _fail(message: str, where: str) -> InvalidInputError:
    return InvalidInputError(message, field=where)


def label(key: str) -> str:
    """A document key in user words: ``chest_ease_m`` → ``chest ease``."""
    for suffix in ("_m_per_s", "_per_s", "_percent", "_srgb", "_deg", "_m", "_s"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key.replace("_", " ")


def _number(value: Any, where: str, *, lo: float | None = None, hi: float | None = None, unit: str = "",
            scale: float = 1.0, integer: bool = False) -> float:
    """A finite number (``integer``: a whole one) in [lo, hi]; messages show it in ``unit`` (value/scale)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"{label(where.split('.')[-1])} must be a number, got {value!r}", where)
    v = float(value)
    if not math.isfinite(v):
        raise _fail(f"{label(where.split('.')[-1])} must be a finite number, got {value!r}", where)
    if integer and v != int(v):
        raise _fail(f"{label(where.split('.')[-1])} must be a whole number, got {value!r}", where)
    shown = f" {unit}" if unit else ""
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        span = f"{lo / scale:g}–{hi / scale:g}{shown}" if lo is not None and hi is not None else \
            (f"at least {lo / scale:g}{shown}" if lo is not None else f"at most {hi / scale:g}{shown}")
        raise _fail(f"{label(where.split('.')[-1])} must be {span}, got {v / scale:g}{shown}", where)
    return int(v) if integer else v


def _text(value: Any, where: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise _fail(f"{label(where.split('.')[-1])} must be text, got {type(value).__name__}", where)
    out = value.strip()
    if required and not out:
        raise _fail(f"{label(where.split('.')[-1])} must not be empty", where)
    if len(out) > limit:
        raise _fail(f"{label(where.split('.')[-1])} is {len(out)} characters long; keep it to {limit} or fewer",
                    where)
    if any(ord(c) < 32 and c not in "\n\t" for c in out):
        raise _fail(f"{label(where.split('.')[-1])} contains control characters", where)
    return out


def _catalog_id(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not _CATALOG_ID.match(value):
        raise _fail(f"{value!r} is not a {what} id (lower-case letters, digits and '_', at most 64)", where)
    return value


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(f"expected a group of named values, got {type(value).__name__}", where)
    return value


def _keys(data: dict, where: str, allowed: set[str], required: set[str] = frozenset()) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; expected "
                    f"{', '.join(sorted(allowed))}", where)
    missing = sorted(required - set(data))
    if missing:
        raise _fail(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}", where)


# --- config dataclasses <-> SI document keys -------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    name: str  # the config field (widget units)
    key: str  # the document key (SI, unit suffix)
    factor: float  # SI per widget unit
    unit: str  # the widget unit, for messages
    meta: dict
    default: Any


def _config_keys(cls) -> tuple[_Key, ...]:
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata["atelier"]
        suffix, factor = _UNIT_KEYS[meta["unit"]]
        out.append(_Key(f.name, f.name + suffix, factor, meta["unit"], meta, f.default))
    return tuple(out)


def _settings_to_doc(settings) -> dict[str, Any]:
    out = {}
    for k in _config_keys(type(settings)):
        v = getattr(settings, k.name)
        out[k.key] = round(v * k.factor, 9) if isinstance(v, float) else v
    return out


def _doc_to_settings(cls, data: Any, where: str):
    """The config dataclass from its SI document form; missing keys take the defaults."""
    data = _mapping(data, where)
    keys = {k.key: k for k in _config_keys(cls)}
    _keys(data, where, set(keys))
    kwargs = {}
    for key, value in data.items():
        k, at = keys[key], f"{where}.{key}"
        if k.meta["choices"]:
            if value not in k.meta["choices"]:
                raise _fail(f"{label(key)} must be one of {', '.join(k.meta['choices'])}, got {value!r}", at)
            kwargs[k.name] = value
        elif isinstance(k.default, bool):
            if not isinstance(value, bool):
                raise _fail(f"{label(key)} must be true or false, got {value!r}", at)
            kwargs[k.name] = value
        else:
            lo, hi = k.meta["lo"], k.meta["hi"]
            v = _number(value, at, lo=None if lo is None else lo * k.factor, hi=None if hi is None else hi * k.factor,
                        unit=k.unit, scale=k.factor, integer=isinstance(k.default, int))
            kwargs[k.name] = v if isinstance(k.default, int) else round(v / k.factor, 9)
    return cls(**kwargs)


# --- parts of a design -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRef:
    """A file kept in the designs media folder, named by the SHA-256 of its bytes."""

    sha256: str  # 64 lower-case hex digits
    name: str  # the file's original name, kept for exports ("front.png")
    kind: str = "other"  # one of MEDIA_KINDS

    def check(self, where: str) -> MediaRef:
        if not isinstance(self.sha256, str) or not _SHA256.match(self.sha256):
            raise _fail("is not a content hash (64 lower-case hex digits, SHA-256)", f"{where}.sha256")
        name = _text(self.name, f"{where}.name", 200, required=True)
        if "/" in name or "\\" in name or name in (".", ".."):
            raise _fail(f"{name!r} must be a plain file name, without folders", f"{where}.name")
        if self.kind not in MEDIA_KINDS:
            raise _fail(f"kind must be one of {', '.join(MEDIA_KINDS)}, got {self.kind!r}", f"{where}.kind")
        return dataclasses.replace(self, name=name)

    def to_dict(self) -> dict:
        return {"sha256": self.sha256, "name": self.name, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Any, where: str, kind: str | None = None) -> MediaRef:
        data = _mapping(data, where)
        _keys(data, where, {"sha256", "name", "kind"}, {"sha256", "name"})
        return cls(data["sha256"], data["name"], data.get("kind", kind or "other")).check(where)


@dataclass(frozen=True)
class PatternSource:
    """A built-in template with its settings, or an imported pattern file (SVG, DXF, JSON) by hash."""

    template: TemplateSettings | None = field(default_factory=TemplateSettings)  # None for a file
    file: MediaRef | None = None  # the imported pattern file
    garment: str = ""  # what a file pattern is ("shirt", "coat"…); a template's is its own garment

    def __post_init__(self):
        if (self.template is None) == (self.file is None):
            raise _fail("give either a template or a pattern file, not both or neither", "pattern")
        if self.template is not None:
            if not isinstance(self.template, TemplateSettings):
                raise _fail("expected template settings", "pattern.template")
            checked = _doc_to_settings(TemplateSettings, _settings_to_doc(self.template), "pattern.template")
            object.__setattr__(self, "template", checked)
        if self.file is not None:
            object.__setattr__(self, "file", dataclasses.replace(self.file, kind="pattern").check("pattern.file"))
            if self.file.name.rsplit(".", 1)[-1].lower() not in ("svg", "dxf", "json"):
                raise _fail(f"{self.file.name!r} is not a pattern file (.svg, .dxf or .json)", "pattern.file.name")
        object.__setattr__(self, "garment", _text(self.garment, "pattern.garment", TAG_MAX).lower())

    @property
    def garment_kind(self) -> str:
        return self.template.garment if self.template is not None else self.garment

    def to_dict(self) -> dict:
        if self.template is not None:
            return {"source": "template", "template": _settings_to_doc(self.template)}
        return {"source": "file", "file": self.file.to_dict(), "garment": self.garment}

    @classmethod
    def from_dict(cls, data: Any) -> PatternSource:
        data = _mapping(data, "pattern")
        source = data.get("source")
        if source == "template":
            _keys(data, "pattern", {"source", "template"})
            return cls(_doc_to_settings(TemplateSettings, data.get("template", {}), "pattern.template"))
        if source == "file":
            _keys(data, "pattern", {"source", "file", "garment"}, {"file"})
            return cls(None, MediaRef.from_dict(data["file"], "pattern.file", "pattern"), data.get("garment", ""))
        raise _fail(f"source must be 'template' or 'file', got {source!r}", "pattern.source")


@dataclass(frozen=True)
class Body:
    """Who the garment is for: a size of the shared table, measurement overrides, or an avatar file."""

    size: str = "M"  # one of core.measurements.SIZES
    size_column: str = "female"  # which column of the size table
    measurements_m: dict[str, float] = field(default_factory=dict)  # [m] overrides by ISO 8559-1 name
    avatar: MediaRef | None = None  # an imported body mesh (GLB/OBJ/PLY) instead of a measured one

    def __post_init__(self):
        if self.size not in SIZES:
            raise _fail(f"size must be one of {', '.join(SIZES)}, got {self.size!r}", "body.size")
        if self.size_column not in SIZE_COLUMNS:
            raise _fail(f"size column must be female or male, got {self.size_column!r}", "body.size_column")
        values = {}
        for name, value in _mapping(self.measurements_m, "body.measurements_m").items():
            where = f"body.measurements_m.{name}"
            values[name] = _number(value, where)
            try:
                check_measurements({name: values[name]})
            except InvalidInputError as exc:
                raise _fail(str(exc).split(": ", 1)[-1], where) from None
        object.__setattr__(self, "measurements_m", dict(sorted(values.items())))
        if self.avatar is not None:
            object.__setattr__(self, "avatar", dataclasses.replace(self.avatar, kind="avatar").check("body.avatar"))

    def measurements(self) -> dict[str, float]:
        """Every measurement [m]: the size's row with the overrides on top."""
        return {**size_measurements(self.size, self.size_column), **self.measurements_m}

    def to_dict(self) -> dict:
        return {"size": self.size, "size_column": self.size_column, "measurements_m": dict(self.measurements_m),
                "avatar": self.avatar.to_dict() if self.avatar else None}

    @classmethod
    def from_dict(cls, data: Any) -> Body:
        data = _mapping(data, "body")
        _keys(data, "body", {"size", "size_column", "measurements_m", "avatar"})
        avatar = data.get("avatar")
        return cls(data.get("size", "M"), data.get("size_column", "female"), data.get("measurements_m", {}),
                   None if avatar is None else MediaRef.from_dict(avatar, "body.avatar", "avatar"))


@dataclass(frozen=True)
class Print:
    """Artwork printed on a panel, placed in the panel's own 2D pattern frame."""

    image: MediaRef  # the artwork (PNG/JPEG)
    offset_m: tuple[float, float] = (0.0, 0.0)  # [m] artwork centre from the panel origin, pattern axes
    width_m: float = 0.2  # [m] printed width of the artwork (or of one repeat): the print's scale
    rotation_deg: float = 0.0  # [deg] counter-clockwise from the panel's x axis
    repeat: bool = False  # tile the artwork over the whole panel

    def check(self, where: str) -> Print:
        offset = self.offset_m
        if not isinstance(offset, (list, tuple)) or len(offset) != 2:
            raise _fail(f"offset must be two numbers (x, y in metres), got {offset!r}", f"{where}.offset_m")
        offset = tuple(_number(v, f"{where}.offset_m", lo=-5.0, hi=5.0, unit="cm", scale=CM) for v in offset)
        if not isinstance(self.repeat, bool):
            raise _fail(f"repeat must be true or false, got {self.repeat!r}", f"{where}.repeat")
        return Print(dataclasses.replace(self.image, kind="print").check(f"{where}.image"), offset,
                     _number(self.width_m, f"{where}.width_m", lo=0.005, hi=5.0, unit="cm", scale=CM),
                     _number(self.rotation_deg, f"{where}.rotation_deg", lo=-360.0, hi=360.0, unit="°"),
                     self.repeat)

    def to_dict(self) -> dict:
        return {"image": self.image.to_dict(), "offset_m": list(self.offset_m), "width_m": self.width_m,
                "rotation_deg": self.rotation_deg, "repeat": self.repeat}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Print:
        data = _mapping(data, where)
        _keys(data, where, {"image", "offset_m", "width_m", "rotation_deg", "repeat"}, {"image"})
        return cls(MediaRef.from_dict(data["image"], f"{where}.image", "print"), data.get("offset_m", (0.0, 0.0)),
                   data.get("width_m", 0.2), data.get("rotation_deg", 0.0), data.get("repeat", False)).check(where)


@dataclass(frozen=True)
class Look:
    """What one panel (or, as the design's main look, every other panel) is cut from and printed with."""

    fabric_id: str = "cotton_jersey"  # fabric catalog id
    colourway: str = ""  # one of the fabric's colourways; "" = its first
    colour_srgb: tuple[float, float, float] | None = None  # a dye colour instead of a colourway, 0..1
    print: Print | None = None

    def check(self, where: str) -> Look:
        fabric = _catalog_id(self.fabric_id, f"{where}.fabric_id", "fabric")
        colourway = _text(self.colourway, f"{where}.colourway", 60)
        colour = self.colour_srgb
        if colour is not None:
            if not isinstance(colour, (list, tuple)) or len(colour) != 3:
                raise _fail(f"colour must be three numbers (sRGB 0..1), got {colour!r}", f"{where}.colour_srgb")
            colour = tuple(_number(c, f"{where}.colour_srgb", lo=0.0, hi=1.0) for c in colour)
            if colourway:
                raise _fail("give a colourway or a dye colour, not both", f"{where}.colour_srgb")
        printed = None if self.print is None else self.print.check(f"{where}.print")
        return Look(fabric, colourway, colour, printed)

    def to_dict(self) -> dict:
        return {"fabric_id": self.fabric_id, "colourway": self.colourway,
                "colour_srgb": list(self.colour_srgb) if self.colour_srgb is not None else None,
                "print": self.print.to_dict() if self.print else None}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Look:
        data = _mapping(data, where)
        _keys(data, where, {"fabric_id", "colourway", "colour_srgb", "print"}, {"fabric_id"})
        printed = data.get("print")
        return cls(data["fabric_id"], data.get("colourway", ""), data.get("colour_srgb"),
                   None if printed is None else Print.from_dict(printed, f"{where}.print")).check(where)


@dataclass(frozen=True)
class Trim:
    """A named catalog item sewn on: a zip, buttons, a label, a drawcord."""

    item_id: str  # trims catalog id
    name: str = ""  # what it is on this garment ("front zip"); "" = the item id
    quantity: int = 1  # how many (a count, no unit)
    length_m: float | None = None  # [m] for zips, tapes and cords; None when it has no length
    panel: str = ""  # the panel it goes on, "" = not tied to one
    note: str = ""

    def check(self, where: str) -> Trim:
        length = None if self.length_m is None else _number(self.length_m, f"{where}.length_m", lo=0.001, hi=10.0,
                                                              unit="cm", scale=CM)
        panel = _text(self.panel, f"{where}.panel", 64)
        if panel and not _PANEL.match(panel):
            raise _fail(f"{panel!r} is not a panel name", f"{where}.panel")
        return Trim(_catalog_id(self.item_id, f"{where}.item_id", "trim"), _text(self.name, f"{where}.name", 80),
                    _number(self.quantity, f"{where}.quantity", lo=1, hi=10_000, integer=True), length, panel,
                    _text(self.note, f"{where}.note", 500))

    @property
    def title(self) -> str:
        return self.name or self.item_id.replace("_", " ")

    def to_dict(self) -> dict:
        return {"item_id": self.item_id, "name": self.name, "quantity": self.quantity, "length_m": self.length_m,
                "panel": self.panel, "note": self.note}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Trim:
        data = _mapping(data, where)
        _keys(data, where, {"item_id", "name", "quantity", "length_m", "panel", "note"}, {"item_id"})
        return cls(data["item_id"], data.get("name", ""), data.get("quantity", 1), data.get("length_m"),
                   data.get("panel", ""), data.get("note", "")).check(where)


# --- the design --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """One garment design. Frozen: change it with :func:`dataclasses.replace` and save a new version."""

    name: str
    pattern: PatternSource = field(default_factory=PatternSource)
    body: Body = field(default_factory=Body)
    look: Look = field(default_factory=Look)  # the main look: every panel not listed in ``panels``
    panels: dict[str, Look] = field(default_factory=dict)  # panel name → its own look
    trims: tuple[Trim, ...] = ()
    drape: DrapeSettings = field(default_factory=DrapeSettings)
    notes: str = ""
    season: str = ""  # "SS27", "AW26"…
    tags: tuple[str, ...] = ()  # free words, lower case
    media: tuple[MediaRef, ...] = ()  # renders, GLBs and other files made from this design

    def __post_init__(self):
        put = object.__setattr__
        put(self, "name", _text(self.name, "name", NAME_MAX, required=True))
        if not isinstance(self.pattern, PatternSource):
            raise _fail("expected a pattern source", "pattern")
        if not isinstance(self.body, Body):
            raise _fail("expected a body", "body")
        if not isinstance(self.drape, DrapeSettings):
            raise _fail("expected drape settings", "drape")
        put(self, "drape", _doc_to_settings(DrapeSettings, _settings_to_doc(self.drape), "drape"))
        if not isinstance(self.look, Look):
            raise _fail("expected a look (fabric, colour, print)", "look")
        put(self, "look", self.look.check("look"))
        panels = {}
        for name, look in _mapping(self.panels, "panels").items():
            if not isinstance(name, str) or not _PANEL.match(name):
                raise _fail(f"{name!r} is not a panel name", "panels")
            if not isinstance(look, Look):
                raise _fail("expected a look (fabric, colour, print)", f"panels.{name}")
            panels[name] = look.check(f"panels.{name}")
        put(self, "panels", dict(sorted(panels.items())))
        put(self, "trims", tuple(t.check(f"trims[{i}]") for i, t in enumerate(self.trims)))
        put(self, "notes", _text(self.notes, "notes", NOTES_MAX))
        put(self, "season", _text(self.season, "season", 20))
        tags = [_text(t, "tags", TAG_MAX).lower() for t in self.tags]
        tags = tuple(dict.fromkeys(t for t in tags if t))
        if len(tags) > TAGS_MAX:
            raise _fail(f"{len(tags)} tags; keep it to {TAGS_MAX} or fewer", "tags")
        put(self, "tags", tags)
        put(self, "media", tuple(m.check(f"media[{i}]") for i, m in enumerate(self.media)))

    # --- what the engines take ---

    @classmethod
    def new(cls, name: str, garment: str = "tshirt", size: str = "M", fabric_id: str = "cotton_jersey",
            **fields) -> Design:
        """A design from a built-in template: ``Design.new("Tee", "tshirt", "M", "cotton_jersey")``; any other
        field (or a whole ``body``, ``look``, ``pattern``) may be given by name."""
        if garment not in GARMENTS:
            raise _fail(f"garment must be one of {', '.join(GARMENTS)}, got {garment!r}", "pattern.template.garment")
        fields.setdefault("pattern", PatternSource(TemplateSettings(garment=garment)))
        fields.setdefault("body", Body(size))
        fields.setdefault("look", Look(fabric_id))
        return cls(name, **fields)

    @property
    def garment(self) -> str:
        return self.pattern.garment_kind

    def template_settings(self) -> TemplateSettings | None:
        """The template's settings in widget units (cm), as ``pattern.templates.draft`` takes them."""
        return self.pattern.template

    def drape_settings(self) -> DrapeSettings:
        return self.drape

    def measurements(self) -> dict[str, float]:
        """The body's measurements [m] (size row + overrides)."""
        return self.body.measurements()

    def look_of(self, panel: str) -> Look:
        """The look of ``panel``: its own, else the main look."""
        return self.panels.get(panel, self.look)

    def fabric_ids(self) -> tuple[str, ...]:
        return tuple(sorted({self.look.fabric_id, *(lk.fabric_id for lk in self.panels.values())}))

    def media_refs(self) -> tuple[MediaRef, ...]:
        """Every file the design names (pattern file, avatar, prints, media), each hash once."""
        refs = [self.pattern.file, self.body.avatar, *(lk.print.image if lk.print else None
                                                      for lk in (self.look, *self.panels.values())), *self.media]
        seen: dict[str, MediaRef] = {}
        for r in refs:
            if r is not None and r.sha256 not in seen:
                seen[r.sha256] = r
        return tuple(seen.values())

    # --- JSON ---

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "name": self.name, "pattern": self.pattern.to_dict(), "body": self.body.to_dict(),
                "look": self.look.to_dict(), "panels": {k: v.to_dict() for k, v in self.panels.items()},
                "trims": [t.to_dict() for t in self.trims], "drape": _settings_to_doc(self.drape),
                "notes": self.notes, "season": self.season, "tags": list(self.tags),
                "media": [m.to_dict() for m in self.media]}

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Any) -> Design:
        """Check and read a document of any known schema (older ones are upgraded first)."""
        data = upgrade(data)
        _keys(data, "design", {"schema", "name", "pattern", "body", "look", "panels", "trims", "drape", "notes",
                               "season", "tags", "media"}, {"schema", "name"})
        panels = {name: Look.from_dict(v, f"panels.{name}") for name, v in _mapping(data.get("panels", {}),
                                                                                      "panels").items()}
        trims, tags, media = data.get("trims", []), data.get("tags", []), data.get("media", [])
        for key, value in (("trims", trims), ("tags", tags), ("media", media)):
            if not isinstance(value, list):
                raise _fail(f"expected a list, got {type(value).__name__}", key)
        return cls(data["name"], PatternSource.from_dict(data.get("pattern", {"source": "template"})),
                   Body.from_dict(data.get("body", {})),
                   Look.from_dict(data.get("look", {"fabric_id": "cotton_jersey"}), "look"), panels,
                   tuple(Trim.from_dict(t, f"trims[{i}]") for i, t in enumerate(trims)),
                   _doc_to_settings(DrapeSettings, data.get("drape", {}), "drape"), data.get("notes", ""),
                   data.get("season", ""), tuple(tags),
                   tuple(MediaRef.from_dict(m, f"media[{i}]") for i, m in enumerate(media)))

    @classmethod
    def from_json(cls, text: str | bytes) -> Design:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise FileFormatError(f"this design is not valid JSON{where}") from None
        except RecursionError:
            raise FileFormatError("this design is nested too deeply to read") from None
        return cls.from_dict(data)


def upgrade(data: Any) -> dict:
    """A design document of any known schema as a current one (a new dict; ``data`` is not changed)."""
    if not isinstance(data, dict) or "schema" not in data:
        raise FileFormatError("this is not an Atelier design (it has no 'schema' number)")
    schema = data["schema"]
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise FileFormatError(f"this design's schema {schema!r} is not a version number")
    if schema > SCHEMA:
        raise FileFormatError(f"this design was saved by a newer Atelier (design schema {schema}; this one reads "
                              f"up to {SCHEMA}): update Atelier to open it")
    data = json.loads(json.dumps(data))  # a deep copy the upgrades may change
    while data["schema"] < SCHEMA:
        step = UPGRADES.get(data["schema"])
        if step is None:
            raise FileFormatError(f"no upgrade from design schema {data['schema']} (a bug: please report it)")
        before = data["schema"]
        data = step(data)
        data["schema"] = before + 1
    return data


__all__ = ["SCHEMA", "UPGRADES", "Body", "Design", "Look", "MediaRef", "PatternSource", "Print", "Trim", "label",
           "upgrade"]
