"""One error hierarchy for the whole pack.

Every error a user can cause or meet is an ``AtelierError``; its message names the problem and, where
there is one, the field or file. Subclasses also derive from the matching built-in (``ValueError``,
``FileNotFoundError``…) so generic callers keep working. :func:`user_message` is the one place that
turns any exception into the text a user sees.
"""

from __future__ import annotations

from pathlib import Path


class AtelierError(Exception):
    """Base class of every error Atelier raises on purpose."""


class InvalidInputError(AtelierError, ValueError):
    """A value is out of range, malformed or inconsistent.

    ``field`` names the offending field (``"Garment.faces"``), ``path`` the file it came from, if any.
    """

    def __init__(self, message: str, *, field: str | None = None, path: str | Path | None = None):
        self.field = field
        self.path = str(path) if path is not None else None
        where = []
        if path is not None:
            where.append(f"file '{path}'")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)


class FileFormatError(InvalidInputError):
    """A file could not be read as the format it claims to be (empty, truncated, garbage, wrong units)."""


class ModelMissingError(AtelierError, FileNotFoundError):
    """A weight file a node needs is not on disk. Nothing is ever downloaded at run time."""

    def __init__(self, file: str, folder: str | Path, url: str, licence: str, searched: list[str] | None = None):
        self.file, self.folder, self.url, self.licence = file, str(folder), url, licence
        self.searched = list(searched or [])
        looked = f" (looked in: {', '.join(self.searched)})" if self.searched else ""
        super().__init__(
            f"model file '{file}' is missing: put it in '{self.folder}'{looked}. "
            f"Source: {url} — licence: {licence}. Atelier never downloads weights by itself; "
            f"`python install.py models` lists what is missing."
        )


class DependencyMissingError(AtelierError, ImportError):
    """An optional Python package is not installed."""

    def __init__(self, package: str, purpose: str, extra: str | None = None):
        hint = f"pip install 'atelier[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{purpose} needs the Python package '{package}', which is not installed ({hint}).")
        self.package = package


class SimulationDivergedError(AtelierError, RuntimeError):
    """The cloth solver produced non-finite or exploding values; it stops instead of handing NaNs on."""

    def __init__(self, message: str, *, frame: int | None = None, vertex: int | None = None):
        self.frame, self.vertex = frame, vertex
        super().__init__(message)


class Cancelled(AtelierError):
    """The user interrupted a long operation (ComfyUI's interrupt, the studio's cancel button)."""


def user_message(exc: BaseException) -> str:
    """The one place an exception becomes text for a user (node error, studio status line).

    Atelier's own errors are already worded for users. Anything else is a bug or a resource problem:
    it is named in plain words without its internal text (NumPy, JSON or paths of the server), which
    belongs in the log with the traceback.
    """
    if isinstance(exc, AtelierError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory for this input; try a smaller image, mesh or resolution"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    if isinstance(exc, PermissionError):
        return "a file or folder could not be opened: permission denied"
    if isinstance(exc, OSError):
        reason = exc.strerror or "input/output error"
        return f"a file could not be read or written ({reason[:1].lower()}{reason[1:]})"
    return (f"Atelier stopped on an internal error ({type(exc).__name__}); this is a bug, the server log "
            f"has the details")
