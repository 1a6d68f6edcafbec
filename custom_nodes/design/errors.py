"""Errors of the designs database, worded for users (no driver text: that goes to the log)."""

from __future__ import annotations

from ..core.errors import AtelierError


class DesignsDatabaseError(AtelierError, RuntimeError):
    """The designs database cannot be opened, read or written (missing, busy, unreachable, damaged)."""


class NotADesignsDatabase(DesignsDatabaseError):
    """The file or database exists but is not an Atelier designs database (foreign, damaged, or newer)."""


class DesignNotFound(AtelierError, LookupError):
    """No design or version with that id."""


class MediaMissing(AtelierError, FileNotFoundError):
    """A design names a file (render, GLB, print…) whose bytes are not in the media folder."""
