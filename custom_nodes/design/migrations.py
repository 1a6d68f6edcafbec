"""The designs database's tables and their versioned migrations.

``schema_version`` holds one row per migration applied (version, time, description). :data:`MIGRATIONS` is
the ordered list of migration functions; migration ``n`` turns a version ``n - 1`` database into a version
``n`` one and is never edited once released — a change is a new migration at the end. :func:`migrate`
applies the missing ones in one transaction under the database's write lock, so two programs opening a
fresh database at once cannot both migrate it. Each migration builds its own table snapshots: the tables
the store queries (:func:`tables`) describe only the latest version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import sqlalchemy as sa

from ..core.design import upgrade
from ..core.errors import AtelierError
from .errors import NotADesignsDatabase

OUR_TABLES = {"schema_version", "designs", "versions", "version_media"}
ID = 32  # uuid4 hex
_LOCK_KEY = 0x41746C72  # "Atlr": PostgreSQL advisory lock held while migrating


def now() -> str:
    """UTC time as ISO 8601 text (microseconds): sorts the same as it reads, in SQLite and PostgreSQL."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


# --- search columns: derived from a stored document ------------------------------------------------


def index_fields(document: str) -> dict[str, str]:
    """The searchable columns of a version from its JSON (any schema; read leniently, never failing)."""
    try:
        doc = upgrade(json.loads(document))
    except (ValueError, AtelierError, RecursionError):
        return {"name": "", "garment": "", "season": "", "fabrics": "", "tags": "", "search_text": ""}
    pattern = doc.get("pattern") or {}
    garment = (pattern.get("template") or {}).get("garment", "tshirt") if pattern.get("source") == "template" \
        else pattern.get("garment", "")
    looks = [doc.get("look") or {}, *(doc.get("panels") or {}).values()]
    fabrics = sorted({str(lk.get("fabric_id", "")) for lk in looks if isinstance(lk, dict)} - {""})
    tags = [str(t).lower() for t in doc.get("tags") or []]
    trims = [f"{t.get('item_id', '')} {t.get('name', '')}" for t in doc.get("trims") or [] if isinstance(t, dict)]
    words = [doc.get("name", ""), garment, doc.get("season", ""), *fabrics, *tags, doc.get("notes", ""), *trims]
    return {"name": str(doc.get("name", "")), "garment": str(garment).lower(),
            "season": str(doc.get("season", "")).lower(),
            "fabrics": f" {' '.join(fabrics)} " if fabrics else "", "tags": f" {' '.join(tags)} " if tags else "",
            "search_text": " ".join(str(w) for w in words if w).lower()}


def media_rows(version_id: str, document: str) -> list[dict]:
    """(version, sha256, kind, name) for every file a stored document names."""
    from ..core.design import Design

    try:
        design = Design.from_json(document)
    except AtelierError:
        return []
    return [{"version_id": version_id, "sha256": r.sha256, "kind": r.kind, "name": r.name}
            for r in design.media_refs()]


# --- the migrations ----------------------------------------------------------------------------------


def _v1_initial(conn: sa.Connection) -> None:
    """Designs and their immutable versions."""
    md = sa.MetaData()
    sa.Table("designs", md,
             sa.Column("id", sa.String(ID), primary_key=True),
             sa.Column("created_at", sa.Text, nullable=False),
             sa.Column("created_by", sa.Text, nullable=False),
             sa.Column("forked_from", sa.String(ID), nullable=True))  # the version it was forked from
    sa.Table("versions", md,
             sa.Column("id", sa.String(ID), primary_key=True),
             sa.Column("design_id", sa.String(ID), sa.ForeignKey("designs.id"), nullable=False),
             sa.Column("number", sa.Integer, nullable=False),
             sa.Column("parent_id", sa.String(ID), nullable=True),
             sa.Column("author", sa.Text, nullable=False),
             sa.Column("created_at", sa.Text, nullable=False),
             sa.Column("message", sa.Text, nullable=False),
             sa.Column("document", sa.Text, nullable=False),
             sa.UniqueConstraint("design_id", "number", name="versions_design_number"))
    md.create_all(conn)


def _v2_search_columns(conn: sa.Connection) -> None:
    """Searchable columns on each version (name, garment, season, fabrics, tags, text), filled from the
    documents already stored."""
    for column in ("name", "garment", "season", "fabrics", "tags", "search_text"):
        conn.execute(sa.text(f"ALTER TABLE versions ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"))
    versions = sa.table("versions", sa.column("id"), sa.column("document"),
                        *(sa.column(c) for c in ("name", "garment", "season", "fabrics", "tags", "search_text")))
    for vid, document in conn.execute(sa.select(versions.c.id, versions.c.document)).all():
        conn.execute(versions.update().where(versions.c.id == vid).values(**index_fields(document)))
    conn.execute(sa.text("CREATE INDEX versions_design ON versions (design_id, number)"))
    conn.execute(sa.text("CREATE INDEX versions_garment ON versions (garment)"))


def _v3_media(conn: sa.Connection) -> None:
    """Which version names which media file (renders, GLBs, prints), so exports and clean-ups find them."""
    md = sa.MetaData()
    sa.Table("versions", md, sa.Column("id", sa.String(ID), primary_key=True))
    media = sa.Table("version_media", md,
                     sa.Column("version_id", sa.String(ID), sa.ForeignKey("versions.id"), primary_key=True),
                     sa.Column("sha256", sa.String(64), primary_key=True),
                     sa.Column("kind", sa.Text, nullable=False),
                     sa.Column("name", sa.Text, nullable=False),
                     sa.Index("version_media_sha", "sha256"))
    media.create(conn)
    rows = conn.execute(sa.text("SELECT id, document FROM versions")).all()
    found = [r for vid, document in rows for r in media_rows(vid, document)]
    if found:
        conn.execute(media.insert(), found)


#: (version, description, function), in order; never edit a released one, append a new one.
MIGRATIONS: list[tuple[int, str, Callable[[sa.Connection], None]]] = [
    (1, "designs and immutable versions", _v1_initial),
    (2, "search columns on versions", _v2_search_columns),
    (3, "media named by each version", _v3_media),
]
LATEST = MIGRATIONS[-1][0]


def tables() -> tuple[sa.Table, sa.Table, sa.Table, sa.Table]:
    """(schema_version, designs, versions, version_media) as they are at :data:`LATEST`."""
    md = sa.MetaData()
    schema = sa.Table("schema_version", md, sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
                      sa.Column("applied_at", sa.Text, nullable=False), sa.Column("description", sa.Text, nullable=False))
    designs = sa.Table("designs", md, sa.Column("id", sa.String(ID), primary_key=True), sa.Column("created_at", sa.Text),
                       sa.Column("created_by", sa.Text), sa.Column("forked_from", sa.String(ID)))
    versions = sa.Table("versions", md, sa.Column("id", sa.String(ID), primary_key=True),
                        sa.Column("design_id", sa.String(ID)), sa.Column("number", sa.Integer),
                        sa.Column("parent_id", sa.String(ID)), sa.Column("author", sa.Text),
                        sa.Column("created_at", sa.Text), sa.Column("message", sa.Text),
                        sa.Column("document", sa.Text),
                        *(sa.Column(c, sa.Text) for c in ("name", "garment", "season", "fabrics", "tags",
                                                          "search_text")))
    media = sa.Table("version_media", md, sa.Column("version_id", sa.String(ID), primary_key=True),
                     sa.Column("sha256", sa.String(64), primary_key=True), sa.Column("kind", sa.Text),
                     sa.Column("name", sa.Text))
    return schema, designs, versions, media


def _schema_table(conn: sa.Connection) -> sa.Table:
    table = tables()[0]
    table.create(conn, checkfirst=True)
    return table


def current_version(conn: sa.Connection, where: str) -> int:
    """The database's version: 0 when empty; :class:`NotADesignsDatabase` when it holds other things."""
    names = set(sa.inspect(conn).get_table_names())
    if "schema_version" not in names:
        if names:
            shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
            raise NotADesignsDatabase(f"{where} is not an Atelier designs database (it holds other tables: {shown}); "
                                      f"give Atelier a new file or an empty database")
        return 0
    columns = {c["name"] for c in sa.inspect(conn).get_columns("schema_version")}
    if not {"version", "applied_at", "description"} <= columns:
        raise NotADesignsDatabase(f"{where} is not an Atelier designs database (its schema_version table is "
                                  f"another program's)")
    version = conn.execute(sa.text("SELECT MAX(version) FROM schema_version")).scalar() or 0
    if version >= 1 and not {"designs", "versions"} <= names:
        raise NotADesignsDatabase(f"{where} is not an Atelier designs database (its design tables are missing)")
    return int(version)


def migrate(conn: sa.Connection, where: str, upto: int | None = None) -> int:
    """Bring the database to ``upto`` (default :data:`LATEST`) inside the caller's write transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    target = LATEST if upto is None else upto
    version = current_version(conn, where)
    if version > LATEST:
        raise NotADesignsDatabase(f"{where} was made by a newer Atelier (designs database version {version}; "
                                  f"this one knows up to {LATEST}): update Atelier to open it")
    schema = _schema_table(conn)
    for number, description, step in MIGRATIONS:
        if version < number <= target:
            step(conn)
            conn.execute(schema.insert().values(version=number, applied_at=now(), description=description))
            version = number
    return version
