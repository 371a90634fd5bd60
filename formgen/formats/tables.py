"""Every xlsx and csv table formgen writes, one way: text is always text (never a live formula), numbers stay numbers.

Workbooks are written in openpyxl's write-only mode: each row goes to the file as it is appended, so a
100,000-row export takes time and memory in proportion to its rows (looking cells up in a normal
workbook, as this module once did per row, made it quadratic). In that mode a sheet's column widths
and frozen pane are set before its first row, and its charts before the workbook is saved.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Callable

__all__ = ["FORMULA_START", "workbook", "add_table", "bar_chart", "radar_chart", "to_bytes", "table_xlsx",
           "write_xlsx", "csv_safe", "write_csv", "drop_rows", "drop_csv_rows"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WIDEST = 60  # characters; longer text wraps inside its column instead of running across the sheet


def workbook(title: str = ""):
    """An empty workbook that streams its sheets (no default sheet), Danish, titled, and not by "openpyxl"."""
    from openpyxl import Workbook

    from formgen.formats.access import LANG

    wb = Workbook(write_only=True)
    wb.properties.language, wb.properties.title, wb.properties.creator = LANG, title or None, None
    return wb


def add_table(wb, title: str, header: list[str], rows: list[list], note: str = ""):
    """A sheet with a bold header row, formula-safe cells and readable column widths; returns it."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_title(title))
    widths = _widths(header, rows)
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, name, font=Font(bold=True)) for name in header])
    wrap = Alignment(wrap_text=True, vertical="top")
    wrapped = [n for n, w in enumerate(_longest(header, rows)) if w > WIDEST]
    for row in rows:
        ws.append(_row(ws, row, wrapped, wrap))
    if note:
        ws.append([])
        ws.append([_cell(ws, _clean(note), text=True, font=Font(italic=True, color="555555"))])
    return ws


def _row(ws, row: list, wrapped: list[int], wrap) -> list:
    """One row's cells: plain values where openpyxl keeps them as they are, cells where text must be forced."""
    out = [_clean(v) for v in row]
    for n, v in enumerate(out):
        if isinstance(v, str) and v.startswith("="):  # openpyxl would otherwise write it as a formula
            out[n] = _cell(ws, v, text=True)
    for n in wrapped:
        if n < len(out) and out[n] is not None:
            out[n] = _cell(ws, out[n], text=isinstance(out[n], str), alignment=wrap)
    return out


def _cell(ws, value, text: bool = False, **style):
    from openpyxl.cell import WriteOnlyCell

    if not hasattr(value, "data_type"):
        value = WriteOnlyCell(ws, value)
    if text:
        value.data_type = "s"
    for name, v in style.items():
        setattr(value, name, v)
    return value


def _longest(header: list[str], rows: list[list]) -> list[int]:
    """The longest value written in each column (0 when it has none)."""
    return [max([0] + [len(str(r[n])) for r in rows if n < len(r) and r[n] is not None]) for n in range(len(header))]


def _widths(header: list[str], rows: list[list]) -> list[int]:
    return [min(WIDEST, max(10, len(str(name)) + 4, longest + 2)) for name, longest in zip(header, _longest(header, rows))]


def bar_chart(ws, title: str, value_col: int, rows: int, anchor: str, y_title: str = "") -> None:
    """A native bar chart of one numeric column (categories in column A)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type, chart.title, chart.y_axis.title, chart.legend = "bar", title, y_title, None
    chart.add_data(Reference(ws, min_col=value_col, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    chart.height, chart.width = 7 + 0.5 * rows, 16
    ws.add_chart(chart, anchor)


def radar_chart(ws, title: str, first_col: int, last_col: int, rows: int, anchor: str) -> None:
    """A native radar (spider) chart, one series per column from first_col to last_col."""
    from openpyxl.chart import RadarChart, Reference

    chart = RadarChart()
    chart.type, chart.title = "marker", title
    chart.add_data(Reference(ws, min_col=first_col, max_col=last_col, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
    chart.height, chart.width = 11, 18
    ws.add_chart(chart, anchor)


def to_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(out, title: str, header: list[str], rows: list[list]) -> None:
    """A one-sheet workbook written to a file or file-like object."""
    wb = workbook(title)
    add_table(wb, title, header, rows)
    wb.save(out)


def table_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    """A one-sheet workbook as bytes."""
    buf = io.BytesIO()
    write_xlsx(buf, title, header, rows)
    return buf.getvalue()


def csv_safe(value):
    """A cell a spreadsheet will never run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def write_csv(out, header: list[str], rows: list[list]) -> None:
    """The header and rows, formula-safe (the caller encodes: UTF-8 with BOM opens in Excel with æøå intact)."""
    w = csv.writer(out)
    w.writerow(header)
    for row in rows:
        w.writerow([csv_safe(v) for v in row])


def drop_rows(data: bytes, hit: Callable[[object], bool]) -> bytes | None:
    """The workbook without the rows of its first sheet that have a cell hit() finds; None when none had."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    sheet = wb.active
    hits = [r[0].row for r in sheet.iter_rows() if any(hit(c.value) for c in r)]
    for row in reversed(hits):
        sheet.delete_rows(row)
    if not hits:
        return None
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def drop_csv_rows(data: bytes, hit: Callable[[object], bool]) -> bytes | None:
    """The CSV (UTF-8 with BOM) without its rows that have a value hit() finds; None when none had."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")  # as Path.read_text reads it
    rows = list(csv.reader(io.StringIO(text)))
    kept = [r for r in rows if not any(hit(v) for v in r)]
    if len(kept) == len(rows):
        return None
    buf = io.StringIO()
    csv.writer(buf).writerows(kept)
    return buf.getvalue().encode("utf-8-sig")


def _title(text: str) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:31]


def _clean(value):
    # openpyxl raises on control characters (NOTES.md).
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\n\t")
    return value
