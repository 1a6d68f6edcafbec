"""The catalog cannot be pointed anywhere, names are bounded and clean, and an overwrite never loses
the old entry: it is replaced only once the new one is complete."""

from __future__ import annotations

import os
import sys
import types

import numpy as np
import pytest

import custom_nodes.fabric.catalog as catalog_mod
from custom_nodes.core.bridge import numpy_to_image
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.paths import REPO_ROOT, using_directories
from custom_nodes.fabric.catalog import (
    NAME_MAX,
    Catalog,
    catalog_folder,
    clean_text,
    import_image,
    user_catalog_dir,
)
from custom_nodes.fabric.nodes import AtelierFabricFromCatalog, AtelierSaveToCatalog


def tile(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((32, 32, 3)).astype(np.float32)


def save_node(name: str, catalog_dir: str, overwrite: bool = False, seed: int = 0):
    return AtelierSaveToCatalog().save(numpy_to_image(tile(seed)), name, "poplin", "", "", 0.0, 5.0, 4.0,
                                       catalog_dir, overwrite)


def tree(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def out(tmp_path):
    """An output folder for the test, and a victim folder beside it that must never change."""
    (tmp_path / "output").mkdir()
    victim = tmp_path / "victim" / "denim"
    victim.mkdir(parents=True)
    (victim / "precious.txt").write_text("keep me")
    with using_directories(output=tmp_path / "output", input=tmp_path / "input"):
        yield tmp_path


# --- where a catalog may be -------------------------------------------------------------------------


def test_empty_catalog_dir_is_the_default_catalog(out):
    assert catalog_folder("") is None and catalog_folder("   ") is None
    assert catalog_folder(str(user_catalog_dir())) is None  # the user's own catalog, with the bundled


def test_allowed_catalog_folders(out):
    assert catalog_folder("team_a") == (user_catalog_dir() / "team_a").resolve()
    assert catalog_folder(str(user_catalog_dir() / "team_b")) == (user_catalog_dir() / "team_b").resolve()
    assert catalog_folder(str(out / "output" / "fabrics")) == (out / "output" / "fabrics").resolve()


@pytest.mark.parametrize("text", ["../../victim", "/etc", "~", "team/../../../victim"])
def test_catalog_dir_outside_the_allowed_folders_is_refused(out, text):
    with pytest.raises(InvalidInputError, match="catalog folder must be inside") as err:
        catalog_folder(text)
    assert "catalog_dir" in str(err.value) and str(out) not in str(err.value)


def test_absolute_catalog_dir_elsewhere_and_links_out_are_refused(out):
    with pytest.raises(InvalidInputError, match="is not"):
        catalog_folder(str(out / "victim"))
    user_catalog_dir().mkdir(parents=True, exist_ok=True)
    link = user_catalog_dir() / f"link_{out.name}"
    link.symlink_to(out / "victim", target_is_directory=True)
    with pytest.raises(InvalidInputError, match="link that leads outside"):
        catalog_folder(link.name)


def test_the_pack_is_never_a_catalog_folder(out, monkeypatch):
    monkeypatch.setattr(catalog_mod, "output_directory", lambda: REPO_ROOT)  # even if output were the pack
    with pytest.raises(InvalidInputError, match="inside the Atelier pack"):
        catalog_folder(str(REPO_ROOT / "fabrics"))


def test_inside_comfyui_its_models_folder_is_allowed(out, monkeypatch):
    fp = types.ModuleType("folder_paths")
    fp.models_dir = str(out / "comfy" / "models")
    fp.folder_names_and_paths = {}
    for kind in ("input", "output", "temp"):
        setattr(fp, f"get_{kind}_directory", lambda kind=kind: str(out / "comfy" / kind))
    monkeypatch.setitem(sys.modules, "folder_paths", fp)
    with using_directories():  # no override: ComfyUI's folders
        assert catalog_folder(str(out / "comfy" / "models" / "fabrics")).name == "fabrics"
        with pytest.raises(InvalidInputError, match="ComfyUI's output or models folder"):
            catalog_folder(str(out / "victim"))


def test_save_node_with_a_foreign_catalog_dir_and_overwrite_touches_nothing(out):
    before = tree(out / "victim")
    for catalog_dir in (str(out / "victim"), "../../victim", "/"):
        with pytest.raises(InvalidInputError, match="catalog folder must be inside"):
            save_node("denim", catalog_dir, overwrite=True)
        with pytest.raises(InvalidInputError, match="catalog folder must be inside"):
            AtelierFabricFromCatalog().load("denim", "", catalog_dir)
    assert tree(out / "victim") == before


def test_overwrite_never_replaces_a_folder_that_is_not_a_fabric(out):
    (out / "output" / "atelier").mkdir()
    (out / "output" / "atelier" / "render_00001_.png").write_bytes(b"png")
    with pytest.raises(InvalidInputError, match="not a fabric entry"):
        save_node("atelier", str(out / "output"), overwrite=True)
    assert (out / "output" / "atelier" / "render_00001_.png").read_bytes() == b"png"


# --- names --------------------------------------------------------------------------------------------


def test_a_one_megabyte_name_is_refused_and_nothing_is_written(out):
    sub = f"names_{out.name}"
    with pytest.raises(InvalidInputError, match=f"1048576 characters long; keep it to {NAME_MAX} or fewer") as err:
        save_node("x" * 2**20, sub)
    assert len(str(err.value)) < 200
    assert not (user_catalog_dir() / sub).exists() or not any((user_catalog_dir() / sub).iterdir())


def test_name_length_limit_is_sixty_characters(tmp_path):
    cat = Catalog(tmp_path)
    entry = import_image(cat, tile(), "a" * NAME_MAX, preset="poplin")
    assert entry.name == "a" * NAME_MAX and len(entry.id) == NAME_MAX
    with pytest.raises(InvalidInputError, match="61 characters long"):
        import_image(cat, tile(), "b" * (NAME_MAX + 1), preset="poplin")


def test_names_are_cleaned_of_control_characters_and_path_separators(tmp_path):
    assert clean_text("  Silk\tcharmeuse\n#2 ") == "Silk charmeuse #2"
    assert clean_text("Cotton/Linen\\blend") == "Cotton-Linen-blend"
    assert clean_text("bell\x07\x00 \u202eevil\u200b") == "bell evil"
    entry = import_image(Catalog(tmp_path), tile(), "../../etc/\x1b[31mred", preset="poplin")
    assert entry.name == "..-..-etc-[31mred" and entry.id == "etc_31mred"
    assert entry.folder == tmp_path / "etc_31mred" and (tmp_path / "etc_31mred" / "fabric.json").is_file()


@pytest.mark.parametrize("name", ["", "   ", "\x00\x01\x02", "\n\t"])
def test_empty_names_are_refused(tmp_path, name):
    with pytest.raises(InvalidInputError, match="name is empty"):
        import_image(Catalog(tmp_path), tile(), name, preset="poplin")


def test_names_without_letters_or_digits_are_refused_in_user_words(tmp_path):
    with pytest.raises(InvalidInputError, match="no letters a-z or digits"):
        import_image(Catalog(tmp_path), tile(), "#$%!", preset="poplin")


def test_composition_and_tags_are_bounded_too(tmp_path):
    cat = Catalog(tmp_path)
    with pytest.raises(InvalidInputError, match="composition is 1000 characters long"):
        import_image(cat, tile(), "c", preset="poplin", composition="x" * 1000)
    with pytest.raises(InvalidInputError, match="tag is 41 characters long"):
        import_image(cat, tile(), "c", preset="poplin", tags=("y" * 41,))
    with pytest.raises(InvalidInputError, match="21 tags"):
        import_image(cat, tile(), "c", preset="poplin", tags=tuple(f"t{i}" for i in range(21)))
    entry = import_image(cat, tile(), "c", preset="poplin", composition="60% cotton\n40% linen", tags=("a\tb", ""))
    assert entry.composition == "60% cotton 40% linen" and entry.tags == ("scan", "a b")


# --- overwrite ----------------------------------------------------------------------------------------


def test_overwrite_needs_the_flag(out):
    sub = f"flag_{out.name}"
    save_node("twill", sub, seed=1)
    with pytest.raises(InvalidInputError, match="already exists in the catalog; tick overwrite"):
        save_node("twill", sub, seed=2)
    out2 = save_node("twill", sub, overwrite=True, seed=2)
    assert out2["result"][0] == "twill"


def _failing_write_png(after: int):
    """``write_png`` that fails on call ``after + 1`` (midway through an entry's four maps)."""
    real, calls = catalog_mod.write_png, {"n": 0}

    def write(image, path, **kw):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(28, "No space left on device")
        return real(image, path, **kw)

    return write


def test_a_failed_overwrite_keeps_the_old_entry(tmp_path, monkeypatch):
    cat = Catalog(tmp_path)
    import_image(cat, tile(1), "keep me", preset="poplin", composition="old")
    before = tree(tmp_path / "keep_me")
    for after in (0, 2, 3):  # fail on the first map, midway, on the last one
        monkeypatch.setattr(catalog_mod, "write_png", _failing_write_png(after))
        with pytest.raises(OSError, match="No space left"):
            import_image(cat, tile(2), "keep me", preset="denim", composition="new", overwrite=True)
        assert tree(tmp_path / "keep_me") == before
        assert cat.get("keep_me").composition == "old"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["keep_me"]  # no temporary folder left


def test_a_failed_fabric_json_keeps_the_old_entry(tmp_path, monkeypatch):
    cat = Catalog(tmp_path)
    import_image(cat, tile(1), "keep me", preset="poplin")
    before = tree(tmp_path / "keep_me")
    monkeypatch.setattr(catalog_mod.json, "dumps", lambda *a, **k: (_ for _ in ()).throw(ValueError("boom")))
    with pytest.raises(ValueError, match="boom"):
        import_image(cat, tile(2), "keep me", preset="poplin", overwrite=True)
    assert tree(tmp_path / "keep_me") == before and sorted(p.name for p in tmp_path.iterdir()) == ["keep_me"]


def test_a_failed_swap_puts_the_old_entry_back(tmp_path, monkeypatch):
    cat = Catalog(tmp_path)
    import_image(cat, tile(1), "keep me", preset="poplin")
    before = tree(tmp_path / "keep_me")
    real, calls = os.replace, []

    def replace(src, dst):
        if os.path.dirname(dst) == str(tmp_path):  # the entry folders' renames, not the maps' own
            calls.append((str(src), str(dst)))
            if len(calls) == 2:  # old → backup went through; new → final fails
                raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(catalog_mod.os, "replace", replace)
    with pytest.raises(OSError, match="Input/output error"):
        import_image(cat, tile(2), "keep me", preset="poplin", overwrite=True)
    assert len(calls) == 3 and calls[2][1] == str(tmp_path / "keep_me")  # backup → final: restored
    assert tree(tmp_path / "keep_me") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep_me"]


def test_a_successful_overwrite_replaces_the_entry_and_leaves_no_backup(tmp_path):
    cat = Catalog(tmp_path)
    import_image(cat, tile(1), "swap me", preset="poplin", composition="old")
    import_image(cat, tile(2), "swap me", preset="denim", composition="new", overwrite=True)
    assert cat.get("swap_me").composition == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["swap_me"]


def test_unknown_fabric_message_shows_no_server_path(tmp_path):
    with pytest.raises(InvalidInputError, match="no fabric 'nope' in the catalog") as err:
        Catalog(tmp_path).get("nope")
    assert str(tmp_path) not in str(err.value)
