"""Drawing a printed form with reportlab: its pages, the corner markers, a QR code per page, the footer."""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from formgen.formats.access import LANG
from formgen.formats.paper.geometry import (
    MARKER_DICT, MARKER_IDS, PT, QR_BOX, Area, Box, Layout, Page, Row, marker_square, qr_text,
)
from formgen.formats.pdf.draw import CODE_FONT, draw_op
from formgen.formats.pdf.layout import GREY, MX, PAGE_H, PAGE_W, RULE, WIDTH, fonts

__all__ = ["CREATOR", "PaperMaster", "geometry", "render", "marker_cells"]

MM = 72 / 25.4
CREATOR = "formgen paper form"


@dataclass(frozen=True)
class PaperMaster:
    """A printed form laid out for one form × role × round: pages of operations and their geometry."""

    pages: tuple[tuple[tuple, ...], ...]
    layout: Layout
    logo: bytes
    title: str
    footer: str  # before the code
    footer_end: str  # after it
    author: str


def geometry(pages: list[list[tuple]], form: str, version: str, fingerprint: str, role: str) -> Layout:
    """The boxes and areas of laid-out pages, in millimetres, rows in the order they were laid out."""
    out = []
    for n, ops in enumerate(pages, start=1):
        rows: dict[tuple[str, str], list[Box]] = {}
        labels: dict[tuple[str, str], str] = {}
        areas = []
        for op in ops:
            if op[0] == "box":
                _, x, y, w, h, key, field, value = op
                rows.setdefault((key, field), []).append(Box(value, *(round(v * PT, 3) for v in (x, y, w, h))))
            elif op[0] == "area":
                _, x, y, w, h, key, field, label = op
                areas.append(Area(key, field, label, *(round(v * PT, 3) for v in (x, y, w, h))))
            elif op[0] == "rowlabel":
                labels[(op[3], op[4])] = op[5]
        out.append(Page(n, tuple(Row(k, f, labels.get((k, f), f"{k} › {f}"), tuple(bs)) for (k, f), bs in rows.items()),
                        tuple(areas)))
    return Layout(form, version, fingerprint, role, tuple(out))


@cache
def marker_cells(marker_id: int) -> tuple[tuple[int, int], ...]:
    """The black cells (column, row) of an ArUco marker, its border included (6 × 6 cells)."""
    import cv2

    d = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, MARKER_DICT))
    img = cv2.aruco.generateImageMarker(d, marker_id, 6, borderBits=1)
    return tuple((c, r) for r in range(6) for c in range(6) if img[r, c] < 128)


def _marker(c, marker_id: int) -> None:
    """A corner marker drawn as vector cells (crisp at any printer resolution)."""
    x, y, side = marker_square(marker_id)
    cell = side / 6 * MM
    c.setFillColorRGB(0, 0, 0)
    for col, row in marker_cells(marker_id):
        c.rect(x * MM + col * cell, PAGE_H - y * MM - (row + 1) * cell, cell, cell, stroke=0, fill=1)


def _qr(c, text: str) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    x, y, side = QR_BOX
    w = QrCodeWidget(text, barLevel="M", barBorder=0)
    bx0, by0, bx1, by1 = w.getBounds()
    s = side * MM
    d = Drawing(s, s, transform=[s / (bx1 - bx0), 0, 0, s / (by1 - by0), 0, 0])
    d.add(w)
    renderPDF.draw(d, c, x * MM, PAGE_H - (y + side) * MM)


def _footer(c, master: PaperMaster, code: str, page: int, pages: int) -> None:
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth

    reg, size, base = fonts()[0], 7, PAGE_H - 266 * MM
    right = (QR_BOX[0] - 5) * MM  # the footer stops short of the QR code
    c.setStrokeColor(HexColor(RULE))
    c.setLineWidth(0.4)
    c.line(MX, base + 10, MX + WIDTH, base + 10)
    c.setFillColor(HexColor(GREY))
    c.setFont(reg, size)
    c.drawRightString(right, base, f"Side {page} af {pages}")
    c.drawString(MX, base, master.footer)
    x = MX + stringWidth(master.footer, reg, size)
    c.setFont(CODE_FONT, size + 1)
    c.drawString(x, base, code)
    x += stringWidth(code, CODE_FONT, size + 1)
    end = master.footer_end
    while end and stringWidth(end, reg, size) > right - 50 - x:
        end = end[:-2] + "…"
    c.setFont(reg, size)
    c.drawString(x, base, end)


def _op(c, op: tuple, code: str, values: dict[str, str], logo) -> None:
    """One operation: a box or area frame, a printed value, or anything the PDF forms draw too."""
    if op[0] in ("box", "area"):
        _, x, y, w, h = op[:5]
        c.setStrokeColorRGB(0, 0, 0)
        c.setFillColorRGB(1, 1, 1)
        c.setLineWidth(0.8 if op[0] == "box" else 0.6)
        c.rect(x, PAGE_H - y - h, w, h, stroke=1, fill=1)
    elif op[0] == "value":
        _, x, y, key, font, size = op
        c.setFillColorRGB(0, 0, 0)
        c.setFont(font, size)
        c.drawString(x, PAGE_H - y, values.get(key, ""))
    elif op[0] != "rowlabel":
        draw_op(c, op, code, values, logo)


def render(master: PaperMaster, code: str, values: dict[str, str]) -> bytes:
    """The printable PDF of one form: every page with its markers, its QR code and its footer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, lang=LANG)
    c.setTitle(master.title)
    c.setAuthor(master.author)
    c.setSubject(f"Skema-id {code}")
    c.setKeywords(code)
    c.setCreator(CREATOR)  # intake knows the printable file itself from a scan of it
    c.setViewerPreference("DisplayDocTitle", "true")
    logo = ImageReader(io.BytesIO(master.logo))
    for n, page in enumerate(master.pages, start=1):
        for op in page:
            _op(c, op, code, values, logo)
        for marker_id in MARKER_IDS:
            _marker(c, marker_id)
        _qr(c, qr_text(code, n, master.layout.hash))
        _footer(c, master, code, n, len(master.pages))
        c.showPage()
    c.save()
    return buf.getvalue()
