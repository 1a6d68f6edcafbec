"""Safe by default: what the studio accepts from a browser, what it serves back, and what it says.

Uploads are checked for size, type (by content, not by name), pixel count and decodability before
anything else reads them; file names are reduced to a safe basename; text fields are cleaned and
capped. Every message a user sees passes through :func:`user_message` (for exceptions) or
:func:`node_failure` (for a node that failed inside a job): errors written for users (Atelier's own,
:class:`UserError`) are shown without the server's folders, anything else becomes "something went
wrong in <step>" while the traceback goes to the studio log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
import warnings
from pathlib import Path

log = logging.getLogger("atelier.studio")

MAX_UPLOAD_BYTES = 50 * 2**20  # 50 MiB, any upload (Gradio refuses bigger ones before they arrive)
MAX_POSE_BYTES = 2 * 2**20  # a pose JSON is a few kB
MAX_PIXELS = 40_000_000  # ≈ 6300²: larger photos are refused before decoding (decompression bombs)
MIN_SIDE = 16  # pixels: smaller images hold nothing to work with
MAX_NAME_CHARS = 60  # a fabric's name
MAX_TEXT_CHARS = 300  # free prompt words
MAX_BATCH_JOBS = 200  # combinations one batch may ask for
IMAGE_TYPES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
PATTERN_SUFFIXES = (".svg", ".dxf", ".json")
MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply")

#: What the upload fields say they take (and what check_upload enforces).
LIMITS = {
    "image": f"PNG, JPEG or WebP, up to {MAX_UPLOAD_BYTES >> 20} MiB and {MAX_PIXELS // 1_000_000} megapixels",
    "pattern": f"SVG, DXF-AAMA or GarmentCode JSON, up to {MAX_UPLOAD_BYTES >> 20} MiB",
    "mesh": f"GLB, OBJ or PLY, up to {MAX_UPLOAD_BYTES >> 20} MiB",
    "pose": f"OpenPose-18 JSON, up to {MAX_POSE_BYTES >> 20} MiB",
}


class UserError(ValueError):
    """A problem with what the user gave or asked for; the message is written for them and shown as it is."""


class UploadRejected(UserError):
    """An upload the studio will not take; the message says why, with the limit."""


def safe_name(name: str, default: str = "upload") -> str:
    """A file name with no folders, no leading dots and only ``[A-Za-z0-9._-]``."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._")
    return base[:100] or default


# --- uploads -------------------------------------------------------------------------------------


def check_upload(path: str | Path, kind: str) -> Path:
    """Check an uploaded file (``kind``: image, pattern, mesh, pose) and return its path.

    Nothing is decoded before its size is known to be within the limits; raises UploadRejected.
    """
    path = Path(path)
    shown = safe_name(path.name)
    if not path.is_file():
        raise UploadRejected("the upload did not arrive; please try again")
    size = path.stat().st_size
    if size == 0:
        raise UploadRejected(f"'{shown}' is empty")
    limit = MAX_POSE_BYTES if kind == "pose" else MAX_UPLOAD_BYTES
    if size > limit:
        raise UploadRejected(f"'{shown}' is {size / 2**20:.1f} MiB; the limit is {limit >> 20} MiB")
    if kind == "image":
        _check_image(path, shown)
    elif kind == "pose":
        _check_pose(path, shown)
    elif kind == "pattern" and path.suffix.lower() not in PATTERN_SUFFIXES:
        raise UploadRejected(f"patterns must be {', '.join(PATTERN_SUFFIXES)} files, not '{path.suffix or shown}'")
    elif kind == "mesh" and path.suffix.lower() not in MESH_SUFFIXES:
        raise UploadRejected(f"avatars must be {', '.join(MESH_SUFFIXES)} files, not '{path.suffix or shown}'")
    elif kind in ("pattern", "mesh"):
        _check_content(path, shown)
    return path


#: What the first bytes of a binary upload must be, by suffix; the other pattern and mesh formats are text.
_MAGIC = {".glb": (b"glTF", "a GLB file (binary glTF)"), ".ply": (b"ply", "a PLY file")}
_TEXT = {".svg": "an SVG drawing", ".dxf": "a DXF file", ".json": "a JSON file", ".gltf": "a glTF file",
         ".obj": "an OBJ file"}


def _check_content(path: Path, shown: str) -> None:
    """A pattern or mesh is what its suffix says, by content: binary formats by their signature, text
    formats by having no NUL bytes in their first 64 KiB (random bytes or an image renamed are refused
    here, before a job starts)."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(65536)
    if suffix in _MAGIC:
        magic, what = _MAGIC[suffix]
        if not head.startswith(magic):
            raise UploadRejected(f"'{shown}' is not {what}")
    elif suffix in _TEXT and b"\0" in head and not head.startswith(b"AutoCAD Binary DXF"):
        raise UploadRejected(f"'{shown}' is not {_TEXT[suffix]} (it is not text)")


def _check_image(path: Path, shown: str) -> None:
    from PIL import Image, UnidentifiedImageError

    not_image = UploadRejected(f"'{shown}' is not a PNG, JPEG or WebP image the studio can read")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:  # reads the header only
                kind, (w, h) = im.format, im.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(pixels.group(1)) // 1_000_000} megapixels" if pixels else "far too many pixels"
        raise UploadRejected(f"'{shown}' has {size}; the limit is {MAX_PIXELS // 1_000_000} megapixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise not_image from None
    if kind not in IMAGE_TYPES:
        raise UploadRejected(f"'{shown}' is a {kind} image; use PNG, JPEG or WebP")
    if w * h > MAX_PIXELS:
        raise UploadRejected(f"'{shown}' is {w}×{h} pixels ({w * h / 1e6:.0f} megapixels); the limit is "
                             f"{MAX_PIXELS // 1_000_000} megapixels")
    if min(w, h) < MIN_SIDE:
        raise UploadRejected(f"'{shown}' is {w}×{h} pixels; it needs at least {MIN_SIDE} pixels a side")
    try:  # the size is safe now: decode it all once, so a truncated or corrupt file is caught here
        with Image.open(path) as im:
            im.load()
    except Exception:  # noqa: BLE001 - whatever the decoder says, the file is not a usable image
        raise not_image from None


def _check_pose(path: Path, shown: str) -> None:
    try:
        doc = json.loads(path.read_bytes())
    except RecursionError:
        raise UploadRejected(f"'{shown}' is nested too deeply to be a pose file") from None
    except (ValueError, UnicodeDecodeError):
        raise UploadRejected(f"'{shown}' is not a JSON file (a pose needs OpenPose-18 JSON)") from None
    if not isinstance(doc, (dict, list)):
        raise UploadRejected(f"'{shown}' holds no pose (expected OpenPose JSON with 'people')")


# --- text fields ---------------------------------------------------------------------------------


def clean_text(text: str | None, *, limit: int, what: str, required: bool = False) -> str:
    """``text`` with line breaks, tabs and control characters gone and spaces collapsed; too long
    (or empty, when ``required``) is a UserError that names ``what`` and the limit."""
    out = "".join(" " if ch.isspace() else ch for ch in str(text or ""))
    out = " ".join("".join(ch for ch in out if not unicodedata.category(ch).startswith("C")).split())
    if required and not out:
        raise UserError(f"the {what} is empty")
    if len(out) > limit:
        raise UserError(f"the {what} is {len(out)} characters long; keep it to {limit} or fewer")
    return out


def clean_name(text: str | None, what: str = "fabric name") -> str:
    """A fabric name: cleaned, at most :data:`MAX_NAME_CHARS`, with path separators made harmless and at
    least one letter or digit."""
    name = clean_text(re.sub(r"[/\\]+", "-", str(text or "")), limit=MAX_NAME_CHARS, what=what, required=True)
    if not re.search(r"[A-Za-z0-9]", name):
        raise UserError(f"the {what} needs at least one letter a-z or digit")
    return name


# --- what users are told -------------------------------------------------------------------------

_PATH = re.compile(r"(?<![\w:/.~-])(?:[A-Za-z]:[\\/]|/|~/)(?:[^\s'\"/\\<>|]+[\\/])+([^\s'\"/\\<>|]*)")


def scrub(text: str) -> str:
    """``text`` without the server's folders: every absolute path becomes its last part."""
    return _PATH.sub(lambda m: m.group(1) or "…", str(text))


def _user_error_types() -> set[str]:
    """Names of the exception types whose messages are written for users."""
    from custom_nodes.core.errors import AtelierError

    found, todo = set(), [AtelierError, UserError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found - {"Cancelled"}


def generic(step: str) -> str:
    return f"Something went wrong in {step}; the details are in the studio log."


def user_message(exc: BaseException, step: str) -> str:
    """What to tell the user about ``exc``, which happened while ``step`` (in words, e.g. "the fabric
    scan"). Messages written for users are passed on without server paths; anything else is logged
    with its traceback and replaced by a generic sentence naming the step."""
    from custom_nodes.core.errors import AtelierError, Cancelled, ModelMissingError

    if isinstance(exc, Cancelled):
        return "Cancelled."
    if isinstance(exc, ModelMissingError):
        log.warning("%s: %s", step, exc)
        return (f"{step[:1].upper()}{step[1:]} needs the model file '{exc.file}', which is not installed; "
                "whoever runs the studio can list what is missing with `python install.py --check`.")
    if isinstance(exc, (AtelierError, UserError)) and "Traceback" not in str(exc):
        return scrub(str(exc)).strip() or generic(step)
    log.error("%s failed", step, exc_info=(type(exc), exc, exc.__traceback__))
    return generic(step)


def node_failure(error: dict, title: str) -> str:
    """What to tell the user about a node (titled ``title``) that raised inside a job: ComfyUI's or
    the local runner's ``execution_error`` data. Its own message when it is written for users (an
    Atelier error, named by type); otherwise a generic sentence, and the traceback goes to the log."""
    kind = str(error.get("exception_type", "")).rsplit(".", 1)[-1]
    message = str(error.get("exception_message", "")).strip()
    if kind == "Cancelled":
        return "Cancelled."
    if kind in _user_error_types() and message and "Traceback" not in message:
        return f"{title}: {scrub(message)}"
    if "out of memory" in message.lower():
        log.error("%s ran out of memory: %s", title, message)
        return f"{title} ran out of memory; try a smaller photo, a coarser mesh or fewer frames."
    trace = "".join(error.get("traceback") or [])
    log.error("node %s (%s) failed: %s: %s\n%s", title, error.get("node_type", "?"), kind or "error", message, trace)
    return generic(title)


# --- who may see what ----------------------------------------------------------------------------


def owner_key(username: str | None, browser_token: str | None) -> str:
    """Who owns a job: the logged-in user, else the browser (a random token kept in its local storage,
    stored here only as a hash). '' when neither is known: such jobs are listed to nobody."""
    if username:
        return f"user:{username}"
    token = str(browser_token or "")
    if len(token) >= 16:
        return "browser:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return ""


def persistent_secret(folder: str | Path, name: str = ".studio_secret") -> str:
    """A random secret kept in ``folder`` (created once, readable by its owner only): what the browser
    tokens are encrypted with, so they stay valid across restarts."""
    path = Path(folder) / name
    try:
        secret = path.read_text().strip()
        if len(secret) >= 32:
            return secret
    except OSError:
        pass
    import secrets

    secret = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret


def inside(folder: str | Path, path: str | Path) -> bool:
    """True when ``path`` resolves to a location inside ``folder`` (symlinks followed)."""
    folder, path = Path(folder).resolve(), Path(path).resolve()
    return path == folder or folder in path.parents


def auth_from_env() -> tuple[str, str] | None:
    """(user, password) from ATELIER_STUDIO_USER / ATELIER_STUDIO_PASSWORD, when both are set."""
    user, password = os.environ.get("ATELIER_STUDIO_USER"), os.environ.get("ATELIER_STUDIO_PASSWORD")
    return (user, password) if user and password else None


def servers_from_env() -> list[str]:
    """The ComfyUI servers the studio may use: ATELIER_COMFYUI_URLS only (comma-separated), never a
    browser's or an API caller's text."""
    return [u.strip().rstrip("/") for u in os.environ.get("ATELIER_COMFYUI_URLS", "").split(",") if u.strip()]


def allowed_servers(chosen, configured: list[str]) -> list[str]:
    """The servers of ``chosen`` (whatever a request sent) that are among ``configured``; the rest are dropped."""
    if isinstance(chosen, str):
        chosen = chosen.split(",")
    picked = {str(u).strip().rstrip("/") for u in (chosen or [])}
    return [u for u in configured if u in picked]
