"""Reliability: concurrent saves never lose a write; damaged, foreign or newer databases and unreachable
servers give clear errors; backups (SQLite file copy or backup(), pg_dump) restore every version."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from custom_nodes.core.design import Design
from studio.designs import DesignsDatabaseError, DesignStore, NotADesignsDatabase
from tests.support import postgres

pytest.importorskip("sqlalchemy", reason="the 'designs' extra is not installed")
REPO = Path(__file__).resolve().parents[2]


def _target(kind: str, tmp_path: Path):
    if kind == "sqlite":
        return str(tmp_path / "designs.sqlite")
    reason = postgres.skip_reason()
    if reason:
        pytest.skip(reason)
    return postgres.fresh_database()


def _check_history(store: DesignStore, design_id: str, expected_messages: set[str]) -> None:
    """Every save is there once, numbered 1..n without gaps or repeats."""
    history = store.versions(design_id)
    assert [v.number for v in history] == list(range(1, len(history) + 1))
    assert {v.message for v in history[1:]} == expected_messages
    assert len(history) == len(expected_messages) + 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_threads_saving_one_design_at_once_lose_nothing(kind, tmp_path):
    target = _target(kind, tmp_path)
    with DesignStore(target, media_dir=tmp_path / "m") as store:
        first = store.create(Design.new("Shared tee"), author="ana")
        start = threading.Barrier(6)
        errors = []

        def worker(n: int) -> None:
            try:
                start.wait(timeout=30)
                for i in range(5):  # every save starts from version 1: all but the first are "stale"
                    store.save(first.design_id, replace(first.design, notes=f"{n}-{i}"), author=f"user{n}",
                               message=f"{n}-{i}", parent=first.id)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        _check_history(store, first.design_id, {f"{n}-{i}" for n in range(6) for i in range(5)})


_CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dataclasses import replace
    from studio.designs import DesignStore
    target, media, design_id, parent, who, go = sys.argv[1:7]
    store = DesignStore(target, media_dir=media)
    base = store.version(parent).design
    Path(go + "." + who).touch()
    while not Path(go).exists():
        time.sleep(0.005)
    for i in range(8):
        store.save(design_id, replace(base, notes=f"{who}-{i}"), author=who, message=f"{who}-{i}", parent=parent)
    store.close()
""")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_processes_saving_one_design_at_once_lose_nothing(kind, tmp_path):
    """Three studio processes (separate connections, separate Pythons) save the same design together."""
    target = _target(kind, tmp_path)
    with DesignStore(target, media_dir=tmp_path / "m") as store:
        first = store.create(Design.new("Shared tee"), author="ana")
    go = tmp_path / "go"
    who = ["p0", "p1", "p2"]
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, target, str(tmp_path / "m"), first.design_id, first.id,
                               w, str(go)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in who]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"go.{w}").exists() for w in who) and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-2000:] for _, err in outs]
    with DesignStore(target, media_dir=tmp_path / "m") as store:
        _check_history(store, first.design_id, {f"{w}-{i}" for w in who for i in range(8)})


# --- damaged, foreign and newer databases -------------------------------------------------------------


def test_a_garbage_file_is_not_a_designs_database(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"this is a spreadsheet, not a database" * 200)
    with pytest.raises(NotADesignsDatabase) as err:
        DesignStore(bad)
    assert str(err.value).startswith("'x.sqlite' is not an Atelier designs database")
    assert bad.read_bytes().startswith(b"this is a spreadsheet")  # left as it was


def test_a_truncated_database_is_reported_as_damaged(tmp_path):
    path = tmp_path / "designs.sqlite"
    with DesignStore(path) as store:
        for i in range(30):
            store.create(Design.new(f"Tee {i}", notes="x" * 2000), author="ana")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(NotADesignsDatabase, match="'designs.sqlite' is not an Atelier designs database"):
        with DesignStore(path) as store:
            store.search()


def test_another_programs_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(NotADesignsDatabase, match=r"'shop.sqlite' is not an Atelier designs database \(it holds "
                                                  r"other tables: customers\)"):
        DesignStore(path)
    with sqlite3.connect(path) as conn:  # nothing was added to it
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["customers"]


def test_a_database_from_a_newer_atelier_is_refused(tmp_path):
    path = tmp_path / "designs.sqlite"
    DesignStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01', 'from the future')")
    with pytest.raises(NotADesignsDatabase, match="made by a newer Atelier .*version 99.*update Atelier"):
        DesignStore(path)


def test_an_unreachable_server_is_named_without_driver_text_or_password(tmp_path):
    pytest.importorskip("psycopg", reason="the 'designs' extra is not installed")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DesignsDatabaseError) as err:
        DesignStore(f"postgresql://ana:secret@127.0.0.1:{port}/atelier", media_dir=tmp_path)
    text = str(err.value)
    assert text == (f"cannot reach the designs database postgresql://ana@127.0.0.1:{port}/atelier: is the "
                    f"PostgreSQL server running and ATELIER_DB_URL right?")
    assert "secret" not in text and "psycopg" not in text


def test_a_bad_url_and_a_missing_folder_are_explained(tmp_path):
    with pytest.raises(DesignsDatabaseError, match="not a database URL"):
        DesignStore("postgresql://host:notaport/x")
    with pytest.raises(DesignsDatabaseError, match="SQLite or PostgreSQL, not 'mysql'"):
        DesignStore("mysql://host/x")
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(DesignsDatabaseError, match="cannot create the folder for the designs database"):
        DesignStore(blocker / "sub" / "designs.sqlite")


def test_a_busy_database_is_waited_for(tmp_path, monkeypatch):
    """A writer holding the lock briefly makes a save wait, not fail."""
    path = tmp_path / "designs.sqlite"
    with DesignStore(path) as store:
        v = store.create(Design.new("Tee"), author="ana")
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(0.5, holder.execute, ("COMMIT",))
        timer.start()
        store.save(v.design_id, replace(v.design, notes="after the wait"), author="ben")
        timer.join()
        holder.close()
        assert store.latest(v.design_id).design.notes == "after the wait"


# --- backups -------------------------------------------------------------------------------------------


def test_sqlite_backups_restore_every_version(tmp_path):
    path = tmp_path / "designs.sqlite"
    with DesignStore(path) as store:
        v1 = store.create(Design.new("Tee"), author="ana")
        v2 = store.save(v1.design_id, replace(v1.design, notes="second"), author="ben")
        online = store.backup(tmp_path / "backups" / "online.sqlite")  # taken while open
    shutil.copyfile(path, tmp_path / "copied.sqlite")  # the plain one-file copy, studio closed
    for copy in (online, tmp_path / "copied.sqlite"):
        with DesignStore(copy) as restored:
            assert [v.id for v in restored.versions(v1.design_id)] == [v1.id, v2.id]
            assert restored.latest(v1.design_id).design.notes == "second"


def test_pg_dump_and_pg_restore_bring_every_version_back(tmp_path):
    reason = postgres.skip_reason()
    if reason:
        pytest.skip(reason)
    server = postgres.server()
    source = postgres.fresh_database()
    with DesignStore(source, media_dir=tmp_path / "m") as store:
        v1 = store.create(Design.new("Team tee", season="SS27"), author="ana")
        v2 = store.save(v1.design_id, replace(v1.design, notes="second"), author="ben")
    dump = tmp_path / "designs.dump"
    subprocess.run([str(server.tool("pg_dump")), "-Fc", "-f", str(dump), source], check=True, timeout=120)
    target = postgres.fresh_database()
    subprocess.run([str(server.tool("pg_restore")), "--no-owner", "-d", target, str(dump)], check=True, timeout=120)
    with DesignStore(target, media_dir=tmp_path / "m") as restored:
        assert [v.id for v in restored.versions(v1.design_id)] == [v1.id, v2.id]
        assert [s.name for s in restored.search(season="ss27")] == ["Team tee"]
        assert restored.schema_version == store.schema_version
