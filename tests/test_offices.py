"""Two offices on one database: each sees only its own citizens, forms, returns, exports and log.

The issue's failing scenario, on SQLite (one file) and on PostgreSQL (one database): office B's roster
overwrote office A's citizen K10000 with another person, A's status and exports listed B's forms, A's
report mixed the two people, and B's `forget K10000` deleted A's citizen too.
"""
from __future__ import annotations

import csv
import shutil
from dataclasses import replace

import pytest

from conftest import sql_rows
from filling import fill_docx
from formgen.api import export, forget, intake_returns, purge, status
from formgen.core.workspace import init
from formgen.forms.catalogue import available
from formgen.generate.roster import Citizen
from formgen.generate.run import generate
from formgen.store import db as store
from formgen.store.queries import citizen_rows, for_citizens


@pytest.fixture
def offices(tmp_path, db_url):
    """Workspaces of office Nord and office Syd on one database, each with its own K10000 returned."""
    shared = db_url or str(tmp_path / "shared.db")
    out = []
    for office, name, level in (("Nord", "Anna Andersen", 2), ("Syd", "Bent Bentsen", 9)):
        ws = replace(init(tmp_path / office, "Jobcenter Testby", office=office), db_url=shared)
        [blank] = generate(ws, available()["samtaleskema"].definition, "docx", [Citizen("K10000", name)],
                           ["borger"]).files
        fill_docx(blank, {"fg:faglige_kompetencer:now": str(level)})
        shutil.copyfile(blank, ws.intake / blank.name)
        assert intake_returns(ws).counts["imported"] == 1
        out.append(ws)
    return out


def levels(ws) -> set[str]:
    engine = store.connect(ws.db, ws.unit)
    try:
        return {r["value"] for r in for_citizens(engine, "K10000").scores if r["item"] == "faglige_kompetencer"
                and r["field"] == "now"}
    finally:
        engine.dispose()


def roster(ws) -> dict:
    engine = store.connect(ws.db, ws.unit)
    try:
        return {ref: row["name"] for ref, row in citizen_rows(engine).items()}
    finally:
        engine.dispose()


def test_two_offices_keep_their_own_k10000(offices):
    nord, syd = offices
    assert roster(nord) == {"K10000": "Anna Andersen"} and roster(syd) == {"K10000": "Bent Bentsen"}
    assert [r.name for r in status(nord)] == ["Anna Andersen"] and all(r.returned for r in status(nord))
    assert [r.name for r in status(syd)] == ["Bent Bentsen"]
    assert levels(nord) == {"2"} and levels(syd) == {"9"}  # the report's numbers: one person each
    assert sql_rows(nord, "SELECT unit, count(*) FROM citizens GROUP BY unit ORDER BY unit") == [("Nord", 1), ("Syd", 1)]


def test_an_office_exports_only_its_own_returns(offices, tmp_path):
    nord, _ = offices
    path = export(nord, "scores", "csv", tmp_path / "nord.csv").path
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows and {r["citizen_ref"] for r in rows} == {"K10000"}
    assert {r["now"] for r in rows if r["item"] == "faglige_kompetencer"} == {"2"}  # Syd's answered 9
    assert len(rows) == len({r["item"] for r in rows})  # one return's rows, not two people's


def test_another_offices_return_is_not_imported_here(offices):
    nord, syd = offices
    theirs = next(syd.processed.glob("*.docx"))
    shutil.copyfile(theirs, nord.intake / ("fejlsendt-" + theirs.name))
    result = intake_returns(nord)
    assert result.counts["imported"] == 0 and result.counts["rejected"] == 1  # an unknown form code here
    assert levels(nord) == {"2"} and levels(syd) == {"9"}


def test_forget_in_one_office_leaves_the_other_offices_citizen(offices):
    nord, syd = offices
    forget(syd, "K10000")
    assert roster(syd) == {} and levels(syd) == set() and status(syd) == []
    assert roster(nord) == {"K10000": "Anna Andersen"} and levels(nord) == {"2"}
    assert next(nord.processed.glob("*.docx"), None) is not None  # Nord's file: another workspace's folder
    assert sql_rows(nord, "SELECT count(*) FROM submissions WHERE unit = 'Syd'") == [(0,)]


def test_forget_in_every_office_is_what_an_administrator_asks_for_knowingly(offices):
    nord, syd = offices
    forget(nord, "K10000", every_office=True)
    assert roster(nord) == {} and roster(syd) == {} and levels(syd) == set()
    assert sql_rows(nord, "SELECT count(*) FROM submissions") == [(0,)]
    assert sql_rows(nord, "SELECT count(*) FROM dispatch") == [(0,)]


def test_purge_in_one_office_leaves_the_others_old_returns(offices):
    nord, syd = offices
    for table, col in (("submissions", "submitted_at"), ("dispatch", "created_at")):
        sql_rows(nord, f"UPDATE {table} SET {col} = '2001-01-01T00:00:00+00:00'")
    purge(syd, 30)
    assert roster(syd) == {} and levels(syd) == set()
    assert roster(nord) == {"K10000": "Anna Andersen"} and levels(nord) == {"2"}
    purge(nord, 30, every_office=True)
    assert roster(nord) == {} and sql_rows(nord, "SELECT count(*) FROM submissions") == [(0,)]
