"""The catalog's prints and trims: bundled entries, physical repeat sizes, and the catalog's safety rules
(bounded clean names, bundled entries never replaced, atomic writes) on both shelves."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import custom_nodes.fabric.catalog as catalog_mod
from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.core.fabric import PRINT_MAX_SIDE, PrintLayer
from custom_nodes.fabric.build_catalog import PRINTS, TRIMS, build_prints, build_trims
from custom_nodes.fabric.catalog import Catalog, default_catalog_dir
from custom_nodes.fabric.catalog_items import TrimEntry, load_artwork


@pytest.fixture()
def user_catalog(tmp_path):
    """A user catalog in a temporary folder, listed with the real bundled one (as ``Catalog()`` does)."""
    cat = Catalog(tmp_path / "mine")
    cat.bundled = default_catalog_dir()
    return cat


def test_bundled_prints_are_small_physical_and_tileable():
    shelf = Catalog().prints
    assert set(PRINTS) <= set(shelf.ids())
    for print_id, (_, _, width, _) in PRINTS.items():
        entry = shelf.get(print_id)
        assert entry.image_path.stat().st_size < 4096  # a few KB
        art = shelf.artwork(print_id)
        assert art.shape[2] == 4 and entry.repeat_size_m[0] == pytest.approx(width)
        assert entry.repeat_size_m[1] == pytest.approx(width * art.shape[0] / art.shape[1])
        # one repeat tiles: its wrap-around edge is no stronger than the artwork's own edges
        a = art[..., :3] * art[..., 3:]
        assert np.abs(a[:, 0] - a[:, -1]).mean() <= np.abs(np.diff(a, axis=1)).mean(axis=(0, 2)).max() + 1e-6
    checker = shelf.artwork("checkerboard")
    assert checker[..., 3].min() == 1.0  # opaque; the stripes and dots let the fabric show between them
    assert shelf.artwork("polka_dot")[..., 3].min() == 0.0 and shelf.artwork("breton_stripe")[..., 3].min() == 0.0


def test_a_print_layer_takes_the_catalog_repeat_size_unless_told():
    shelf = Catalog().prints
    assert shelf.layer("checkerboard").width_m == pytest.approx(0.2)
    layer = shelf.layer("polka_dot", width_m=0.1, offset_m=(0.02, 0.3), rotation_deg=45, panels=("front",))
    assert isinstance(layer, PrintLayer) and layer.width_m == 0.1 and layer.panels == ("front",)
    assert layer.name == "polka_dot" and np.allclose(layer.offset_m, [0.02, 0.3])


def test_bundled_trims_have_kinds_units_and_words():
    shelf = Catalog().trims
    assert [t.id for t in TRIMS] and {t.id for t in TRIMS} <= set(shelf.ids())
    rib, button = shelf.get("rib_1x1"), shelf.get("shirt_button")
    assert rib.kind == "rib" and rib.sold_by == "length" and rib.properties["width_m"] == 0.05
    assert button.kind == "button" and button.sold_by == "piece" and button.properties["diameter_m"] == 0.0115
    assert rib.describe() == "Rib 1x1 (rib), 95% cotton, 5% elastane, width 5 cm, stretch 80 %, weight 260 g/m², " \
                              "per metre"
    assert "diameter 1.15 cm" in button.describe() and "per piece" in button.describe()


def test_shelves_are_not_fabrics():
    cat = Catalog()
    assert "prints" not in cat.ids() and "trims" not in cat.ids()
    assert cat.free_id("Prints") == "prints_2"
    with pytest.raises(InvalidInputError, match="no fabric 'trims'"):
        cat.get("trims")


def test_generators_rebuild_the_bundled_shelves_byte_for_byte(tmp_path):
    assert build_prints(tmp_path) == list(PRINTS) and build_trims(tmp_path) == [t.id for t in TRIMS]
    for rel in ("prints/checkerboard/print.png", "prints/polka_dot/print.json", "trims/rib_1x1/trim.json"):
        assert (tmp_path / rel).read_bytes() == (default_catalog_dir() / rel).read_bytes(), rel


# --- saving: the catalog's rules ------------------------------------------------------------------------------


def test_user_prints_are_saved_beside_the_bundled_ones(user_catalog):
    art = np.random.default_rng(0).random((20, 40, 3)).astype(np.float32)
    entry = user_catalog.prints.save(art, "Leaf toile", 0.3, tags=("botanical",))
    assert entry.id == "leaf_toile" and entry.repeat_size_m == (0.3, 0.15)
    assert entry.folder.parent == user_catalog.root / "prints"
    assert {"leaf_toile", "checkerboard"} <= set(user_catalog.prints.ids())
    assert load_artwork(entry.image_path).shape == (20, 40, 4)


def test_a_bundled_print_or_trim_is_never_replaced(user_catalog):
    art = np.zeros((8, 8, 4), np.float32)
    entry = user_catalog.prints.save(art, "Checkerboard", 0.1)  # the bundled name: a distinct id
    assert entry.id == "checkerboard_2"
    assert user_catalog.prints.get("checkerboard").folder.parent == default_catalog_dir() / "prints"
    with pytest.raises(InvalidInputError, match="already exists.*tick overwrite"):
        user_catalog.prints.save(art, "Checkerboard 2", 0.1)
    trim = user_catalog.trims.save(TrimEntry("x", "Rib 1x1", "rib", properties={"width_m": 0.03}))
    assert trim.id == "rib_1x1_2" and user_catalog.trims.get("rib_1x1").properties["width_m"] == 0.05


def test_names_are_bounded_and_cleaned(user_catalog):
    art = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(InvalidInputError, match="61 characters long; keep it to 60"):
        user_catalog.prints.save(art, "x" * 61, 0.1)
    entry = user_catalog.prints.save(art, "  Dots/\tand\nlines\x00 ", 0.1)
    assert entry.name == "Dots- and lines" and entry.id == "dots_and_lines"
    with pytest.raises(InvalidInputError, match="trim name is 61 characters"):
        user_catalog.trims.save(TrimEntry("x", "y" * 61, "tape"))
    assert not (user_catalog.root / "trims").exists()  # nothing written for a refused name


def test_bad_values_name_the_field(user_catalog):
    art = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(InvalidInputError, match="repeat width must be 0.1–1000 cm, got 0 cm"):
        user_catalog.prints.save(art, "Zero", 0.0)
    with pytest.raises(InvalidInputError, match="at least 8 px"):
        user_catalog.prints.save(np.zeros((4, 4, 3)), "Tiny", 0.1)
    with pytest.raises(InvalidInputError, match=f"keep it to {PRINT_MAX_SIDE} px"):
        user_catalog.prints.save(np.zeros((8, PRINT_MAX_SIDE + 1, 3), np.float32), "Huge", 0.1)
    with pytest.raises(InvalidInputError, match="kind must be one of rib, binding, button"):
        user_catalog.trims.save(TrimEntry("x", "Velcro", "hook"))
    with pytest.raises(InvalidInputError, match="width_m must be a number in"):
        user_catalog.trims.save(TrimEntry("x", "Wide rib", "rib", properties={"width_m": 3.0}))
    with pytest.raises(InvalidInputError, match="unknown trim property 'width'"):
        user_catalog.trims.save(TrimEntry("x", "Rib", "rib", properties={"width": 3.0}))


def test_overwrite_replaces_only_when_complete(user_catalog, monkeypatch):
    art = np.zeros((8, 8, 3), np.float32)
    first = user_catalog.prints.save(art, "Mine", 0.1)
    before = (first.folder / "print.json").read_bytes()

    def broken_swap(tmp, target):
        raise OSError("disk full")

    monkeypatch.setattr("custom_nodes.fabric.catalog_items._swap_in", broken_swap)
    with pytest.raises(OSError):
        user_catalog.prints.save(np.ones((8, 8, 3), np.float32), "Mine", 0.2, overwrite=True)
    assert (first.folder / "print.json").read_bytes() == before
    assert sorted(p.name for p in (user_catalog.root / "prints").iterdir()) == ["mine"]  # no half entry left
    monkeypatch.setattr("custom_nodes.fabric.catalog_items._swap_in", catalog_mod._swap_in)
    again = user_catalog.prints.save(np.ones((8, 8, 3), np.float32), "Mine", 0.2, overwrite=True)
    assert again.repeat_size_m == (0.2, 0.2) and load_artwork(again.image_path)[..., :3].min() == 1.0


def test_a_folder_that_is_not_an_entry_is_never_replaced(user_catalog):
    (user_catalog.root / "prints" / "notes").mkdir(parents=True)
    (user_catalog.root / "prints" / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match="not a print entry"):
        user_catalog.prints.save(np.zeros((8, 8, 3)), "Notes", 0.1, overwrite=True)
    assert (user_catalog.root / "prints" / "notes" / "keep.txt").read_text() == "mine"


def test_malformed_records_name_the_file(tmp_path):
    shutil.copytree(default_catalog_dir() / "prints" / "checkerboard", tmp_path / "prints" / "checkerboard")
    shutil.copytree(default_catalog_dir() / "trims" / "rib_1x1", tmp_path / "trims" / "rib_1x1")
    cat = Catalog(tmp_path)
    (tmp_path / "prints" / "checkerboard" / "print.json").write_text(json.dumps({"id": "checkerboard"}))
    with pytest.raises(FileFormatError, match="print.json.*malformed print record"):
        cat.prints.get("checkerboard")
    (tmp_path / "prints" / "checkerboard" / "print.json").write_text(json.dumps(
        {"id": "checkerboard", "name": "C", "repeat_size_m": [0.2, 0.2], "image": "../../secret.png"}))
    with pytest.raises(FileFormatError, match="inside the print's folder"):
        cat.prints.get("checkerboard")
    (tmp_path / "trims" / "rib_1x1" / "trim.json").write_text(json.dumps({"id": "rib_1x1", "name": "R",
                                                                          "kind": "zipper"}))
    with pytest.raises(FileFormatError, match="trim.json.*kind must be one of"):
        cat.trims.get("rib_1x1")
    with pytest.raises(InvalidInputError, match="no print 'nope' in the catalog; known: \\['checkerboard'\\]"):
        cat.prints.get("nope")


def test_large_artwork_is_downscaled_on_load(tmp_path):
    from PIL import Image

    Image.new("RGB", (PRINT_MAX_SIDE * 2, 100), (200, 10, 10)).save(tmp_path / "wide.png")
    art = load_artwork(tmp_path / "wide.png")
    assert art.shape == (50, PRINT_MAX_SIDE, 4) and art[..., 3].min() == 1.0
