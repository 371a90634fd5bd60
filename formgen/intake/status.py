"""Which dispatched forms came back, and which are still missing (the list an administrator chases)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from formgen.store import db as store


@dataclass(frozen=True)
class Expected:
    """One dispatched form and whether it came back."""

    round: int
    citizen_ref: str
    name: str
    role: str
    form: str
    code: str
    returned: bool


def status(ws, round_no: int | None = None) -> list[Expected]:
    """Every personalised dispatched form (optionally one round) with its return state."""
    d, s, c = store.dispatch, store.submissions, store.citizens
    engine = store.connect(ws.db)
    q = (select(d.c.round, d.c.citizen_ref, c.c.name, d.c.role, d.c.form, d.c.code)
         .join(c, c.c.citizen_ref == d.c.citizen_ref, isouter=True)
         .where(d.c.citizen_ref.is_not(None)).order_by(d.c.round, d.c.citizen_ref, d.c.form, d.c.role))
    if round_no is not None:
        q = q.where(d.c.round == round_no)
    with engine.connect() as conn:
        returned = set(conn.execute(select(s.c.code).where(s.c.status.in_(["imported", "conflict"]))).scalars())
        rows = [Expected(r.round, r.citizen_ref, r.name or "", r.role, r.form, r.code, r.code in returned)
                for r in conn.execute(q)]
    engine.dispose()
    return rows
