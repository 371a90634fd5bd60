"""Conflicts: two different files returned for the same form code. Both are kept until one is chosen."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update

from formgen.store import db as store
from formgen.core.errors import fail


@dataclass(frozen=True)
class Conflict:
    """The files competing for one form code; `chosen` is the one counted now."""

    code: str
    citizen_ref: str
    role: str
    form: str
    round: int
    chosen: str
    others: tuple[str, ...]


def conflicts(ws) -> list[Conflict]:
    """Open conflicts, one per form code."""
    s = store.submissions
    engine = store.connect(ws.db)
    with engine.connect() as conn:
        codes = list(conn.execute(select(s.c.code).where(s.c.status == "conflict").distinct()).scalars())
        out = []
        for code in codes:
            rows = conn.execute(select(s).where(s.c.code == code, s.c.status.in_(["imported", "conflict"]))
                                .order_by(s.c.id)).mappings().all()
            chosen = next((r for r in rows if r["status"] == "imported"), rows[0])
            out.append(Conflict(code, chosen["citizen_ref"] or "", chosen["role"], chosen["form"], chosen["round"],
                                _name(chosen), tuple(_name(r) for r in rows if r is not chosen)))
    engine.dispose()
    return out


def _name(row) -> str:
    return row["stored_name"] or row["original_name"]


def keep(ws, file_name: str) -> Conflict:
    """Resolve a conflict: the named file counts; the other files for its code become superseded."""
    s = store.submissions
    engine = store.connect(ws.db)
    with engine.begin() as conn:
        row = conn.execute(select(s).where(or_(s.c.stored_name == file_name, s.c.original_name == file_name),
                                           s.c.status.in_(["imported", "conflict"]))).mappings().first()
        if row is None:
            raise fail("FG130", file_name, "no imported or conflicting file has this name",
                       "use a name from 'formgen review' (the file name in intake/processed/)")
        conn.execute(update(s).where(s.c.code == row["code"], s.c.id != row["id"],
                                     s.c.status.in_(["imported", "conflict"])).values(status="superseded"))
        conn.execute(update(s).where(s.c.id == row["id"]).values(status="imported"))
        store.record_log(conn, "review", {"code": row["code"], "kept": file_name}, row["citizen_ref"])
    engine.dispose()
    return Conflict(row["code"], row["citizen_ref"] or "", row["role"], row["form"], row["round"], file_name, ())
