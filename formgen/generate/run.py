"""Generation: one file per citizen × respondent, each recorded in the dispatch manifest.

Files are written under temporary names, their manifest rows committed (one transaction per chunk
of CHUNK files), and only then renamed to their final names (see generate.atomic): every form file
that can be sent out has its row, whenever the run is killed. A citizen's form keeps its code: a
re-run for the same form definition × round × format × citizen × role reuses the code of the
existing row and rewrites the file (with today's roster data), so a re-run after a crash completes
the batch with no second row and no second file. Two runs of one batch at once agree too: a code
another run issued first (found when the rows are committed) is the form's only code, and the file
is written again with it before it gets its final name.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formgen.core.parallel import fork_map, pool_size
from formgen.store import db as store
from formgen.store.manifest import known_codes, record_dispatch, remember_citizens, remember_definition, remember_layouts
from formgen.forms.definition import FormDefinition
from formgen.core.errors import fail
from formgen.core.identity import Identity, new_code
from formgen.core.private import private_dir
from formgen.forms.view import prefill, view
from formgen.generate.atomic import clean_temps, publish, write_temp
from formgen.generate.roster import Citizen, check_ref
from formgen.core.workspace import Workspace

__all__ = ["preview_form", "FORMATS", "GenerateResult", "file_name", "generate"]
# (reports/citizen.py still imports pool_size from here, until it imports core.parallel itself)

FORMATS = ("docx", "xlsx", "pdf", "paper")


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
    """<citizen_ref>_<role>_<form-id>.<ext>; blank forms carry their code instead of a ref (paper: .papir.pdf)."""
    ext = "papir.pdf" if fmt == "paper" else fmt
    return f"{citizen_ref or 'blank-' + code}_{role}_{form_id}.{ext}"


def generate(ws: Workspace, d: FormDefinition, fmt: str, citizens: list[Citizen] | None, roles: list[str] | None,
             round_no: int = 1, date: dt.date | None = None, out_dir: Path | None = None, logo: Path | None = None,
             progress: Callable[[int], None] | None = None, workers: int | None = None,
             replace_roster: bool = False) -> GenerateResult:
    """Write one file per citizen × role (a single blank form per role when citizens is None).

    citizens are merged into the stored roster first (an empty field keeps the known value unless
    replace_roster) and the forms are prefilled from what is then stored. Each form × role is
    rendered once (a master) and personalised per file by splicing. Large batches are written by
    forked workers (workers=None: FORMGEN_WORKERS, else one per core).
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
    clean_temps(out_dir)  # what a killed run left behind
    engine = store.connect(ws.db, ws.unit)
    remember_definition(engine, d.fingerprint, d.id, d.version, d.model_dump(mode="json"))
    if citizens:
        stored = remember_citizens(engine, citizens, replace=replace_roster)
        citizens = [Citizen(ref, **fields) for ref, fields in stored.items()]
    writer = _writer(fmt)
    masters = [writer.build_master(view(d, role), ws.config.organisation, logo, _template(ws, fmt), round_no,
                                   date.strftime("%d-%m-%Y"), blank=citizens is None) for role in roles]
    for master in masters if hasattr(writer, "layouts") else ():  # printed forms: the geometry the reader needs
        remember_layouts(engine, d.id, d.fingerprint, writer.layouts(master))
    batch = _Batch(tuple(masters), tuple(roles), d.id, d.version, d.fingerprint, round_no, date, fmt,
                   out_dir, _jobs(engine, d, round_no, fmt, roles, citizens), os.getpid())
    files = _write(engine, batch, pool_size(workers, len(batch.jobs), PARALLEL_FROM), progress)
    with engine.begin() as conn:
        store.record_log(conn, "generate", {"form": d.id, "format": fmt, "files": len(files), "round": round_no})
    engine.dispose()
    return GenerateResult(d.id, fmt, tuple(files), out_dir, len(citizens or []), tuple(roles))


def preview_form(ws: Workspace, d: FormDefinition, fmt: str = "docx", role: str | None = None) -> bytes:
    """A blank form to look at (the web page's preview), rendered as generate does but recorded nowhere."""
    role = role or d.respondents[0]
    writer = _writer(fmt)
    master = writer.build_master(view(d, role), ws.config.organisation, _logo(ws, None), _template(ws, fmt), None,
                                 "", blank=True)
    ident = Identity(new_code(), d.id, d.version, d.fingerprint, role, 1, "")
    return writer.personalise(master, ident, prefill(None, role, None, None))


# --- the batch: personalise and write; in this process or in forked workers ---------------------

CHUNK = 100  # files per task and per manifest transaction
PARALLEL_FROM = 200  # smaller batches are done in this process (a pool costs ~50 ms to start)


@dataclass(frozen=True)
class _Batch:
    masters: tuple
    roles: tuple[str, ...]
    form: str
    version: str
    fingerprint: str
    round: int
    date: dt.date
    fmt: str
    out_dir: Path
    jobs: tuple  # (role index, citizen or None, code), in the order the files are listed
    run_pid: int  # names the temporary files, so the next run knows whether their run is over

    @property
    def writer(self):
        """The format's module (found by name: a batch is pickled for workers from a fork server)."""
        return _writer(self.fmt)


def _jobs(engine, d: FormDefinition, round_no: int, fmt: str, roles: list[str], citizens: list[Citizen] | None):
    """(role index, citizen, code) per file: a citizen's form keeps the code it was issued before."""
    known = known_codes(engine, d.id, d.fingerprint, round_no, fmt, [c.citizen_ref for c in citizens or []])
    return tuple((r, c, (known.get((c.citizen_ref, role)) if c else None) or new_code())
                 for r, role in enumerate(roles) for c in (citizens or [None]))


def _write(engine, batch: _Batch, workers: int, progress: Callable[[int], None] | None) -> list[Path]:
    """Write the batch chunk by chunk: temporary files, their manifest rows committed, then their final names."""
    files: list[Path] = []
    if workers > 1:
        engine.dispose()  # no open database connection crosses the fork
    chunks = _run(batch, workers)
    try:
        for rows in chunks:
            taken = record_dispatch(engine, rows)  # committed before any of these files has its final name
            if taken:  # another run of this batch issued these forms' codes first: theirs is the only one
                _remake(batch, [r for r in rows if r["code"] in taken], taken)
            files += [publish(batch.out_dir / r["file_name"], batch.run_pid) for r in rows]
            if progress:
                progress(len(rows))
    finally:
        chunks.close()  # stops the workers at once if recording failed
        clean_temps(batch.out_dir, only_pid=batch.run_pid)
    return files


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
    return [_make_one(b, r, citizen, code) for r, citizen, code in b.jobs[chunk[0]:chunk[1]]]


def _make_one(b: _Batch, r: int, citizen: Citizen | None, code: str) -> dict:
    role, ref = b.roles[r], citizen.citizen_ref if citizen else ""
    ident = Identity(code, b.form, b.version, b.fingerprint, role, b.round, ref)
    data = b.writer.personalise(b.masters[r], ident, prefill(citizen, role, b.round if citizen else None,
                                                             b.date if citizen else None))
    name = file_name(ref or None, role, b.form, b.fmt, code)
    write_temp(b.out_dir / name, b.run_pid, data)
    return dict(code=code, form=b.form, form_version=b.version, fingerprint=b.fingerprint, role=role,
                round=b.round, citizen_ref=ref or None, format=b.fmt, file_name=name, created_at=store.now())


def _remake(b: _Batch, rows: list[dict], taken: dict[str, str]) -> None:
    """Write these files again under the code the manifest holds for them (their names do not change)."""
    jobs = {(b.roles[r], c.citizen_ref): (r, c) for r, c, _ in b.jobs if c}
    for row in rows:
        _make_one(b, *jobs[(row["role"], row["citizen_ref"])], taken[row["code"]])


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
