"""A database that cannot be used says why and what to do (FG150), and never shows a password.

Real failures only: a PostgreSQL server of this test session (pg_cluster.py) that is down, refuses a
password or lacks the database; SQLite files and folders without write permission (as root the
permission is taken away with setpriv, since root ignores file modes); a full tmpfs and a file size
limit. Every test also asserts that the password is in no output, no file and no audit log entry.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from formgen.store.db import SCHEMA_VERSION
from pg_cluster import PASSWORD, free_port
from formgen.store.db import SCHEMA_VERSION

EXE = str(Path(sys.executable).parent / "formgen")
WRONG = "Forkert:kode@42/x"  # a wrong password, also with characters a URL escapes
# As root, file modes do not bind: without these capabilities they do (root still owns its files).
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def run(ws, *args, db: str | None = None, prefix=(), **kw) -> subprocess.CompletedProcess:
    cmd = [*prefix, EXE, "-w", str(ws.root), *(["--db", db] if db else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def spellings(*passwords: str) -> set[str]:
    return {s for p in passwords for s in (p, quote(p, safe=""), quote(p))}


def assert_no_password(r: subprocess.CompletedProcess, *places: Path, passwords=(PASSWORD, WRONG)) -> None:
    """Not in stdout or stderr, nor in any file under places (workbooks read cell by cell)."""
    shown = r.stdout + r.stderr
    for secret in spellings(*passwords):
        assert secret not in shown, shown
    for place in places:
        for path in (p for p in Path(place).rglob("*") if p.is_file()):
            text = workbook_text(path) if path.suffix == ".xlsx" else path.read_bytes().decode("latin-1")
            assert not any(secret in text for secret in spellings(*passwords)), path


def workbook_text(path: Path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)


def problem(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FG150" in r.stderr and "Traceback" not in r.stderr, r.stderr
    return r.stderr


# PostgreSQL ---------------------------------------------------------------------------------------

def test_a_server_that_is_not_running_says_so_and_how_to_start_it(ws, postgres):
    r = run(ws, "status", db=postgres.url(port=free_port()))
    err = problem(r)
    assert "is not running or refuses connections" in err
    assert "systemctl start postgresql" in err and "pg_isready" in err
    assert "disk" not in err and "writable" not in err  # not the old message that pointed the wrong way
    assert_no_password(r, ws.root)


def test_a_wrong_password_says_authentication_failed_and_hides_both_passwords(ws, postgres):
    r = run(ws, "status", db=postgres.url(password=WRONG))
    err = problem(r)
    assert "authentication failed for user 'formgen'" in err
    assert "correct the user name and password" in err and "%40" in err
    assert "postgresql+psycopg://formgen:***@127.0.0.1" in err  # masked, still recognisable
    assert_no_password(r, ws.root)


def test_a_missing_database_says_which_and_how_to_create_it(ws, postgres):
    r = run(ws, "status", db=postgres.url("kontor_b"))
    err = problem(r)
    assert "the database 'kontor_b' does not exist" in err
    assert f"createdb -h 127.0.0.1 -p {postgres.port} -U formgen -O formgen kontor_b" in err
    assert_no_password(r, ws.root)


def test_a_user_who_may_not_create_tables_is_told_the_grant(ws, postgres):
    postgres.sql("CREATE DATABASE fremmed OWNER postgres")  # PostgreSQL 15: public is not writable by others
    r = run(ws, "status", db=postgres.url("fremmed"))
    err = problem(r)
    assert "may not create formgen's tables" in err and "GRANT CREATE ON SCHEMA public TO formgen" in err
    assert_no_password(r, ws.root)


def test_a_working_server_gets_formgen_schema_and_no_password_is_stored(ws, postgres):
    from filling import fill_docx

    url = postgres.new_database("arbejde")
    r = run(ws, "status", db=url)
    assert r.returncode == 0, r.stderr
    assert postgres.sql("SELECT version FROM schema_version", "arbejde").strip() == str(SCHEMA_VERSION)
    r = run(ws, "generate", "samtaleskema", "--citizen", "K1", "--name", "Ida Holm", "--role", "borger",
            "--format", "docx", db=url)
    assert r.returncode == 0, r.stderr
    (form,) = (ws.root / "output").rglob("*.docx")
    fill_docx(form, {"fg:faglige_kompetencer:now": "4"})
    shutil.copy(form, ws.intake / form.name)
    r = run(ws, "intake", db=url)
    assert r.returncode == 0 and "Imported 1" in r.stdout, r.stdout + r.stderr
    assert list((ws.root / "output").rglob("import/*.xlsx"))  # the import report, read below
    audit = postgres.sql("SELECT actor, action, coalesce(detail, '') FROM log", "arbejde")
    assert "intake" in audit and not any(s in audit for s in spellings(PASSWORD))
    assert_no_password(r, ws.root)


def test_a_plain_postgresql_url_uses_psycopg_3(ws, postgres):
    url = postgres.new_database("kort").replace("postgresql+psycopg://", "postgresql://")
    r = run(ws, "status", db=url)
    assert r.returncode == 0, r.stderr


def test_no_driver_installed_names_the_extra_to_install(ws, tmp_path):
    # psycopg made absent for this one process: a package that cannot be imported, exactly what Python
    # reports when it is not installed
    (tmp_path / "hidden" / "psycopg").mkdir(parents=True)
    (tmp_path / "hidden" / "psycopg" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "hidden")}
    url = f"postgresql://formgen:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}/formgen"
    r = run(ws, "status", db=url, env=env)
    err = problem(r)
    assert "no PostgreSQL driver is installed" in err and "pip install 'formgen[postgres]'" in err
    assert "FG999" not in err
    assert_no_password(r, ws.root)


def test_an_unescaped_at_sign_in_the_password_is_refused_without_showing_any_of_it(ws):
    r = run(ws, "status", db="postgresql+psycopg://formgen:Qz9@Xw7:Vb4/Lk2@127.0.0.1/formgen")
    err = problem(r)
    assert "contains an '@' that is not escaped" in err and "%40" in err
    assert_no_password(r, ws.root, passwords=("Qz9@Xw7:Vb4/Lk2", "Qz9", "Xw7", "Vb4", "Lk2"))


def test_a_password_in_a_driver_message_is_hidden_in_any_spelling():
    from formgen.core.redact import remember, scrub
    from formgen.store.errors import explain
    from sqlalchemy import create_engine

    url = f"postgresql+psycopg://formgen:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}/formgen"
    remember(url)
    with pytest.raises(Exception) as caught:
        create_engine(url).connect()
    text = f"{caught.value} while opening {url} as formgen with {PASSWORD}"  # what a driver might echo
    for shown in (scrub(text), *explain(caught.value, url)):
        assert not any(s in shown for s in spellings(PASSWORD)), shown
    assert "formgen:***@127.0.0.1" in scrub(text)


# SQLite -------------------------------------------------------------------------------------------

def needs_permissions() -> list[str]:
    """The command prefix under which file modes bind (none unless root; setpriv as root)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux): file modes cannot be enforced")
    return NO_OVERRIDE


def test_a_read_only_database_file_says_so_and_how_to_fix_it(ws):
    prefix = needs_permissions()
    assert run(ws, "status").returncode == 0
    os.chmod(ws.db_path, 0o444)
    r = run(ws, "generate", "samtaleskema", "--citizen", "K1", "--name", "Ida Holm", "--format", "docx", prefix=prefix)
    err = problem(r)
    assert f"the database file {ws.db_path} is read-only for this user" in err
    assert f"chmod u+w {ws.db_path}" in err


def test_a_read_only_folder_says_so_and_how_to_fix_it(ws, tmp_path):
    prefix = needs_permissions()
    folder = tmp_path / "skrivebeskyttet"
    folder.mkdir()
    db = folder / "formgen.db"
    assert run(ws, "status", db=str(db)).returncode == 0
    for extra in folder.glob("formgen.db-*"):
        extra.unlink()
    folder.chmod(0o555)
    try:
        r = run(ws, "status", db=str(db), prefix=prefix)
    finally:
        folder.chmod(0o755)
    err = problem(r)
    assert f"the folder {folder} is read-only for this user" in err and f"chmod u+w {folder}" in err


def test_a_database_file_without_permission_cannot_be_opened(ws):
    prefix = needs_permissions()
    assert run(ws, "status").returncode == 0
    os.chmod(ws.db_path, 0o000)
    r = run(ws, "status", prefix=prefix)
    err = problem(r)
    assert f"the SQLite file {ws.db_path} cannot be opened: no permission" in err and "chmod u+rw" in err


def test_a_folder_given_as_the_database_says_so(ws):
    err = problem(run(ws, "status", db=str(ws.root)))
    assert f"{ws.root} is a folder, not a database file" in err


def test_a_file_that_is_not_a_database_says_so(ws, tmp_path):
    (tmp_path / "noter.db").write_text("Ida Holm, mødt kl. 9\n" * 200)
    err = problem(run(ws, "status", db=str(tmp_path / "noter.db")))
    assert "is not a SQLite database" in err and "restore formgen.db from a backup" in err


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_file_size_limit_says_it_acts_as_a_full_disk(ws):
    err = problem(run(ws, "status", preexec_fn=_limit_file_size))
    assert "a file size limit is set for formgen" in err and "ulimit -f unlimited" in err


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MB tmpfs, filled up (needs the right to mount: root)."""
    mnt = tmp_path / "lille"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root); the file size limit test covers a full disk")
    try:
        with open(mnt / "fyld", "wb", buffering=0) as f:  # unbuffered: the failing write is the last one
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_a_full_disk_says_the_disk_is_full_and_where(ws, full_disk):
    err = problem(run(ws, "status", db=str(full_disk / "formgen.db")))
    assert "the disk is full" in err and f"df -h {full_disk}" in err


def test_a_read_only_output_folder_names_that_folder_not_the_database(ws):
    prefix = needs_permissions()
    (ws.root / "output").chmod(0o555)
    try:
        r = run(ws, "generate", "samtaleskema", "--citizen", "K1", "--name", "Ida Holm", "--role", "borger",
                "--format", "docx", prefix=prefix)
    finally:
        (ws.root / "output").chmod(0o755)
    err = problem(r)
    assert f"no permission to write {ws.root / 'output'}" in err and f"write access to {ws.root / 'output'}" in err
    assert "formgen.db" not in err
