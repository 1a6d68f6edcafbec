"""Versioned migrations: a version-1 database (as the first release wrote it) upgrades to the latest, on
SQLite and PostgreSQL, keeping every row and filling the newer columns from the stored documents."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_nodes.core.design import Design, Look, MediaRef
from studio.designs import DesignsDatabaseError, DesignStore
from tests.support import postgres

sa = pytest.importorskip("sqlalchemy", reason="the 'designs' extra is not installed")
from studio.designs import db, migrations  # noqa: E402  (needs sqlalchemy)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "designs.sqlite")
    reason = postgres.skip_reason()
    if reason:
        pytest.skip(reason)
    return postgres.fresh_database()


def _version_1_database(target: str) -> dict:
    """A database at schema version 1 holding one design with two versions, written with v1's columns."""
    url = db.resolve_url(target)
    engine = db.make_engine(url)
    render = MediaRef("e" * 64, "front.png", "render")
    first = Design.new("Old tee", "tshirt", "M", "cotton_jersey", season="SS26", tags=("archive",))
    second = replace(first, look=Look("linen"), media=(render,))
    with engine.connect() as conn:
        conn.execution_options(atelier_write=True)
        with conn.begin():
            assert migrations.migrate(conn, "test", upto=1) == 1
            conn.execute(sa.text("INSERT INTO designs VALUES ('d1', '2025-01-01T00:00:00+00:00', 'ana', NULL)"))
            for n, (vid, parent, design) in enumerate([("v1", None, first), ("v2", "v1", second)], start=1):
                conn.execute(sa.text("INSERT INTO versions (id, design_id, number, parent_id, author, created_at, "
                                     "message, document) VALUES (:id, 'd1', :n, :p, 'ana', :t, :m, :doc)"),
                             {"id": vid, "n": n, "p": parent, "t": f"2025-01-0{n}T00:00:00+00:00", "m": f"save {n}",
                              "doc": design.to_json()})
    engine.dispose()
    return {"first": first, "second": second, "render": render}


def test_migrations_are_numbered_in_order():
    numbers = [n for n, _, _ in migrations.MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1)) and migrations.LATEST == numbers[-1] >= 3
    assert all(description and step.__doc__ for _, description, step in migrations.MIGRATIONS)


def test_version_1_database_upgrades_to_the_latest(target, tmp_path):
    old = _version_1_database(target)
    with DesignStore(target, media_dir=tmp_path / "m") as store:
        assert store.schema_version == migrations.LATEST
        with store.engine.connect() as conn:
            applied = conn.execute(sa.text("SELECT version, description FROM schema_version ORDER BY version")).all()
        assert [v for v, _ in applied] == list(range(1, migrations.LATEST + 1))
        # old rows are intact and readable
        history = store.versions("d1")
        assert [(v.id, v.number, v.parent_id, v.message) for v in history] == [("v1", 1, None, "save 1"),
                                                                               ("v2", 2, "v1", "save 2")]
        assert history[1].design == old["second"]
        # version 2's search columns were filled from the stored documents
        assert [s.name for s in store.search(fabric="linen", season="ss26", tag="archive")] == ["Old tee"]
        assert store.search(fabric="cotton_jersey") == []  # only the latest version counts
        # version 3's media table was filled too
        assert store.versions_using(old["render"].sha256) == ["v2"]
        # and the upgraded database takes new saves
        v3 = store.save("d1", replace(old["second"], notes="after the upgrade"), author="ben")
        assert v3.number == 3 and v3.parent_id == "v2"
    with DesignStore(target, media_dir=tmp_path / "m") as again:  # opening again migrates nothing more
        with again.engine.connect() as conn:
            count = conn.execute(sa.text("SELECT COUNT(*) FROM schema_version")).scalar()
        assert count == migrations.LATEST


def test_an_old_database_opened_without_migrating_says_so(tmp_path):
    target = str(tmp_path / "designs.sqlite")
    _version_1_database(target)
    with pytest.raises(DesignsDatabaseError, match="is at version 1; open it with migrations on"):
        DesignStore(target, migrate=False)


def test_index_fields_read_any_document_leniently():
    fields = migrations.index_fields(Design.new("Skirt", "skirt_pencil", fabric_id="denim",
                                                notes="Pencil, vented").to_json())
    assert fields["garment"] == "skirt_pencil" and fields["fabrics"] == " denim "
    assert "vented" in fields["search_text"]
    assert migrations.index_fields("{broken")["name"] == ""
