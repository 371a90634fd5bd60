"""Merging reports into one PDF for printing, a bookmark per file."""
from __future__ import annotations

import io
from pathlib import Path

__all__ = ["merge_pdfs"]


def merge_pdfs(paths: list[Path], titles: list[str], out: Path) -> Path:
    """One PDF for printing: the files in order, a top-level bookmark per file (their own bookmarks under it)."""
    from pypdf import PdfWriter

    from formgen.core.private import write_private

    if len(paths) != len(titles):
        raise ValueError("merge_pdfs needs one title per file")
    writer = PdfWriter()
    for path, title in zip(paths, titles):
        writer.append(str(path), outline_item=title)
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    writer.close()
    return write_private(Path(out), buf.getvalue())
