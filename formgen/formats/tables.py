"""Multi-sheet report workbooks: text is always text (never a live formula), numbers stay numbers."""
from __future__ import annotations

import io
import re


def workbook():
    """An empty workbook (its default sheet removed)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def add_table(wb, title: str, header: list[str], rows: list[list], note: str = ""):
    """A sheet with a bold header row, formula-safe cells and readable column widths; returns it."""
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(_title(title))
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_clean(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise write '=...' as a formula
    if note:
        ws.append([])
        ws.append([_clean(note)])
        ws.cell(ws.max_row, 1).data_type = "s"
        ws.cell(ws.max_row, 1).font = Font(italic=True, color="555555")
    ws.freeze_panes = "A2"
    for n, name in enumerate(header, start=1):
        longest = max([0] + [len(str(r[n - 1])) for r in rows if n - 1 < len(r) and r[n - 1] is not None])
        letter = ws.cell(1, n).column_letter
        ws.column_dimensions[letter].width = min(60, max(10, len(str(name)) + 4, longest + 2))
        if longest > 60:  # long text wraps inside the column instead of running across the sheet
            for cell in ws[letter][1:len(rows) + 1]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return ws


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


def _title(text: str) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:31]


def _clean(value):
    # openpyxl raises on control characters (NOTES.md).
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\n\t")
    return value
