"""Merging reports into one PDF for printing, a bookmark per file."""
from __future__ import annotations

import io
from pathlib import Path

__all__ = ["merge_pdfs", "bookmarks"]


def merge_pdfs(paths: list[Path], titles: list[str], out: Path) -> Path:
    """One PDF for printing: the files in order, a top-level bookmark per file (their own bookmarks under it)."""
    from pypdf import PdfWriter

    from formgen.core.private import write_private

    if len(paths) != len(titles):
        raise ValueError("merge_pdfs needs one title per file")
    writer = PdfWriter()
    for n, (path, title) in enumerate(zip(paths, titles), 1):
        writer.append(_fields_apart(path, n), outline_item=title)
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    writer.close()
    return write_private(Path(out), buf.getvalue())


def _fields_apart(path: Path, n: int):
    """The file with its top-level form fields renamed "<name>~<n>".

    Generated forms all name their fields alike (fg.meta.citizen …); merged as they are, a viewer treats
    equal names as one field and shows one citizen's name on every copy. Renamed, each copy keeps its own."""
    from pypdf import PdfReader
    from pypdf.generic import NameObject, TextStringObject

    reader = PdfReader(str(path))
    form = reader.trailer["/Root"].get("/AcroForm")
    for field in (form.get_object().get("/Fields", []) if form is not None else []):
        field = field.get_object()
        if "/T" in field:
            field[NameObject("/T")] = TextStringObject(f"{field['/T']}~{n}")
    return reader


def bookmarks(path: Path) -> list[str]:
    """The top-level bookmark titles of a PDF (a merged print copy names a citizen in each); [] if unreadable."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return [item.title for item in PdfReader(str(path)).outline if not isinstance(item, list)]
    except (PyPdfError, OSError, ValueError, KeyError):  # not a PDF formgen merged: nothing to say about it
        return []
