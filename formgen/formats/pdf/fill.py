"""Playing the respondent: fields filled by name as a PDF viewer does (demo, bench, tests)."""
from __future__ import annotations

import io

__all__ = ["fill_fields"]


def fill_fields(data: bytes, values: dict[str, str]) -> bytes:
    """Fill fields by qualified name as a PDF viewer does (demo, bench); viewers redraw them (NeedAppearances)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
