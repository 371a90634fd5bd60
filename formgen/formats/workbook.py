"""Reading a plain workbook's first sheet as rows of strings (a roster, a table someone typed)."""
from __future__ import annotations

from pathlib import Path

from formgen.core.errors import fail

__all__ = ["sheet_rows"]


def sheet_rows(path: Path) -> list[list[str]]:
    """The first sheet's rows, each cell as text ('' for an empty cell); FG120 for an unreadable workbook."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on a bad file
        raise fail("FG120", str(path), f"cannot read the workbook ({exc.__class__.__name__})",
                   "save it again as .xlsx, or export it as CSV")
    try:
        return [[str(v if v is not None else "") for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
