"""Generation: one file per citizen × respondent, each recorded in the dispatch manifest."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import insert, select, update

from . import store
from .definition import FormDefinition
from .errors import fail
from .identity import Identity, new_code
from .private import private_dir, write_private
from .render import prefill, view
from .roster import Citizen, check_ref
from .workspace import Workspace

FORMATS = ("docx", "xlsx")


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
             progress: Callable[[int], None] | None = None) -> GenerateResult:
    """Write one file per citizen × role (a single blank form per role when citizens is None)."""
    if fmt not in FORMATS:
        raise fail("FG130", f"--format {fmt}", "unknown format", f"use one of: {', '.join(FORMATS)}")
    roles = list(roles or d.respondents)
    for c in citizens or []:
        if (p := check_ref(c.citizen_ref, f"citizen {c.citizen_ref}")) is not None:
            from .errors import FormgenError

            raise FormgenError(p)
    logo = _logo(ws, logo)
    date = date or dt.date.today()
    out_dir = Path(out_dir) if out_dir else ws.output / "forms" / d.id / f"runde-{round_no}"
    private_dir(out_dir)
    engine = store.connect(ws.db)
    _remember_definition(engine, d)
    if citizens:
        _remember_citizens(engine, citizens)
    writer = _writer(fmt)
    files: list[Path] = []
    for role in roles:
        v = view(d, role)
        master = writer.build_master(v, ws.config.organisation, logo, _template(ws, fmt), round_no, date.strftime("%d-%m-%Y"),
                                     blank=citizens is None)
        for citizen in citizens or [None]:
            code = new_code()
            ident = Identity(code, d.id, d.version, d.fingerprint, role, round_no, citizen.citizen_ref if citizen else "")
            data = writer.personalise(master, ident, prefill(citizen, role, round_no if citizen else None,
                                                             date if citizen else None))
            path = out_dir / file_name(citizen.citizen_ref if citizen else None, role, d.id, fmt, code)
            write_private(path, data)
            _record(engine, ident, fmt, path)
            files.append(path)
            if progress:
                progress(1)
    with engine.begin() as conn:
        store.record_log(conn, "generate", {"form": d.id, "format": fmt, "files": len(files), "round": round_no})
    engine.dispose()
    return GenerateResult(d.id, fmt, tuple(files), out_dir, len(citizens or []), tuple(roles))


def _writer(fmt: str):
    if fmt == "docx":
        from . import docx as writer
    else:
        from . import xlsx as writer
    return writer


def _template(ws: Workspace, fmt: str) -> Path | None:
    from .templates import template_path

    return template_path("form.docx", ws) if fmt == "docx" else None


def _logo(ws: Workspace, logo: Path | None) -> Path:
    from .branding import check_logo

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
    with engine.begin() as conn:
        for c in citizens:
            values = dict(name=c.name, company=c.company, mentor=c.mentor, consultant=c.consultant,
                          programme=c.programme, updated_at=store.now())
            t = store.citizens
            if conn.execute(update(t).where(t.c.citizen_ref == c.citizen_ref).values(**values)).rowcount == 0:
                conn.execute(insert(t).values(citizen_ref=c.citizen_ref, **values))


def _record(engine, ident: Identity, fmt: str, path: Path) -> None:
    with engine.begin() as conn:
        conn.execute(insert(store.dispatch).values(
            code=ident.code, form=ident.form, form_version=ident.version, fingerprint=ident.fingerprint,
            role=ident.role, round=ident.round, citizen_ref=ident.citizen_ref or None, format=fmt,
            file_name=path.name, created_at=store.now()))
