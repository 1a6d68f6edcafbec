"""The studio's Designs tab (issue #21, point 3), through its app_logic functions: list and filter designs,
open one into the Design & drape form, save the form as a version or a new design (with a drape's render,
linked from the job's history row), fork, delete after a confirmation, compare two versions."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

pytest.importorskip("sqlalchemy", reason="the designs store needs SQLAlchemy (the 'designs' extra)")

from studio import app_logic as logic  # noqa: E402
from studio.runner import LocalRunner  # noqa: E402


def png(path, rgb=(200, 30, 30)):
    raw = b"".join(b"\x00" + bytes(rgb) * 4 for _ in range(4))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


@pytest.fixture()
def ctx(tmp_path, monkeypatch):
    work = tmp_path / "work"
    monkeypatch.setenv("ATELIER_WORK_DIR", str(work))
    monkeypatch.delenv("ATELIER_DB_URL", raising=False)
    monkeypatch.delenv("ATELIER_MEDIA_DIR", raising=False)
    context = logic.StudioContext(work, LocalRunner(work / "output", work / "input", work / "temp"))
    yield context
    if context._designs is not None:
        context._designs.close()


def form(**kw):
    values = dict(template="hoodie", size="L", body="male", fabric_id="denim", colour="#2a3b66",
                  quality="standard", measurements_cm={"chest_girth": 104.0})
    values.update(kw)
    return logic.DesignForm(**values)


def test_the_store_is_in_the_work_folder(ctx):
    store = ctx.designs()
    assert store.path is not None and str(ctx.work_dir) in str(store.path)
    assert ctx.designs() is store


def test_save_open_round_trip_fills_the_form(ctx):
    store = ctx.designs()
    version, text = logic.save_design(store, form(), "Winter hoodie", season="AW26", tags="warm, basics",
                                      message="first cut")
    assert version.number == 1 and "Winter hoodie" in text and "first cut" in text
    opened, values, said = logic.open_design(store, version.design_id)
    assert "Winter hoodie" in said and opened.design.season == "AW26" and opened.design.tags == ("warm", "basics")
    assert (values.template, values.size, values.body, values.fabric_id, values.colour, values.quality) == (
        "hoodie", "L", "male", "denim", "#2a3b66", "standard")
    assert values.measurements_cm == {"chest_girth": 104.0}


def test_saving_the_open_design_makes_a_version_and_a_new_design_on_request(ctx):
    store = ctx.designs()
    first, _ = logic.save_design(store, form(), "Tee", season="SS27")
    second, text = logic.save_design(store, form(fabric_id="linen", colour=""), "Tee", first.design_id,
                                     message="linen now")
    assert second.design_id == first.design_id and second.number == 2 and "v2" in text and "linen now" in text
    assert second.design.season == "SS27"  # kept from the open design
    other, _ = logic.save_design(store, form(), "Tee copy", first.design_id, as_new=True)
    assert other.design_id != first.design_id and other.number == 1


def test_listing_filters_and_thumbnails(ctx, tmp_path):
    store = ctx.designs()
    render = png(tmp_path / "drape_preview.png")
    a, _ = logic.save_design(store, form(template="tshirt", fabric_id="cotton_jersey"), "Plain tee", season="SS27",
                             render=render)
    logic.save_design(store, form(template="hoodie", fabric_id="denim"), "Denim hoodie", season="AW26")
    rows, thumbs, choices = logic.list_designs(store)
    assert len(rows) == 2 and len(choices) == 2 and len(rows[0]) == len(logic.DESIGN_COLUMNS)
    assert len(thumbs) == 1 and thumbs[0][1] == "Plain tee v1"
    assert [r[0] for r in logic.list_designs(store, garment="hoodie")[0]] == ["Denim hoodie"]
    assert [r[0] for r in logic.list_designs(store, fabric="cotton_jersey")[0]] == ["Plain tee"]
    assert [r[0] for r in logic.list_designs(store, season="ss27")[0]] == ["Plain tee"]
    assert [r[0] for r in logic.list_designs(store, "denim hoodie")[0]] == ["Denim hoodie"]
    row = next(r for r in rows if r[6] == a.design_id)
    assert row[1:5] == ["tshirt", "cotton_jersey", row[3], "v1"] and row[3].lower() == "ss27"


def test_a_drape_render_is_kept_and_the_job_names_the_version(ctx, tmp_path):
    store = ctx.designs()
    job = ctx.new_job_dir("browser:" + "a" * 32, "drape", "tshirt · M · denim · fabric colour")
    (job / "job.json").write_text(json.dumps({"status": "done", "files": []}))
    render = png(job / "drape_preview_00001_.png")
    version, _ = logic.save_design(store, form(), "Tee", render=render, job_dir=job)
    assert [m.kind for m in version.design.media] == ["render"]
    assert store.media_path(version.design.media[0]).read_bytes() == render.read_bytes()
    ref = f"{version.design_id}@v1"
    assert json.loads((job / "studio.json").read_text())["design"] == ref
    listed = logic.list_jobs(ctx, "browser:" + "a" * 32)
    assert listed[0].design == ref and ref in listed[0].row()[2]


def test_fork_delete_and_compare(ctx, tmp_path):
    store = ctx.designs()
    v1, _ = logic.save_design(store, form(), "Tee", render=png(tmp_path / "a.png"))
    v2, _ = logic.save_design(store, form(fabric_id="linen", size="S"), "Tee", v1.design_id,
                              render=png(tmp_path / "b.png", (10, 200, 10)))
    a, b, text = logic.compare_versions(store, v1.id, v2.id)
    assert a is not None and b is not None and a != b
    assert "Tee v1" in text and "Tee v2" in text and "linen" in text
    _, _, same = logic.compare_versions(store, v1.id, v1.id)
    assert "No field differs" in same
    fork, said = logic.fork_design(store, v1.design_id, "Tee remix")
    assert fork.design_id != v1.design_id and fork.design.name == "Tee remix" and "Forked" in said
    assert "tick" in logic.delete_design(store, v1.design_id, confirmed=False)
    assert len(logic.list_designs(store)[0]) == 2
    said = logic.delete_design(store, v1.design_id, confirmed=True)
    assert "Deleted" in said and "2 versions" in said
    assert [r[6] for r in logic.list_designs(store)[0]] == [fork.design_id]


def test_bad_values_are_told_in_words(ctx):
    store = ctx.designs()
    with pytest.raises(logic.UserError, match="give the design a name"):
        logic.save_design(store, form(), "   ")
    with pytest.raises(logic.UserError, match="not a colour"):
        logic.save_design(store, form(colour="red"), "Tee")
    with pytest.raises(logic.UserError, match="search is 1048576 characters long"):
        logic.list_designs(store, "x" * 2**20)
