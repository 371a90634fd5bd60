"""Versioned migrations: a database at every earlier schema version opens with today's formgen, on
SQLite and on PostgreSQL, its data kept and its schema current.

The old databases are the previous release's workspace (fixtures/workspace-503822a, schema 2) copied
table by table, with the tables and indexes that release made: schema 1 is the same without the
submissions, answers and problems tables (which schema 2 added). Schemas 3 and 4 are as the release
of 0b5e824 made them: step 3 was a placeholder there (no accounts tables), step 4 gave rows their office.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, inspect, select, text

from conftest import sql_rows
from formgen import export, open_workspace, status
from formgen.api import add_user
from formgen.generate.roster import Citizen
from formgen.store import db as store
from formgen.store.manifest import remember_citizens
from formgen.store.queries import citizen_rows

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "workspace-503822a"
SCHEMA_2 = ("submissions", "answers", "problems")
# what formgen at schema 2 created on PostgreSQL besides the tables
OLD_PG_INDEXES = ("CREATE UNIQUE INDEX submissions_one_imported_per_code ON submissions (code) "
                  "WHERE status = 'imported'",
                  "CREATE UNIQUE INDEX submissions_one_imported_per_return ON submissions (citizen_ref, role, round, "
                  "form) WHERE status = 'imported' AND citizen_ref IS NOT NULL AND round IS NOT NULL")


def old_database(target_url: str, version: int) -> dict[str, int]:
    """Write the fixture's database at schema version into target_url; the rows per table."""
    source = create_engine(f"sqlite:///{FIXTURE / 'formgen.db'}")
    old = MetaData()
    old.reflect(source)
    tables = [t for t in old.sorted_tables if version >= 2 or t.name not in SCHEMA_2]
    target = create_engine(store.engine_url(target_url))
    counts = {}
    with source.connect() as src, target.begin() as dst:
        old.create_all(dst, tables=tables)
        for t in tables:
            rows = [dict(r) for r in src.execute(select(t)).mappings()]
            if rows:
                dst.execute(t.insert(), rows)
            counts[t.name] = len(rows)
        dst.execute(text("UPDATE schema_version SET version = :v"), {"v": version})
        if dst.dialect.name == "postgresql":
            for t in tables:  # the rows came with their ids: the next one is after them
                if "id" in t.c:
                    dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                                     f"(SELECT coalesce(max(id), 0) + 1 FROM {t.name}), false)"))
            for sql in OLD_PG_INDEXES if version >= 2 else ():
                dst.execute(text(sql))
        if version >= 4:
            store.MIGRATIONS[4](dst)  # offices, as step 4 has been since 0b5e824; step 3 made nothing then
    source.dispose()
    target.dispose()
    return counts


@pytest.fixture
def old_ws(tmp_path, db_url):
    """The previous release's workspace folder, its database given at the schema version asked for."""
    root = tmp_path / "jc"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("README.md", "formgen.db"))
    url = db_url or str(tmp_path / "old.db")

    def make(version: int):
        return replace(open_workspace(root), db_url=url), old_database(url, version)
    return make


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_a_database_at_an_earlier_schema_opens_current_with_its_data_kept(old_ws, version):
    ws, counts = old_ws(version)
    assert sql_rows(ws, "SELECT version FROM schema_version") == [(version,)]
    engine = store.connect(ws.db, ws.unit)  # the upgrade
    found = inspect(engine)
    assert sql_rows(ws, "SELECT version FROM schema_version") == [(store.SCHEMA_VERSION,)]
    for table, n in counts.items():
        assert sql_rows(ws, f"SELECT count(*) FROM {table}") == [(n,)], table  # every row kept
        if table in store.UNIT_TABLES:
            assert sql_rows(ws, f"SELECT DISTINCT unit FROM {table}") == ([(store.DEFAULT_UNIT,)] if n else [])
    for table in store.UNIT_TABLES:  # also the tables schema 2 added to a schema-1 database
        assert "unit" in {c["name"] for c in found.get_columns(table)}, table
    assert found.get_pk_constraint("citizens")["constrained_columns"] == ["unit", "citizen_ref"]
    assert ws.unit == store.DEFAULT_UNIT  # an old formgen.toml names no office: its rows are still its own
    assert citizen_rows(engine)["S-0001"]["name"] == "Ida Holm"
    other = store.connect(ws.db, "Andet kontor")
    remember_citizens(other, [Citizen("S-0001", "En anden")])  # the same ref is another person elsewhere
    assert citizen_rows(engine)["S-0001"]["name"] == "Ida Holm"
    if engine.dialect.name == "postgresql":
        per_return = sql_rows(ws, "SELECT indexdef FROM pg_indexes WHERE indexname = "
                                  "'submissions_one_imported_per_return' AND schemaname = current_schema()")
        assert "unit, citizen_ref" in per_return[0][0]
    engine.dispose()
    other.dispose()
    returned = [(r.citizen_ref, r.role, r.returned) for r in status(ws, 1)]
    assert returned == [("S-0001", "borger", version >= 2), ("S-0001", "konsulent", False),
                        ("S-0002", "borger", version >= 2), ("S-0002", "konsulent", False)]
    if version >= 2:
        assert "S-0001,1,borger,samtaleskema" in export(ws, "scores", "csv").path.read_text(encoding="utf-8")
    add_user(ws, "kanr", "konsulent", "Et godt kodeord 7", "Karl Nørgaard")  # the accounts tables exist now
    assert sql_rows(ws, "SELECT name, role FROM users") == [("kanr", "konsulent")]


def test_opening_a_current_database_again_changes_nothing(old_ws):
    ws, _ = old_ws(2)
    store.connect(ws.db, ws.unit).dispose()
    before = sql_rows(ws, "SELECT unit, citizen_ref, name FROM citizens ORDER BY citizen_ref")
    store.connect(ws.db, ws.unit).dispose()
    assert sql_rows(ws, "SELECT version FROM schema_version") == [(store.SCHEMA_VERSION,)]
    assert sql_rows(ws, "SELECT unit, citizen_ref, name FROM citizens ORDER BY citizen_ref") == before
