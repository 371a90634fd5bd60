"""The geometry of a printed form: every box and text area in millimetres, recorded under a layout hash.

Coordinates are millimetres from the top-left corner of an A4 page, y downwards. A Layout is
what the reader needs to read a page without guessing: the page size, the four corner markers
and, per page, the rows of boxes (one row per score: the boxes of the steps and of 'Ved ikke')
and the framed text areas. Its hash (16 hex digits over its JSON) is printed in every page's QR
code together with the form code and the page number (`FG1:<code>:<page>:<HASH>`), and the JSON
is stored in the workspace database under that hash when the forms are generated.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

__all__ = [
    "PAGE_MM", "MARKER_MM", "MARKER_INSET", "MARKER_IDS", "MARKER_DICT", "QR_MM", "QR_BOX", "PT", "Box", "Row", "Area",
    "Page", "Layout", "marker_square", "qr_text", "parse_qr",
]

PAGE_MM = (210.0, 297.0)  # A4 portrait
MARKER_MM = 10.0  # the side of an ArUco marker, its black border included
MARKER_INSET = 10.0  # from the page's edges to the marker: inside every printer's printable area
MARKER_IDS = (0, 1, 2, 3)  # top-left, top-right, bottom-right, bottom-left: orientation from the ids alone
MARKER_DICT = "DICT_4X4_50"  # OpenCV's predefined ArUco dictionary: 4×4 bits, 6×6 cells with the border
QR_MM = 22.0  # 25 modules of 0.9 mm (version 2): read from a blurred 140 dpi phone photo
QR_BOX = (PAGE_MM[0] - MARKER_INSET - MARKER_MM - 5.0 - QR_MM, PAGE_MM[1] - 8.0 - QR_MM, QR_MM)  # x, y, side
PT = 25.4 / 72  # millimetres per point


def marker_square(marker_id: int) -> tuple[float, float, float]:
    """(x, y, side) of a corner marker on the page, in mm."""
    w, h = PAGE_MM
    far_x, far_y = w - MARKER_INSET - MARKER_MM, h - MARKER_INSET - MARKER_MM
    x, y = [(MARKER_INSET, MARKER_INSET), (far_x, MARKER_INSET), (far_x, far_y), (MARKER_INSET, far_y)][marker_id]
    return x, y, MARKER_MM


@dataclass(frozen=True)
class Box:
    """One tick box: the value it stands for ('1'…'N' or 'Ved ikke') and its outer edge, in mm."""

    value: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Row:
    """The boxes of one answer (fg.<key>.<field>): exactly one of them is to be ticked."""

    key: str
    field: str
    label: str  # e.g. 'Sociale kompetencer › Nu', for review
    boxes: tuple[Box, ...]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) around every box of the row."""
        x0, y0 = min(b.x for b in self.boxes), min(b.y for b in self.boxes)
        x1, y1 = max(b.x + b.w for b in self.boxes), max(b.y + b.h for b in self.boxes)
        return x0, y0, x1 - x0, y1 - y0


@dataclass(frozen=True)
class Area:
    """A framed area for a handwritten text answer (fg.<key>.<field>), cut out as a picture when read."""

    key: str
    field: str
    label: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    rows: tuple[Row, ...]
    areas: tuple[Area, ...]


@dataclass(frozen=True)
class Layout:
    """Every page of one printed form × respondent × round."""

    form: str
    version: str
    fingerprint: str
    role: str
    pages: tuple[Page, ...]

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Layout":
        d = json.loads(text)
        pages = tuple(Page(p["number"], tuple(Row(r["key"], r["field"], r["label"], tuple(Box(**b) for b in r["boxes"]))
                                              for r in p["rows"]),
                           tuple(Area(**a) for a in p["areas"])) for p in d["pages"])
        return cls(d["form"], d["version"], d["fingerprint"], d["role"], pages)

    def page(self, number: int) -> Page | None:
        return next((p for p in self.pages if p.number == number), None)


def qr_text(code: str, page: int, layout_hash: str) -> str:
    """What a page's QR code holds: no personal data, only the form code, the page and the layout.

    Upper case and ':' only, so the code is QR's alphanumeric mode: a smaller symbol, bigger modules."""
    return f"FG1:{code}:{page}:{layout_hash.upper()}"


def parse_qr(text: str) -> tuple[str, int, str] | None:
    """(form code, page, layout hash) from a QR code's text, or None when it is not formgen's."""
    parts = text.strip().split(":")
    if len(parts) != 4 or parts[0] != "FG1" or not parts[2].isdigit() or len(parts[3]) != 16:
        return None
    return parts[1], int(parts[2]), parts[3].lower()
