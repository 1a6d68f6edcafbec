"""The design document: JSON round trip, the unit rule, schema upgrades, and errors in user words."""

from __future__ import annotations

import dataclasses
import json

import pytest

from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.core import design as design_module
from custom_nodes.core.design import Body, Design, Look, MediaRef, PatternSource, Print, Trim
from custom_nodes.core.errors import FileFormatError, InvalidInputError
from custom_nodes.core.measurements import size_measurements
from custom_nodes.pattern.params import TemplateSettings

SHA_A, SHA_B, SHA_C = "a" * 64, "b" * 64, "c" * 64


def full_design() -> Design:
    """A design that uses every part of the document."""
    artwork = MediaRef(SHA_A, "flowers.png", "print")
    return Design(
        "Boxy tee",
        PatternSource(TemplateSettings(garment="tshirt", fit="loose", chest_ease=8.0, sleeve_length=22.5)),
        Body("L", "male", {"chest_girth": 1.07, "waist_girth": 0.95}),
        Look("cotton_jersey", colourway="ecru"),
        {"front": Look("denim", colour_srgb=(0.1, 0.2, 0.6),
                       print=Print(artwork, offset_m=(0.02, -0.05), width_m=0.25, rotation_deg=15.0))},
        (Trim("ykk_zip_5", "front zip", 1, length_m=0.6, panel="front"), Trim("woven_label", quantity=2)),
        DrapeSettings(max_frames=600, collision_thickness=0.3),
        notes="Drop shoulder.\nCheck the hem.", season="SS27", tags=("Boxy", "unisex", "boxy"),
        media=(MediaRef(SHA_B, "front.png", "render"), MediaRef(SHA_C, "drape.glb", "glb")),
    )


def test_round_trip_through_json_keeps_everything():
    d = full_design()
    text = d.to_json()
    back = Design.from_json(text)
    assert back == d
    assert back.to_json() == text
    assert json.loads(text)["schema"] == design_module.SCHEMA == 1
    assert d.tags == ("boxy", "unisex")  # lower case, each once


def test_file_pattern_and_avatar_round_trip():
    d = Design("Coat", PatternSource(None, MediaRef(SHA_A, "coat.dxf"), garment="Coat"),
               Body(avatar=MediaRef(SHA_B, "scan.glb")))
    back = Design.from_json(d.to_json())
    assert back == d and back.garment == "coat" and back.pattern.file.kind == "pattern"
    assert back.body.avatar.kind == "avatar" and back.template_settings() is None


def test_every_figure_carries_its_unit_in_its_name():
    """The docstring's rule, checked on the JSON itself: a number's key ends in a unit, or is a count/factor."""
    counts = {"schema", "max_frames", "substeps", "relaxation", "sew_frames", "self_passes", "pin_release_frame",
              "min_settle_frames", "quantity"}
    units = ("_m", "_deg", "_s", "_m_per_s", "_per_s", "_percent", "_srgb")
    bad = []

    def walk(node, key, path):
        if isinstance(node, dict):
            for k, v in node.items():
                # the measurements group's name carries the unit for its keys (chest_girth in metres)
                walk(v, key if path.endswith("measurements_m") else k, f"{path}.{k}")
        elif isinstance(node, list):
            for v in node:
                walk(v, key, path)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            if not (key.endswith(units) or key in counts or path.split(".")[-2] == "measurements_m"):
                bad.append(path)

    walk(full_design().to_dict(), "", "design")
    assert bad == []


def test_si_in_the_document_widget_units_for_the_engines():
    d = full_design()
    doc = d.to_dict()
    assert doc["pattern"]["template"]["chest_ease_m"] == pytest.approx(0.08)
    assert doc["pattern"]["template"]["sleeve_length_m"] == pytest.approx(0.225)
    assert doc["drape"]["collision_thickness_m"] == pytest.approx(0.003)
    assert doc["drape"]["sew_speed_m_per_s"] == pytest.approx(0.6)
    assert doc["body"]["measurements_m"]["chest_girth"] == pytest.approx(1.07)
    # back to the config dataclasses in widget units, exactly (no 8.000000000000002)
    assert Design.from_json(d.to_json()).template_settings().chest_ease == 8.0
    assert Design.from_json(d.to_json()).drape_settings().collision_thickness == 0.3


def test_measurements_are_the_size_row_with_overrides():
    m = full_design().measurements()
    assert m["chest_girth"] == pytest.approx(1.07)
    assert m["hip_girth"] == pytest.approx(size_measurements("L", "male")["hip_girth"])


def test_a_loaded_design_drafts_the_same_pattern_as_its_settings():
    from custom_nodes.pattern.templates import draft

    doc = Design.new("Hoodie", "hoodie", "S").to_dict()
    doc["pattern"]["template"]["chest_ease_m"] = 0.14
    d = Design.from_dict(doc)
    expected = draft(size_measurements("S", "female"), TemplateSettings(garment="hoodie", chest_ease=14.0))
    assert draft(d.measurements(), d.template_settings()) == expected


def test_look_of_a_panel_falls_back_to_the_main_look():
    d = full_design()
    assert d.look_of("front").fabric_id == "denim" and d.look_of("back").fabric_id == "cotton_jersey"
    assert d.fabric_ids() == ("cotton_jersey", "denim")
    assert [r.sha256 for r in d.media_refs()] == [SHA_A, SHA_B, SHA_C]


def _broken(change):
    doc = full_design().to_dict()
    change(doc)
    return doc


@pytest.mark.parametrize("change, field, words", [
    (lambda d: d["pattern"]["template"].update(chest_ease_m=0.45), "pattern.template.chest_ease_m",
     "chest ease must be 0–40 cm, got 45 cm"),
    (lambda d: d["pattern"]["template"].update(garment="cape"), "pattern.template.garment",
     "garment must be one of tshirt"),
    (lambda d: d["pattern"]["template"].update(chest_ease_m="ten"), "pattern.template.chest_ease_m",
     "must be a number"),
    (lambda d: d["look"].update(colour="red"), "look", "unknown field colour"),
    (lambda d: d["look"].update(fabric_id="Denim!"), "look.fabric_id", "is not a fabric id"),
    (lambda d: d["panels"]["front"].update(colourway="indigo"), "panels.front.colour_srgb",
     "give a colourway or a dye colour, not both"),
    (lambda d: d["panels"]["front"]["print"].update(width_m=0), "panels.front.print.width_m",
     "width must be 0.5–500 cm, got 0 cm"),
    (lambda d: d["panels"]["front"]["print"]["image"].update(sha256="xyz"), "panels.front.print.image.sha256",
     "content hash"),
    (lambda d: d["body"]["measurements_m"].update(chest_girth=3.0), "body.measurements_m.chest_girth",
     "300.0 cm is not a plausible adult chest/bust girth"),
    (lambda d: d["body"].update(size="XXL"), "body.size", "size must be one of XS, S, M"),
    (lambda d: d["drape"].update(max_frames=1.5), "drape.max_frames", "max frames must be a whole number"),
    (lambda d: d["drape"].update(self_collision="yes"), "drape.self_collision", "must be true or false"),
    (lambda d: d["trims"][0].update(quantity=0), "trims[0].quantity", "quantity must be 1–10000"),
    (lambda d: d.update(name="  "), "name", "name must not be empty"),
    (lambda d: d.update(tags="boxy"), "tags", "expected a list"),
    (lambda d: d["media"][0].update(name="../../etc/passwd"), "media[0].name", "plain file name"),
])
def test_malformed_documents_name_the_field_in_user_words(change, field, words):
    with pytest.raises(InvalidInputError) as err:
        Design.from_dict(_broken(change))
    assert err.value.field == field
    assert words in str(err.value)


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON at line 1"),
    ("[1, 2]", "not an Atelier design (it has no 'schema' number)"),
    ('{"name": "x"}', "no 'schema' number"),
    ('{"schema": "one", "name": "x"}', "is not a version number"),
    ('{"schema": 99, "name": "x"}', "saved by a newer Atelier (design schema 99; this one reads up to 1)"),
])
def test_not_a_design_is_a_file_format_error(text, words):
    with pytest.raises(FileFormatError, match=".") as err:
        Design.from_json(text)
    assert words in str(err.value)


def test_constructing_an_invalid_design_fails_like_loading_one():
    with pytest.raises(InvalidInputError, match="chest ease must be 0–40 cm, got 50 cm"):
        Design("x", PatternSource(TemplateSettings(chest_ease=50.0)))
    with pytest.raises(InvalidInputError, match="either a template or a pattern file"):
        PatternSource(None, None)
    with pytest.raises(InvalidInputError, match="not a pattern file"):
        PatternSource(None, MediaRef(SHA_A, "coat.pdf"))


def test_older_schemas_are_upgraded_in_order(monkeypatch):
    """A schema-2 Atelier reads schema-1 files through UPGRADES[1]; the caller's dict is left alone."""
    def one_to_two(doc):
        doc["notes"] = doc.pop("comment", "")
        return doc

    old = {"schema": 1, "name": "Old tee", "comment": "from the first studio"}
    monkeypatch.setattr(design_module, "SCHEMA", 2)
    monkeypatch.setitem(design_module.UPGRADES, 1, one_to_two)
    d = Design.from_dict(old)
    assert d.notes == "from the first studio" and "comment" in old
    assert d.to_dict()["schema"] == 2
    monkeypatch.delitem(design_module.UPGRADES, 1)
    with pytest.raises(FileFormatError, match="no upgrade from design schema 1"):
        Design.from_dict(old)


def test_missing_parts_take_defaults_and_replace_makes_a_new_design():
    d = Design.from_dict({"schema": 1, "name": "Minimal"})
    assert d.garment == "tshirt" and d.body.size == "M" and d.look.fabric_id == "cotton_jersey"
    assert d.drape_settings() == DrapeSettings()
    e = dataclasses.replace(d, season="AW27")
    assert e.season == "AW27" and d.season == ""
