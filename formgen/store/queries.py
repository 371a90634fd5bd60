"""What the reports and exports read: one function per report kind, loading everything it needs at once.

Only the office's rows (store.own): the engine from store.connect knows the workspace's office."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, or_, select

from formgen.forms import versions
from formgen.store import db as store

__all__ = ["Loaded", "Cards", "for_citizens", "for_company", "for_overview", "for_kompetencekort",
           "answers", "score_export", "text_export", "citizen_rows", "returned_codes"]



@dataclass(frozen=True)
class Loaded:
    """Rows as stored, for consolidation and the reports (empty where the report kind does not need them)."""

    definitions: dict[str, dict]  # fingerprint → definition (its JSON)
    labelled: list[tuple[str, str]]  # (citizen_ref, fingerprint) of imported submissions, oldest round first
    scores: list[dict]  # answers to score fields (now, goal, kompetence) of imported submissions
    texts: list[dict]  # non-empty other answers of imported submissions
    citizens: dict[str, dict] = field(default_factory=dict)  # roster rows by ref
    dated: list[tuple] = field(default_factory=list)  # (ref, round, filled_date, submitted_at) imported, by id
    dispatch: list[tuple] = field(default_factory=list)  # (ref, round, role, code, created_at) personalised
    returned: set[str] = field(default_factory=set)  # codes with an imported or conflicting return


@dataclass(frozen=True)
class Cards:
    """One citizen's imported kompetencekort: definitions, submissions and their answers, and the roster row."""

    definitions: dict[str, dict]
    submissions: list
    values: list[tuple]
    citizen: dict


def _definitions(conn) -> dict[str, dict]:
    d = store.definitions
    rows = conn.execute(select(d.c.fingerprint, d.c.definition).order_by(d.c.created_at, d.c.fingerprint))
    return {fp: json.loads(text) for fp, text in rows}


def _reported(conn, *answer_lists: list[dict]) -> dict[str, dict]:
    """The definitions as reports see them: an indicator a later version renamed (previous_keys) has its
    new key in the old definitions and in their answers (rewritten in place), so versions link by key."""
    raw = _definitions(conn)
    moved = versions.renames(raw)
    for rows in answer_lists:
        for r in rows:
            if r["fingerprint"] in moved:
                r["item"] = moved[r["fingerprint"]].get(r["item"], r["item"])
    return {fp: versions.renamed_definition(d, moved.get(fp, {})) for fp, d in raw.items()}


def _labelled(conn, ref: str | None) -> list[tuple[str, str]]:
    s = store.submissions
    q = (select(s.c.citizen_ref, s.c.fingerprint).where(store.own(s, conn), s.c.status == "imported",
                                                         s.c.citizen_ref.is_not(None))
         .order_by(s.c.round, s.c.submitted_at, s.c.id))
    if ref is not None:
        q = q.where(s.c.citizen_ref == ref)
    return [tuple(r) for r in conn.execute(q)]


def _answers(conn, ref: str | None, scores: bool) -> list[dict]:
    """Answers of imported submissions that belong to a citizen: score fields (+ row names), or non-empty texts."""
    s, a = store.submissions, store.answers
    q = (select(s.c.id, s.c.citizen_ref, s.c.round, s.c.role, s.c.form, s.c.form_version, s.c.fingerprint,
                s.c.submitted_at, a.c.item, a.c.field, a.c.value)
         .join(a, a.c.submission_id == s.c.id)
         .where(store.own(s, conn), s.c.status == "imported", s.c.citizen_ref.is_not(None), s.c.round.is_not(None)))
    q = q.where(a.c.field.in_(["now", "goal", "kompetence"]) if scores else
                (a.c.field.not_in(["now", "goal"]) & a.c.value.is_not(None)))
    if ref is not None:
        q = q.where(s.c.citizen_ref == ref)
    return [dict(r) for r in conn.execute(q).mappings()]


def _citizens(conn, ref: str | None = None) -> dict[str, dict]:
    q = select(store.citizens).where(store.own(store.citizens, conn))
    if ref is not None:
        q = q.where(store.citizens.c.citizen_ref == ref)
    return {row["citizen_ref"]: dict(row) for row in conn.execute(q).mappings()}


def _dated(conn, ref: str | None) -> list[tuple]:
    s = store.submissions
    q = select(s.c.citizen_ref, s.c.round, s.c.filled_date, s.c.submitted_at).where(store.own(s, conn),
                                                                                    s.c.status == "imported")
    if ref is not None:
        q = q.where(s.c.citizen_ref == ref)
    return [tuple(r) for r in conn.execute(q.order_by(s.c.id))]


def returned_codes(conn) -> set[str]:
    """Dispatched codes that came back: a counted return under the code, or under another code of the
    same citizen × respondent × round × form (the .xlsx of a form returned as .docx)."""
    d, s = store.dispatch, store.submissions
    same = or_(s.c.code == d.c.code, and_(d.c.citizen_ref.is_not(None), d.c.round.is_not(None),
                                          s.c.citizen_ref == d.c.citizen_ref, s.c.round == d.c.round,
                                          s.c.role == d.c.role, s.c.form == d.c.form))
    back = exists().where(s.c.unit == d.c.unit, s.c.status.in_(["imported", "conflict"]), same)
    return set(conn.execute(select(d.c.code).where(store.own(d, conn), back)).scalars())


def _dispatch(conn) -> tuple[list[tuple], set[str]]:
    d = store.dispatch
    back = returned_codes(conn)
    rows = conn.execute(select(d.c.citizen_ref, d.c.round, d.c.role, d.c.code, d.c.created_at).where(
        store.own(d, conn), d.c.citizen_ref.is_not(None))).all()
    return [tuple(r) for r in rows], back


def answers(engine, ref: str | None = None, scores: bool = True) -> Loaded:
    """Definitions, label order and the score (or text) answers of every citizen, or of one."""
    with engine.connect() as conn:
        rows = _answers(conn, ref, scores)
        return Loaded(_reported(conn, rows), _labelled(conn, ref), rows if scores else [], [] if scores else rows)


def for_citizens(engine, ref: str | None = None) -> Loaded:
    """Everything the citizen reports need, of every citizen or of one, in one read."""
    with engine.connect() as conn:
        scores, texts = _answers(conn, ref, True), _answers(conn, ref, False)
        return Loaded(_reported(conn, scores, texts), _labelled(conn, ref), scores, texts, _citizens(conn, ref),
                      _dated(conn, ref))


def for_company(engine) -> Loaded:
    """Everything a company sheet needs (every citizen's: the company is chosen from the roster), in one read."""
    with engine.connect() as conn:
        sent, back = _dispatch(conn)
        scores, texts = _answers(conn, None, True), _answers(conn, None, False)
        return Loaded(_reported(conn, scores, texts), _labelled(conn, None), scores, texts, _citizens(conn),
                      _dated(conn, None), sent, back)


def for_overview(engine) -> Loaded:
    """Everything the management overview needs, in one read."""
    with engine.connect() as conn:
        sent, back = _dispatch(conn)
        scores = _answers(conn, None, True)
        return Loaded(_reported(conn, scores), _labelled(conn, None), scores, [], _citizens(conn), _dated(conn, None),
                      sent, back)


def for_kompetencekort(engine, ref: str) -> Cards:
    """A citizen's imported kompetencekort with their answers, and the citizen's roster row, in one read."""
    s, a = store.submissions, store.answers
    with engine.connect() as conn:
        defs = {fp: d for fp, d in _definitions(conn).items() if d.get("kind") == "kompetencekort"}
        subs = conn.execute(select(s.c.id, s.c.fingerprint, s.c.round, s.c.filled_by, s.c.filled_date, s.c.submitted_at)
                            .where(store.own(s, conn), s.c.citizen_ref == ref, s.c.status == "imported", s.c.fingerprint.in_(list(defs)))).all()
        values = conn.execute(select(a.c.submission_id, a.c.item, a.c.field, a.c.value)
                              .where(a.c.submission_id.in_([x.id for x in subs]))).all()
        return Cards(defs, subs, [tuple(v) for v in values], _citizens(conn, ref).get(ref, {}))


def citizen_rows(engine, ref: str | None = None) -> dict[str, dict]:
    """Roster rows by ref (every citizen's, or one's)."""
    with engine.connect() as conn:
        return _citizens(conn, ref)


def score_export(engine) -> tuple[list[dict], dict[str, dict]]:
    """Score answers of every imported submission, in export order, and the definitions by fingerprint."""
    s, a = store.submissions, store.answers
    q = (select(s.c.id, s.c.citizen_ref, s.c.round, s.c.role, s.c.form, s.c.form_version, s.c.fingerprint,
                s.c.submitted_at, s.c.original_name, a.c.item, a.c.field, a.c.value)
         .join(a, a.c.submission_id == s.c.id).where(store.own(s, engine), s.c.status == "imported")
         .order_by(s.c.citizen_ref, s.c.round, s.c.role, s.c.form, s.c.id))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        return rows, _reported(conn, rows)


def text_export(engine) -> list[list]:
    """One row per non-empty text answer of an imported submission (the texts export's columns)."""
    s, a = store.submissions, store.answers
    q = (select(s.c.citizen_ref, s.c.round, s.c.role, s.c.form, a.c.item, a.c.field, a.c.value,
                s.c.original_name, s.c.code, a.c.raw, s.c.fingerprint)
         .join(a, a.c.submission_id == s.c.id)
         .where(store.own(s, engine), s.c.status == "imported", a.c.field.not_in(["now", "goal"]),
                a.c.value.is_not(None))
         .order_by(s.c.citizen_ref, s.c.round, s.c.role, s.c.form, a.c.item, s.c.id))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        _reported(conn, rows)
    columns = ("citizen_ref", "round", "role", "form", "item", "field", "value", "original_name", "code", "raw")
    return [[r[c] for c in columns] for r in rows]
