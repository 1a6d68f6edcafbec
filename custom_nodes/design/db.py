"""Connecting to the designs database: SQLite by default, PostgreSQL by URL, one SQLAlchemy Core code path.

* No ``ATELIER_DB_URL``: an SQLite file, ``user_data_dir()/designs.sqlite`` (no server to start).
* ``ATELIER_DB_URL=postgresql://user:password@host:5432/atelier``: a team's PostgreSQL (driver psycopg 3).

Writes on SQLite take the database's write lock at ``BEGIN IMMEDIATE`` (two savers queue, the second waits
up to :data:`BUSY_TIMEOUT_S`); on PostgreSQL they lock the design's row. Driver errors never reach a user:
:func:`translated` turns them into :class:`DesignsDatabaseError` in plain words and logs the original.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import DependencyMissingError
from ..core.paths import user_data_dir
from .errors import DesignsDatabaseError, NotADesignsDatabase

log = logging.getLogger("atelier.designs")
ENV_URL = "ATELIER_DB_URL"
BUSY_TIMEOUT_S = 30.0
DEFAULT_FILE = "designs.sqlite"


def _sqlalchemy():
    try:
        import sqlalchemy
    except ImportError:
        raise DependencyMissingError("sqlalchemy", "The designs database", extra="designs") from None
    return sqlalchemy


def default_sqlite_path() -> Path:
    return user_data_dir() / DEFAULT_FILE


def resolve_url(target: str | os.PathLike | None = None):
    """A SQLAlchemy URL from ``target`` (a URL, or a path to an SQLite file), else ``$ATELIER_DB_URL``,
    else the default SQLite file. ``postgresql://`` and ``postgres://`` use psycopg 3."""
    sa = _sqlalchemy()
    raw = os.fspath(target) if target is not None else (os.environ.get(ENV_URL) or "").strip()
    if not raw:
        raw = str(default_sqlite_path())
    if "://" not in raw:
        return sa.engine.URL.create("sqlite", database=str(Path(raw).expanduser().absolute()))
    try:
        url = sa.engine.make_url(raw)
    except (sa.exc.ArgumentError, ValueError):
        raise DesignsDatabaseError(f"'{raw.split('://')[0]}://…' is not a database URL; {ENV_URL} takes "
                                   f"postgresql://user:password@host:5432/name or sqlite:///path/designs.sqlite") \
            from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DesignsDatabaseError(f"designs are kept in SQLite or PostgreSQL, not {url.get_backend_name()!r} "
                                   f"(check {ENV_URL})")
    return url


def describe(url) -> str:
    """The database in user words: ``'designs.sqlite'`` or ``postgresql://ana@db:5432/atelier`` (no password)."""
    if url.get_backend_name() == "sqlite":
        return f"'{Path(url.database or ':memory:').name}'"
    return url.set(drivername="postgresql").render_as_string(hide_password=True).replace(":***@", "@")


def make_engine(url):
    """An engine with Atelier's SQLite settings (foreign keys on, busy wait, explicit BEGIN) or PostgreSQL's."""
    sa = _sqlalchemy()
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            if not folder.is_dir():
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError:
                    raise DesignsDatabaseError(f"cannot create the folder for the designs database "
                                               f"{describe(url)} (permission denied or not a folder)") from None
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by _on_begin's
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn):
            write = conn.get_execution_options().get("atelier_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DependencyMissingError("psycopg", "A PostgreSQL designs database", extra="designs") from None
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _reason(exc: BaseException, url) -> DesignsDatabaseError:
    """A driver error as a user-worded error (the original is logged by the caller)."""
    text = str(getattr(exc, "orig", exc) or exc).lower()
    where = describe(url)
    if url.get_backend_name() == "sqlite":
        if any(s in text for s in ("file is not a database", "malformed", "file is encrypted")):
            return NotADesignsDatabase(f"{where} is not an Atelier designs database (it is damaged or another "
                                       f"kind of file); restore a backup or point {ENV_URL} elsewhere")
        if "locked" in text or "busy" in text:
            return DesignsDatabaseError(f"the designs database {where} stayed busy for {BUSY_TIMEOUT_S:g} s "
                                        f"(another program is writing to it); try again")
        if "readonly" in text or "read-only" in text:
            return DesignsDatabaseError(f"the designs database {where} is read-only here; check its permissions")
        if "unable to open" in text:
            return DesignsDatabaseError(f"cannot open the designs database {where}: its folder is missing or "
                                        f"not writable")
        if "disk" in text and ("full" in text or "i/o" in text):
            return DesignsDatabaseError(f"the disk holding {where} is full or failing; nothing was saved")
        return DesignsDatabaseError(f"the designs database {where} reported an error; the log has the details")
    if "password authentication failed" in text or "authentication failed" in text:
        return DesignsDatabaseError(f"the designs database {where} refused the login; check the user and "
                                    f"password in {ENV_URL}")
    if "does not exist" in text and "database" in text:
        return DesignsDatabaseError(f"the database named in {where} does not exist on that server; create it "
                                    f"(createdb) or fix {ENV_URL}")
    if any(s in text for s in ("could not connect", "connection refused", "connection failed", "timeout expired",
                               "could not translate host name", "server closed the connection",
                               "connection is closed", "terminating connection")):
        return DesignsDatabaseError(f"cannot reach the designs database {where}: is the PostgreSQL server "
                                    f"running and {ENV_URL} right?")
    if "permission denied" in text:
        return DesignsDatabaseError(f"the designs database {where} refused this change (permission denied for "
                                    f"its user)")
    return DesignsDatabaseError(f"the designs database {where} reported an error; the log has the details")


@contextlib.contextmanager
def translated(url, doing: str) -> Iterator[None]:
    """Run a block, turning SQLAlchemy/driver errors into :class:`DesignsDatabaseError` in user words."""
    sa = _sqlalchemy()
    try:
        yield
    except (sa.exc.DBAPIError, sa.exc.SQLAlchemyError) as exc:
        log.warning("designs database error while %s (%s): %r", doing, describe(url), exc)
        raise _reason(exc, url) from None
