"""Word (.docx) forms: writing them (docxtpl template + content controls) and the tagging scheme.

Every answer is an inline content control tagged fg:<key>:<field>; score fields are dropdowns whose
item text and value are the plain step numbers. The one-row-per-indicator table (label in the first
cell) keeps answers recoverable when a program strips the tags (LibreOffice 7.4, Google Docs).
"""
from __future__ import annotations

from formgen.formats.docx.build import KIND, Master, build_master, personalise, recolour
from formgen.formats.docx.fill import fill_answers
from formgen.formats.docx.reader import identify, open_return, properties, read

__all__ = [
    "KIND", "build_master", "personalise", "open_return", "identify", "read",  # the FormFormat protocol
    "Master", "fill_answers", "properties", "recolour",
]
