"""Field checks used by the core types' ``__post_init__``: each error names the field."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import InvalidInputError


def array_field(
    value, field: str, dtype, shape: Sequence[int | None], *, finite: bool = True, allow_empty: bool = True
) -> np.ndarray:
    """Convert ``value`` to a read-only array of ``dtype`` and check its shape (``None`` = any size).

    Returned arrays are read-only: ComfyUI caches node outputs and fans them out, so nobody may
    mutate a value they did not create.
    """
    try:
        arr = np.array(value, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"cannot be read as {np.dtype(dtype).name} array ({exc})", field=field) from None
    if arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape)):
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
        raise InvalidInputError(f"expected shape {want}, got {arr.shape}", field=field)
    if not allow_empty and arr.size == 0:
        raise InvalidInputError("must not be empty", field=field)
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise InvalidInputError(f"contains NaN or infinity (first at index {bad})", field=field)
    arr.setflags(write=False)
    return arr


def optional_array(value, field: str, dtype, shape: Sequence[int | None], **kw) -> np.ndarray | None:
    return None if value is None else array_field(value, field, dtype, shape, **kw)


def index_field(value, field: str, n_items: int, shape: Sequence[int | None]) -> np.ndarray:
    """int32 index array whose entries all lie in ``[0, n_items)``."""
    arr = array_field(value, field, np.int64, shape)
    if arr.size and (arr.min() < 0 or arr.max() >= n_items):
        raise InvalidInputError(
            f"indices must lie in [0, {n_items}), found {int(arr.min())}..{int(arr.max())}", field=field
        )
    out = arr.astype(np.int32)
    out.setflags(write=False)
    return out


def positive(value: float, field: str, *, allow_zero: bool = False) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InvalidInputError(f"must be {'≥' if allow_zero else '>'} 0, got {value!r}", field=field)
    return v


def in_range(value: float, field: str, lo: float, hi: float) -> float:
    v = float(value)
    if not np.isfinite(v) or v < lo or v > hi:
        raise InvalidInputError(f"must lie in [{lo}, {hi}], got {value!r}", field=field)
    return v


def one_of(value: str, field: str, options: Sequence[str]) -> str:
    if value not in options:
        raise InvalidInputError(f"must be one of {list(options)}, got {value!r}", field=field)
    return value


def set_field(obj, name: str, value) -> None:
    """Assign inside a frozen dataclass's ``__post_init__``."""
    object.__setattr__(obj, name, value)


def readable_file(path, max_bytes: int, kind: str):
    """``path`` as a Path if it is an existing, non-empty file of at most ``max_bytes``; else a clear error.

    ``kind`` names what the file should be ("pattern", "mesh"…) in the message.
    """
    from pathlib import Path

    from .errors import FileFormatError

    p = Path(path)
    if not p.is_file():
        raise FileFormatError("file not found", path=p)
    size = p.stat().st_size
    if size == 0:
        raise FileFormatError("file is empty", path=p)
    if size > max_bytes:
        raise FileFormatError(f"file is {size / 1e6:.0f} MB, too large for a {kind} (limit {max_bytes / 1e6:.0f} MB)",
                              path=p)
    return p
