"""DesignStore: designs and their immutable versions in SQLite or PostgreSQL, media beside them.

::

    store = DesignStore()                                   # designs.sqlite, or $ATELIER_DB_URL
    v1 = store.create(Design.new("Boxy tee", "tshirt", "M", "cotton_jersey"), author="ana", message="first")
    v2 = store.save(v1.design_id, replace(v1.design, notes="wider"), author="ben", parent=v1.id)
    [str(c) for c in store.diff(v1.id, v2.id)]   # ["notes set to 'wider'"]
    store.search(garment="tshirt", fabric="cotton_jersey", season="ss27", text="boxy")
    fork = store.fork(v2.id, author="cleo", name="Boxy tee, cropped")

Every save is a new row, never an update: two people saving the same design at once get two versions
(numbers n + 1 and n + 2), each with the parent it was edited from, and nothing is lost.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.design import Design, MediaRef
from ..core.errors import FileFormatError, InvalidInputError
from . import db
from .diff import Change, diff_designs
from .errors import DesignNotFound, DesignsDatabaseError
from .media import ENV_MEDIA, MediaStore

try:
    import sqlalchemy as sa
except ImportError:  # the 'designs' extra is missing: DesignStore() says so (db._sqlalchemy)
    sa = None

AUTHOR_MAX, MESSAGE_MAX = 80, 2000


def default_author() -> str:
    """``$ATELIER_USER``, else the login name, else ``someone``."""
    name = os.environ.get("ATELIER_USER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "someone"


@dataclass(frozen=True)
class Version:
    """One saved, unchangeable state of a design."""

    id: str  # 32 hex digits
    design_id: str
    number: int  # 1, 2, 3… within its design
    parent_id: str | None  # the version it was edited from (for a fork's first: the forked version)
    author: str
    created_at: str  # ISO 8601, UTC
    message: str
    design: Design

    @property
    def label(self) -> str:
        return f"{self.design.name} v{self.number}"


@dataclass(frozen=True)
class DesignSummary:
    """A design as a list shows it: its latest version's name, garment, season, fabrics and tags."""

    id: str
    name: str
    garment: str
    season: str
    fabrics: tuple[str, ...]
    tags: tuple[str, ...]
    latest_version_id: str
    latest_number: int
    updated_at: str
    updated_by: str
    created_at: str
    created_by: str
    forked_from: str | None  # version id


def _clean(text: str | None, what: str, limit: int) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise InvalidInputError(f"the {what} is {len(value)} characters long; keep it to {limit} or fewer", field=what)
    return value


class DesignStore:
    """Designs in a database (``target``: a URL or an SQLite file path; default ``$ATELIER_DB_URL`` or
    ``user_data_dir()/designs.sqlite``) with a content-addressed media folder (default: beside the SQLite
    file, ``$ATELIER_MEDIA_DIR`` or ``user_data_dir()/designs-media`` for PostgreSQL).

    Opening creates an empty database, upgrades an older one to the latest schema, and refuses a file or
    database that is not an Atelier designs database.
    """

    def __init__(self, target: str | os.PathLike | None = None, *, media_dir: str | os.PathLike | None = None,
                 migrate: bool = True):
        db._sqlalchemy()  # DependencyMissingError naming the 'designs' extra when SQLAlchemy is absent
        from . import migrations

        self._m = migrations
        self.url = db.resolve_url(target)
        self.where = db.describe(self.url)
        self.media = MediaStore(media_dir or self._default_media_dir())
        self.engine = db.make_engine(self.url)
        self.schema_table, self.designs_table, self.versions_table, self.media_table = migrations.tables()
        try:
            with self._write("opening the designs database") as conn:
                if migrate:
                    self.schema_version = migrations.migrate(conn, self.where)
                else:
                    self.schema_version = migrations.current_version(conn, self.where)
        except BaseException:
            self.engine.dispose()
            raise
        if self.schema_version != migrations.LATEST:
            self.engine.dispose()
            raise DesignsDatabaseError(f"the designs database {self.where} is at version {self.schema_version}; "
                                       f"open it with migrations on to upgrade it to {migrations.LATEST}")

    def _default_media_dir(self) -> Path:
        if os.environ.get(ENV_MEDIA, "").strip():
            return Path(os.environ[ENV_MEDIA]).expanduser()
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (None, "", ":memory:"):
            path = Path(self.url.database)
            return path.with_name(f"{path.stem}-media")
        from ..core.paths import user_data_dir

        return user_data_dir() / "designs-media"

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None on PostgreSQL."""
        return Path(self.url.database) if self.url.get_backend_name() == "sqlite" else None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> DesignStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- transactions ---

    @contextlib.contextmanager
    def _write(self, doing: str) -> Iterator[sa.Connection]:
        """A write transaction: SQLite's write lock is taken at BEGIN (IMMEDIATE), so savers queue."""
        with db.translated(self.url, doing), self.engine.connect() as conn:
            conn.execution_options(atelier_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _read(self, doing: str) -> Iterator[sa.Connection]:
        with db.translated(self.url, doing), self.engine.connect() as conn, conn.begin():
            yield conn

    # --- writing ---

    def create(self, design: Design, *, author: str | None = None, message: str = "") -> Version:
        """A new design whose version 1 is ``design``."""
        return self._new_design(design, author, message or "created", forked_from=None)

    def delete(self, design_id: str) -> int:
        """Delete a design and every version of it; returns how many versions went. Media files stay in the
        media folder (other versions may share them); forks of it keep their own history."""
        self.latest(design_id)  # a clear error for an unknown design
        d, v, m = self.designs_table, self.versions_table, self.media_table
        with self._write("deleting a design") as conn:
            ids = [r.id for r in conn.execute(sa.select(v.c.id).where(v.c.design_id == design_id))]
            if ids:
                conn.execute(sa.delete(m).where(m.c.version_id.in_(ids)))
            conn.execute(sa.delete(v).where(v.c.design_id == design_id))
            conn.execute(sa.delete(d).where(d.c.id == design_id))
        return len(ids)

    def fork(self, version_id: str, *, author: str | None = None, name: str | None = None,
             message: str = "") -> Version:
        """A new design starting as a copy of a version (optionally renamed), linked to it."""
        source = self.version(version_id)
        design = source.design if not name else _renamed(source.design, name)
        return self._new_design(design, author, message or f"forked from {source.label}", forked_from=source.id)

    def _new_design(self, design: Design, author: str | None, message: str, forked_from: str | None) -> Version:
        if not isinstance(design, Design):
            raise InvalidInputError("expected a Design", field="design")
        author = _clean(author or default_author(), "author", AUTHOR_MAX) or "someone"
        message = _clean(message, "message", MESSAGE_MAX)
        design_id = uuid.uuid4().hex
        with self._write("creating a design") as conn:
            stamp = self._m.now()
            conn.execute(self.designs_table.insert().values(id=design_id, created_at=stamp, created_by=author,
                                                            forked_from=forked_from))
            return self._insert_version(conn, design_id, 1, forked_from, author, stamp, message, design)

    def save(self, design_id: str, design: Design, *, author: str | None = None, message: str = "",
             parent: str | None = None) -> Version:
        """Save ``design`` as the next version of ``design_id``.

        ``parent`` is the version this edit started from (default: the latest). If someone saved in the
        meantime, this still becomes a new version — numbered after theirs, with its own parent — so both
        edits are kept; :meth:`versions` shows them and :meth:`diff` compares them.
        """
        if not isinstance(design, Design):
            raise InvalidInputError("expected a Design", field="design")
        author = _clean(author or default_author(), "author", AUTHOR_MAX) or "someone"
        message = _clean(message, "message", MESSAGE_MAX)
        d, v = self.designs_table, self.versions_table
        with self._write("saving a design") as conn:
            # lock the design's row (PostgreSQL; SQLite holds the whole database since BEGIN IMMEDIATE)
            row = conn.execute(sa.select(d.c.id, d.c.forked_from).where(d.c.id == design_id).with_for_update()).first()
            if row is None:
                raise DesignNotFound(f"no design with id '{str(design_id)[:40]}' in the designs database {self.where}")
            head = conn.execute(sa.select(v.c.id, v.c.number).where(v.c.design_id == design_id)
                                .order_by(v.c.number.desc()).limit(1)).first()
            if parent is None:
                parent = head.id
            else:
                owner = conn.execute(sa.select(v.c.design_id).where(v.c.id == parent)).scalar()
                if owner != design_id:
                    raise InvalidInputError(f"version '{str(parent)[:40]}' is not a version of this design",
                                            field="parent")
            return self._insert_version(conn, design_id, head.number + 1, parent, author, self._m.now(), message,
                                        design)

    def _insert_version(self, conn, design_id, number, parent, author, stamp, message, design: Design) -> Version:
        document = design.to_json(indent=None)
        vid = uuid.uuid4().hex
        conn.execute(self.versions_table.insert().values(
            id=vid, design_id=design_id, number=number, parent_id=parent, author=author, created_at=stamp,
            message=message, document=document, **self._m.index_fields(document)))
        rows = self._m.media_rows(vid, document)
        if rows:
            conn.execute(self.media_table.insert(), rows)
        return Version(vid, design_id, number, parent, author, stamp, message, design)

    def add_media(self, source: str | os.PathLike | bytes, name: str | None = None, kind: str = "other") -> MediaRef:
        """Put a file (render, GLB, print artwork, pattern file) into the media folder; name it in a design."""
        return self.media.put(source, name, kind)

    def media_path(self, ref: MediaRef | str) -> Path:
        return self.media.path(ref)

    # --- reading ---

    def _version_from_row(self, row) -> Version:
        try:
            design = Design.from_json(row.document)
        except (FileFormatError, InvalidInputError) as exc:
            raise DesignsDatabaseError(f"version {row.number} of a design in {self.where} cannot be read: {exc}") \
                from None
        return Version(row.id, row.design_id, row.number, row.parent_id, row.author, row.created_at, row.message,
                       design)

    def version(self, version_id: str) -> Version:
        v = self.versions_table
        with self._read("reading a version") as conn:
            row = conn.execute(sa.select(v).where(v.c.id == version_id)).first()
        if row is None:
            raise DesignNotFound(f"no version with id '{str(version_id)[:40]}' in the designs database {self.where}")
        return self._version_from_row(row)

    def latest(self, design_id: str) -> Version:
        """The design's newest version."""
        v = self.versions_table
        with self._read("reading a design") as conn:
            row = conn.execute(sa.select(v).where(v.c.design_id == design_id).order_by(v.c.number.desc())
                               .limit(1)).first()
        if row is None:
            raise DesignNotFound(f"no design with id '{str(design_id)[:40]}' in the designs database {self.where}")
        return self._version_from_row(row)

    def numbered(self, design_id: str, number: int = 0) -> Version:
        """Version ``number`` (1, 2, 3…) of a design; 0 = its latest. Errors say which numbers exist."""
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise InvalidInputError(f"a version number is 1, 2, 3… (0 = the latest), got {number!r}",
                                    field="version")
        if number == 0:
            return self.latest(design_id)
        v = self.versions_table
        with self._read("reading a version") as conn:
            row = conn.execute(sa.select(v).where(v.c.design_id == design_id, v.c.number == number)).first()
            newest = None if row is not None else conn.execute(
                sa.select(sa.func.max(v.c.number)).where(v.c.design_id == design_id)).scalar()
        if row is not None:
            return self._version_from_row(row)
        if newest is None:
            raise DesignNotFound(f"no design with id '{str(design_id)[:40]}' in the designs database {self.where}")
        raise DesignNotFound(f"design '{str(design_id)[:40]}' has versions 1–{newest}; there is no version {number}")

    def versions(self, design_id: str) -> list[Version]:
        """Every version of a design, oldest first."""
        v = self.versions_table
        with self._read("reading a design's history") as conn:
            rows = conn.execute(sa.select(v).where(v.c.design_id == design_id).order_by(v.c.number)).all()
        if not rows:
            raise DesignNotFound(f"no design with id '{str(design_id)[:40]}' in the designs database {self.where}")
        return [self._version_from_row(r) for r in rows]

    def diff(self, old_version_id: str, new_version_id: str) -> list[Change]:
        """What changed from one version to another, in user words (``str(change)``)."""
        return diff_designs(self.version(old_version_id).design, self.version(new_version_id).design)

    def search(self, text: str = "", *, garment: str = "", fabric: str = "", season: str = "", tag: str = "",
               limit: int = 200) -> list[DesignSummary]:
        """Designs whose latest version matches every filter given (case-insensitive), newest first.

        ``text``: every word must appear in the name, notes, garment, season, fabrics, tags or trims;
        ``fabric``: a catalog id used on any panel; ``tag``: one of the tags.
        """
        d, v = self.designs_table, self.versions_table
        head = sa.select(v.c.design_id, sa.func.max(v.c.number).label("n")).group_by(v.c.design_id).subquery()
        query = (sa.select(v, d.c.created_at.label("d_created_at"), d.c.created_by, d.c.forked_from)
                 .join(head, sa.and_(v.c.design_id == head.c.design_id, v.c.number == head.c.n))
                 .join(d, d.c.id == v.c.design_id))
        if garment.strip():
            query = query.where(v.c.garment == garment.strip().lower())
        if season.strip():
            query = query.where(v.c.season == season.strip().lower())
        if fabric.strip():
            query = query.where(v.c.fabrics.contains(f" {fabric.strip().lower()} ", autoescape=True))
        if tag.strip():
            query = query.where(v.c.tags.contains(f" {tag.strip().lower()} ", autoescape=True))
        for word in text.lower().split():
            query = query.where(v.c.search_text.contains(word, autoescape=True))
        query = query.order_by(v.c.created_at.desc()).limit(max(1, min(int(limit), 10_000)))
        with self._read("searching designs") as conn:
            rows = conn.execute(query).all()
        return [DesignSummary(r.design_id, r.name, r.garment, r.season, tuple(r.fabrics.split()),
                              tuple(r.tags.split()), r.id, r.number, r.created_at, r.author, r.d_created_at,
                              r.created_by, r.forked_from) for r in rows]

    def versions_using(self, sha256: str) -> list[str]:
        """Ids of the versions that name a media file."""
        m = self.media_table
        with self._read("looking up media") as conn:
            return [r[0] for r in conn.execute(sa.select(m.c.version_id).where(m.c.sha256 == sha256)).all()]

    # --- backups ---

    def backup(self, target: str | os.PathLike) -> Path:
        """A consistent copy of an SQLite database (taken even while others save) into ``target``.

        PostgreSQL is backed up with ``pg_dump`` (see docs/designs.md). The media folder is copied
        separately: it only ever gains files, so a plain copy or ``rsync`` is enough.
        """
        if self.path is None:
            raise DesignsDatabaseError("a PostgreSQL designs database is backed up with pg_dump "
                                       "(pg_dump -Fc -f designs.dump 'postgresql://…'), see docs/designs.md")
        import sqlite3

        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            src = sqlite3.connect(self.path, timeout=db.BUSY_TIMEOUT_S)
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            os.replace(tmp, target)
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            db.log.warning("backup of %s failed: %r", self.where, exc)
            raise DesignsDatabaseError(f"the backup of {self.where} failed (disk full or the file is busy); "
                                       f"try again") from None
        return target


def _renamed(design: Design, name: str) -> Design:
    from dataclasses import replace

    return replace(design, name=name)

