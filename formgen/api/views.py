"""What the web page shows that no command prints, built on the same library functions the commands call."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formgen.api.commands import status
from formgen.api.guard import check_citizen, guarded, visible

if TYPE_CHECKING:  # for the annotations only
    from formgen.core.access import Person
    from formgen.core.workspace import Workspace

__all__ = ["submission_answers", "intake_limits", "log_access", "workspace_summary", "citizens", "citizen_view", "workspace_roster", "merge_for_print", "pack_files", "overview_view", "form_preview_pdf", "can_write_pdf"]


def form_preview_pdf(ws: Workspace, form_id: str, folder: Path | str) -> Path:
    """A blank copy of the form (Word) and its PDF in folder, for a preview; recorded nowhere. FG170 without LibreOffice."""
    from formgen.api.definitions import definition_preview_pdf
    from formgen.forms.catalogue import get

    return definition_preview_pdf(ws, get(form_id, ws.forms_dir).definition, folder)


def can_write_pdf() -> bool:
    """Whether LibreOffice is installed (to write PDF from Word)."""
    from formgen.formats.convert import find_soffice

    return find_soffice() is not None


@guarded("review")
def submission_answers(ws: Workspace, file_names: list[str]) -> dict[str, dict[str, str]]:
    """The stored answers ({"item/field": value}) of returned files by name, e.g. the files of one conflict."""
    from formgen.store import db as store
    from formgen.store.returns import answers_of

    engine = store.connect(ws.db, ws.unit)
    try:
        return answers_of(engine, list(file_names))
    finally:
        engine.dispose()


def intake_limits() -> tuple[int, int]:
    """(bytes per returned file, files per archive): what intake accepts, so an upload can stop at the same limits."""
    from formgen.formats.package import MAX_ENTRIES, MAX_FILE_BYTES

    return MAX_FILE_BYTES, MAX_ENTRIES


@guarded("sign_in")
def log_access(ws: Workspace, action: str, detail: dict, refs: list[str | None] | tuple = (None,)) -> None:
    """Write audit entries (one per citizen ref; None: about no one) to the log `formgen audit` reads."""
    from formgen.store import db as store

    engine = store.connect(ws.db, ws.unit)
    try:
        store.log_entries(engine, action, detail, refs)
    finally:
        engine.dispose()


def workspace_summary(ws: Workspace) -> dict:
    """What a front end shows in its header: the organisation's name, unit, colour and logo file."""
    org = ws.config.organisation
    return {"name": org.name, "unit": org.unit, "colour": org.colour, "logo": ws.logo}


@guarded("citizens")
def citizens(ws: Workspace, *, person: Person) -> list[dict]:
    """Every citizen on a roster: ref, name, company, mentor, consultant, programme, latest round, returned/expected there."""
    from formgen.store import db as store
    from formgen.store.queries import citizen_rows

    engine = store.connect(ws.db, ws.unit)
    try:
        rows = citizen_rows(engine)
    finally:
        engine.dispose()
    refs = visible(ws, person)
    rows = {ref: row for ref, row in rows.items() if refs is None or ref in refs}
    by_ref: dict[str, list] = {}
    for e in status(ws):
        by_ref.setdefault(e.citizen_ref, []).append(e)
    out = []
    for ref, row in sorted(rows.items()):
        mine = by_ref.get(ref, [])
        latest = max((e.round for e in mine), default=None)
        last = [e for e in mine if e.round == latest]
        out.append({"ref": ref, "name": row.get("name") or "", "company": row.get("company") or "",
                    "mentor": row.get("mentor") or "", "consultant": row.get("consultant") or "",
                    "programme": row.get("programme") or "", "latest_round": latest,
                    "returned": sum(e.returned for e in last), "expected": len(last)})
    return out


@guarded("citizens")
def citizen_view(ws: Workspace, ref: str, *, person: Person) -> dict:
    """What the progression report shows for one citizen (scores, sentences, delmål, aftale, texts, journalnotat) and its charts (PNG)."""
    from formgen.consolidate.citizen import load
    from formgen.reports.citizen_context import agreement_lines, charts, context
    from formgen.store import db as store

    check_citizen(ws, person, ref)  # FG182 for another konsulent's citizen, as for an unknown one
    engine = store.connect(ws.db, ws.unit)
    try:
        data = load(engine, ref)  # FG160 when nothing is imported for the citizen
    finally:
        engine.dispose()
    spider, trends, caption = charts(data)
    return dict(context(ws, data), agreement=agreement_lines(data), spider=spider, trends=trends,
                spider_caption=caption, rounds=list(data.rounds))


@guarded("rounds")
def workspace_roster(ws: Workspace) -> list:
    """The citizens the workspace knows (from earlier rosters) as roster rows, for a new round without a roster file."""
    from formgen.generate.roster import Citizen

    return [Citizen(c["ref"], c["name"], c["company"], c["mentor"], c["consultant"], c["programme"])
            for c in citizens(ws)]


def merge_for_print(files: list[Path], out: Path | str) -> Path:
    """One PDF for printing of generated PDF forms, in order, a bookmark per form (its file name)."""
    from formgen.formats.pdf import merge_pdfs

    return merge_pdfs([Path(f) for f in files], [Path(f).stem for f in files], Path(out))


def pack_files(files: list[Path], dest: Path | str, base: Path | str) -> Path:
    """A .zip of files (named relative to base), e.g. a generated round for download."""
    from formgen.formats.archive import pack

    return pack([Path(f) for f in files], Path(dest), Path(base))


@guarded("overview")
def overview_view(ws: Workspace, by: str = "programme") -> dict:
    """The management overview's content exactly as the Word report shows it (small groups suppressed), and its spider (PNG)."""
    from formgen.reports.overview import build, context, spider_png
    from formgen.store import db as store

    engine = store.connect(ws.db, ws.unit)
    try:
        ov = build(engine, None, None, by)
    finally:
        engine.dispose()
    return dict(context(ov), spider=spider_png(ov))
