"""Generation: one file per citizen × respondent, each recorded in the dispatch manifest.

Files are written first and their manifest rows after them, one transaction per chunk of CHUNK
files (not per file). A crash can therefore leave at most the files of the chunks in flight without
a row: intake rejects such a file (FG210, "not sent out from this workspace") and running generate
again overwrites it, since a citizen's file name does not depend on its code. No row ever names a
file that was not written.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import insert, select, update

from formgen.store import db as store
from formgen.forms.definition import FormDefinition
from formgen.core.errors import fail
from formgen.core.identity import Identity, new_code
from formgen.core.private import private_dir, write_private
from formgen.forms.view import prefill, view
from formgen.generate.roster import Citizen, check_ref
from formgen.core.workspace import Workspace

FORMATS = ("docx", "xlsx", "pdf")


@dataclass(frozen=True)
class GenerateResult:
    """What a generate run wrote."""

    form: str
    format: str
    files: tuple[Path, ...]
    out_dir: Path
    citizens: int
    roles: tuple[str, ...]


def file_name(citizen_ref: str | None, role: str, form_id: str, fmt: str, code: str) -> str:
    """<citizen_ref>_<role>_<form-id>.<ext>; blank forms carry their code instead of a ref."""
    return f"{citizen_ref or 'blank-' + code}_{role}_{form_id}.{fmt}"


def generate(ws: Workspace, d: FormDefinition, fmt: str, citizens: list[Citizen] | None, roles: list[str] | None,
             round_no: int = 1, date: dt.date | None = None, out_dir: Path | None = None, logo: Path | None = None,
             progress: Callable[[int], None] | None = None, workers: int | None = None) -> GenerateResult:
    """Write one file per citizen × role (a single blank form per role when citizens is None).

    Each form × role is rendered once (a master) and personalised per file by splicing. Large
    batches are written by forked workers (workers=None: FORMGEN_WORKERS, else one per core);
    the dispatch manifest gets a batch's rows in one transaction right after its files are written.
    """
    if fmt not in FORMATS:
        raise fail("FG130", f"--format {fmt}", "unknown format", f"use one of: {', '.join(FORMATS)}")
    roles = list(roles or d.respondents)
    for c in citizens or []:
        if (p := check_ref(c.citizen_ref, f"citizen {c.citizen_ref}")) is not None:
            from formgen.core.errors import FormgenError

            raise FormgenError(p)
    logo = _logo(ws, logo)
    date = date or dt.date.today()
    out_dir = Path(out_dir) if out_dir else ws.forms_out / d.id / f"runde-{round_no}"
    private_dir(out_dir)
    engine = store.connect(ws.db)
    _remember_definition(engine, d)
    if citizens:
        _remember_citizens(engine, citizens)
    writer = _writer(fmt)
    masters = [writer.build_master(view(d, role), ws.config.organisation, logo, _template(ws, fmt), round_no,
                                   date.strftime("%d-%m-%Y"), blank=citizens is None) for role in roles]
    batch = _Batch(writer, tuple(masters), tuple(roles), d.id, d.version, d.fingerprint, round_no, date, fmt,
                   out_dir, tuple((r, c) for r in range(len(roles)) for c in (citizens or [None])))
    files: list[Path] = []
    n = pool_size(workers, len(batch.jobs))
    if n > 1:
        engine.dispose()  # no open database connection crosses the fork
    chunks = _run(batch, n)
    try:
        for rows in chunks:
            _record(engine, rows)
            files += [out_dir / r["file_name"] for r in rows]
            if progress:
                progress(len(rows))
    finally:
        chunks.close()  # stops the workers at once if recording failed
    with engine.begin() as conn:
        store.record_log(conn, "generate", {"form": d.id, "format": fmt, "files": len(files), "round": round_no})
    engine.dispose()
    return GenerateResult(d.id, fmt, tuple(files), out_dir, len(citizens or []), tuple(roles))


# --- the batch: personalise and write; in this process or in forked workers ---------------------

CHUNK = 100  # files per task and per manifest transaction
PARALLEL_FROM = 200  # smaller batches are done in this process (a pool costs ~50 ms to start)


@dataclass(frozen=True)
class _Batch:
    writer: object
    masters: tuple
    roles: tuple[str, ...]
    form: str
    version: str
    fingerprint: str
    round: int
    date: dt.date
    fmt: str
    out_dir: Path
    jobs: tuple  # (role index, citizen or None), in the order the files are listed


_BATCH: _Batch | None = None  # what forked workers inherit


def asked_workers(requested: int | None) -> int | None:
    """The worker count asked for: the argument, else FORMGEN_WORKERS, else None."""
    import os

    env = os.environ.get("FORMGEN_WORKERS", "")
    return requested if requested is not None else int(env) if env.isdigit() else None


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def pool_size(requested: int | None, items: int, minimum: int = PARALLEL_FROM) -> int:
    """How many worker processes to use: 1 (this process) unless fork exists and the batch is large."""
    import os

    if requested is None:
        requested = asked_workers(None) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                            else (os.cpu_count() or 1))
        if items < minimum:
            return 1
    if requested <= 1 or not can_fork():
        return 1
    return max(1, min(requested, items))


def _run(batch: _Batch, workers: int):
    """Manifest rows per chunk of written files, in job order."""
    global _BATCH
    chunks = [(i, min(i + CHUNK, len(batch.jobs))) for i in range(0, len(batch.jobs), CHUNK)]
    if workers <= 1:
        for chunk in chunks:
            yield _make(chunk, batch)
        return
    import multiprocessing

    _BATCH = batch
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_make, chunks)
    finally:
        _BATCH = None


def _make(chunk: tuple[int, int], batch: _Batch | None = None) -> list[dict]:
    """Personalise and write the files of jobs[start:stop]; their manifest rows."""
    b = batch or _BATCH
    rows = []
    for r, citizen in b.jobs[chunk[0]:chunk[1]]:
        role, ref = b.roles[r], citizen.citizen_ref if citizen else ""
        code = new_code()
        ident = Identity(code, b.form, b.version, b.fingerprint, role, b.round, ref)
        data = b.writer.personalise(b.masters[r], ident, prefill(citizen, role, b.round if citizen else None,
                                                                 b.date if citizen else None))
        name = file_name(ref or None, role, b.form, b.fmt, code)
        write_private(b.out_dir / name, data)
        rows.append(dict(code=code, form=b.form, form_version=b.version, fingerprint=b.fingerprint, role=role,
                         round=b.round, citizen_ref=ref or None, format=b.fmt, file_name=name, created_at=store.now()))
    return rows


def _writer(fmt: str):
    from formgen.formats.registry import get

    return get(fmt)


def _template(ws: Workspace, fmt: str) -> Path | None:
    from formgen.core.templates import template_path

    return template_path("form.docx", ws) if fmt == "docx" else None


def _logo(ws: Workspace, logo: Path | None) -> Path:
    from formgen.formats.logo import check_logo

    path = Path(logo) if logo else ws.logo
    if path is None:
        raise fail("FG102", str(ws.root / "formgen.toml"), "no logo is configured",
                   "set organisation.logo in formgen.toml or pass --logo PATH")
    check_logo(path)
    return path


def _remember_definition(engine, d: FormDefinition) -> None:
    """Keep the exact definition that made a file, so it can be read back after the form changes."""
    with engine.begin() as conn:
        if conn.execute(select(store.definitions.c.fingerprint).where(
                store.definitions.c.fingerprint == d.fingerprint)).first() is None:
            conn.execute(insert(store.definitions).values(
                fingerprint=d.fingerprint, form=d.id, version=d.version,
                definition=json.dumps(d.model_dump(mode="json"), ensure_ascii=False), created_at=store.now()))


def _remember_citizens(engine, citizens: list[Citizen]) -> None:
    """Insert new citizens and update known ones, in one transaction (a statement per 500 rows)."""
    from sqlalchemy import bindparam

    t = store.citizens
    cols = ("name", "company", "mentor", "consultant", "programme", "updated_at")
    now = store.now()
    latest = {c.citizen_ref: dict(ref=c.citizen_ref, v_name=c.name, v_company=c.company, v_mentor=c.mentor,
                                  v_consultant=c.consultant, v_programme=c.programme, v_updated_at=now)
              for c in citizens}  # a ref listed twice ends with its last values, as row-by-row upserts did
    with engine.begin() as conn:
        refs, known = list(latest), set()
        for i in range(0, len(refs), 500):
            known.update(conn.execute(select(t.c.citizen_ref).where(t.c.citizen_ref.in_(refs[i:i + 500]))).scalars())
        old = [row for ref, row in latest.items() if ref in known]
        new = [row for ref, row in latest.items() if ref not in known]
        values = {c: bindparam("v_" + c) for c in cols}
        if old:
            conn.execute(update(t).where(t.c.citizen_ref == bindparam("ref")).values(values), old)
        if new:
            conn.execute(insert(t).values(citizen_ref=bindparam("ref"), **values), new)


def _record(engine, rows: list[dict]) -> None:
    """The manifest rows of files already written, in one transaction."""
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(store.dispatch), rows)
