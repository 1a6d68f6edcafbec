"""Load Design and Save Design: a saved design becomes the pack's pattern, fabric (prints placed) and body;
a result becomes media of a new version; every missing thing is named in user words."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from custom_nodes.core.bridge import numpy_to_image
from custom_nodes.core.design import Body, Design, Look, PatternSource, Print
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.paths import using_directories
from custom_nodes.design import DesignNotFound, DesignStore, MediaMissing
from custom_nodes.design.load import catalog_print, node_inputs, parse_reference
from custom_nodes.design.nodes import AtelierLoadDesign, AtelierSaveDesign
from custom_nodes.fabric.catalog import Catalog
from custom_nodes.pattern.params import TemplateSettings

pytest.importorskip("sqlalchemy", reason="the 'designs' extra is not installed")


@pytest.fixture()
def store(tmp_path, monkeypatch):
    """The database the nodes open (ATELIER_DB_URL), here a fresh SQLite file."""
    path = tmp_path / "team" / "designs.sqlite"
    monkeypatch.setenv("ATELIER_DB_URL", f"sqlite:///{path}")
    monkeypatch.delenv("ATELIER_MEDIA_DIR", raising=False)
    with DesignStore() as s:
        yield s


def printed_tee(store: DesignStore) -> Design:
    """An L tee in denim 'black', checkerboard on every panel but the sleeves, which are poplin with dots."""
    main = Look("denim", "black", print=catalog_print(store, "checkerboard", offset_m=(0.02, 0.3), rotation_deg=15.0))
    sleeve = Look("poplin", print=catalog_print(store, "polka_dot"))
    return Design.new("Checked tee", "tshirt", "L", look=main, panels={"sleeve_left": sleeve, "sleeve_right": sleeve},
                      pattern=PatternSource(TemplateSettings(chest_ease=14.0)),
                      body=Body("L", "male", {"chest_girth": 1.06}))


def load(design_id: str, version: int = 0):
    return AtelierLoadDesign().load(design_id, version)


def test_load_gives_pattern_fabric_with_prints_and_body(store):
    v = store.create(printed_tee(store), author="ana")
    pattern, fabric, body, design_id, version_id, summary = load(v.design_id)
    assert (design_id, version_id) == (v.design_id, v.id)
    assert [p.name for p in pattern.panels] == ["front", "back", "sleeve_left", "sleeve_right"]
    assert fabric.metadata["preset"] == "denim" and fabric.metadata["colourway"] == "black"
    main, left, right = fabric.prints
    assert main.panels == ("front", "back") and main.width_m == 0.2 and main.rotation_deg == 15.0
    assert np.allclose(main.offset_m, [0.02, 0.3]) and main.repeat and main.name == "checkerboard.png"
    assert (left.panels, right.panels, left.width_m) == (("sleeve_left",), ("sleeve_right",), 0.06)  # catalog size
    assert np.array_equal(main.image, Catalog().prints.artwork("checkerboard"))
    doc = json.loads(body)
    assert (doc["size"], doc["body"], doc["overrides"]) == ("L", "male", ["chest_girth"])
    assert doc["measurements_cm"]["chest_girth"] == 106.0
    assert "Checked tee v1 by ana" in summary and "print 'checkerboard.png' on every panel: 20 cm wide" in summary
    assert "panel 'sleeve_left' is poplin; the drape and renders use the main fabric" in summary


def test_the_pattern_is_drafted_for_the_designs_body(store):
    """The chest ease and the chest girth of the design reach the drafted pattern."""
    v = store.create(printed_tee(store))
    wide = store.save(v.design_id, replace(v.design, body=Body("L", "male", {"chest_girth": 1.20})))
    width = {n: np.ptp(load(v.design_id, n)[0].panels[0].vertices[:, 0]) for n in (1, 2)}
    assert width[2] - width[1] == pytest.approx(0.14 / 2, abs=0.01)  # +14 cm girth: +7 cm across the front
    assert wide.number == 2


def test_a_version_number_picks_that_version(store):
    v1 = store.create(Design.new("Tee", fabric_id="linen"))
    store.save(v1.design_id, replace(v1.design, look=Look("denim")))
    assert load(v1.design_id, 1)[1].metadata["preset"] == "linen"
    assert load(v1.design_id, 0)[1].metadata["preset"] == "denim"
    assert load(v1.design_id, 2)[4] == store.latest(v1.design_id).id


def test_missing_designs_and_versions_are_named(store):
    v1 = store.create(Design.new("Tee"))
    store.save(v1.design_id, replace(v1.design, notes="second"))
    with pytest.raises(DesignNotFound, match="no design with id 'f00' in the designs database 'designs.sqlite'"):
        load("f00")
    with pytest.raises(DesignNotFound, match="has versions 1–2; there is no version 7"):
        load(v1.design_id, 7)
    with pytest.raises(InvalidInputError, match="no design id given"):
        load("  ")


def test_a_print_missing_from_the_media_folder_is_named(store):
    art = store.add_media(b"\x89PNG not really", "flowers.png", "print")
    v = store.create(Design.new("Tee", look=Look("denim", print=Print(art))))
    store.media_path(art).unlink()
    with pytest.raises(MediaMissing, match="the file 'flowers.png' is not in the designs media folder"):
        load(v.design_id)


def test_a_fabric_missing_from_the_catalog_is_named(store):
    v = store.create(Design.new("Tee", fabric_id="mystery_silk"))
    with pytest.raises(InvalidInputError, match="uses fabric 'mystery_silk', which this catalog does not have"):
        load(v.design_id)


def test_a_dye_colour_recolours_the_fabric(store):
    v = store.create(Design.new("Tee", look=Look("cotton_jersey", colour_srgb=(0.6, 0.1, 0.1))))
    fabric = load(v.design_id)[1]
    assert np.allclose(fabric.color, [0.6, 0.1, 0.1]) and fabric.metadata["colourway"] == "dye colour"
    assert fabric.albedo.mean(axis=(0, 1))[0] > 2 * fabric.albedo.mean(axis=(0, 1))[1]


# --- saving a result -------------------------------------------------------------------------------------------


def test_save_attaches_renders_and_a_glb_as_a_new_version(store, tmp_path):
    v1 = store.create(printed_tee(store), author="ana")
    out = tmp_path / "output"
    (out / "atelier").mkdir(parents=True)
    (out / "atelier" / "tee.glb").write_bytes(b"glTF fake")
    images = numpy_to_image(np.random.default_rng(0).random((2, 8, 6, 3), dtype=np.float32))
    with using_directories(output=out):
        result = AtelierSaveDesign().save(v1.design_id, "first render", images, "atelier/tee.glb", "ben", v1.id)
    version_id, number = result["result"]
    v2 = store.version(version_id)
    assert number == 2 and v2.parent_id == v1.id and v2.author == "ben" and v2.message == "first render"
    assert [(m.name, m.kind) for m in v2.design.media] == [("render_1.png", "render"), ("render_2.png", "render"),
                                                           ("tee.glb", "glb")]
    assert store.media_path(v2.design.media[2]).read_bytes() == b"glTF fake"
    assert replace(v2.design, media=()) == v1.design and store.version(v1.id).design.media == ()
    assert result["ui"]["text"] == ["saved Checked tee v2 (3 files attached)"]


def test_save_refuses_nothing_a_foreign_parent_and_files_outside_the_output(store, tmp_path):
    a = store.create(Design.new("A"))
    b = store.create(Design.new("B"))
    image = numpy_to_image(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(InvalidInputError, match="nothing to record"):
        AtelierSaveDesign().save(a.design_id, "empty")
    with pytest.raises(InvalidInputError, match="belongs to another design"):
        AtelierSaveDesign().save(a.design_id, "x", image, parent_version_id=b.id)
    (tmp_path / "secret.glb").write_bytes(b"x")
    outside = "GLB must be inside Atelier.s input, output"
    with using_directories(output=tmp_path / "output"), pytest.raises(InvalidInputError, match=outside):
        AtelierSaveDesign().save(a.design_id, "x", image, glb_path=str(tmp_path / "secret.glb"))
    with pytest.raises(DesignNotFound, match="no design with id 'nope'"):
        AtelierSaveDesign().save("nope", "x", image)
    assert [v.number for v in store.versions(a.design_id)] == [1]  # nothing was saved by the refusals


# --- designs as node settings, and the moved store -------------------------------------------------------------


def test_node_inputs_carry_the_design_in_widget_units(store):
    v = store.create(printed_tee(store))
    inputs = node_inputs(v)
    assert inputs["AtelierLoadDesign"] == {"design_id": v.design_id, "version": 1}
    assert inputs["AtelierPatternTemplate"]["chest_ease"] == 14.0  # cm, as the widget takes it
    assert (inputs["AtelierPatternTemplate"]["size"], inputs["AtelierPatternTemplate"]["body"]) == ("L", "male")
    assert inputs["AtelierAvatarFromMeasurements"]["chest_girth_cm"] == 106.0
    assert inputs["AtelierFabricFromCatalog"] == {"fabric_id": "denim", "colourway": "black"}
    assert inputs["AtelierDrape"]["max_frames"] == v.design.drape.max_frames
    for class_type, values in inputs.items():  # every key is a real input of that node
        from custom_nodes.registry import NODE_CLASS_MAPPINGS

        spec = NODE_CLASS_MAPPINGS[class_type].INPUT_TYPES()
        assert set(values) <= set(spec["required"]) | set(spec.get("optional", {})), class_type


def test_references_read_id_and_version():
    assert parse_reference(" abc@3 ") == ("abc", 3) and parse_reference("abc") == ("abc", 0)
    with pytest.raises(InvalidInputError, match="must be a version number"):
        parse_reference("abc@latest")
    with pytest.raises(InvalidInputError, match="version numbers start at 1"):
        parse_reference("abc@0")


def test_studio_designs_is_the_same_store():
    import custom_nodes.design.db
    import custom_nodes.design.store
    import studio.designs
    import studio.designs.db
    import studio.designs.store

    assert studio.designs.db is custom_nodes.design.db and studio.designs.store is custom_nodes.design.store
    assert studio.designs.DesignStore is DesignStore


def test_an_imported_pattern_file_is_loaded_from_the_media_folder(store, tmp_path):
    from custom_nodes.core.measurements import size_measurements
    from custom_nodes.pattern.pattern_io import save_pattern
    from custom_nodes.pattern.templates import draft

    source = save_pattern(draft(size_measurements("M"), None), tmp_path / "shirt.json")
    ref = store.add_media(source, kind="pattern")
    v = store.create(Design("Imported shirt", PatternSource(None, ref, garment="shirt")))
    pattern, fabric, *_ = load(v.design_id)
    assert [p.name for p in pattern.panels] == ["front", "back", "sleeve_left", "sleeve_right"]
    assert fabric.prints == ()


def test_without_sqlalchemy_the_nodes_say_what_to_install(monkeypatch):
    import sys

    from custom_nodes.core.errors import DependencyMissingError

    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # import sqlalchemy now fails
    with pytest.raises(DependencyMissingError, match=r"The designs database needs .*'sqlalchemy'.*atelier\[designs\]"):
        load("abc")
