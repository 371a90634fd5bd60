"""Printed forms for pen and paper, read back from scans by mark recognition (formgen.formats.scan).

`formgen generate FORM --format paper` writes one print-ready A4 PDF per citizen × respondent
(no form fields): four ArUco corner markers (ids 0–3, so a page fed upside down is recognised), a
QR code per page holding only the form code, the page number and the layout hash, a row of tick
boxes per score and framed areas for text answers. API:

- `build_master(view, org, logo, template, round_no, date_str, blank) -> PaperMaster` lays the form out once;
- `personalise(master, identity, prefill) -> bytes` renders one file (its code, its metadata values);
- `layouts(master) -> dict[hash, json]` the geometry to record under its layout hash (geometry.Layout).

A printed form sent back as a PDF file (not scanned) is read like any PDF: it has no fields.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formgen.core.identity import Identity
from formgen.forms.view import FormView, Prefill
from formgen.formats.access import form_title
from formgen.formats.paper.design import layout
from formgen.formats.paper.geometry import Layout, parse_qr, qr_text
from formgen.formats.paper.render import PaperMaster, geometry, render

if TYPE_CHECKING:
    from formgen.core.config import Organisation

__all__ = ["KIND", "EXTENSION", "build_master", "personalise", "layouts", "open_return", "identify", "read", "Layout",
           "PaperMaster", "parse_qr", "qr_text"]

KIND = "paper"
EXTENSION = "papir.pdf"  # not .pdf alone: a round's paper and fillable PDFs may share a folder


def build_master(v: FormView, org: Organisation, logo: Path, template: Path | None, round_no: int | None,
                 date_str: str, blank: bool) -> PaperMaster:
    """Lay the printed form out once for a form × role × round, and its geometry with it."""
    from formgen.formats.pdf.design import logo_png
    from formgen.formats.pdf.layout import CODE_LABEL

    d = v.definition
    png, size = logo_png(Path(logo))
    pages = layout(v, org, size, round_no)
    geo = geometry(pages, d.id, d.version, d.fingerprint, v.role)
    return PaperMaster(tuple(tuple(p) for p in pages), geo, png, form_title(d.title, v.role_title, round_no),
                       f"{d.title} · {d.id} v{d.version} · {CODE_LABEL} ", f" · {org.contact or org.name}", org.name)


def personalise(master: PaperMaster, identity: Identity, pre: Prefill) -> bytes:
    """One printable file with this form's code (in its QR codes and footers) and metadata values."""
    from formgen.forms.view import META

    return render(master, identity.code, {k: pre.get(k) for k, _ in META})


def layouts(master: PaperMaster) -> dict[str, str]:
    """{layout hash: geometry JSON} to record in the workspace database when the forms are generated."""
    return {master.layout.hash: master.layout.to_json()}


def open_return(data: bytes, name: str, package=None):
    """A paper form's PDF file is a PDF without fields (the scan reader reads it as a picture)."""
    from formgen.formats import pdf

    return pdf.open_return(data, name)


def identify(source, name: str = ""):
    from formgen.formats import pdf

    return pdf.identify(source, name)


def read(source, definition=None, role=None, identity=None):
    from formgen.formats import pdf

    return pdf.read(source, definition, role, identity)
