"""Exporting a design version: pattern files that re-import, media as given, a one-page tech sheet."""

from __future__ import annotations

import json
import zipfile
from html.parser import HTMLParser

import pytest

from custom_nodes.core.design import Body, Design, Look, MediaRef, PatternSource, Print, Trim
from custom_nodes.core.errors import InvalidInputError

pytest.importorskip("sqlalchemy", reason="the 'designs' extra is not installed")
pytest.importorskip("ezdxf", reason="the 'pattern' extra is not installed")
from custom_nodes.core.measurements import size_measurements  # noqa: E402
from custom_nodes.pattern.pattern_io import load_pattern, save_pattern  # noqa: E402
from custom_nodes.pattern.templates import draft  # noqa: E402
from studio.designs import DesignStore  # noqa: E402
from studio.designs.export import export_design  # noqa: E402


@pytest.fixture()
def store(tmp_path):
    with DesignStore(tmp_path / "designs.sqlite") as s:
        yield s


def _design(store) -> Design:
    art = store.add_media(b"\x89PNG artwork", "flowers.png", "print")
    render = store.add_media(b"\x89PNG render", "front.png", "render")
    glb = store.add_media(b"glTF drape", "drape.glb", "glb")
    return Design.new("Boxy tee", "tshirt", "S", "denim", season="SS27", notes="Twin needle <hem>",
                      body=Body("S", measurements_m={"chest_girth": 0.95}),
                      panels={"front": Look("cotton_jersey", colour_srgb=(1.0, 0.0, 0.0),
                                            print=Print(art, (0.0, 0.05), 0.2, 15.0))},
                      trims=(Trim("ykk_zip_5", "front zip", 1, 0.6, "front"),), media=(render, glb))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.images = [], []

    def handle_data(self, data):
        self.text.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])


def test_export_folder_holds_pattern_media_and_tech_sheet(store, tmp_path):
    design = _design(store)
    v = store.create(design, author="ana", message="for the factory")
    result = export_design(store, v.id, tmp_path / "out")
    out = tmp_path / "out"
    assert result.missing == []
    assert {"design.json", "tech_sheet.html", "pattern/Boxy_tee.svg", "pattern/Boxy_tee.dxf", "media/front.png",
            "media/drape.glb", "prints/flowers.png"} <= set(result.files)
    assert Design.from_json((out / "design.json").read_text()) == design
    assert (out / "media" / "drape.glb").read_bytes() == b"glTF drape"
    # the pattern files re-import through the pattern package's readers, with the drafted panels
    drafted = draft({**size_measurements("S"), "chest_girth": 0.95}, design.template_settings())
    names = sorted(p.name for p in drafted.panels)
    assert sorted(p.name for p in load_pattern(out / "pattern" / "Boxy_tee.svg").panels) == names
    assert len(load_pattern(out / "pattern" / "Boxy_tee.dxf").panels) == len(names)
    # the tech sheet: every figure a factory needs, in cm, and images that exist in the export
    sheet = _Text()
    sheet.feed((out / "tech_sheet.html").read_text())
    text = " ".join(" ".join(sheet.text).split())
    for words in ("Boxy tee", "Version 1", "by ana", "chest girth * 95 cm", "hip girth 94 cm", "chest ease 10 cm",
                  "Denim", "#ff0000", "flowers.png: width 20 cm, offset (0, 5) cm, rotation 15°", "front zip",
                  "60 cm", "Twin needle <hem>", "max frames 400"):
        assert words in text, words
    assert all((out / src).is_file() for src in sheet.images) and len(sheet.images) == 3


def test_export_zip_and_missing_media(store, tmp_path):
    gone = MediaRef("f" * 64, "lost_render.png", "render")
    design = Design.new("Skirt", "skirt_aline", "M", "linen", media=(gone,))
    v = store.create(design, author="ana")
    result = export_design(store, v.id, tmp_path / "skirt.zip", pattern_formats=("svg",))
    assert result.missing == ["lost_render.png"]
    with zipfile.ZipFile(tmp_path / "skirt.zip") as zf:
        names = zf.namelist()
        assert "Skirt/design.json" in names and "Skirt/pattern/Skirt.svg" in names
        assert not any(n.endswith(".dxf") for n in names)
        assert json.loads(zf.read("Skirt/design.json"))["name"] == "Skirt"
        assert "Not in the media folder, so not exported: lost_render.png" in zf.read("Skirt/tech_sheet.html").decode()


def test_an_imported_pattern_file_is_exported_from_the_media_folder(store, tmp_path):
    source = tmp_path / "shirt.svg"
    save_pattern(draft(size_measurements("M"), None), source)
    ref = store.add_media(source, kind="pattern")
    v = store.create(Design("Imported shirt", PatternSource(None, ref, garment="shirt")), author="ana")
    result = export_design(store, v.id, tmp_path / "out")
    assert "source/shirt.svg" in result.files
    assert len(load_pattern(tmp_path / "out" / "pattern" / "Imported_shirt.svg").panels) == 4


def test_export_refuses_a_full_folder_and_unknown_formats(store, tmp_path):
    v = store.create(Design.new("Tee"), author="ana")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match="'full' is not empty"):
        export_design(store, v.id, tmp_path / "full")
    with pytest.raises(InvalidInputError, match="not pdf"):
        export_design(store, v.id, tmp_path / "x", pattern_formats=("pdf",))
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_catalog_trims_are_described_on_the_tech_sheet(store, tmp_path):
    design = Design.new("Ribbed tee", "tshirt", "M", "cotton_jersey",
                        trims=(Trim("rib_1x1", "neckband", 1, 0.5), Trim("ykk_zip_5", "zip")))
    v = store.create(design, author="ana")
    export_design(store, v.id, tmp_path / "out", pattern_formats=("svg",))
    sheet = _Text()
    sheet.feed((tmp_path / "out" / "tech_sheet.html").read_text())
    text = " ".join(" ".join(sheet.text).split())
    assert "Rib 1x1 (rib), 95% cotton, 5% elastane, width 5 cm, stretch 80 %, weight 260 g/m², per metre" in text
    assert "ykk_zip_5 (not in this catalog)" in text
