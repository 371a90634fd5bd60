"""Conflicts: different files returned for one form (its code, or its citizen × respondent × round × form). Both are kept until one is chosen."""
from __future__ import annotations

from dataclasses import dataclass

from formgen.core.errors import fail
from formgen.store import db as store
from formgen.store.returns import conflict_rows, keep_submission

__all__ = ["Conflict", "conflicts", "keep"]


@dataclass(frozen=True)
class Conflict:
    """The files competing for one return; `code` and `chosen` are those of the one counted now."""

    code: str
    citizen_ref: str
    role: str
    form: str
    round: int
    chosen: str
    others: tuple[str, ...]


def conflicts(ws) -> list[Conflict]:
    """Open conflicts, one per return (files under two form codes, e.g. a .docx and an .xlsx, are one)."""
    engine = store.connect(ws.db, ws.unit)
    out = []
    for rows in conflict_rows(engine):
        chosen = next((r for r in rows if r["status"] == "imported"), rows[0])
        out.append(Conflict(chosen["code"], chosen["citizen_ref"] or "", chosen["role"], chosen["form"],
                            chosen["round"], _name(chosen), tuple(_name(r) for r in rows if r is not chosen)))
    engine.dispose()
    return out


def _name(row) -> str:
    return row["stored_name"] or row["original_name"]


def keep(ws, file_name: str) -> Conflict:
    """Resolve a conflict: the named file counts; the other files of its return become superseded."""
    engine = store.connect(ws.db, ws.unit)
    try:
        row = keep_submission(engine, file_name)
    finally:
        engine.dispose()
    if row is None:
        raise fail("FG130", file_name, "no imported or conflicting file has this name",
                   "use a name from 'formgen review' (the file name in intake/processed/)")
    return Conflict(row["code"], row["citizen_ref"] or "", row["role"], row["form"], row["round"], file_name, ())
