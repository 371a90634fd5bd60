"""The workspace database (SQLAlchemy Core; SQLite by default): dispatch manifest, citizens, log.

SQLite runs in WAL mode and every write transaction starts with BEGIN IMMEDIATE, so concurrent
formgen processes queue instead of failing with "database is locked" (see NOTES.md).

Every row about citizens carries the office (`unit`) it belongs to; the engine connect() returns
knows the workspace's office (unit_of), and every query of the store filters by it, so offices
sharing one database see only their own citizens, forms, returns, problems and log.
"""
from __future__ import annotations

import datetime as dt
import getpass
import importlib.util
import json
import os
import sqlite3
from pathlib import Path

from sqlalchemy import (Column, Float, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text, create_engine,
                        event, insert, inspect, select, text)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from formgen.core.config import DEFAULT_OFFICE
from formgen.core.access import acting
from formgen.core.errors import FormgenError, fail
from formgen.core.redact import mask_url, remember
from formgen.store.errors import check_url, database_problem

__all__ = ["SCHEMA_VERSION", "DEFAULT_UNIT", "unit_of", "own", "meta", "schema_version", "definitions", "citizens", "dispatch", "log", "now", "actor", "engine_url", "connect", "create_schema", "submissions", "answers", "problems", "layouts", "scan_pages", "scan_crops", "MIGRATIONS", "MIGRATION_LOCK", "UNIT_TABLES", "PG_UNIQUE", "pg_unique_indexes", "migrate", "WRITER_LOCK", "lock_writers", "record_log", "log_entries", "users", "user_citizens"]

SCHEMA_VERSION = 5
DEFAULT_UNIT = DEFAULT_OFFICE  # the office of rows made before schema 4, and of workspaces that name none
meta = MetaData()


def _unit() -> Column:
    return Column("unit", String(64), nullable=False)

schema_version = Table("schema_version", meta, Column("version", Integer, nullable=False))
definitions = Table(
    "definitions", meta,
    Column("fingerprint", String(32), primary_key=True),
    Column("form", String(64), nullable=False), Column("version", String(32), nullable=False),
    Column("definition", Text, nullable=False), Column("created_at", String(32), nullable=False),
)
citizens = Table(
    "citizens", meta,
    Column("unit", String(64), primary_key=True),  # office B's K10000 is another person than office A's
    Column("citizen_ref", String(64), primary_key=True),
    Column("name", Text), Column("company", Text), Column("mentor", Text),
    Column("consultant", Text), Column("programme", Text), Column("updated_at", String(32)),
)
dispatch = Table(
    "dispatch", meta,
    Column("code", String(16), primary_key=True),  # random (core.identity): one form of one office, anywhere
    _unit(),
    Column("form", String(64), nullable=False), Column("form_version", String(32), nullable=False),
    Column("fingerprint", String(32), nullable=False), Column("role", String(16), nullable=False),
    Column("round", Integer), Column("citizen_ref", String(64)), Column("format", String(8), nullable=False),
    Column("file_name", Text, nullable=False), Column("created_at", String(32), nullable=False),
)
log = Table(
    "log", meta,
    Column("id", Integer, primary_key=True, autoincrement=True), _unit(),
    Column("at", String(32), nullable=False), Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False), Column("citizen_ref", String(64)), Column("detail", Text),
)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def actor() -> str:
    """Who the audit log names: the person the library acts for (an account's name), else $FORMGEN_ACTOR, else the OS user."""
    person = acting()
    if person is not None:
        return person.name[:64]
    if os.environ.get("FORMGEN_ACTOR"):
        return os.environ["FORMGEN_ACTOR"]
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return str(os.getuid())


def engine_url(url_or_path: str | Path) -> str:
    """The SQLAlchemy URL for a path or URL; a plain postgresql:// uses psycopg 3 (formgen's postgres extra)."""
    url = str(url_or_path)
    if "://" not in url:
        return f"sqlite:///{url}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres") and importlib.util.find_spec("psycopg") is not None:
        return f"postgresql+psycopg://{rest}"  # SQLAlchemy 2.0 would pick psycopg2 here
    return url


def connect(url_or_path: str | Path, unit: str) -> Engine:
    """Open (and create or migrate) the database for one office (unit); any failure is an FG150 naming its cause and fix."""
    return _opened(url_or_path)[0].execution_options(formgen_unit=unit)


def unit_of(engine_or_conn) -> str:
    """The office an engine from connect() (or one of its connections) reads and writes."""
    return engine_or_conn.get_execution_options()["formgen_unit"]


def own(table: Table, engine_or_conn):
    """The condition 'the row is this office's' for a query on table."""
    return table.c.unit == unit_of(engine_or_conn)


def create_schema(url_or_path: str | Path) -> tuple[int, int]:
    """Create (or bring up to date) formgen's tables; (schema version found, schema version now)."""
    engine, found = _opened(url_or_path)
    engine.dispose()
    return found, SCHEMA_VERSION


def _opened(url_or_path: str | Path) -> tuple[Engine, int]:
    remember(str(url_or_path))
    bad_url = check_url(str(url_or_path))
    if bad_url:
        raise FormgenError(bad_url)
    try:
        if "://" not in str(url_or_path):
            _create_private(Path(url_or_path))
        url = engine_url(url_or_path)
        engine = create_engine(url, connect_args={"timeout": 60} if url.startswith("sqlite") else {})
        if url.startswith("sqlite"):
            _sqlite_pragmas(engine)
        found = migrate(engine)
    except (SQLAlchemyError, ImportError, OSError, ValueError, sqlite3.Error) as exc:  # ValueError: a bad URL
        raise FormgenError(database_problem(exc, str(url_or_path), "cannot open the database")) from None
    return engine, found


def _create_private(path: Path) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # private from the first byte


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


submissions = Table(
    "submissions", meta,
    Column("id", Integer, primary_key=True, autoincrement=True), _unit(),
    # unique in the whole database: a file names its form code, and a code is one office's (dispatch)
    Column("sha256", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # imported | conflict | superseded
    Column("code", String(16), nullable=False, index=True),
    Column("form", String(64), nullable=False), Column("form_version", String(32), nullable=False),
    Column("fingerprint", String(32), nullable=False), Column("role", String(16), nullable=False),
    Column("round", Integer), Column("citizen_ref", String(64), index=True),
    Column("format", String(8), nullable=False), Column("original_name", Text, nullable=False),
    Column("stored_name", Text), Column("submitted_at", String(32), nullable=False),
    Column("filled_by", Text), Column("filled_date", String(32)),
)
answers = Table(
    "answers", meta,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("item", String(64), nullable=False), Column("field", String(64), nullable=False),
    Column("value", Text), Column("raw", Text), Column("how", String(16), nullable=False),
    Column("confidence", Float),  # mark recognition's certainty (how omr / omr-reviewed); NULL for typed answers
)
problems = Table(
    "problems", meta,
    Column("id", Integer, primary_key=True, autoincrement=True), _unit(),
    Column("sha256", String(64), nullable=False, index=True), Column("file_name", Text, nullable=False),
    Column("status", String(16), nullable=False), Column("code", String(8), nullable=False),
    Column("where", Text), Column("what", Text, nullable=False), Column("fix", Text),
    Column("at", String(32), nullable=False),
)

# At most one imported row per form code, and per citizen × respondent × round × form, decided by
# PostgreSQL itself (several formgen processes may write at once there). Partial indexes, so conflicts
# and superseded rows stay; not on SQLite, whose writers are serialised by BEGIN IMMEDIATE already.
PG_UNIQUE = {
    "submissions_one_imported_per_code": "(code) WHERE status = 'imported'",
    "submissions_one_imported_per_return": "(unit, citizen_ref, role, round, form) WHERE status = 'imported' "
                                           "AND citizen_ref IS NOT NULL AND round IS NOT NULL",
}


def _submission_tables(conn) -> None:
    meta.create_all(conn, tables=[submissions, answers, problems])
    pg_unique_indexes(conn)


def pg_unique_indexes(conn) -> None:
    """Create the PG_UNIQUE indexes that are missing (PostgreSQL only; cheap when all exist)."""
    if conn.dialect.name != "postgresql":
        return
    have = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                                 "AND tablename = 'submissions'")).scalars())
    for name, spec in PG_UNIQUE.items():
        if name not in have:
            conn.execute(text(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON submissions {spec}"))


UNIT_TABLES = ("citizens", "dispatch", "submissions", "problems", "log")  # answers: through submissions


def _office_units(conn) -> None:
    """Schema 4: each row about citizens names its office (unit); what was there belongs to DEFAULT_UNIT.

    Idempotent by inspection: steps 1 and 2 create today's tables, so an upgrade from schema 1 finds
    submissions and problems with their unit already and citizens, dispatch and log without."""
    from sqlalchemy import inspect

    found = inspect(conn)
    for table in UNIT_TABLES:
        if "unit" in {c["name"] for c in found.get_columns(table)}:
            continue
        if table == "citizens" and conn.dialect.name == "sqlite":  # a primary key cannot be altered there
            _rebuild_citizens(conn)
            continue
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN unit VARCHAR(64) NOT NULL DEFAULT '{DEFAULT_UNIT}'"))
        if conn.dialect.name == "postgresql":  # every insert names its office; no silent default
            conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN unit DROP DEFAULT"))
        if table == "citizens":  # a ref is unique per office, not in the whole database
            pk = found.get_pk_constraint("citizens")["name"]
            conn.execute(text(f'ALTER TABLE citizens DROP CONSTRAINT "{pk}", ADD PRIMARY KEY (unit, citizen_ref)'))
    if conn.dialect.name == "postgresql":  # made per office: the same ref in two offices is two people
        conn.execute(text("DROP INDEX IF EXISTS submissions_one_imported_per_return"))
        pg_unique_indexes(conn)


def _rebuild_citizens(conn) -> None:
    """SQLite: the roster copied into a table whose primary key is (unit, citizen_ref)."""
    cols = "citizen_ref, name, company, mentor, consultant, programme, updated_at"
    conn.execute(text("ALTER TABLE citizens RENAME TO citizens_before_units"))
    meta.create_all(conn, tables=[citizens])
    conn.execute(text(f"INSERT INTO citizens (unit, {cols}) SELECT :unit, {cols} FROM citizens_before_units"),
                 {"unit": DEFAULT_UNIT})
    conn.execute(text("DROP TABLE citizens_before_units"))


# The geometry of printed forms (formgen.formats.paper): every box and text area in millimetres, as
# JSON, under the layout hash each page's QR code carries; written by generate, read by intake.
layouts = Table(
    "layouts", meta,
    Column("hash", String(16), primary_key=True),
    Column("form", String(64), nullable=False), Column("fingerprint", String(32), nullable=False),
    Column("geometry", Text, nullable=False), Column("created_at", String(32), nullable=False),
)


# Scanned pages, kept until every page of their form has arrived (then used for its submission).
scan_pages = Table(
    "scan_pages", meta,
    Column("id", Integer, primary_key=True, autoincrement=True), _unit(),
    Column("code", String(16), nullable=False, index=True), Column("page", Integer, nullable=False),
    Column("layout_hash", String(16), nullable=False), Column("source_sha", String(64), nullable=False),
    Column("source_name", Text, nullable=False), Column("reading", Text, nullable=False),
    Column("status", String(16), nullable=False),  # waiting | used
    Column("citizen_ref", String(64), index=True), Column("at", String(32), nullable=False),
)
# Pictures cut out of scans: a row of boxes for a person to decide (kind row), a handwritten text
# answer (area), or a page that could not be read (page); PNG bytes.
scan_crops = Table(
    "scan_crops", meta,
    Column("id", Integer, primary_key=True, autoincrement=True), _unit(),
    Column("code", String(16), index=True), Column("page", Integer), Column("item", String(64)),
    Column("field", String(64)), Column("kind", String(8), nullable=False), Column("label", Text),
    Column("reason", Text), Column("confidence", Float), Column("png", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),  # open | decided (kind row); text | blank (area); unreadable (page)
    Column("value", Text), Column("source_name", Text, nullable=False), Column("source_sha", String(64)),
    Column("citizen_ref", String(64), index=True), Column("submission_id", Integer, index=True),
    Column("at", String(32), nullable=False),
)


def _scan_tables(conn) -> None:
    # also the accounts tables: the release before this one had a placeholder for step 3, so its schema-3
    # and schema-4 databases have none (create_all leaves existing tables alone)
    meta.create_all(conn, tables=[users, user_citizens, layouts, scan_pages, scan_crops])
    if "confidence" not in {c["name"] for c in inspect(conn).get_columns("answers")}:  # made before version 5
        conn.execute(text("ALTER TABLE answers ADD COLUMN confidence FLOAT"))


# Accounts (formgen users): a name to sign in with, a role, an argon2id hash; failed sign-ins lock it a while.
users = Table(
    "users", meta,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False), Column("full_name", Text),
    Column("password_hash", Text, nullable=False), Column("disabled", Integer, nullable=False, default=0),
    Column("failed_attempts", Integer, nullable=False, default=0), Column("locked_until", String(32)),
    Column("created_at", String(32), nullable=False),
)
user_citizens = Table(  # a konsulent's citizens besides those the roster names them for (an administrator assigns)
    "user_citizens", meta,
    Column("name", String(64), ForeignKey("users.name", ondelete="CASCADE"), primary_key=True),
    Column("unit", String(64), primary_key=True),  # the office of the citizen: K10000 of another office is another person
    Column("citizen_ref", String(64), primary_key=True),
    Column("assigned_at", String(32), nullable=False),
)


def _accounts_tables(conn) -> None:
    meta.create_all(conn, tables=[users, user_citizens])


MIGRATIONS = {
    1: lambda conn: meta.create_all(conn, tables=[schema_version, definitions, citizens, dispatch, log]),
    2: _submission_tables,
    3: _accounts_tables,
    4: _office_units,
    5: _scan_tables,
}
MIGRATION_LOCK = 0x666F726D67656D  # one formgen process migrates at a time (PostgreSQL)


def migrate(engine: Engine) -> int:
    """Bring the schema to SCHEMA_VERSION, one numbered step at a time; the version found (0: none)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # two processes opening an old database: one upgrades it
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        has = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'")
                           if engine.dialect.name == "sqlite" else  # formgen's tables: the search_path's first schema
                           text("SELECT table_name FROM information_schema.tables WHERE table_name='schema_version' "
                                "AND table_schema = current_schema()")).first()
        current = conn.execute(select(schema_version.c.version)).scalar() if has else 0
        if current and current > SCHEMA_VERSION:
            raise fail("FG150", mask_url(str(engine.url)), f"the database is from a newer formgen (schema {current})",
                       "upgrade formgen")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn)
            conn.execute(schema_version.delete())
            conn.execute(insert(schema_version).values(version=version))
        if current == SCHEMA_VERSION:
            pg_unique_indexes(conn)  # a PostgreSQL database made before they existed
    return current


WRITER_LOCK = 0x666F726D67656E  # "formgen": the advisory lock key of every formgen process deciding what counts


def lock_writers(conn) -> None:
    """On PostgreSQL, wait until no other formgen transaction decides what counts (intake, review --keep).

    A transaction-level advisory lock, released at COMMIT or ROLLBACK: after it, every statement sees
    what the previous writer committed, as after SQLite's BEGIN IMMEDIATE. Nothing to do on SQLite."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})


def record_log(conn, action: str, detail: dict, citizen_ref: str | None = None) -> None:
    """Append to the office's audit log (never updated, deleted only by forget and by purge, past the retention period)."""
    conn.execute(insert(log).values(unit=unit_of(conn), at=now(), actor=actor(), action=action,
                                    citizen_ref=citizen_ref, detail=json.dumps(detail, ensure_ascii=False)))


def log_entries(engine: Engine, action: str, detail: dict, refs=(None,)) -> None:
    """record_log for each ref (None: an entry about no one), in one transaction of its own."""
    with engine.begin() as conn:
        for ref in refs:
            record_log(conn, action, detail, ref)
