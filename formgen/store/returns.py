"""Queries about returned forms: open conflicts, choosing the file that counts, which dispatched forms came back."""
from __future__ import annotations

from sqlalchemy import and_, or_, select, update

from formgen.store import db as store
from formgen.store.queries import returned_codes

__all__ = ["conflict_rows", "keep_submission", "dispatched", "answers_of"]

_COUNTED = ["imported", "conflict"]


def _same_return(row):
    """The same form code, or the same citizen × respondent × round × form under another code, in row's office."""
    s = store.submissions
    if row["citizen_ref"] is None or row["round"] is None:
        return and_(s.c.unit == row["unit"], s.c.code == row["code"])
    return and_(s.c.unit == row["unit"], or_(s.c.code == row["code"], and_(
        s.c.citizen_ref == row["citizen_ref"], s.c.round == row["round"], s.c.role == row["role"],
        s.c.form == row["form"])))


def conflict_rows(engine) -> list[list[dict]]:
    """For each return with a conflict: its counted and competing submissions, oldest first."""
    s = store.submissions
    out, seen = [], set()
    with engine.connect() as conn:
        for row in conn.execute(select(s).where(store.own(s, conn), s.c.status == "conflict").order_by(s.c.id)).mappings().all():
            if row["id"] in seen:
                continue
            rows = [dict(r) for r in conn.execute(select(s).where(_same_return(row), s.c.status.in_(_COUNTED))
                                                  .order_by(s.c.id)).mappings().all()]
            seen |= {r["id"] for r in rows}
            out.append(rows)
    return out


def keep_submission(engine, file_name: str) -> dict | None:
    """Make the named file count for its return (the others become superseded); its row, or None if unknown."""
    s = store.submissions
    with engine.begin() as conn:
        store.lock_writers(conn)  # not while an intake decides the same return
        # the name it was stored under decides; the name it was sent under only when exactly one return has it
        rows = conn.execute(select(s).where(store.own(s, conn), or_(s.c.stored_name == file_name,
                                                                    s.c.original_name == file_name),
                                            s.c.status.in_(_COUNTED))).mappings().all()
        stored = [r for r in rows if r["stored_name"] == file_name]
        row = stored[0] if stored else rows[0] if len(rows) == 1 else None
        if row is None:
            return None
        conn.execute(update(s).where(_same_return(row), s.c.id != row["id"],
                                     s.c.status.in_(_COUNTED)).values(status="superseded"))
        conn.execute(update(s).where(s.c.id == row["id"]).values(status="imported"))
        store.record_log(conn, "review", {"code": row["code"], "kept": file_name}, row["citizen_ref"])
        return dict(row)


def dispatched(engine, round_no: int | None = None) -> list[tuple[dict, bool]]:
    """Every personalised dispatched form (optionally one round) with the citizen's name, and whether it came back."""
    d, c = store.dispatch, store.citizens
    q = (select(d.c.round, d.c.citizen_ref, c.c.name, d.c.role, d.c.form, d.c.code)
         .join(c, and_(c.c.unit == d.c.unit, c.c.citizen_ref == d.c.citizen_ref), isouter=True)
         .where(store.own(d, engine), d.c.citizen_ref.is_not(None)).order_by(d.c.round, d.c.citizen_ref, d.c.form, d.c.role))
    if round_no is not None:
        q = q.where(d.c.round == round_no)
    with engine.connect() as conn:
        returned = returned_codes(conn)
        return [(dict(r._mapping), r.code in returned) for r in conn.execute(q)]


def answers_of(engine, file_names: list[str]) -> dict[str, dict[str, str]]:
    """{file name: {"item/field": value}} for counted or competing submissions (a conflict shown side by side)."""
    s, a = store.submissions, store.answers
    out: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(s.c.stored_name, s.c.original_name, a.c.item, a.c.field, a.c.value)
                            .join(a, a.c.submission_id == s.c.id)
                            .where(store.own(s, conn), or_(s.c.stored_name.in_(file_names),
                                                           s.c.original_name.in_(file_names)),
                                   s.c.status.in_(_COUNTED))).all()
    for stored, original, item, fld, value in rows:
        name = stored if stored in file_names else original
        out.setdefault(name, {})[f"{item}/{fld}"] = value or ""
    return out
