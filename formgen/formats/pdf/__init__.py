"""PDF forms (AcroForm): writing them with reportlab, reading them back with pypdf.

A form is laid out and rendered once per form × role × round (Master); each file is spliced from
that render with its own form code, metadata values and identity (document info /fg_code …), about
1 ms per file instead of ~40 ms for a reportlab render. Answers are fields with the fully qualified names fg.<key>.<field> (a
field `fg` with a kid per key and a kid per field, since a partial name may not hold a period).
Scores are dropdowns whose options are " " (unanswered: reportlab cannot write an empty choice)
and the scale's steps. A PDF without fields (printed or scanned) is never guessed at: NotFillable.
"""
from __future__ import annotations

from formgen.core.errors import NotFillable
from formgen.core.identity import normalise
from formgen.formats.pdf.draw import Master, ap_text, render
from formgen.formats.pdf.fill import fill_fields
from formgen.formats.pdf.layout import BOTTOM, EMPTY, KIND, MX, PAGE_H, PAGE_W, TOP, WIDTH
from formgen.formats.pdf.merge import bookmarks, merge_pdfs
from formgen.formats.pdf.reader import identify, open_return, read
from formgen.formats.pdf.write import build_master, personalise

__all__ = [
    "KIND", "build_master", "personalise", "open_return", "identify", "read",  # the FormFormat protocol
    "BOTTOM", "EMPTY", "MX", "PAGE_H", "PAGE_W", "TOP", "WIDTH", "Master", "NotFillable", "ap_text", "fill_fields",
    "bookmarks", "merge_pdfs", "normalise", "render",
]
