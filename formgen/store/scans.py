"""Scanned pages waiting for the rest of their form, and the pictures cut out of scans (review rows, handwriting)."""
from __future__ import annotations

import json

from sqlalchemy import and_, insert, select, update

from formgen.store import db as store

__all__ = ["definition_json", "stored_pages", "add_page", "use_pages", "add_crop", "crops_of", "link_crops", "submission_by_sha",
           "set_answer", "open_reviews", "waiting_pages", "decide_row", "crop", "text_crops"]


def definition_json(conn, fingerprint: str) -> str:
    d = store.definitions
    return conn.execute(select(d.c.definition).where(d.c.fingerprint == fingerprint)).scalar_one()


def stored_pages(conn, code: str) -> dict[int, dict]:
    """The stored pages of a form code: {page: row}."""
    t = store.scan_pages
    return {r["page"]: dict(r) for r in conn.execute(select(t).where(store.own(t, conn), t.c.code == code)).mappings()}


def add_page(conn, **row) -> None:
    conn.execute(insert(store.scan_pages).values(unit=store.unit_of(conn), at=store.now(), status="waiting", **row))


def use_pages(conn, code: str) -> None:
    """Every stored page of the code has gone into its submission."""
    t = store.scan_pages
    conn.execute(update(t).where(store.own(t, conn), t.c.code == code).values(status="used"))


def add_crop(conn, **row) -> int:
    return conn.execute(insert(store.scan_crops).values(unit=store.unit_of(conn), at=store.now(), **row)).inserted_primary_key[0]


def crops_of(conn, code: str, kind: str) -> list[dict]:
    t = store.scan_crops
    q = select(t.c.id, t.c.item, t.c.field, t.c.status, t.c.value, t.c.confidence).where(store.own(t, conn), t.c.code == code, t.c.kind == kind)
    return [dict(r) for r in conn.execute(q).mappings()]


def link_crops(conn, code: str, submission_id: int) -> None:
    t = store.scan_crops
    conn.execute(update(t).where(store.own(t, conn), t.c.code == code, t.c.submission_id.is_(None)).values(submission_id=submission_id))


def submission_by_sha(conn, sha: str) -> int | None:
    s = store.submissions
    return conn.execute(select(s.c.id).where(store.own(s, conn), s.c.sha256 == sha)).scalar()


def set_answer(conn, submission_id: int, item: str, field: str, value: str, how: str, confidence: float | None) -> None:
    """A reviewed score replaces the unanswered row the scan left for it."""
    a = store.answers
    where = and_(a.c.submission_id == submission_id, a.c.item == item, a.c.field == field)
    if conn.execute(select(a.c.item).where(where)).first() is None:
        conn.execute(insert(a).values(submission_id=submission_id, item=item, field=field, value=value, raw=value,
                                      how=how, confidence=confidence))
    else:
        conn.execute(update(a).where(where).values(value=value, raw=value, how=how, confidence=confidence))


_LIST = ("id", "code", "page", "item", "field", "kind", "label", "reason", "confidence", "status", "value",
         "source_name", "citizen_ref", "submission_id", "at")


def open_reviews(engine) -> list[dict]:
    """Rows of boxes a person must decide, and pages that could not be read, oldest first (no pictures)."""
    t = store.scan_crops
    q = (select(*(t.c[c] for c in _LIST)).where(store.own(t, engine), (t.c.status == "open") | (t.c.status == "unreadable"))
         .order_by(t.c.id))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def waiting_pages(engine) -> list[dict]:
    """Per form code with pages waiting: which pages arrived, from which files."""
    t = store.scan_pages
    out: dict[str, dict] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(t).where(store.own(t, engine), t.c.status == "waiting").order_by(t.c.code, t.c.page)).mappings():
            w = out.setdefault(r["code"], {"code": r["code"], "citizen_ref": r["citizen_ref"], "pages": [],
                                           "of": json.loads(r["reading"]).get("of", 0), "files": []})
            w["pages"].append(r["page"])
            if r["source_name"] not in w["files"]:
                w["files"].append(r["source_name"])
    return list(out.values())


def decide_row(engine, crop_id: int, value: str) -> dict | None:
    """A person's choice for a row to review: stored on the crop, and in its submission's answers
    (how omr-reviewed, with the reader's confidence) when the form is complete; None if no open row has the id."""
    t = store.scan_crops
    with engine.begin() as conn:
        store.lock_writers(conn)
        row = conn.execute(select(*(t.c[c] for c in _LIST)).where(store.own(t, engine), t.c.id == crop_id, t.c.kind == "row",
                                                                  t.c.status == "open")).mappings().first()
        if row is None:
            return None
        conn.execute(update(t).where(t.c.id == crop_id).values(status="decided", value=value))
        if row["submission_id"] is not None:
            set_answer(conn, row["submission_id"], row["item"], row["field"], value, "omr-reviewed", row["confidence"])
        store.record_log(conn, "review", {"scan_row": crop_id, "code": row["code"], "item": row["item"],
                                          "field": row["field"]}, row["citizen_ref"])
    return dict(row) | {"value": value, "status": "decided"}


def crop(engine, crop_id: int) -> tuple[dict, bytes] | None:
    """A crop's row and its PNG."""
    t = store.scan_crops
    with engine.connect() as conn:
        r = conn.execute(select(t).where(store.own(t, engine), t.c.id == crop_id)).mappings().first()
    return (dict((k, r[k]) for k in _LIST), r["png"]) if r is not None else None


def text_crops(engine, citizen_ref: str | None = None) -> list[dict]:
    """Handwritten text answers of imported scans (no pictures): submission, item, field, crop id."""
    t, s = store.scan_crops, store.submissions
    q = (select(t.c.id, t.c.item, t.c.field, t.c.label, t.c.submission_id, s.c.round, s.c.role, s.c.form,
                s.c.citizen_ref)
         .join(s, s.c.id == t.c.submission_id).where(store.own(t, engine), t.c.kind == "area", t.c.status == "text",
                                                     s.c.status == "imported"))
    if citizen_ref is not None:
        q = q.where(s.c.citizen_ref == citizen_ref)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q.order_by(s.c.round, t.c.id)).mappings()]
