"""Excel (.xlsx) forms: writing them (openpyxl, once per form × role × round) and reading them back.

Sheet "Skema" holds the form: one row per indicator (label, question, anchors, Nu, Næste delmål,
text answers), form-level text sections as label | answer rows, kompetencekort rows with one
Dato/Niveau column pair per assessment. Every answer cell carries a workbook-level defined name
fg.<key>.<field>; the reader resolves those names with zipfile + lxml and falls back to finding
the indicator row by its label when the names are gone. Input cells are unlocked and shaded, the
rest is locked, and the sheet is protected without a password (layout integrity, not secrecy).
"""
from __future__ import annotations

from formgen.forms.definition import ASSESSMENTS
from formgen.formats.xlsx.book import Book, number_text
from formgen.formats.xlsx.build import Master, build_master, personalise
from formgen.formats.xlsx.fill import fill_answers
from formgen.formats.xlsx.reader import identify, open_return, properties, read, read_file
from formgen.formats.xlsx.sheet import CODE_LABEL, CODE_TOKEN, GOAL, ID_SHEET, INPUT_FILL, KIND, SHEET

__all__ = [
    "KIND", "build_master", "personalise", "open_return", "identify", "read",  # the FormFormat protocol
    "ASSESSMENTS", "Book", "CODE_LABEL", "CODE_TOKEN", "GOAL", "ID_SHEET", "INPUT_FILL", "Master", "SHEET",
    "fill_answers", "number_text", "properties", "read_file",
]
