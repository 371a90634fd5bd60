"""Playing the respondent: answers typed into a workbook's named cells (demo, bench, tests)."""
from __future__ import annotations

import io

__all__ = ["fill_answers"]


def fill_answers(data: bytes, values: dict[str, str]) -> bytes:
    """Play the respondent: type answers into the named cells with openpyxl, as Excel stores them (demo)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    for name, text in values.items():
        [(sheet, ref)] = list(wb.defined_names[name].destinations)
        wb[sheet][ref.replace("$", "")].value = int(text) if text.isdigit() else text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
