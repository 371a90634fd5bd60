"""formgen as a library: one function per command; the command line is a thin shell over these.

Every function takes a Workspace (from open_workspace or init_workspace), returns what the command
prints from (mostly frozen dataclasses) and raises FormgenError for user errors. Heavy libraries are
imported inside the functions, so importing this module stays cheap.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from formgen.api.guard import check_citizen, guarded, visible

if TYPE_CHECKING:  # for the annotations only: importing them here would load pydantic and SQLAlchemy
    from formgen.core.access import Person
    from formgen.core.workspace import Workspace

__all__ = [
    "open_workspace", "init_workspace", "list_forms", "form_outline", "check_form", "generate_forms",
    "intake_returns", "status", "review", "keep_return", "quarantined", "export", "report_citizen",
    "report_all", "merge_reports", "report_overview",
    "report_company", "report_kompetencekort", "audit",
    "forget", "purge", "explain_failure",
    "new_form_workbook",
    "init_database",
]

Progress = Callable[[int], None]


def _read_workbook(path: Path):
    from formgen.formats.definition_xlsx import read_definition

    return read_definition(path)


def _register_workbook_reader() -> None:
    # The catalogue (forms floor) cannot import formats; this layer hands it the workbook reader.
    from formgen.forms.catalogue import register_reader

    for suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        register_reader(suffix, _read_workbook)


_register_workbook_reader()


def open_workspace(path: Path | str | None = None, db: str | None = None) -> Workspace:
    """The workspace at path or a parent (default: $FORMGEN_WORKSPACE, else the current folder); db overrides its database URL."""
    from dataclasses import replace

    from formgen.core.workspace import find

    ws = find(path)
    return replace(ws, db_url=db) if db else ws


def init_workspace(directory: Path | str, name: str, logo: Path | str | None = None, *, unit: str = "",
                   contact: str = "", colour: str = "#1F4E79", copy_templates: bool = False,
                   office: str = "") -> Workspace:
    """Create a workspace (formgen.toml, intake/, output/, forms/, templates/, a logo); refuses to overwrite one."""
    from formgen.core.workspace import init

    ws = init(Path(directory), name, Path(logo) if logo else None, unit=unit, contact=contact, colour=colour,
              office=office)
    if copy_templates:
        from formgen.core.templates import copy_templates as copy

        copy(ws)
    return ws


def list_forms(root: Path | None = None) -> list[tuple[str, ...]]:
    """(id, version, kind, respondents, items, source) for the presets and, given a workspace folder, its own forms."""
    from formgen.core.workspace import FORMS
    from formgen.forms.catalogue import listing

    return listing(Path(root) / FORMS if root else None)


def form_outline(form_id: str, ws: Workspace | None = None) -> str:
    """A readable outline of one form (a preset, or the workspace's own)."""
    from formgen.forms.catalogue import get
    from formgen.forms.outline import outline

    return outline(get(form_id, ws.forms_dir if ws else None).definition)


def check_form(path: Path | str):
    """The FormDefinition in a YAML file or definition workbook; FormgenError with every problem when it is not valid."""
    from formgen.forms.catalogue import load_file

    return load_file(Path(path))


def new_form_workbook(path: Path | str, from_id: str | None = None, ws: Workspace | None = None) -> Path:
    """Write a definition workbook: a copy of form from_id, or a small example form; never over a file."""
    from formgen.core.errors import fail
    from formgen.formats.definition_xlsx import write_definition
    from formgen.forms.catalogue import get
    from formgen.forms.tabular import starter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise fail("FG130", str(path), "a definition workbook is an .xlsx file", "end the file name in .xlsx")
    if path.exists():
        raise fail("FG130", str(path), "the file exists already", "choose another name, or move the file away first")
    return write_definition(get(from_id, ws.forms_dir if ws else None).definition if from_id else starter(), path)


@guarded("rounds")
def generate_forms(ws: Workspace, form_id: str, fmt: str = "docx", *, roster: Path | str | None = None,
                   citizen: str | None = None, name: str = "", company: str = "", roles: list[str] | None = None,
                   round_no: int = 1, date: dt.date | None = None, out_dir: Path | str | None = None,
                   logo: Path | str | None = None, progress: Progress | None = None,
                   on_total: Progress | None = None, mentor: str = "", consultant: str = "", programme: str = "",
                   replace_roster: bool = False, citizens: list | None = None):
    """Write forms for a roster (CSV/XLSX), given citizens (workspace_roster), one citizen, or blank; returns a GenerateResult.

    What is given updates the stored roster; an empty value keeps the known one unless
    replace_roster (then the given record replaces the stored one, blanks included)."""
    from formgen.forms.catalogue import get
    from formgen.generate.roster import Citizen, read
    from formgen.generate.run import generate

    d = get(form_id, ws.forms_dir).definition
    if citizens is None:
        one = Citizen(citizen, name, company, mentor, consultant, programme) if citizen else None
        citizens = read(Path(roster)) if roster else ([one] if one else None)
    if on_total:
        on_total(len(citizens or [None]) * len(roles or d.respondents))
    return generate(ws, d, fmt, citizens, list(roles or []) or None, round_no, date,
                    Path(out_dir) if out_dir else None, Path(logo) if logo else None, progress=progress,
                    replace_roster=replace_roster)


@guarded("intake")
def intake_returns(ws: Workspace, paths: list[Path] | None = None, keep: bool = False, *,
                   convert_legacy: bool = False, progress: Progress | None = None, on_total: Progress | None = None):
    """Read returned forms (files, folders, .zip; default: the workspace's intake/); returns an IntakeResult."""
    from formgen.intake.run import intake

    return intake(ws, [Path(p) for p in paths or []] or None, keep, progress=progress, on_total=on_total,
                  convert_legacy=convert_legacy)


@guarded("status")
def status(ws: Workspace, round_no: int | None = None, *, person: Person) -> list:
    """One row per expected return (citizen, respondent, form, round) with whether it came back (a konsulent: their citizens')."""
    from formgen.intake.status import status as rows

    refs = visible(ws, person)
    return [r for r in rows(ws, round_no) if refs is None or r.citizen_ref in refs]


@guarded("review")
def review(ws: Workspace) -> list:
    """The open conflicts: different files returned for one form (under one form code, or two: the .docx and the .xlsx)."""
    from formgen.intake.review import conflicts

    return conflicts(ws)


@guarded("review")
def keep_return(ws: Workspace, file_name: str):
    """Resolve a conflict: this returned file counts, the others are kept as superseded."""
    from formgen.intake.review import keep

    return keep(ws, file_name)


@guarded("review")
def quarantined(ws: Workspace) -> list[Path]:
    """The files in quarantine that wait for a person (each has a .problems.txt next to it)."""
    folder = ws.quarantine
    if not folder.is_dir():
        return []
    return [p for p in folder.glob("*") if not p.name.endswith(".problems.txt")]


@guarded("export")
def export(ws: Workspace, what: str = "scores", fmt: str = "csv", out: Path | str | None = None,
           pseudonymise: bool = False, *, person: Person):
    """Tidy data, one row per answer ("scores" or "texts", "csv" or "xlsx"); returns an Export (.rows, .path).

    A leder gets the scores with pseudonyms only: free texts may name people, a ref names the citizen."""
    from formgen.core.access import permit
    from formgen.reports.exports import export as write

    if not person.is_admin and not (pseudonymise and what == "scores"):
        permit(person, "export_named", "export")  # FG183: only administrators export refs or free texts

    return write(ws, what, fmt, Path(out) if out else None, pseudonymise)


@guarded("citizens")
def report_citizen(ws: Workspace, ref: str, fmt: str = "docx", round_no: int | None = None,
                   out_dir: Path | str | None = None, *, person: Person):
    """One citizen's progression report and draft journalnotat; returns a ReportResult (FG182: not the konsulent's citizen)."""
    from formgen.reports.citizen import citizen_report

    check_citizen(ws, person, ref)
    return citizen_report(ws, ref, fmt, round_no, Path(out_dir) if out_dir else None)


@guarded("report_all")
def report_all(ws: Workspace, fmt: str = "docx", round_no: int | None = None, *, progress: Progress | None = None,
               on_total: Progress | None = None) -> list:
    """A progression report for every citizen with imported answers."""
    from formgen.reports.citizen import all_reports

    return all_reports(ws, fmt, round_no, progress=progress, on_total=on_total)


@guarded("report_all")
def merge_reports(ws: Workspace, results: list, round_no: int | None = None) -> Path:
    """One PDF for printing from report_all's PDF results, a bookmark per citizen."""
    from formgen.reports.citizen import merge_reports as merge

    return merge(ws, results, round_no)


@guarded("overview")
def report_overview(ws: Workspace, date_from: dt.date | None = None, date_to: dt.date | None = None,
                    by: str = "programme", fmt: str = "docx"):
    """The management overview (Word/PDF and Excel), never naming anyone; returns an OverviewResult."""
    from formgen.reports.overview import overview_report

    return overview_report(ws, date_from, date_to, by, fmt)


@guarded("report_all")
def report_company(ws: Workspace, name: str, round_no: int | None = None, fmt: str = "docx"):
    """A company's feedback sheet for its mentor; returns a CompanyResult."""
    from formgen.reports.company import company_sheet

    return company_sheet(ws, name, round_no, fmt)


@guarded("citizens")
def report_kompetencekort(ws: Workspace, ref: str, fmt: str = "docx", *, person: Person):
    """The candidate's kompetencekort document; returns a KompetencekortResult (FG182: not the konsulent's citizen)."""
    from formgen.reports.kompetencekort import kompetencekort_doc

    check_citizen(ws, person, ref)
    return kompetencekort_doc(ws, ref, fmt)


@guarded("audit")
def audit(ws: Workspace, citizen_ref: str | None = None) -> list:
    """The audit log (who did what, when, with which citizen's data), optionally for one citizen."""
    from formgen.privacy import audit as entries

    return entries(ws, citizen_ref)


@guarded("erase")
def forget(ws: Workspace, ref: str, every_office: bool = False):
    """Delete everything about one citizen of the office (every office's ref: every_office) for real; a Forgotten."""
    from formgen.privacy import forget as delete

    return delete(ws, ref, every_office)


@guarded("erase")
def purge(ws: Workspace, older_than_days: int, every_office: bool = False):
    """Retention: delete the office's (every office's) returns, dispatch records and files older than this; a Purged."""
    from formgen.privacy import purge as delete

    return delete(ws, older_than_days, every_office)


def explain_failure(exc: BaseException, ws_db: str | None = None):
    """The Problem for a failure no command caught: database and disk failures as FG150 (cause and fix),
    anything else as FG999; never with a password."""
    from formgen.core.errors import Problem
    from formgen.core.redact import scrub

    if exc.__class__.__module__.split(".")[0] in ("sqlalchemy", "sqlite3", "psycopg") or isinstance(exc, OSError):
        from formgen.store.errors import database_problem

        where = getattr(exc, "filename", None)  # a file formgen was writing, if the failure names one
        p = database_problem(exc, ws_db or "formgen.db", "formgen stopped", where=where)
        return Problem(p.code, p.where, p.what, f"{p.fix}; files not yet imported stay in intake/")
    return Problem("FG999", exc.__class__.__name__, f"internal error: {scrub(str(exc))}",
                   "please report this with the command you ran (FORMGEN_DEBUG=1 shows the details)")


def init_database(url: str | Path) -> tuple[int, int]:
    """Create formgen's tables in the database at url (a SQLAlchemy URL or a SQLite path); (schema found, schema now)."""
    from formgen.store.db import create_schema
    return create_schema(url)
