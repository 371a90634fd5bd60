"""The dispatch manifest and what generate remembers with it: definitions and citizens."""
from __future__ import annotations

import json

from sqlalchemy import bindparam, insert, select, update

from formgen.store import db as store

__all__ = ["remember_definition", "remember_citizens", "record_dispatch"]

_CITIZEN = ("name", "company", "mentor", "consultant", "programme")


def remember_definition(engine, fingerprint: str, form: str, version: str, definition: dict) -> None:
    """Keep the exact definition that made a file, so it can be read back after the form changes."""
    d = store.definitions
    with engine.begin() as conn:
        if conn.execute(select(d.c.fingerprint).where(d.c.fingerprint == fingerprint)).first() is None:
            conn.execute(insert(d).values(fingerprint=fingerprint, form=form, version=version,
                                          definition=json.dumps(definition, ensure_ascii=False),
                                          created_at=store.now()))


def remember_citizens(engine, citizens: list) -> None:
    """Insert new citizens and update known ones, in one transaction (a statement per 500 rows).

    citizens: objects with citizen_ref and the roster fields (generate.roster.Citizen)."""
    t = store.citizens
    cols = (*_CITIZEN, "updated_at")
    now = store.now()
    latest = {c.citizen_ref: dict(ref=c.citizen_ref, **{"v_" + f: getattr(c, f) for f in _CITIZEN}, v_updated_at=now)
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


def record_dispatch(engine, rows: list[dict]) -> None:
    """The manifest rows of files already written, in one transaction."""
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(store.dispatch), rows)
