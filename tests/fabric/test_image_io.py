"""Bad image files give clear errors: corrupt, truncated, 1×1, decompression bombs, missing."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.fabric.image_io import check_image, read_image, write_png


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def bomb_png(side: int = 40000) -> bytes:
    """A valid PNG header claiming side × side RGB pixels, with almost no data behind it."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")


def test_round_trip(tmp_path):
    img = np.random.default_rng(0).random((20, 30, 3)).astype(np.float32)
    back = read_image(write_png(img, tmp_path / "a.png"))
    assert back.shape == (20, 30, 3) and np.abs(back - img).max() <= 0.5 / 255 + 1e-6
    grey = np.linspace(0, 1, 400, dtype=np.float32).reshape(20, 20)
    back16 = read_image(write_png(grey, tmp_path / "h.png", bits=16), mode="I;16")
    assert np.abs(back16 - grey).max() < 1e-4


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    assert path.stat().st_size < 200
    with pytest.raises(InvalidInputError, match="decompression bomb") as err:
        read_image(path)
    assert "bomb.png" in str(err.value)


def test_image_above_our_limit_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(bomb_png(9000))  # 81 MP: below Pillow's own bomb limit, above ours
    with pytest.raises(InvalidInputError, match="9000×9000.*decompression bomb"):
        read_image(path)


def test_corrupt_file_names_the_file(tmp_path):
    path = tmp_path / "garbage.jpg"
    path.write_bytes(b"this is not an image at all" * 10)
    with pytest.raises(FileFormatError, match="garbage.jpg"):
        read_image(path)


def test_truncated_png_is_a_format_error(tmp_path):
    good = write_png(np.random.default_rng(1).random((64, 64, 3)).astype(np.float32), tmp_path / "full.png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(FileFormatError, match="cut.png.*corrupt or truncated"):
        read_image(cut)


def test_one_pixel_image_is_refused(tmp_path):
    path = write_png(np.zeros((1, 1, 3), np.float32), tmp_path / "dot.png")
    with pytest.raises(InvalidInputError, match="1×1"):
        read_image(path)
    with pytest.raises(InvalidInputError, match="1×1"):
        check_image(np.zeros((1, 1, 3), np.float32))


def test_missing_file_and_nan_pixels(tmp_path):
    with pytest.raises(InvalidInputError, match="no such image"):
        read_image(tmp_path / "nope.png")
    img = np.zeros((16, 16, 3), np.float32)
    img[3, 3, 1] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        check_image(img)
