"""Where nodes read inputs and write outputs: ComfyUI's folders inside ComfyUI, our own elsewhere.

Node path inputs go through :func:`resolve_input`: they stay inside the input, output and models
folders, whatever ``..``, absolute paths or links say. Nothing is ever written into the pack's own
folder. Outside ComfyUI, outputs go to the user's data folder (:func:`user_data_dir`); built caches
(the Anny body model) go to :func:`user_cache_dir`.
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


def in_comfyui() -> bool:
    """Whether ComfyUI's ``folder_paths`` module is importable (we run inside ComfyUI)."""
    try:
        import folder_paths  # noqa: F401

        return True
    except ImportError:
        return False


def comfy_models_directory() -> Path | None:
    """ComfyUI's own ``models/`` folder, or None outside ComfyUI."""
    try:
        import folder_paths

        return Path(folder_paths.models_dir)
    except ImportError:
        return None


def models_directories() -> list[Path]:
    """Folders model files may be read from: ComfyUI's models folder and its extra model folders, and
    the pack's own ``models/`` (read only)."""
    found: list[Path] = []
    try:
        import folder_paths

        found.append(Path(folder_paths.models_dir))
        for kind, (paths, *_) in getattr(folder_paths, "folder_names_and_paths", {}).items():
            if kind != "custom_nodes":  # registered there too, but it is code, not models
                found += [Path(p) for p in paths]
    except ImportError:
        pass
    found.append(MODELS_DIR)
    return list(dict.fromkeys(found))


def readable_roots() -> dict[str, list[Path]]:
    """Folder kind → folders a node may read a file named by the user from: input, output and models,
    plus the user's Atelier data folder (the studio's work folder) outside ComfyUI."""
    roots = {"input": [input_directory()], "output": [output_directory()], "models": models_directories()}
    if not in_comfyui():
        roots["data"] = [user_data_dir()]
    return roots


def owner() -> str:
    """Whose folders these are, in a user message: ``ComfyUI's`` or ``Atelier's``."""
    return "ComfyUI's" if in_comfyui() else "Atelier's"


def _kinds(names: list[str]) -> str:
    """``['input', 'output', 'models']`` → ``'input, output or models'``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _expand(raw: str) -> Path:
    try:
        return Path(raw).expanduser()
    except RuntimeError:  # no home folder to expand '~' to: the name stays as written
        return Path(raw)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve_within(text: str | Path, base: Path, roots: list[Path], where: str, *, field: str,
                   what: str = "file") -> Path:
    """``text`` as a real path inside one of ``roots``; a relative ``text`` is taken in ``base``.

    Links are followed before the check, so one that points outside is refused like ``..``. ``where``
    names the allowed folders in user words (``ComfyUI's input folder``); messages never show a server path.
    """
    from .errors import InvalidInputError

    raw = str(text).strip()
    if not raw:
        raise InvalidInputError(f"no {what} given: name one inside {where}", field=field)
    if "\0" in raw or len(raw) > 4096:
        raise InvalidInputError(f"that is not a valid {what} name", field=field)
    given = _expand(raw)
    lexical = Path(os.path.normpath(given if given.is_absolute() else base / given))
    real = lexical.resolve()
    if any(_inside(real, r.resolve()) for r in roots):
        return real
    it = "it" if len(roots) == 1 else "them"
    if any(_inside(lexical, Path(os.path.normpath(r.absolute()))) for r in roots):
        why = f"is a link that leads outside {it}"
    elif given.is_absolute():
        why = "is not (put it there and give its name)"
    else:
        why = "leaves it" if it == "it" else "leads outside them"
    raise InvalidInputError(f"the {what} must be inside {where}; {raw!r} {why}", field=field)


def resolve_input(path: str | Path, *, field: str = "path", relative_to: str = "input", what: str = "file") -> Path:
    """A node's file input as a real path. A name is taken inside the ``relative_to`` folder (``input``
    or ``models``) and must stay there; an absolute path must lie in the input, output or models folders
    (outside ComfyUI also the Atelier data folder). ``..``, links leading out and other folders are an
    :class:`InvalidInputError` naming the allowed folders.
    """
    roots = readable_roots()
    if _expand(str(path).strip()).is_absolute():
        allowed, where = [r for folders in roots.values() for r in folders], f"{owner()} {_kinds(list(roots))} folder"
    else:
        allowed, where = roots[relative_to][:1], f"{owner()} {relative_to} folder"
    return resolve_within(path, roots[relative_to][0], allowed, where, field=field, what=what)


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
