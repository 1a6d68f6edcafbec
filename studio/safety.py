"""Safe by default: what the studio accepts from a browser and what it serves back.

Uploads are checked for size, type (by content, not by name) and pixel count before anything decodes
them; file names are reduced to a safe basename; served files must lie inside the output folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MAX_UPLOAD_BYTES = 50 * 2**20  # 50 MiB
MAX_PIXELS = 40_000_000  # ≈ 6300²: larger photos are refused before decoding (decompression bombs)
IMAGE_TYPES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
PATTERN_SUFFIXES = (".svg", ".dxf", ".json")
MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply")


class UploadRejected(ValueError):
    """An upload the studio will not take; the message is shown to the user as it is."""


def safe_name(name: str, default: str = "upload") -> str:
    """A file name with no folders, no leading dots and only ``[A-Za-z0-9._-]``."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._")
    return base[:100] or default


def check_upload(path: str | Path, kind: str) -> Path:
    """Check an uploaded file (``kind``: image, pattern, mesh) and return its path."""
    path = Path(path)
    if not path.is_file():
        raise UploadRejected("the upload did not arrive; please try again")
    size = path.stat().st_size
    if size == 0:
        raise UploadRejected(f"'{safe_name(path.name)}' is empty")
    if size > MAX_UPLOAD_BYTES:
        raise UploadRejected(f"'{safe_name(path.name)}' is {size / 2**20:.0f} MiB; the limit is {MAX_UPLOAD_BYTES >> 20} MiB")
    if kind == "image":
        _check_image(path)
    elif kind == "pattern" and path.suffix.lower() not in PATTERN_SUFFIXES:
        raise UploadRejected(f"patterns must be {', '.join(PATTERN_SUFFIXES)} files, not '{path.suffix}'")
    elif kind == "mesh" and path.suffix.lower() not in MESH_SUFFIXES:
        raise UploadRejected(f"avatars must be {', '.join(MESH_SUFFIXES)} files, not '{path.suffix}'")
    return path


def _check_image(path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:  # reads the header only
            kind, (w, h) = im.format, im.size
    except (UnidentifiedImageError, OSError):
        raise UploadRejected(f"'{safe_name(path.name)}' is not a PNG, JPEG or WebP image") from None
    if kind not in IMAGE_TYPES:
        raise UploadRejected(f"'{safe_name(path.name)}' is a {kind} image; use PNG, JPEG or WebP")
    if w * h > MAX_PIXELS:
        raise UploadRejected(f"'{safe_name(path.name)}' is {w}×{h} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels")


def inside(folder: str | Path, path: str | Path) -> bool:
    """True when ``path`` resolves to a location inside ``folder`` (symlinks followed)."""
    folder, path = Path(folder).resolve(), Path(path).resolve()
    return path == folder or folder in path.parents


def auth_from_env() -> tuple[str, str] | None:
    """(user, password) from ATELIER_STUDIO_USER / ATELIER_STUDIO_PASSWORD, when both are set."""
    user, password = os.environ.get("ATELIER_STUDIO_USER"), os.environ.get("ATELIER_STUDIO_PASSWORD")
    return (user, password) if user and password else None
