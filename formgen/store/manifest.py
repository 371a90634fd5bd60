"""The dispatch manifest and what generate remembers with it: definitions and citizens."""
from __future__ import annotations

import json

from sqlalchemy import bindparam, distinct, func, insert, select, update

from formgen.forms.versions import Answered
from formgen.store import db as store

__all__ = ["CITIZEN_FIELDS", "AUDITED", "remember_definition", "remember_citizens", "known_codes", "record_dispatch", "stored_definitions", "remember_layouts"]

CITIZEN_FIELDS = ("name", "company", "mentor", "consultant", "programme")
AUDITED = ("company", "mentor", "consultant")  # who the citizen is placed with: every change is logged
_BATCH = 500  # refs per IN (...) query: well under SQLite's variable limit


def remember_definition(engine, fingerprint: str, form: str, version: str, definition: dict) -> None:
    """Keep the exact definition that made a file, so it can be read back after the form changes."""
    d = store.definitions
    with engine.begin() as conn:
        if conn.execute(select(d.c.fingerprint).where(d.c.fingerprint == fingerprint)).first() is None:
            conn.execute(insert(d).values(fingerprint=fingerprint, form=form, version=version,
                                          definition=json.dumps(definition, ensure_ascii=False),
                                          created_at=store.now()))


def remember_layouts(engine, form: str, fingerprint: str, geometries: dict[str, str]) -> None:
    """Keep the geometry of printed forms under their layout hashes (a hash already known is kept)."""
    t = store.layouts
    with engine.begin() as conn:
        for h, geometry in geometries.items():
            if conn.execute(select(t.c.hash).where(t.c.hash == h)).first() is None:
                conn.execute(insert(t).values(hash=h, form=form, fingerprint=fingerprint, geometry=geometry,
                                              created_at=store.now()))


def remember_citizens(engine, citizens: list, replace: bool = False) -> dict[str, dict[str, str]]:
    """Merge citizens into the roster in one transaction; what is now stored, per ref.

    citizens: objects with citizen_ref and the roster fields (generate.roster.Citizen). An empty
    value never overwrites a known one unless replace is true (then the given record is the whole
    truth, blanks included). Each change of a known citizen's company, mentor or consultant is
    written to the audit log as old → new."""
    t, unit = store.citizens, store.unit_of(engine)
    with engine.begin() as conn:
        stored = _stored(conn, list(dict.fromkeys(c.citizen_ref for c in citizens)))
        known = set(stored)
        before = {ref: dict(v) for ref, v in stored.items()}
        for c in citizens:  # a ref listed twice ends with its last values
            old = stored.get(c.citizen_ref, {})
            stored[c.citizen_ref] = {f: (getattr(c, f) or "") if replace else (getattr(c, f) or old.get(f) or "")
                                     for f in CITIZEN_FIELDS}
        now = store.now()
        rows = {ref: dict(ref=ref, **{"v_" + f: v for f, v in vals.items()}, v_updated_at=now)
                for ref, vals in stored.items()}
        values = {c: bindparam("v_" + c) for c in (*CITIZEN_FIELDS, "updated_at")}
        if old_rows := [r for ref, r in rows.items() if ref in known]:
            conn.execute(update(t).where(t.c.unit == unit, t.c.citizen_ref == bindparam("ref")).values(values), old_rows)
        if new_rows := [r for ref, r in rows.items() if ref not in known]:
            conn.execute(insert(t).values(unit=unit, citizen_ref=bindparam("ref"), **values), new_rows)
        for ref in known:
            _log_changes(conn, ref, before[ref], stored[ref])
    return stored


def _stored(conn, refs: list[str]) -> dict[str, dict[str, str]]:
    """The office's known citizens among refs, their fields with NULL read as ''."""
    t = store.citizens
    out = {}
    for i in range(0, len(refs), _BATCH):
        q = select(t.c.citizen_ref, *(t.c[f] for f in CITIZEN_FIELDS)).where(
            store.own(t, conn), t.c.citizen_ref.in_(refs[i:i + _BATCH]))
        for row in conn.execute(q):
            out[row[0]] = {f: v or "" for f, v in zip(CITIZEN_FIELDS, row[1:])}
    return out


def _log_changes(conn, ref: str, old: dict, new: dict) -> None:
    """One audit entry per citizen whose placement changed: field → {old, new} (the log holds no names)."""
    changed = {f: {"old": old[f], "new": new[f]} for f in AUDITED if old[f] != new[f]}
    if changed:
        store.record_log(conn, "roster", {"changed": changed}, ref)


def known_codes(engine, form: str, fingerprint: str, round_no: int, fmt: str, refs: list[str]) -> dict[tuple, str]:
    """The code already issued per (citizen_ref, role) for this form definition × round × format (the newest)."""
    with engine.connect() as conn:
        return _issued(conn, dict(form=form, fingerprint=fingerprint, round=round_no, format=fmt), refs)


def _issued(conn, batch: dict, refs: list[str]) -> dict[tuple, str]:
    d = store.dispatch
    out: dict[tuple, str] = {}
    for i in range(0, len(refs), _BATCH):
        q = (select(d.c.citizen_ref, d.c.role, d.c.code)
             .where(store.own(d, conn), *(d.c[k] == v for k, v in batch.items()),
                    d.c.citizen_ref.in_(refs[i:i + _BATCH]))
             .order_by(d.c.created_at, d.c.code))
        out.update({(ref, role): code for ref, role, code in conn.execute(q)})
    return out


def record_dispatch(engine, rows: list[dict]) -> dict[str, str]:
    """The office's manifest rows of files about to get their final names, in one transaction; a code already there is kept.

    Another run may have issued a code for the same citizen × respondent of this batch since this run
    looked (two runs of one batch at once): that code stays the form's only one, and the result maps
    this run's code to it ({} when there was none), so the caller writes the file with it."""
    if not rows:
        return {}
    d = store.dispatch
    with engine.begin() as conn:
        store.lock_writers(conn)  # PostgreSQL: the check and the insert below are one decision
        codes = [r["code"] for r in rows]
        there = set()
        for i in range(0, len(codes), _BATCH):
            there.update(conn.execute(select(d.c.code).where(d.c.code.in_(codes[i:i + _BATCH]))).scalars())
        first = rows[0]
        issued = _issued(conn, {k: first[k] for k in ("form", "fingerprint", "round", "format")},
                         [r["citizen_ref"] for r in rows if r["citizen_ref"] and r["code"] not in there])
        taken = {r["code"]: code for r in rows if r["code"] not in there
                 and (code := issued.get((r["citizen_ref"], r["role"]))) not in (None, r["code"])}
        if new := [r | {"unit": store.unit_of(conn)} for r in rows if r["code"] not in there and r["code"] not in taken]:
            conn.execute(insert(d), new)
    return taken


def stored_definitions(engine, form: str) -> list[Answered]:
    """Every stored definition of a form, oldest first, with how many returns have answers under each key."""
    d, s, a = store.definitions, store.submissions, store.answers
    with engine.connect() as conn:
        defs = conn.execute(select(d.c.fingerprint, d.c.version, d.c.definition).where(d.c.form == form)
                            .order_by(d.c.created_at, d.c.fingerprint)).all()
        counts: dict[str, dict[str, int]] = {}
        q = (select(s.c.fingerprint, a.c.item, func.count(distinct(s.c.id))).join(a, a.c.submission_id == s.c.id)
             .where(store.own(s, conn), s.c.form == form, a.c.value.is_not(None)).group_by(s.c.fingerprint, a.c.item))
        for fp, item, n in conn.execute(q):
            counts.setdefault(fp, {})[item] = n
    return [Answered(fp, version, json.loads(raw), counts.get(fp, {})) for fp, version, raw in defs]
