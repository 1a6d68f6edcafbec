"""Every malformed file in corpus/ fails with an error that names the problem (never a traceback)."""

from pathlib import Path

import numpy as np
import pytest

from custom_nodes.core.errors import AtelierError
from custom_nodes.pattern.pattern_io import load_pattern
from custom_nodes.pattern.triangulate import triangulate

CORPUS = Path(__file__).parent / "corpus"

CASES = [
    ("unclosed_outline.json", "not closed"),
    ("unclosed_outline.svg", "not closed"),
    ("self_intersecting.json", "self-intersecting"),
    ("unknown_units.json", "unknown units"),
    ("unknown_units.svg", "unknown units"),
    ("nan_coords.json", "NaN"),
    ("nan_coords.svg", "NaN|cannot parse"),
    ("empty.json", "empty"),
    ("empty.svg", "empty"),
    ("no_outline.svg", "no cutting outline"),
    ("not_a_pattern.dxf", "no piece boundary"),
]


@pytest.mark.parametrize(("name", "message"), CASES)
def test_malformed_file_is_refused_with_a_named_problem(name, message):
    with pytest.raises(AtelierError, match=message) as info:
        load_pattern(CORPUS / name)
    assert name in str(info.value)  # the message names the file


def test_very_unequal_seam_is_refused_when_meshing():
    pattern = load_pattern(CORPUS / "unequal_seam.json")
    with pytest.raises(AtelierError, match="very different length") as info:
        triangulate(pattern, 0.02)
    assert "10.0 cm" in str(info.value) and "40.0 cm" in str(info.value)


def test_hundred_megabytes_of_garbage(tmp_path):
    junk = tmp_path / "garbage.json"
    block = np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    with junk.open("wb") as fh:
        for _ in range(100):
            fh.write(block)
    try:
        for suffix in (".json", ".svg", ".dxf"):
            junk = junk.rename(junk.with_suffix(suffix))
            with pytest.raises(AtelierError, match="too large"):
                load_pattern(junk)
    finally:
        junk.unlink()  # do not leave 100 MB behind in pytest's kept temp folders


def test_small_garbage_is_not_a_pattern(tmp_path):
    for suffix in (".json", ".svg", ".dxf"):
        junk = tmp_path / f"junk{suffix}"
        junk.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
        with pytest.raises(AtelierError):
            load_pattern(junk)


def test_unknown_file_type(tmp_path):
    with pytest.raises(AtelierError, match="unknown pattern file type"):
        load_pattern(tmp_path / "x.pdf")
