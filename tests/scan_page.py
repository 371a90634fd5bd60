"""A stand-in paper page with known geometry (ArUco corners, a QR code, rows of boxes) for the scan corpus.

Until `formgen generate --format paper` exists this gives the corpus and the benchmark a page made the
same way: a PDF (reportlab) rendered to pixels (pypdfium2), with every box recorded in millimetres from
the page's top-left corner. It is not formgen's layout; the corpus code does not depend on it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["A4_MM", "ARUCO_DICT", "Layout", "Row", "render_pdf", "standin_layout", "standin_pdf"]

A4_MM = (210.0, 297.0)
ARUCO_DICT = cv2.aruco.DICT_4X4_50
MarkBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Row:
    """One row of boxes: its id and (value, box in mm) for each box, left to right."""

    id: str
    boxes: tuple[tuple[object, MarkBox], ...]


@dataclass(frozen=True)
class Layout:
    """Where everything is on the page, in mm from the top-left corner."""

    rows: tuple[Row, ...]
    markers: dict[int, MarkBox]  # ArUco id → its square: 0 top left, 1 top right, 2 bottom right, 3 bottom left
    qr: MarkBox
    qr_text: str

    @property
    def box_count(self) -> int:
        return sum(len(r.boxes) for r in self.rows)


def standin_layout(scales: int = 8, box_mm: float = 6.0, pitch_mm: float = 9.5) -> Layout:
    """Eight scales of 1–10 plus 'Ved ikke', each with a *Nu* and a *Næste delmål* row."""
    m, size = 8.0, 12.0
    w, h = A4_MM
    markers = {0: (m, m, m + size, m + size), 1: (w - m - size, m, w - m, m + size),
               2: (w - m - size, h - m - size, w - m, h - m), 3: (m, h - m - size, m + size, h - m)}
    rows, top = [], 62.0
    for s in range(scales):
        for k, kind in enumerate(("nu", "delmaal")):
            y = top + s * 26.0 + 5.0 + k * 9.0
            boxes = [(v, (70 + i * pitch_mm, y, 70 + i * pitch_mm + box_mm, y + box_mm)) for i, v in enumerate(range(1, 11))]
            x = 70 + 10 * pitch_mm + 5.0
            boxes.append(("ved-ikke", (x, y, x + box_mm, y + box_mm)))
            rows.append(Row(f"s{s + 1}.{kind}", tuple(boxes)))
    return Layout(tuple(rows), markers, (w - 8 - 12 - 6 - 22, 8.0, w - 8 - 12 - 6, 30.0), "FG|opfoelgning|1/1|standin01")


def standin_pdf(layout: Layout) -> bytes:
    """The stand-in page as a one-page A4 PDF in black and white."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    top = A4[1]

    def square(box, filled=True, line=0.3):
        x0, y0, x1, y1 = box
        c.setLineWidth(line * mm)
        c.rect(x0 * mm, top - y1 * mm, (x1 - x0) * mm, (y1 - y0) * mm, stroke=int(not filled), fill=int(filled))

    def cells(img, box):
        n = img.shape[0]
        x0, y0, x1, _ = box
        cell = (x1 - x0) / n
        for r, c_ in zip(*np.nonzero(img < 128)):
            square((x0 + c_ * cell, y0 + r * cell, x0 + (c_ + 1) * cell + 0.01, y0 + (r + 1) * cell + 0.01))

    dictionary = cv2.aruco.getPredefinedDictionary(ARUCO_DICT)
    for marker_id, box in layout.markers.items():
        cells(cv2.aruco.generateImageMarker(dictionary, marker_id, 6), box)
    qr = cv2.QRCodeEncoder.create().encode(layout.qr_text)
    cells(np.pad(qr, 0, constant_values=255), layout.qr)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(24 * mm, top - 30 * mm, "Opfølgning på forløb")
    c.setFont("Helvetica", 9.5)
    c.drawString(24 * mm, top - 38 * mm, "Borger · Runde 1 · Skema-id RDM2-M3TH-Z")
    c.drawString(24 * mm, top - 46 * mm, "Sæt ét kryds pr. række. Ret ved at fylde boksen helt ud og sætte kryds i en anden.")
    for i, row in enumerate(layout.rows):
        y = row.boxes[0][1][1]
        if i % 2 == 0:
            c.setFont("Helvetica-Bold", 10)
            c.drawString(24 * mm, top - (y - 1.5) * mm, f"Område {i // 2 + 1}")
            c.setFont("Helvetica", 7)
            for value, box in row.boxes:
                label = "Ved ikke" if value == "ved-ikke" else str(value)
                c.drawCentredString((box[0] + box[2]) / 2 * mm, top - (box[1] - 1.3) * mm, label)
        c.setFont("Helvetica", 8.5)
        c.drawString(46 * mm, top - (y + 4.3) * mm, "Nu" if row.id.endswith("nu") else "Næste delmål")
        for _, box in row.boxes:
            square(box, filled=False)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_pdf(pdf: bytes, dpi: float, page: int = 0) -> np.ndarray:
    """One page of a PDF as an RGB uint8 array at `dpi` (pypdfium2)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[page].render(scale=dpi / 72.0)
        return np.ascontiguousarray(bitmap.to_numpy()[..., :3][..., ::-1] if bitmap.mode == "BGR" else
                                    bitmap.to_numpy()[..., :3])
    finally:
        doc.close()
