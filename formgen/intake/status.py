"""Which dispatched forms came back, and which are still missing (the list an administrator chases)."""
from __future__ import annotations

from dataclasses import dataclass

from formgen.store import db as store
from formgen.store.returns import dispatched

__all__ = ["Expected", "status"]


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
    engine = store.connect(ws.db, ws.unit)
    try:
        return [Expected(r["round"], r["citizen_ref"], r["name"] or "", r["role"], r["form"], r["code"], back)
                for r, back in dispatched(engine, round_no)]
    finally:
        engine.dispose()
