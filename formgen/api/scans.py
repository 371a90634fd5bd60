"""Scanned paper forms: the rows a person decides, pages waiting for their form, and the pictures cut out of scans."""
from __future__ import annotations

from typing import TYPE_CHECKING

from formgen.api.guard import check_citizen, guarded

if TYPE_CHECKING:
    from formgen.core.access import Person
    from formgen.core.workspace import Workspace

__all__ = ["scan_reviews", "waiting_scans", "decide_scan_row", "scan_picture", "handwriting"]


@guarded("review")
def scan_reviews(ws: Workspace) -> list[dict]:
    """Rows of tick boxes a person must decide (id, code, label, reason, confidence, choices …) and unreadable pages."""
    from formgen.intake.scan_review import open_rows

    return open_rows(ws)


@guarded("status")
def waiting_scans(ws: Workspace, *, person: Person) -> list[dict]:
    """Forms with some of their pages scanned: code, citizen_ref, pages arrived, of how many, from which files
    (a konsulent's: their own citizens' only, as in status)."""
    from formgen.api.guard import visible
    from formgen.intake.scan_review import waiting

    refs = visible(ws, person)
    return [w for w in waiting(ws) if refs is None or w["citizen_ref"] in refs]


@guarded("review")
def decide_scan_row(ws: Workspace, row_id: int, value: str) -> dict:
    """Store a person's value for a row to review (how='omr-reviewed'); FG130 for an unknown row or value."""
    from formgen.intake.scan_review import decide

    return decide(ws, row_id, value)


@guarded("citizens")
def scan_picture(ws: Workspace, crop_id: int, *, person: Person) -> tuple[dict, bytes]:
    """(what it is, PNG bytes) of a picture cut out of a scan; a konsulent's only of their own citizens (else FG182)."""
    from formgen.core.access import permit
    from formgen.intake.scan_review import picture

    row, png = picture(ws, crop_id)
    if row["kind"] != "area" or not row["citizen_ref"]:
        permit(person, "review")  # a row to decide or an unreadable page: for who reviews
    else:
        check_citizen(ws, person, row["citizen_ref"])
    return row, png


@guarded("citizens")
def handwriting(ws: Workspace, citizen_ref: str | None = None, *, person: Person) -> list[dict]:
    """The handwritten text answers of imported scans (crop id, item, field, label, round, role), of the citizens the person sees."""
    from formgen.api.guard import visible
    from formgen.intake.scan_review import handwriting as crops

    if citizen_ref is not None:
        check_citizen(ws, person, citizen_ref)
    refs = visible(ws, person)
    return [c for c in crops(ws, citizen_ref) if refs is None or c["citizen_ref"] in refs]
