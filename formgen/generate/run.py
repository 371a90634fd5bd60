"""Generation: one file per citizen × respondent, each recorded in the dispatch manifest.

Files are written first and their manifest rows after them, one transaction per chunk of CHUNK
files (not per file). A crash can therefore leave at most the files of the chunks in flight without
a row: intake rejects such a file (FG210, "not sent out from this workspace") and running generate
again overwrites it, since a citizen's file name does not depend on its code. No row ever names a
file that was not written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formgen.core.parallel import fork_map, pool_size
from formgen.store import db as store
from formgen.store.manifest import record_dispatch, remember_citizens, remember_definition
from formgen.forms.definition import FormDefinition
from formgen.core.errors import fail
from formgen.core.identity import Identity, new_code
from formgen.core.private import private_dir, write_private
from formgen.forms.view import prefill, view
from formgen.generate.roster import Citizen, check_ref
from formgen.core.workspace import Workspace

__all__ = ["FORMATS", "GenerateResult", "file_name", "generate"]
# (reports/citizen.py still imports pool_size from here, until it imports core.parallel itself)

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
    remember_definition(engine, d.fingerprint, d.id, d.version, d.model_dump(mode="json"))
    if citizens:
        remember_citizens(engine, citizens)
    writer = _writer(fmt)
    masters = [writer.build_master(view(d, role), ws.config.organisation, logo, _template(ws, fmt), round_no,
                                   date.strftime("%d-%m-%Y"), blank=citizens is None) for role in roles]
    batch = _Batch(writer, tuple(masters), tuple(roles), d.id, d.version, d.fingerprint, round_no, date, fmt,
                   out_dir, tuple((r, c) for r in range(len(roles)) for c in (citizens or [None])))
    files: list[Path] = []
    n = pool_size(workers, len(batch.jobs), PARALLEL_FROM)
    if n > 1:
        engine.dispose()  # no open database connection crosses the fork
    chunks = _run(batch, n)
    try:
        for rows in chunks:
            record_dispatch(engine, rows)
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


def _run(batch: _Batch, workers: int):
    """Manifest rows per chunk of written files, in job order (the workers inherit the batch)."""
    chunks = [(i, min(i + CHUNK, len(batch.jobs))) for i in range(0, len(batch.jobs), CHUNK)]
    if workers <= 1:
        for chunk in chunks:
            yield _make(batch, chunk)
        return
    for _, rows in fork_map(_make, chunks, workers, shared=batch):
        yield rows


def _make(b: _Batch, chunk: tuple[int, int]) -> list[dict]:
    """Personalise and write the files of jobs[start:stop]; their manifest rows."""
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
    from formgen.core.logo import check_logo

    path = Path(logo) if logo else ws.logo
    if path is None:
        raise fail("FG102", str(ws.root / "formgen.toml"), "no logo is configured",
                   "set organisation.logo in formgen.toml or pass --logo PATH")
    check_logo(path)
    return path
