"""Safe image reading and writing for fabric photos and maps.

Photos come from users, so reading is defensive: the header is checked *before* any pixel is decoded
(a 40000 × 40000 PNG is a decompression bomb: a few hundred bytes on disk, gigabytes in memory), tiny
images (1 × 1) are refused, and a truncated or corrupt file becomes a :class:`FileFormatError` that
names the file instead of a Pillow traceback. Writes go through ``atomic_write_bytes``.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.errors import FileFormatError, InvalidInputError
from ..core.serial import atomic_write_bytes

#: Largest photo we decode: 64 megapixels (an 8000 × 8000 scan). Anything above is refused from the header.
MAX_PIXELS = 64_000_000
#: Smallest side a fabric image may have: below this there is no texture to analyse.
MIN_SIDE = 8


def check_size(width: int, height: int, where: str, *, min_side: int = MIN_SIDE,
               max_pixels: int = MAX_PIXELS, path: str | Path | None = None) -> None:
    """Refuse images that are too small to hold a texture or too large to decode safely."""
    if min(width, height) < min_side:
        raise InvalidInputError(f"image is {width}×{height} px; a fabric image needs at least "
                                f"{min_side} px per side", field=where, path=path)
    if width * height > max_pixels:
        raise InvalidInputError(f"image is {width}×{height} px ({width * height / 1e6:.0f} MP), above the "
                                f"{max_pixels / 1e6:.0f} MP limit (possible decompression bomb); downscale it first",
                                field=where, path=path)


def check_image(image: np.ndarray, where: str = "image", *, min_side: int = MIN_SIDE) -> np.ndarray:
    """Validate an RGB image array → ``(h, w, 3)`` float32 in 0..1 (a copy, NaNs refused)."""
    arr = np.asarray(image)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=-1)
    if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
        raise InvalidInputError(f"expected an (h, w, 3) image, got shape {arr.shape}", field=where)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    arr = np.array(arr[..., :3], np.float32)
    if not np.isfinite(arr).all():
        raise InvalidInputError("image contains NaN or infinite values", field=where)
    check_size(arr.shape[1], arr.shape[0], where, min_side=min_side)
    return np.clip(arr, 0.0, 1.0)


def read_image(path: str | Path, *, max_pixels: int = MAX_PIXELS, mode: str = "RGB") -> np.ndarray:
    """Read a photo or map → ``(h, w, 3)`` float32 0..1 (``mode="L"``: ``(h, w)``; ``"I;16"``: 16-bit grey).

    Raises ``InvalidInputError`` for a missing file or a bad size, ``FileFormatError`` for anything that
    is not a complete image.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError("no such image file", path=path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:  # lazy: only the header has been read here
                check_size(img.width, img.height, "image", max_pixels=max_pixels, path=path)
                img.load()
                return _to_array(img, mode)
    except InvalidInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInputError(f"refused as a decompression bomb: {exc}", path=path) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise FileFormatError(f"not a readable image (corrupt or truncated): {exc}", path=path) from None


def _to_array(img: Image.Image, mode: str) -> np.ndarray:
    if mode == "I;16":
        arr = np.asarray(img, dtype=np.float32)
        return (arr / (65535.0 if arr.max(initial=0) > 255 else 255.0)).astype(np.float32)
    return np.asarray(img.convert(mode), dtype=np.float32) / 255.0


def encode_png(image: np.ndarray, *, bits: int = 8) -> bytes:
    """Encode a 0..1 float image ``(h, w)`` or ``(h, w, 3)`` as PNG bytes (16-bit only for grey)."""
    arr = np.clip(np.nan_to_num(np.asarray(image, np.float32)), 0.0, 1.0)
    if bits == 16 and arr.ndim == 2:
        img = Image.fromarray(np.round(arr * 65535.0).astype(np.uint16))
    else:
        img = Image.fromarray(np.round(arr * 255.0).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write_png(image: np.ndarray, path: str | Path, *, bits: int = 8) -> Path:
    """Write a 0..1 float image as PNG atomically (never a half-written file)."""
    return atomic_write_bytes(path, encode_png(image, bits=bits))
