"""PostgreSQL as the store: the race decided inside the database, its unique indexes, db init, review.

Real server only (pg_cluster.py). The three-intakes-at-once tests (same files, overlapping folders,
conflicting versions) run on SQLite and PostgreSQL alike: tests/test_crash_concurrency.py.
"""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from formgen.forms.catalogue import available
from formgen.generate.roster import Citizen
from formgen.generate.run import generate
from formgen.store.db import SCHEMA_VERSION, WRITER_LOCK
from pg_cluster import PASSWORD
from test_crash_concurrency import blanks as forms, filled_copy as filled

EXE = str(Path(sys.executable).parent / "formgen")


def pg_workspace(ws, postgres, name: str):
    """The workspace pointed at a fresh PostgreSQL database of its own."""
    return replace(ws, db_url=postgres.new_database(name))


def rows(postgres, database: str, sql: str) -> list[list[str]]:
    return [line.split("|") for line in postgres.sql(sql, database).splitlines() if line]


def no_double_imports(postgres, database: str) -> None:
    by_code = rows(postgres, database, "SELECT code FROM submissions WHERE status='imported' "
                                       "GROUP BY code HAVING count(*) > 1")
    by_return = rows(postgres, database, "SELECT citizen_ref FROM submissions WHERE status='imported' "
                                         "GROUP BY citizen_ref, role, round, form HAVING count(*) > 1")
    assert by_code == [] and by_return == []


def test_a_return_stored_by_a_writer_still_in_its_transaction_is_seen_not_imported_twice(ws, postgres, tmp_path):
    """The race made certain: another writer has imported the form but not yet committed when intake
    decides. Intake must wait for it and then see a conflict: not a second imported row (no decision
    in the database) and not FG150 (a unique index alone, without waiting for the decision)."""
    from sqlalchemy import create_engine, text

    w = pg_workspace(ws, postgres, "race")
    blank = forms(w, 1)[0]
    subprocess.run([EXE, "-w", str(w.root), "--db", w.db_url, "status"], check=True, capture_output=True)
    engine = create_engine(w.db_url)
    with engine.connect() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITER_LOCK})  # as formgen's writer does
        other.execute(text(
            "INSERT INTO submissions (unit, sha256, status, code, form, form_version, fingerprint, role, round, citizen_ref,"
            " format, original_name, submitted_at) SELECT unit, 'x', 'imported', code, form, form_version, fingerprint,"
            " role, round, citizen_ref, format, file_name, '2026-01-01' FROM dispatch"))
        proc = subprocess.Popen([EXE, "-w", str(w.root), "--db", w.db_url, "intake", str(filled(blank, tmp_path / "in", 3))],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None and not other.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
            time.sleep(0.05)  # until intake waits for this transaction, or has finished without waiting
        other.commit()
        out, err = proc.communicate(timeout=300)
    engine.dispose()
    assert proc.returncode == 1 and "needs review 1" in out and "FG230" in err and "FG150" not in err, out + err
    assert rows(postgres, "race", "SELECT status, count(*) FROM submissions GROUP BY status ORDER BY status") \
        == [["conflict", "1"], ["imported", "1"]]


def test_two_imported_rows_for_one_form_code_are_refused_by_the_database(ws, postgres):
    w = pg_workspace(ws, postgres, "unik")
    forms(w, 1)
    insert = ("INSERT INTO submissions (unit, sha256, status, code, form, form_version, fingerprint, role, round, citizen_ref,"
              " format, original_name, submitted_at) SELECT unit, '{sha}', 'imported', code, form, form_version, fingerprint,"
              " role, round, citizen_ref, format, file_name, '2026-01-01' FROM dispatch")
    postgres.sql(insert.format(sha="a"), "unik")
    with pytest.raises(AssertionError, match="submissions_one_imported_per_code"):
        postgres.sql(insert.format(sha="b"), "unik")


def test_an_empty_database_beside_another_applications_schema_version_gets_formgen_tables(ws, postgres):
    url = postgres.new_database("delt")
    postgres.sql("CREATE SCHEMA andet AUTHORIZATION formgen; CREATE TABLE andet.schema_version (version int);"
                 "INSERT INTO andet.schema_version VALUES (41); ALTER TABLE andet.schema_version OWNER TO formgen", "delt")
    r = subprocess.run([EXE, "-w", str(ws.root), "--db", url, "status"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert postgres.sql("SELECT version FROM public.schema_version", "delt").strip() == str(SCHEMA_VERSION)
    assert postgres.sql("SELECT version FROM andet.schema_version", "delt").strip() == "41"  # theirs, untouched


def test_db_init_creates_the_schema_then_says_there_is_nothing_to_do(tmp_path, postgres):
    url = postgres.new_database("tom")
    first = subprocess.run([EXE, "db", "init", "--db", url], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "formgen's tables created in postgresql+psycopg://formgen:***@127.0.0.1" in first.stdout
    assert PASSWORD not in first.stdout + first.stderr
    tables = postgres.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", "tom").split()
    assert tables == ["answers", "citizens", "definitions", "dispatch", "layouts", "log", "problems", "scan_crops",
                      "scan_pages", "schema_version", "submissions", "user_citizens", "users"]
    indexes = postgres.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'submissions'", "tom").split()
    assert {"submissions_one_imported_per_code", "submissions_one_imported_per_return"} <= set(indexes)
    again = subprocess.run([EXE, "db", "init", "--db", url], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert again.returncode == 0 and "already exist" in again.stdout and f"schema {SCHEMA_VERSION}" in again.stdout, again.stdout


def test_db_init_on_a_missing_database_is_an_fg150_without_the_password(tmp_path, postgres):
    r = subprocess.run([EXE, "db", "init", "--db", postgres.url("findes_ikke")], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode == 1 and "FG150" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert PASSWORD not in r.stdout + r.stderr


def test_review_keep_on_postgresql_makes_the_chosen_version_the_one_imported_row(ws, postgres, tmp_path):
    w = pg_workspace(ws, postgres, "valg")
    blank = forms(w, 1)[0]
    for level, folder in ((2, "first"), (7, "second")):
        r = subprocess.run([EXE, "-w", str(w.root), "--db", w.db_url, "intake", str(filled(blank, tmp_path / folder,
                            level))], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "needs review 1" in r.stdout, r.stdout + r.stderr
    conflict = rows(postgres, "valg", "SELECT coalesce(stored_name, original_name) FROM submissions "
                                      "WHERE status = 'conflict'")[0][0]
    r = subprocess.run([EXE, "-w", str(w.root), "--db", w.db_url, "review", "--keep", conflict],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "now counts" in r.stdout, r.stdout + r.stderr
    assert rows(postgres, "valg", "SELECT coalesce(stored_name, original_name), status FROM submissions "
                                  "WHERE status = 'imported'") == [[conflict, "imported"]]
    no_double_imports(postgres, "valg")


def table_files(postgres, database: str) -> bytes:
    """The bytes of every table, index and TOAST file of the database's formgen tables, as on disk now."""
    postgres.sql("CHECKPOINT")  # what the server holds in memory is written to the files
    paths = rows(postgres, database, "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n "
                                     "ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'pg_toast') "
                                     "AND c.relkind IN ('r', 'i', 't') AND pg_relation_filepath(c.oid) IS NOT NULL")
    data = bytearray()
    for (rel,) in paths:
        base = postgres.folder / "data" / rel
        for part in [base, *sorted(base.parent.glob(base.name + ".[0-9]*"))]:
            if part.is_file():
                data += part.read_bytes()
    return bytes(data)


def test_forget_on_postgresql_leaves_the_citizen_in_no_table_file(ws, postgres, tmp_path):
    """A DELETE only marks rows dead (their bytes stay in the files: the test fails without compact);
    forget runs VACUUM FULL, so the citizen's ref and name are in no table, index or TOAST file afterwards."""
    w = pg_workspace(ws, postgres, "glemt")
    people = [Citizen("K77777", "Zacharias Unikanavn"), Citizen("K88888", "Bodil Bliverher")]
    for blank in generate(w, available()["samtaleskema"].definition, "docx", people, ["borger"]).files:
        filled(blank, w.intake, 4)
    r = subprocess.run([EXE, "-w", str(w.root), "--db", w.db_url, "intake"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    before = table_files(postgres, "glemt")
    assert b"K77777" in before and "Zacharias Unikanavn".encode() in before  # the test sees what is there
    r = subprocess.run([EXE, "-w", str(w.root), "--db", w.db_url, "forget", "K77777", "--yes"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    after = table_files(postgres, "glemt")
    assert b"K77777" not in after and "Zacharias Unikanavn".encode() not in after
    assert b"K88888" in after and "Bodil Bliverher".encode() in after  # the other citizen stays
