"""Shared fixtures: a fresh workspace, small inline definitions, LibreOffice helpers, a PostgreSQL server,
and db_url: the store's tests run once on SQLite and once on PostgreSQL."""
from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from formgen.forms.catalogue import parse
from formgen.core.workspace import init
from pg_cluster import postgres  # noqa: F401  (the session's PostgreSQL server, a fixture)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def needs_soffice():
    """Skip when LibreOffice is absent, except in CI (FORMGEN_REQUIRE_SOFFICE=1), where it must run."""
    if SOFFICE:
        return
    if os.environ.get("FORMGEN_REQUIRE_SOFFICE"):
        pytest.fail("LibreOffice (soffice) is required in CI: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
    pytest.skip("LibreOffice not installed (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)")


def soffice_convert(src: Path, to: str, outdir: Path) -> Path:
    """Convert with LibreOffice using a private profile (parallel runs sharing one lose files)."""
    needs_soffice()
    profile = outdir / ".lo-profile"
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    out = outdir / (src.stem + "." + to.split(":")[0])
    assert out.is_file(), f"LibreOffice did not write {out}"
    return out


def pdf_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


@pytest.fixture(autouse=True, scope="session")
def private_cache_folder(tmp_path_factory):
    """formgen's cache (forms list) goes to a folder of this test run, not the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def ws(tmp_path):
    """A fresh workspace with the placeholder logo."""
    return init(tmp_path / "ws", "Jobcenter Testby", unit="Virksomhedsservice")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """None (the workspace's own SQLite file), then a fresh PostgreSQL schema of its own.

    The server: $FORMGEN_TEST_POSTGRES (a SQLAlchemy URL of a database the test user may create schemas
    in) if set, else this session's private cluster (pg_cluster.py; skipped when PostgreSQL is absent,
    except with FORMGEN_REQUIRE_POSTGRES=1). Each test gets its own schema, chosen with search_path in
    the URL, so it needs no CREATEDB right and leaves nothing behind."""
    if request.param == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, text

    base = os.environ.get("FORMGEN_TEST_POSTGRES") or request.getfixturevalue("postgres").url()
    schema = "t" + uuid.uuid4().hex[:12]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture
def dbws(ws, db_url):
    """The fresh workspace on SQLite, then on PostgreSQL (db_url)."""
    return replace(ws, db_url=db_url)


def db_env(ws) -> dict:
    """The environment that points a formgen process at the workspace's database (FORMGEN_DB)."""
    env = dict(os.environ)
    env.pop("FORMGEN_DB", None)
    if ws.db_url:
        env["FORMGEN_DB"] = ws.db_url
    return env


def sql_rows(ws, statement: str) -> list[tuple]:
    """The rows of a statement run (and committed) on the workspace's database, SQLite or PostgreSQL."""
    from sqlalchemy import create_engine, text

    from formgen.store.db import engine_url

    engine = create_engine(engine_url(ws.db))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture
def small_form():
    """A small inline form: two items on a 5-step scale, a text section."""
    return parse(textwrap.dedent("""
        id: lille-skema
        version: "2"
        kind: survey
        title: Lille skema
        intro: Et kort skema til test.
        scale:
          steps: 5
          anchors: [Meget svært, Svært, Middel, Godt, Meget godt]
        respondents: [borger, mentor]
        sections:
          - title: Område
            items:
              - key: samarbejde
                label: Samarbejde
                question:
                  borger: Hvordan har du det med at samarbejde med kollegerne?
                  default: Hvordan vurderer du borgerens samarbejde med kollegerne?
                help: ["Hvad går godt?"]
                texts: [{key: kommentar, label: Kommentar}]
              - key: moedestabilitet
                label: Mødestabilitet
                question: Kommer borgeren til tiden?
                marks: [now]
                respondents: [mentor]
        texts:
          - key: aftale
            title: Aftale
            fields:
              - {key: timer, label: Timer pr. uge, type: number, lines: 1}
              - {key: opgaver, label: Opgaver, lines: 3}
        """), "<inline>")


@pytest.fixture(scope="session")
def fonts_only(tmp_path_factory):
    """Make a fontconfig file that sees only the folders of the given font families (FONTCONFIG_FILE for LibreOffice).

    The system's rules (conf.d) still apply, so a missing font is substituted as on a machine that has
    only these fonts installed. A family that is not installed skips the test, or fails it in CI.
    """
    def make(*families: str) -> Path:
        folders = []
        for family in families:
            files = subprocess.run(["fc-list", "-f", "%{file}\n", family], capture_output=True, text=True).stdout.split()
            if not files:
                if os.environ.get("FORMGEN_REQUIRE_SOFFICE"):
                    pytest.fail(f"the font {family} is required in CI (see .ci/run)")
                pytest.skip(f"the font {family} is not installed")
            folders.append(str(Path(files[0]).parent))
        root = tmp_path_factory.mktemp("fonts")
        dirs = "".join(f"<dir>{d}</dir>" for d in dict.fromkeys(folders))
        conf = root / "fonts.conf"
        conf.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{dirs}'
                        f'<include ignore_missing="yes">/etc/fonts/conf.d</include>'
                        f'<cachedir>{root / "cache"}</cachedir></fontconfig>', encoding="utf-8")
        return conf
    return make


@pytest.fixture
def shared(ws, tmp_path):
    """A workspace with Ida, Bo (konsulent Karl Nørgaard) and Sofie (Lise Dam) imported, and one account per role."""
    from accounts_setup import accounts, imported

    imported(ws, tmp_path)
    accounts(ws)
    return ws
