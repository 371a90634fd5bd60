"""Review of scans: the rows of boxes a person decides (with their pictures), pages waiting for the rest of their form."""
from __future__ import annotations

from formgen.core.errors import fail
from formgen.store import db as store
from formgen.store import scans
from formgen.store.lookup import Lookup

__all__ = ["open_rows", "waiting", "decide", "picture", "choices", "handwriting"]


def open_rows(ws) -> list[dict]:
    """Rows to decide (kind row) and pages that could not be read (kind page), with the choices of each row."""
    engine = store.connect(ws.db, ws.unit)
    try:
        rows = scans.open_reviews(engine)
    finally:
        engine.dispose()
    lookup = Lookup(ws.db, ws.unit)
    try:
        for r in rows:
            r["choices"] = _choices(lookup, r["code"]) if r["kind"] == "row" else []
    finally:
        lookup.close()
    return rows


def waiting(ws) -> list[dict]:
    """Forms of which some pages were scanned and the others have not arrived yet."""
    engine = store.connect(ws.db, ws.unit)
    try:
        return scans.waiting_pages(engine)
    finally:
        engine.dispose()


def _choices(lookup: Lookup, code: str | None) -> list[str]:
    row = lookup.dispatch(code) if code else None
    return lookup.definition(row["fingerprint"]).scale.choices() if row else []


def choices(ws, code: str) -> list[str]:
    """The values a row of the form with this code can have: the steps and 'Ved ikke'."""
    lookup = Lookup(ws.db, ws.unit)
    try:
        return _choices(lookup, code)
    finally:
        lookup.close()


def decide(ws, row_id: int, value: str) -> dict:
    """A person's value for a row of boxes (a step, or 'Ved ikke'); stored how='omr-reviewed'."""
    from formgen.intake.interpret import parse_score

    engine = store.connect(ws.db, ws.unit)
    try:
        found = scans.crop(engine, row_id)
        if found is None or found[0]["kind"] != "row" or found[0]["status"] != "open":
            raise fail("FG130", f"--scan {row_id}", "no open row to review has this number",
                       "use a number from 'formgen review'")
        lookup = Lookup(ws.db, ws.unit)
        try:
            d = lookup.definition(lookup.dispatch(found[0]["code"])["fingerprint"])
        finally:
            lookup.close()
        parsed, problem = parse_score(value, d.scale.steps, d.scale.dont_know, f"--value {value}")
        if problem or parsed is None:
            raise fail("FG130", f"--value {value}", "not a value of this row",
                       f"use one of: {', '.join(d.scale.choices())}")
        return scans.decide_row(engine, row_id, parsed)
    finally:
        engine.dispose()


def picture(ws, crop_id: int) -> tuple[dict, bytes]:
    """A crop's row and PNG (a row to review, a handwritten answer, an unreadable page)."""
    engine = store.connect(ws.db, ws.unit)
    try:
        found = scans.crop(engine, crop_id)
    finally:
        engine.dispose()
    if found is None:
        raise fail("FG182", str(crop_id), "no scanned picture has this number", "use a number from 'formgen review'")
    return found


def handwriting(ws, citizen_ref: str | None = None) -> list[dict]:
    """The handwritten text answers of a citizen's imported scans (their crop ids, no pictures)."""
    engine = store.connect(ws.db, ws.unit)
    try:
        return scans.text_crops(engine, citizen_ref)
    finally:
        engine.dispose()
