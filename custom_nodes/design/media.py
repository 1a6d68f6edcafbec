"""Content-addressed media: renders, GLBs, prints and imported files stay files, named by their SHA-256.

Layout: ``<root>/<first two hex digits>/<sha256><.suffix>`` (the suffix of the file's first name, so a
file manager still opens it). A file is written to a temporary name and renamed into place, so a reader
never sees half a file; putting the same bytes twice stores them once. The folder sits beside the SQLite
database (``designs-media/``); a team on PostgreSQL points every studio at one shared folder
(``ATELIER_MEDIA_DIR``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from ..core.design import MediaRef
from ..core.errors import InvalidInputError
from .errors import MediaMissing

ENV_MEDIA = "ATELIER_MEDIA_DIR"
_CHUNK = 1 << 20
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if _SUFFIX.match(suffix) else ""


class MediaStore:
    """Files by content hash under ``root``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def put(self, source: str | os.PathLike | bytes, name: str | None = None, kind: str = "other") -> MediaRef:
        """Store a file (a path, or bytes with a ``name``) and return its reference."""
        if isinstance(source, (bytes, bytearray)):
            if not name:
                raise InvalidInputError("bytes need a file name", field="name")
            chunks, display = [bytes(source)], name
        else:
            path = Path(source)
            if not path.is_file():
                raise InvalidInputError(f"no file named '{path.name}' to add to the design", field="media")
            chunks, display = None, name or path.name
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-", suffix=".tmp")
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                if chunks is not None:
                    for chunk in chunks:
                        digest.update(chunk)
                        out.write(chunk)
                else:
                    with open(source, "rb") as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
            sha = digest.hexdigest()
            target = self.root / sha[:2] / f"{sha}{_suffix(display)}"
            if self._find(sha) is None:
                target.parent.mkdir(exist_ok=True)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return MediaRef(sha, Path(display).name, kind).check("media")

    def _find(self, sha256: str) -> Path | None:
        if not _SHA.match(sha256 or ""):
            return None
        folder = self.root / sha256[:2]
        if not folder.is_dir():
            return None
        return next((p for p in sorted(folder.iterdir()) if p.name.split(".", 1)[0] == sha256), None)

    def has(self, ref: MediaRef | str) -> bool:
        return self._find(ref.sha256 if isinstance(ref, MediaRef) else ref) is not None

    def path(self, ref: MediaRef | str) -> Path:
        """Where the bytes of ``ref`` are; :class:`MediaMissing` (naming the file) when they are not here."""
        sha = ref.sha256 if isinstance(ref, MediaRef) else ref
        found = self._find(sha)
        if found is None:
            name = f"'{ref.name}'" if isinstance(ref, MediaRef) else f"with hash {sha[:12]}…"
            raise MediaMissing(f"the file {name} is not in the designs media folder (copy the media folder along "
                               f"with the database)")
        return found

    def verify(self, ref: MediaRef | str) -> bool:
        """Whether the stored bytes still hash to their name (False: missing or damaged)."""
        sha = ref.sha256 if isinstance(ref, MediaRef) else ref
        found = self._find(sha)
        if found is None:
            return False
        digest = hashlib.sha256()
        with open(found, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha
