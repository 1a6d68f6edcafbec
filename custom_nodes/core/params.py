"""One source for parameters: config dataclasses whose fields carry default, range, unit and tooltip.

Node widgets, the studio's forms and saved files are generated from the same fields, so they cannot
drift apart::

    @dataclass(frozen=True)
    class DrapeSettings:
        max_frames: int = param(240, lo=1, hi=5000, tooltip="Frame cap at 60 fps.")

    INPUT_TYPES -> {"required": widgets(DrapeSettings)}
    settings = from_widgets(DrapeSettings, kwargs)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import InvalidInputError


def param(default: Any, *, lo: float | None = None, hi: float | None = None, step: float | None = None,
          tooltip: str, unit: str = "", choices: tuple[str, ...] | None = None):
    """A dataclass field with widget metadata. ``unit`` is what the widget shows (``cm``, ``g/m²``…)."""
    meta = {"lo": lo, "hi": hi, "step": step, "tooltip": tooltip, "unit": unit, "choices": choices}
    return dataclasses.field(default=default, metadata={"atelier": meta})


def _widget(f: dataclasses.Field) -> tuple:
    meta = f.metadata.get("atelier")
    if meta is None:
        raise InvalidInputError(f"field '{f.name}' has no param() metadata", field=f.name)
    tip = meta["tooltip"] + (f" [{meta['unit']}]" if meta["unit"] else "")
    if meta["choices"]:
        return (list(meta["choices"]), {"default": f.default, "tooltip": tip})
    if isinstance(f.default, bool):
        return ("BOOLEAN", {"default": f.default, "tooltip": tip})
    if isinstance(f.default, int):
        opts = {"default": f.default, "min": int(meta["lo"]), "max": int(meta["hi"]), "step": int(meta["step"] or 1)}
        return ("INT", {**opts, "tooltip": tip})
    if isinstance(f.default, float):
        step = meta["step"] or 0.01
        opts = {"default": f.default, "min": float(meta["lo"]), "max": float(meta["hi"]), "step": step}
        return ("FLOAT", {**opts, "tooltip": tip})
    if isinstance(f.default, str):
        return ("STRING", {"default": f.default, "multiline": False, "tooltip": tip})
    raise InvalidInputError(f"no widget for a {type(f.default).__name__} field", field=f.name)


def widgets(config_cls) -> dict[str, tuple]:
    """``INPUT_TYPES`` entries for every field of a ``param()`` config dataclass, in field order."""
    return {f.name: _widget(f) for f in dataclasses.fields(config_cls)}


def from_widgets(config_cls, values: dict[str, Any]):
    """Build the config from widget values, checking ranges and choices; unknown keys are ignored."""
    kwargs = {}
    for f in dataclasses.fields(config_cls):
        if f.name not in values:
            continue
        meta, value = f.metadata["atelier"], values[f.name]
        if meta["choices"] and value not in meta["choices"]:
            raise InvalidInputError(f"must be one of {list(meta['choices'])}, got {value!r}", field=f.name)
        if isinstance(f.default, (int, float)) and not isinstance(f.default, bool):
            if meta["lo"] is not None and not (meta["lo"] <= value <= meta["hi"]):
                raise InvalidInputError(f"must lie in [{meta['lo']}, {meta['hi']}] {meta['unit']}, got {value!r}",
                                        field=f.name)
            value = type(f.default)(value)
        kwargs[f.name] = value
    return config_cls(**kwargs)
