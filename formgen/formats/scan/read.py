"""Reading one scanned page: locate it, decide every row of boxes, cut out the text areas and review crops."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from formgen.formats.paper.geometry import PAGE_MM, Layout
from formgen.formats.scan.locate import PX_PER_MM, locate
from formgen.formats.scan.marks import align_row, decide, ink_map, measure

__all__ = ["RowReading", "AreaCrop", "PageReading", "read_page", "png"]

CROP_MM = 2.0  # margin around a crop
INK_AREA_MIN = 0.004  # share of a text area's dark pixels above which it holds writing


@dataclass(frozen=True)
class RowReading:
    """One score read from its row of boxes."""

    key: str
    field: str
    label: str
    value: str | None  # '1'…'N' or 'Ved ikke'; None when empty or for review
    status: str  # answered | empty | review
    confidence: float  # 0…1
    reason: str  # why it goes to review ('' otherwise)
    fills: tuple[tuple[str, float], ...]  # (box value, share of dark pixels) per box
    crop: bytes | None  # PNG of the row (review rows only)


@dataclass(frozen=True)
class AreaCrop:
    """A text area cut out of the page."""

    key: str
    field: str
    label: str
    png: bytes  # b"" when blank
    blank: bool  # no writing found in it


@dataclass(frozen=True)
class PageReading:
    """What one scanned page says; problem is set when the page as a whole cannot be read (then rows are empty)."""

    code: str | None
    page: int | None
    layout_hash: str | None
    rows: tuple[RowReading, ...] = ()
    areas: tuple[AreaCrop, ...] = ()
    problem: str = ""
    markers: int = 0
    rotation: int = 0
    preview: bytes | None = None  # a small PNG of the whole page, for review of an unreadable page

    @property
    def review(self) -> tuple[RowReading, ...]:
        return tuple(r for r in self.rows if r.status == "review")


def png(gray) -> bytes:
    """A grey numpy image as PNG bytes."""
    import cv2

    ok, buf = cv2.imencode(".png", gray, [cv2.IMWRITE_PNG_COMPRESSION, 2])
    return buf.tobytes()


def _preview(gray) -> bytes:
    import cv2

    scale = 900 / max(gray.shape)
    return png(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray)


def _cut(warped, x: float, y: float, w: float, h: float, whole_width: bool = False) -> bytes:
    """A crop around (x, y, w, h) mm; whole_width: from margin to margin (a row with its labels)."""
    m = CROP_MM
    x0, x1 = (12.0, PAGE_MM[0] - 12.0) if whole_width else (x - m, x + w + m)
    x0, x1 = int(x0 * PX_PER_MM), int(x1 * PX_PER_MM)
    y0, y1 = int((y - m) * PX_PER_MM), int((y + h + m) * PX_PER_MM)
    return png(warped[max(y0, 0):y1, max(x0, 0):x1])


def read_page(gray, layouts: Callable[[str], Layout | None]) -> PageReading:
    """Read one page (a grey numpy image at any resolution and orientation) against its recorded layout.

    layouts(hash) returns the Layout recorded under a layout hash, or None when it is unknown."""
    import cv2
    import numpy as np

    loc = locate(gray)
    code, page, lhash = loc.qr or (None, None, None)
    base = dict(code=code, page=page, layout_hash=lhash, markers=loc.markers, rotation=loc.rotation)
    if loc.problem or loc.qr is None:
        problem = loc.problem or "the page's QR code (form code, page number) cannot be read"
        return PageReading(**base, problem=problem, preview=_preview(loc.warped if loc.warped is not None else gray))
    layout = layouts(lhash)
    geometry = layout.page(page) if layout else None
    if geometry is None:
        return PageReading(**base, problem=f"the page's layout {lhash} (page {page}) is not recorded in this workspace",
                           preview=_preview(loc.warped))
    ink = ink_map(loc.warped)
    dark = (ink >= 0.45).astype(np.uint8)
    integral = cv2.integral(dark)
    rows = []
    for row in geometry.rows:
        offset = align_row(integral, row)
        inks = [measure(ink, b, offset) for b in row.boxes]
        d = decide(inks)
        crop = None
        if d.status == "review":  # the rows of the same indicator from the step numbers down, labels included
            x, y, w, h = row.bounds
            top = min(r.bounds[1] for r in geometry.rows if r.key == row.key and r.bounds[1] <= y) - 4.5
            crop = _cut(loc.warped, x, top + offset[1] / PX_PER_MM, w, y + h - top, whole_width=True)
        rows.append(RowReading(row.key, row.field, row.label, d.value, d.status, round(d.confidence, 3), d.reason,
                               tuple((i.value, round(i.dark, 4)) for i in inks), crop))
    areas = []
    for a in geometry.areas:
        inner = ink[int((a.y + 1) * PX_PER_MM):int((a.y + a.h - 1) * PX_PER_MM),
                    int((a.x + 1) * PX_PER_MM):int((a.x + a.w - 1) * PX_PER_MM)]
        blank = inner.size == 0 or float((inner >= 0.45).mean()) < INK_AREA_MIN
        areas.append(AreaCrop(a.key, a.field, a.label, b"" if blank else _cut(loc.warped, a.x, a.y, a.w, a.h), blank))
    return PageReading(**base, rows=tuple(rows), areas=tuple(areas))
