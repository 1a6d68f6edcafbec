"""``to_dict()/from_dict()`` for Atelier's frozen dataclasses, and their JSON + npz files.

Every core type inherits :class:`Record`. ``to_dict()`` gives a tree of plain Python values in which
NumPy arrays stay arrays; :func:`to_json` turns arrays into ``{"__ndarray__": ...}`` lists (small
values, fixtures), :func:`save` writes ``name.json`` plus ``name.npz`` holding the arrays (meshes).
Both read back with :func:`from_json` / :func:`load` into equal objects.

Writes are atomic: a crash never leaves a half-written file behind.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .errors import FileFormatError, InvalidInputError

FORMAT_VERSION = 1
_UMASK = os.umask(0o022)  # read once at import (os.umask can only be read by setting it)
os.umask(_UMASK)
_REGISTRY: dict[str, type[Record]] = {}


class Record:
    """Mixin for frozen dataclasses: registry by class name, dict round-trip, array-aware equality."""

    TYPE_NAME: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.TYPE_NAME or cls.__name__] = cls

    def to_dict(self) -> dict[str, Any]:
        """Plain tree: ``{"__type__": name, field: value…}``; arrays stay ``np.ndarray``."""
        out: dict[str, Any] = {"__type__": type(self).TYPE_NAME or type(self).__name__}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f.name] = _encode(getattr(self, f.name))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        """Inverse of :meth:`to_dict`; unknown keys are an error naming them."""
        if not isinstance(data, dict):
            raise InvalidInputError(f"expected a dict for {cls.__name__}, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(data) - names - {"__type__"}
        if unknown:
            raise InvalidInputError(f"unknown keys {sorted(unknown)} for {cls.__name__}")
        kwargs = {k: _decode(v) for k, v in data.items() if k != "__type__"}
        return cls(**kwargs)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_equal(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self))

    __hash__ = None  # type: ignore[assignment]  # arrays are not hashable


def _encode(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("__type__")
        if isinstance(kind, str) and kind in _REGISTRY:
            return _REGISTRY[kind].from_dict(value)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    return value


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


# --- JSON (arrays inline) ------------------------------------------------------------------------


def _to_jsonable(tree: Any, arrays: dict[str, np.ndarray] | None) -> Any:
    if isinstance(tree, np.ndarray):
        if arrays is None:
            return {"__ndarray__": tree.tolist(), "dtype": str(tree.dtype), "shape": list(tree.shape)}
        key = f"a{len(arrays)}"
        arrays[key] = tree
        return {"__npz__": key}
    if isinstance(tree, dict):
        return {k: _to_jsonable(v, arrays) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_to_jsonable(v, arrays) for v in tree]
    if isinstance(tree, float) and not np.isfinite(tree):
        return {"__float__": repr(tree)}
    return tree


def _from_jsonable(tree: Any, arrays: Any) -> Any:
    if isinstance(tree, dict):
        if "__ndarray__" in tree:
            return np.asarray(tree["__ndarray__"], dtype=tree["dtype"]).reshape(tree["shape"])
        if "__npz__" in tree:
            if arrays is None or tree["__npz__"] not in arrays:
                raise FileFormatError(f"array '{tree['__npz__']}' is missing from the npz file")
            return np.asarray(arrays[tree["__npz__"]])
        if "__float__" in tree:
            return float(tree["__float__"])
        return {k: _from_jsonable(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_from_jsonable(v, arrays) for v in tree]
    return tree


def to_json(record: Record) -> str:
    """One self-contained JSON document (arrays as nested lists); fine for small records."""
    doc = {"atelier_format": FORMAT_VERSION, "record": _to_jsonable(record.to_dict(), None)}
    return json.dumps(doc, allow_nan=False)


def from_json(text: str) -> Record:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return _record_from_doc(doc, None)


def _record_from_doc(doc: Any, arrays: Any) -> Record:
    if not isinstance(doc, dict) or "record" not in doc:
        raise FileFormatError("not an Atelier record (no 'record' key)")
    if doc.get("atelier_format", 0) > FORMAT_VERSION:
        raise FileFormatError(f"written by a newer Atelier (format {doc['atelier_format']})")
    tree = _from_jsonable(doc["record"], arrays)
    kind = tree.get("__type__") if isinstance(tree, dict) else None
    if kind not in _REGISTRY:
        raise FileFormatError(f"unknown record type {kind!r}")
    return _REGISTRY[kind].from_dict(tree)


# --- files: name.json + name.npz -----------------------------------------------------------------


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files others may read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save(record: Record, path: str | Path) -> Path:
    """Save as ``<stem>.json`` (structure) + ``<stem>.npz`` (arrays); returns the JSON path."""
    path = Path(path).with_suffix(".json")
    arrays: dict[str, np.ndarray] = {}
    doc = {"atelier_format": FORMAT_VERSION, "arrays": path.with_suffix(".npz").name,
           "record": _to_jsonable(record.to_dict(), arrays)}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path.with_suffix(".npz"), buf.getvalue())
    atomic_write_bytes(path, json.dumps(doc, allow_nan=False, indent=1).encode())
    return path


def load(path: str | Path) -> Record:
    """Read what :func:`save` wrote; errors name the file and what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError("no such file", path=path)
    try:
        doc = json.loads(path.read_text())
        npz_path = path.with_name(doc.get("arrays", path.with_suffix(".npz").name))
        if not npz_path.is_file():
            raise FileFormatError("its arrays file is missing", path=npz_path)
        with np.load(npz_path, allow_pickle=False) as arrays:
            return _record_from_doc(doc, dict(arrays))
    except (json.JSONDecodeError, UnicodeDecodeError, zipfile.BadZipFile, ValueError, OSError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise FileFormatError(f"cannot read Atelier record ({exc})", path=path) from None
