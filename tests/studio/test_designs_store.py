"""DesignStore on SQLite (always) and on a real PostgreSQL (where installed): versions, forks, diffs, search,
media, and the database chosen by ATELIER_DB_URL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_nodes.core.design import Body, Design, Look, MediaRef, Print, Trim
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.paths import user_data_dir
from studio.designs import DesignNotFound, DesignStore, MediaMissing
from tests.support import postgres

pytest.importorskip("sqlalchemy", reason="the 'designs' extra is not installed")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        target = tmp_path / "designs.sqlite"
    else:
        reason = postgres.skip_reason()
        if reason:
            pytest.skip(reason)
        target = postgres.fresh_database()
    with DesignStore(target, media_dir=tmp_path / "media") as s:
        yield s


def tee() -> Design:
    return Design.new("Boxy tee", "tshirt", "M", "cotton_jersey", season="SS27", tags=("boxy",),
                      notes="Drop shoulder.")


def with_ease(d: Design, cm: float) -> Design:
    return replace(d, pattern=replace(d.pattern, template=replace(d.pattern.template, chest_ease=cm)))


def test_saving_makes_immutable_numbered_versions(store):
    v1 = store.create(tee(), author="ana", message="first cut")
    v2 = store.save(v1.design_id, with_ease(tee(), 12.0), author="ben", message="more ease")
    v3 = store.save(v1.design_id, replace(v2.design, season="AW27"), author="ana", message="moved season")
    assert [v.number for v in store.versions(v1.design_id)] == [1, 2, 3]
    assert (v2.parent_id, v3.parent_id, v1.parent_id) == (v1.id, v2.id, None)
    assert [v.author for v in store.versions(v1.design_id)] == ["ana", "ben", "ana"]
    assert v1.created_at < v2.created_at < v3.created_at
    assert store.version(v1.id).design == tee()  # the first version is unchanged by later saves
    assert store.version(v1.id).message == "first cut"
    latest = store.latest(v1.design_id)
    assert latest.id == v3.id and latest.design.season == "AW27" and latest.label == "Boxy tee v3"


def test_a_stale_parent_still_makes_a_new_version(store):
    """Ben edits v1 while Ana already saved v2: Ben's save is v3 with parent v1, and v2 is kept."""
    v1 = store.create(tee(), author="ana")
    v2 = store.save(v1.design_id, with_ease(tee(), 12.0), author="ana", parent=v1.id)
    v3 = store.save(v1.design_id, replace(tee(), notes="Ben's notes"), author="ben", parent=v1.id)
    assert (v2.number, v3.number, v3.parent_id) == (2, 3, v1.id)
    assert store.version(v2.id).design.pattern.template.chest_ease == 12.0
    assert [str(c) for c in store.diff(v2.id, v3.id)] == ["chest ease 12 → 10 cm",
                                                        "notes 'Drop shoulder.' → 'Ben's notes'"]


def test_fork_copies_with_a_link_to_its_source(store):
    v1 = store.create(tee(), author="ana")
    v2 = store.save(v1.design_id, with_ease(tee(), 14.0), author="ana")
    fork = store.fork(v2.id, author="cleo", name="Cropped tee")
    assert fork.design_id != v1.design_id and fork.number == 1 and fork.parent_id == v2.id
    assert fork.design == replace(v2.design, name="Cropped tee") and fork.message == "forked from Boxy tee v2"
    summary = {s.id: s for s in store.search()}[fork.design_id]
    assert summary.forked_from == v2.id and summary.created_by == "cleo"
    store.save(fork.design_id, replace(fork.design, season="AW27"), author="cleo")
    assert store.latest(v1.design_id).id == v2.id  # the source design is untouched


def test_diff_lists_changed_fields_in_user_words(store):
    art = store.add_media(b"\x89PNG fake artwork", "flowers.png", "print")
    base = replace(tee(), look=Look("denim"), panels={"front": Look("denim")},
                   trims=(Trim("ykk_zip_5", "front zip", 1, length_m=0.6),))
    v1 = store.create(replace(with_ease(base, 8.0), body=Body("M")), author="ana")
    changed = replace(with_ease(base, 10.0), body=Body("L", measurements_m={"chest_girth": 1.04}),
                      look=Look("twill"),
                      panels={"front": Look("denim", print=Print(art, offset_m=(0.0, 0.03), width_m=0.3,
                                                                 rotation_deg=45.0))},
                      trims=(Trim("ykk_zip_5", "front zip", 1, length_m=0.65), Trim("woven_label")),
                      drape=replace(base.drape, max_frames=600), tags=("boxy", "unisex"))
    v2 = store.save(v1.design_id, changed, author="ben")
    assert [str(c) for c in store.diff(v1.id, v2.id)] == [
        "chest ease 8 → 10 cm",
        "size M → L",
        "chest girth size L → 104 cm",
        "main fabric denim → twill",
        "front print added ('flowers.png')",
        "trim added: woven label ×1",
        "trim front zip length 60 → 65 cm",
        "drape max frames 400 → 600",
        "tags added: unisex",
    ]
    assert store.diff(v1.id, v1.id) == []
    back = store.diff(v2.id, v1.id)
    assert "main fabric twill → denim" in [str(c) for c in back]
    assert {c.field for c in back} >= {"pattern.template.chest_ease_m", "look.fabric_id", "body.size"}


def test_search_filters_on_the_latest_version(store):
    a = store.create(tee(), author="ana")
    store.create(replace(Design.new("Denim skirt", "skirt_aline", "S", "denim"), season="AW27",
                         tags=("workwear",)), author="ben")
    store.create(replace(Design.new("Hoodie 100%_cotton", "hoodie", "L", "fleece"),
                         panels={"hood": Look("cotton_jersey")}, season="SS27"), author="cleo")

    def names(**kw):
        return sorted(s.name for s in store.search(**kw))

    assert names() == ["Boxy tee", "Denim skirt", "Hoodie 100%_cotton"]
    assert names(garment="tshirt") == ["Boxy tee"]
    assert names(fabric="cotton_jersey") == ["Boxy tee", "Hoodie 100%_cotton"]  # any panel counts
    assert names(fabric="cotton") == []  # a whole catalog id, not a part of one
    assert names(season="ss27") == ["Boxy tee", "Hoodie 100%_cotton"]
    assert names(tag="WORKWEAR") == ["Denim skirt"]
    assert names(text="drop shoulder") == ["Boxy tee"]
    assert names(text="100%_") == ["Hoodie 100%_cotton"]  # % and _ are letters here, not wildcards
    assert names(text="boxy", season="aw27") == []
    store.save(a.design_id, replace(tee(), look=Look("denim")), author="ana")
    assert names(fabric="denim") == ["Boxy tee", "Denim skirt"]
    assert "Boxy tee" not in names(fabric="cotton_jersey")  # only the latest version is searched
    hit = store.search(garment="tshirt")[0]
    assert (hit.latest_number, hit.updated_by, hit.fabrics) == (2, "ana", ("denim",))


def test_unknown_ids_and_foreign_parents_are_refused(store):
    v1 = store.create(tee(), author="ana")
    other = store.create(tee(), author="ana")
    with pytest.raises(DesignNotFound, match="no design with id 'nope'"):
        store.save("nope", tee(), author="ana")
    with pytest.raises(DesignNotFound, match="no version with id"):
        store.version("0" * 32)
    with pytest.raises(InvalidInputError, match="not a version of this design"):
        store.save(v1.design_id, tee(), author="ana", parent=other.id)
    with pytest.raises(InvalidInputError, match="expected a Design"):
        store.save(v1.design_id, {"name": "x"}, author="ana")
    assert len(store.versions(v1.design_id)) == 1


def test_media_is_stored_once_by_content_hash(store, tmp_path):
    render = tmp_path / "front.png"
    render.write_bytes(b"\x89PNG render bytes")
    ref = store.add_media(render, kind="render")
    again = store.add_media(render.read_bytes(), "copy.PNG", "render")
    assert ref.sha256 == again.sha256 and ref.name == "front.png" and again.name == "copy.PNG"
    stored = store.media_path(ref)
    assert stored.read_bytes() == render.read_bytes() and stored.suffix == ".png"
    assert len([p for p in store.media.root.rglob("*") if p.is_file()]) == 1
    assert store.media.verify(ref)
    v = store.create(replace(tee(), media=(ref,)), author="ana")
    assert store.versions_using(ref.sha256) == [v.id]
    stored.write_bytes(b"changed on disk")
    assert not store.media.verify(ref)
    with pytest.raises(MediaMissing, match="'gone.glb' is not in the designs media folder"):
        store.media_path(MediaRef("d" * 64, "gone.glb", "glb"))


def test_default_database_is_the_studio_sqlite_file(monkeypatch):
    monkeypatch.delenv("ATELIER_DB_URL", raising=False)
    with DesignStore() as s:
        assert s.path == user_data_dir() / "designs.sqlite"
        assert s.media.root == user_data_dir() / "designs-media"


def test_atelier_db_url_selects_postgresql(monkeypatch, tmp_path):
    reason = postgres.skip_reason()
    if reason:
        pytest.skip(reason)
    url = postgres.fresh_database()
    monkeypatch.setenv("ATELIER_DB_URL", url)
    with DesignStore(media_dir=tmp_path / "m") as s:
        assert s.path is None and s.url.get_backend_name() == "postgresql"
        v = s.create(tee(), author="ana")
    with DesignStore(url, media_dir=tmp_path / "m") as again:  # the same data through the same URL
        assert again.latest(v.design_id).design == tee()
