"""Examining a scan (read-only, in a forked reader): every page read against its recorded layout."""
from __future__ import annotations

from dataclasses import dataclass

from formgen.core.errors import Problem
from formgen.store.lookup import Lookup

__all__ = ["ScanPage", "is_scan", "examine_scan"]


@dataclass(frozen=True)
class ScanPage:
    """One page of a scanned file, read: its place in the file, what it says, its form's dispatch row."""

    index: int  # 1-based, in the file
    reading: object  # formats.scan.PageReading
    row: dict | None  # the dispatch row of the page's form code (None: unknown code or unreadable page)
    of: int  # how many pages the form has (its layout), 0 when unknown


def is_scan(data: bytes) -> bool:
    """A picture (PNG, JPEG, TIFF): only a scan or photo of a paper form can be a return."""
    from formgen.formats.scan import is_scan_image

    return is_scan_image(data)


def examine_scan(lookup: Lookup, data: bytes, name: str) -> tuple[ScanPage, ...] | Problem | None:
    """The pages of a scan, read; the Problem when the file cannot be read as pictures; None when a
    field-less PDF shows no formgen page at all (it is then a printed PDF, not a paper form)."""
    from formgen.formats.paper.geometry import Layout
    from formgen.formats.scan import ScanRefused, is_printable, pages, read_page

    if data.startswith(b"%PDF") and is_printable(data):  # sent back unprinted: it says nothing, and is not read
        return Problem("FG213", name, "this is formgen's printable paper form itself, not a scan of a filled-in one",
                       "print it, have it filled in by pen, and import the scan of it")

    cache: dict = {}

    def layout(h: str):
        if h not in cache:
            g = lookup.layout(h)
            cache[h] = Layout.from_json(g) if g else None
        return cache[h]

    try:
        readings = [read_page(img, layout) for img in pages(data)]
    except ScanRefused as exc:
        return Problem("FG247", name, f"the scan cannot be read: {exc}",
                       "scan the pages again (300 dpi greyscale PDF) and import the new file")
    if data.startswith(b"%PDF") and not any(r.code or r.markers for r in readings):
        return None
    scan = []
    for i, r in enumerate(readings, start=1):
        lay = layout(r.layout_hash) if r.layout_hash else None
        scan.append(ScanPage(i, r, lookup.dispatch(r.code) if r.code else None, len(lay.pages) if lay else 0))
    return tuple(scan)
