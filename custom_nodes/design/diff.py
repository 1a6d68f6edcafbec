"""What changed between two designs, in the words a designer uses.

``diff_designs(old, new)`` lists one :class:`Change` per changed figure or choice; ``str(change)`` reads
``chest ease 8 → 10 cm``, ``front fabric denim → twill``, ``trim added: front zip ×1``. Figures are shown
in the units people type (lengths in cm, angles in °), following the document's unit suffixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.design import Design, label

# document key suffix → (factor to the shown unit, shown unit)
_SHOWN = (("_m_per_s", 100.0, "cm/s"), ("_per_s", 1.0, "/s"), ("_percent", 1.0, "%"), ("_deg", 1.0, "°"),
          ("_m", 100.0, "cm"), ("_s", 1.0, "s"))


@dataclass(frozen=True)
class Change:
    """One difference: ``field`` is the document path (``pattern.template.chest_ease_m``), ``text`` the words."""

    field: str
    text: str
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        return self.text


def _num(v: float) -> str:
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _unit(key: str) -> tuple[float, str]:
    for suffix, factor, unit in _SHOWN:
        if key.endswith(suffix):
            return factor, unit
    return 1.0, ""


def show_value(value: Any, key: str = "") -> str:
    """A value in user words (no unit: the caller adds it once)."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return _num(value * _unit(key)[0])
    if isinstance(value, (list, tuple)) and key.endswith("_srgb"):
        return "#" + "".join(f"{round(float(c) * 255):02x}" for c in value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(show_value(v, key) for v in value) + ")"
    if isinstance(value, dict) and "sha256" in value:
        return f"'{value.get('name', '')}'"
    text = str(value)
    return text.replace("_", " ") if key in ("fabric_id", "item_id", "garment") else text


def _figure(what: str, key: str, old: Any, new: Any, path: str) -> Change:
    unit = _unit(key)[1]
    tail = "" if not unit else ("°" if unit == "°" else f" {unit}")
    return Change(path, f"{what} {show_value(old, key)} → {show_value(new, key)}{tail}", old, new)


def _walk(old: Any, new: Any, path: list[str], what: str, out: list[Change]) -> None:
    """Compare two JSON trees; ``what`` is the words for ``path``."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict) and "sha256" not in old and "sha256" not in new:
        for key in list(dict.fromkeys([*old, *new])):
            _walk(old.get(key), new.get(key), [*path, key], f"{what} {label(key)}".strip(), out)
        return
    out.append(_figure(what, path[-1] if path else "", old, new, ".".join(path)))


def _look_words(panel: str) -> str:
    return "main" if panel == "" else panel.replace("_", " ")


def _looks(old: dict, new: dict, out: list[Change]) -> None:
    _walk_look(old["look"], new["look"], "look", "main", out)
    for panel in sorted(set(old["panels"]) | set(new["panels"])):
        a, b = old["panels"].get(panel), new["panels"].get(panel)
        if a is None:
            out.append(Change(f"panels.{panel}", f"{_look_words(panel)} panel now has its own look "
                              f"({show_value(b['fabric_id'], 'fabric_id')})", None, b))
        elif b is None:
            out.append(Change(f"panels.{panel}", f"{_look_words(panel)} panel back to the main look", a, None))
        else:
            _walk_look(a, b, f"panels.{panel}", _look_words(panel), out)


def _walk_look(a: dict, b: dict, path: str, who: str, out: list[Change]) -> None:
    words = {"fabric_id": "fabric", "colourway": "colourway", "colour_srgb": "colour"}
    for key, word in words.items():
        if a.get(key) != b.get(key):
            out.append(_figure(f"{who} {word}", key, a.get(key), b.get(key), f"{path}.{key}"))
    pa, pb = a.get("print"), b.get("print")
    if pa == pb:
        return
    if pa is None or pb is None:
        ref = (pb or pa)["image"]["name"]
        out.append(Change(f"{path}.print", f"{who} print {'added' if pa is None else 'removed'} ('{ref}')", pa, pb))
        return
    if pa["image"] != pb["image"]:
        out.append(Change(f"{path}.print.image", f"{who} print artwork '{pa['image']['name']}' → "
                          f"'{pb['image']['name']}'", pa["image"], pb["image"]))
    for key in ("offset_m", "width_m", "rotation_deg", "repeat"):
        if pa.get(key) != pb.get(key):
            out.append(_figure(f"{who} print {label(key)}", key, pa.get(key), pb.get(key), f"{path}.print.{key}"))


def _trim_key(t: dict) -> tuple[str, str]:
    return t["item_id"], t.get("name", "")


def _trim_words(t: dict) -> str:
    name = t.get("name") or t["item_id"].replace("_", " ")
    return f"{name} ×{t.get('quantity', 1)}"


def _trims(old: list, new: list, out: list[Change]) -> None:
    a, b = {_trim_key(t): t for t in old}, {_trim_key(t): t for t in new}
    for key in a.keys() - b.keys():
        out.append(Change("trims", f"trim removed: {_trim_words(a[key])}", a[key], None))
    for key in [k for k in b if k not in a]:
        out.append(Change("trims", f"trim added: {_trim_words(b[key])}", None, b[key]))
    for key in [k for k in b if k in a and a[k] != b[k]]:
        name = key[1] or key[0].replace("_", " ")
        _walk({k: v for k, v in a[key].items() if k not in ("item_id", "name")},
              {k: v for k, v in b[key].items() if k not in ("item_id", "name")}, ["trims", key[0]], f"trim {name}",
              out)


def _sets(kind: str, old: list, new: list, show, out: list[Change]) -> None:
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    if added:
        out.append(Change(kind, f"{kind} added: {', '.join(show(x) for x in added)}", None, added))
    if removed:
        out.append(Change(kind, f"{kind} removed: {', '.join(show(x) for x in removed)}", removed, None))


def _text_change(key: str, old: str, new: str, out: list[Change]) -> None:
    if old == new:
        return
    if len(old) <= 60 and len(new) <= 60 and "\n" not in old + new:
        out.append(Change(key, f"{key} '{old}' → '{new}'" if old and new else
                          (f"{key} set to '{new}'" if new else f"{key} cleared"), old, new))
    else:
        out.append(Change(key, f"{key} changed", old, new))


def diff_designs(old: Design, new: Design) -> list[Change]:
    """Every difference from ``old`` to ``new``, in a stable order (name, pattern, body, looks, trims,
    drape, notes, season, tags, media)."""
    a, b = old.to_dict(), new.to_dict()
    out: list[Change] = []
    _text_change("name", a["name"], b["name"], out)
    pa, pb = a["pattern"], b["pattern"]
    if pa["source"] != pb["source"] or pa.get("file") != pb.get("file"):
        def src(p):
            return f"template {p['template']['garment']}" if p["source"] == "template" else \
                f"file '{p['file']['name']}'"
        out.append(Change("pattern", f"pattern {src(pa)} → {src(pb)}", pa, pb))
    elif pa["source"] == "template":
        _walk(pa["template"], pb["template"], ["pattern", "template"], "", out)
    if pa.get("garment", "") != pb.get("garment", "") and pb["source"] == "file":
        out.append(_figure("garment", "garment", pa.get("garment"), pb.get("garment"), "pattern.garment"))
    ba, bb = a["body"], b["body"]
    for key, word in (("size", "size"), ("size_column", "size table"), ("avatar", "avatar")):
        if ba[key] != bb[key]:
            out.append(_figure(word, key, ba[key], bb[key], f"body.{key}"))
    for key in sorted(set(ba["measurements_m"]) | set(bb["measurements_m"])):
        x, y = ba["measurements_m"].get(key), bb["measurements_m"].get(key)
        if x != y:
            change = _figure(label(key), "_m", x, y, f"body.measurements_m.{key}")
            out.append(Change(change.field, change.text.replace("none", f"size {bb['size'] if x is None else ba['size']}"),
                              x, y))
    _looks(a, b, out)
    _trims(a["trims"], b["trims"], out)
    _walk(a["drape"], b["drape"], ["drape"], "drape", out)
    _text_change("notes", a["notes"], b["notes"], out)
    _text_change("season", a["season"], b["season"], out)
    _sets("tags", a["tags"], b["tags"], str, out)
    _sets("media", a["media"], b["media"], lambda m: f"{m['kind']} '{m['name']}'", out)
    return out
