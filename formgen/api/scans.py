"""Scanned paper forms: the rows a person decides, pages waiting for their form, and the pictures cut out of scans."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formgen.core.workspace import Workspace

__all__ = ["scan_reviews", "waiting_scans", "decide_scan_row", "scan_picture", "handwriting"]


def scan_reviews(ws: Workspace) -> list[dict]:
    """Rows of tick boxes a person must decide (id, code, label, reason, confidence, choices …) and unreadable pages."""
    from formgen.intake.scan_review import open_rows

    return open_rows(ws)


def waiting_scans(ws: Workspace) -> list[dict]:
    """Forms with some of their pages scanned: code, citizen_ref, pages arrived, of how many, from which files."""
    from formgen.intake.scan_review import waiting

    return waiting(ws)


def decide_scan_row(ws: Workspace, row_id: int, value: str) -> dict:
    """Store a person's value for a row to review (how='omr-reviewed'); FG130 for an unknown row or value."""
    from formgen.intake.scan_review import decide

    return decide(ws, row_id, value)


def scan_picture(ws: Workspace, crop_id: int) -> tuple[dict, bytes]:
    """(what it is, PNG bytes) of a picture cut out of a scan."""
    from formgen.intake.scan_review import picture

    return picture(ws, crop_id)


def handwriting(ws: Workspace, citizen_ref: str | None = None) -> list[dict]:
    """The handwritten text answers of imported scans (crop id, item, field, label, round, role)."""
    from formgen.intake.scan_review import handwriting as crops

    return crops(ws, citizen_ref)
