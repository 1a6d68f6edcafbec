"""One error hierarchy for the whole pack.

Every error a user can cause or meet is an ``AtelierError``; its message names the problem and, where
there is one, the field or file. Subclasses also derive from the matching built-in (``ValueError``,
``FileNotFoundError``…) so generic callers keep working.
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
