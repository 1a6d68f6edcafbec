"""Where nodes read inputs and write outputs: ComfyUI's folders inside ComfyUI, our own elsewhere.

Nothing is ever written into the pack's own folder. Outside ComfyUI, outputs go to the user's data
folder (:func:`user_data_dir`); built caches (the Anny body model) go to :func:`user_cache_dir`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "models"


def _env_dir(variable: str, xdg_variable: str, xdg_default: str) -> Path:
    """``$variable``, else ``$xdg_variable/atelier``, else ``~/<xdg_default>/atelier``."""
    chosen = os.environ.get(variable, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    xdg = Path(os.environ.get(xdg_variable, "").strip()).expanduser()
    if not xdg.is_absolute():  # unset, empty or relative: the XDG spec says use the default
        xdg = Path.home() / xdg_default
    return xdg / "atelier"


def user_cache_dir() -> Path:
    """Rebuildable data (the built body model): ``$ATELIER_CACHE_DIR``, else ``$XDG_CACHE_HOME/atelier``,
    else ``~/.cache/atelier``."""
    return _env_dir("ATELIER_CACHE_DIR", "XDG_CACHE_HOME", ".cache")


def user_data_dir() -> Path:
    """The user's work (outputs outside ComfyUI, studio jobs, scanned fabrics): ``$ATELIER_WORK_DIR``,
    else ``$XDG_DATA_HOME/atelier``, else ``~/.local/share/atelier``."""
    return _env_dir("ATELIER_WORK_DIR", "XDG_DATA_HOME", ".local/share")


_dirs: contextvars.ContextVar[dict[str, Path] | None] = contextvars.ContextVar("atelier_dirs", default=None)


@contextlib.contextmanager
def using_directories(**dirs: str | Path) -> Iterator[None]:
    """Set ``output``, ``input`` and ``temp`` folders for the nodes run inside this block."""
    merged = dict(_dirs.get() or {})
    merged.update({k: Path(v) for k, v in dirs.items()})
    token = _dirs.set(merged)
    try:
        yield
    finally:
        _dirs.reset(token)


def _folder(kind: str) -> Path:
    """The ``output``/``input``/``temp`` folder: the active :func:`using_directories`, else ComfyUI's,
    else ``user_data_dir()/<kind>``."""
    chosen = (_dirs.get() or {}).get(kind)
    if chosen is not None:
        return chosen
    try:
        import folder_paths  # ComfyUI's module; only importable inside ComfyUI

        return Path(getattr(folder_paths, f"get_{kind}_directory")())
    except ImportError:
        return user_data_dir() / kind


def output_directory() -> Path:
    return _folder("output")


def input_directory() -> Path:
    return _folder("input")


def temp_directory() -> Path:
    return _folder("temp")


def resolve_input(path: str | Path) -> Path:
    """A node's file input: absolute paths as they are, relative ones inside the input folder."""
    p = Path(str(path).strip()).expanduser()
    return p if p.is_absolute() else input_directory() / p


def model_search_paths(folder_name: str) -> list[Path]:
    """Folders to look in for a model of ComfyUI kind ``folder_name`` (``checkpoints``, ``controlnet``…)."""
    paths: list[Path] = []
    try:
        import folder_paths

        paths += [Path(p) for p in folder_paths.get_folder_paths(folder_name)]
    except (ImportError, KeyError):
        pass
    paths.append(MODELS_DIR / folder_name)
    return paths


def next_output_path(prefix: str, suffix: str, base: Path | None = None) -> tuple[Path, str, str]:
    """A fresh file ``<prefix>_<counter:05>_.<suffix>`` under ``base`` (default: the output folder).

    Returns (absolute path, file name, subfolder) in ComfyUI's naming, so ``/view`` and the canvas
    find it. ``prefix`` may hold a subfolder (``atelier/drape``) but never leaves ``base``.
    """
    base = (base or output_directory()).resolve()
    target = (base / prefix).resolve()
    if base != target and base not in target.parents:
        from .errors import InvalidInputError

        raise InvalidInputError(f"'{prefix}' points outside the output folder", field="filename_prefix")
    folder, stem = target.parent, target.name or "atelier"
    folder.mkdir(parents=True, exist_ok=True)
    taken = [p.name for p in folder.glob(f"{stem}_*_.{suffix}")]
    counters = [int(n[len(stem) + 1:-len(suffix) - 2]) for n in taken if n[len(stem) + 1:-len(suffix) - 2].isdigit()]
    name = f"{stem}_{max(counters, default=0) + 1:05}_.{suffix}"
    subfolder = str(folder.relative_to(base)) if folder != base else ""
    return folder / name, name, subfolder
