"""The Skema sheet's grid, cell looks and text measures, and the Sheet that lays it out row by row."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from formgen.forms.definition import ASSESSMENTS
from formgen.forms.view import FormView

__all__ = [
    "KIND", "SHEET", "ID_SHEET", "CODE_TOKEN", "INK", "GREY", "RULE", "INPUT_FILL", "NA_FILL", "CODE_LABEL",
    "DATE_PROMPT", "LABEL", "QUESTION", "SCALE", "NOW", "GOAL", "MARK_COL", "KOMP", "STED", "DATO0", "GROUP_HEAD",
    "ILLEGAL", "ESC_RE", "clean", "Grid", "make_grid", "tint", "on_colour", "styles", "lines", "height", "rich",
    "Sheet", "PAGE_W", "PAGE_H", "MARGIN_X", "MARGIN_TOP", "MARGIN_BOTTOM", "page_height", "clip",
]


KIND = "xlsx"
SHEET = "Skema"
ID_SHEET = "_formgen"
CODE_TOKEN = "FGCODETOKEN"  # stands for the form code in the master's page footer (ASCII: openpyxl escapes the rest)
INK, GREY, RULE = "1F1F1F", "595959", "808080"
INPUT_FILL = "FFF4CC"  # input cells: light yellow on screen, light grey on a black-and-white print
NA_FILL = "F2F2F2"
CODE_LABEL = "Skema-id"
DATE_PROMPT = "Skriv datoen som dd-mm-åååå."
# Item table columns (1-based); text-answer columns follow GOAL.
LABEL, QUESTION, SCALE, NOW, GOAL = 1, 2, 3, 4, 5
MARK_COL = {"now": NOW, "goal": GOAL}
# Kompetencekort columns; assessment i (0-based) uses DATO0 + 2i and DATO0 + 2i + 1.
KOMP, STED, DATO0 = 1, 2, 3
GROUP_HEAD = ("Kompetence", "Hvor er det observeret", "Dato", "Niveau")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


ESC_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # OOXML's escape of a character XML cannot carry


def clean(text: object) -> str:
    """Text without the control characters XML (and openpyxl) refuse."""
    return ILLEGAL.sub("", str(text))


@dataclass(frozen=True)
class Grid:
    """Column widths of the Skema sheet and the item table's text-answer columns."""

    widths: tuple[float, ...]
    texts: tuple[tuple[str, str], ...]  # (text key, header label)

    @property
    def last(self) -> int:
        """The last column's number."""
        return len(self.widths)

    def width(self, c1: int, c2: int) -> float:
        """Total width of columns c1..c2."""
        return sum(self.widths[c1 - 1:c2])


def make_grid(v: FormView) -> Grid:
    """Columns wide enough for the item table and/or the kompetencekort table."""
    texts: dict[str, str] = {}
    for it in v.items:
        for t in it.texts:
            texts.setdefault(t.key, t.label)
    tw = 28 if len(texts) <= 1 else 22
    items = (24, 44, 30, 8, 11) + (tw,) * len(texts) if v.sections else ()
    groups = (34, 30) + (11, 9) * ASSESSMENTS if v.groups else ()
    if not (items or groups):
        return Grid((30, 50, 16, 34), ())
    n = max(len(items), len(groups))
    pad = lambda w: tuple(w) + (0,) * (n - len(w))  # noqa: E731
    return Grid(tuple(max(a, b) for a, b in zip(pad(items), pad(groups))), tuple(texts.items()))


def _hex(colour: str) -> str:
    """#rrggbb -> RRGGBB."""
    return colour.lstrip("#").upper()


def tint(colour: str, amount: float = 0.85) -> str:
    """The colour mixed with white (amount 1 = white), for light header fills."""
    rgb = [int(_hex(colour)[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def on_colour(colour: str) -> str:
    """White or near-black text, whichever reads better on the colour."""
    r, g, b = (int(_hex(colour)[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return "FFFFFF" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.6 else INK


def styles(colour: str) -> dict[str, dict]:
    """The named cell looks of a form, in the organisation's colour."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

    accent, light = _hex(colour), tint(colour)
    thin = Side(style="thin", color=RULE)
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    rule = Border(bottom=Side(style="medium", color=RULE))

    def s(size=10.0, bold=False, italic=False, color=INK, fill="", h="left", v="top", wrap=True, border=None,
          locked=True, fmt="General", shrink=False, indent=0):
        return {"font": Font(name="Calibri", size=size, bold=bold, italic=italic, color=color),
                "fill": PatternFill("solid", fgColor=fill) if fill else PatternFill(fill_type=None),
                "alignment": Alignment(horizontal=h, vertical=v, wrap_text=wrap and not shrink, shrink_to_fit=shrink,
                                       indent=indent),
                "border": border or Border(), "protection": Protection(locked=locked), "number_format": fmt}

    inp = dict(fill=INPUT_FILL, border=box, locked=False, fmt="@")
    return {
        "org": s(13, bold=True, color=accent, h="right", v="bottom", wrap=False),
        "unit": s(9, color=GREY, h="right", v="top", wrap=False, border=rule),
        "rule": s(border=rule),
        "title": s(18, bold=True, color=on_colour(colour), fill=accent, v="center", wrap=False, indent=1),
        "band": s(11, color=on_colour(colour), fill=accent, h="right", v="center", wrap=False, indent=1),
        "meta_label": s(9.5, bold=True, fill=light, border=box, v="center", wrap=False),
        "meta_value": s(10, v="center", shrink=True, **inp),
        "code": s(10.5, bold=True, border=box, v="center", wrap=False),
        "intro": s(10),
        "instruction": s(9, italic=True, color=GREY),
        "heading": s(13, bold=True, color=accent, v="bottom", wrap=False),
        "th": s(9.5, bold=True, color=on_colour(colour), fill=accent, border=box, h="center", v="center"),
        "cell": s(10, border=box),
        "anchors": s(8.5, fill=NA_FILL, border=box),
        "score": s(14, bold=True, h="center", v="center", **{**inp, "fmt": "General"}),
        "na": s(10, color=GREY, fill=NA_FILL, border=box, h="center", v="center"),
        "input": s(10, **inp),
        "number": s(10, v="center", **{**inp, "fmt": "General"}),
        "date": s(10, h="center", v="center", **inp),
        "date_wide": s(10, v="center", **inp),
        "level": s(12, bold=True, h="center", v="center", **{**inp, "fmt": "General"}),
        "field": s(9.5, bold=True, fill=light, border=box),
        "role": s(9.5, bold=True, fill=light, border=box, v="center"),
        "group": s(11, bold=True, fill=light, border=box, v="center", wrap=False),
        "group_note": s(8.5, italic=True, color=GREY, fill=light, border=box, v="center"),
        "sign": s(10, border=box, v="center"),
    }


def lines(text: str, width: float, pt: float, bold: bool = False) -> int:
    """Estimated wrapped line count of text in a column range `width` characters wide."""
    per = max(4.0, width * 1.27 * 10 / pt * (0.92 if bold else 1.0))
    total = 0
    for para in text.split("\n"):
        n, used = 1, 0.0
        for word in para.split(" "):
            need = len(word) + (1 if used else 0)
            if used and used + need > per:
                n, used = n + 1, float(len(word))
            else:
                used += need
        total += n + int(used // per if used > per else 0)
    return total


def height(chunks: list[tuple[str, float, bool]], width: float) -> float:
    """Row height in points for text chunks (text, size, bold) stacked in one cell."""
    return sum(lines(t, width, pt, b) * pt * 1.25 for t, pt, b in chunks if t) + 5


def rich(chunks: list[tuple[str, dict]]):
    """A rich-text value from (text, font options) chunks; empty chunks are left out."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    blocks = [TextBlock(InlineFont(rFont="Calibri", **opts), clean(text)) for text, opts in chunks if text]
    return CellRichText(blocks)


class Sheet:
    """Lays out the Skema sheet row by row: names, slots, validations, and where pages break."""

    def __init__(self, ws, v: FormView, grid: Grid, look: dict[str, dict]):
        self.ws, self.v, self.g, self.look = ws, v, grid, look
        self.row = 1
        self.names: dict[str, str] = {}  # defined name -> cell
        self.slots: dict[str, str] = {}  # cell -> per-file value key
        self.title_rows: tuple[int, int] | None = None
        self.y, self.top = 0.0, 0.0  # points used on the current page; repeated title rows' height
        self.page = page_height(grid)

    def put(self, row: int, col: int, value, look: str, end: int | None = None) -> None:
        """Write a value (always as text, never a formula) and style; merge across to `end`."""
        end = end or col
        for c in range(col, end + 1):
            cell = self.ws.cell(row, c)
            for attr, val in self.look[look].items():
                setattr(cell, attr, val)
        cell = self.ws.cell(row, col)
        if isinstance(value, str):
            cell.value = clean(value)
            cell.data_type = "s"
        elif value is not None:
            cell.value = value
        if end > col:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=end)

    def line_height(self, text: str, look: str, col: int = 1, end: int | None = None) -> float:
        """Height of a full-width row of text in a look."""
        font = self.look[look]["font"]
        return height([(text, font.sz, bool(font.b))], self.g.width(col, end or self.g.last))

    def line(self, value: str, look: str, pts: float | None = None) -> int:
        """A full-width (merged) row of text; returns its row number."""
        self.put(self.row, 1, value, look, self.g.last)
        return self.next(pts or self.line_height(value, look))

    def next(self, pts: float = 15.0) -> int:
        """Finish the current row (with a height in points) and move on."""
        pts = math.ceil(pts / 0.75 - 0.01) * 0.75  # whole screen pixels, as Excel stores row heights
        self.ws.row_dimensions[self.row].height = pts
        self.y = self.y + pts if self.y + pts <= self.page else self.top + pts
        self.row += 1
        return self.row - 1

    def room(self, pts: float, header=None) -> None:
        """Keep a block of pts together: break the page before it unless it fits (then repeat header)."""
        from openpyxl.worksheet.pagebreak import Break

        if self.y + pts <= self.page or self.y <= self.top + 1 or pts > self.page - self.top:
            return
        self.ws.row_breaks.append(Break(id=self.row - 1))
        self.y = self.top
        if header:
            header(self)

    def name(self, key: str, field: str, row: int, col: int) -> None:
        """Give a cell the defined name fg.<key>.<field>."""
        from openpyxl.utils import get_column_letter

        self.names[f"fg.{key}.{field}"] = f"{get_column_letter(col)}{row}"

    def slot(self, row: int, col: int, key: str, look: str, end: int | None = None) -> None:
        """A cell whose value personalise() fills in per file."""
        from openpyxl.utils import get_column_letter

        self.put(row, col, None, look, end)
        self.slots[f"{get_column_letter(col)}{row}"] = key

    def validate(self, cells: list[str], choices: list[str] | None, title: str, prompt: str) -> None:
        """A list validation (or just an input message when choices is None) on cells."""
        from openpyxl.worksheet.datavalidation import DataValidation

        if not cells:
            return
        opts = dict(allow_blank=True, showInputMessage=True, promptTitle=clip(clean(title), 32),
                    prompt=clip(clean(prompt), 255))
        if choices:
            opts.update(type="list", formula1='"' + ",".join(choices) + '"', showErrorMessage=True,
                        errorTitle="Ugyldigt svar", errorStyle="stop",
                        error=clip(f"Vælg fra listen: {', '.join(choices)}.", 255))
        dv = DataValidation(**opts)
        for ref in cells:
            dv.add(ref)
        self.ws.add_data_validation(dv)


# A4 landscape in points, margins as set in page_setup (inches × 72).
PAGE_W, PAGE_H = 842.0, 595.0
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 0.5 * 72, 0.5 * 72, 0.7 * 72


def page_height(grid: Grid) -> float:
    """Printable page height in sheet points after Excel's fit-to-width scaling (1.5 % to spare)."""
    sheet_w = sum(int(7 * w + 0.5) for w in grid.widths) * 0.75  # Calibri 11: 7 px per width unit
    scale = min(1.0, math.floor(100 * (PAGE_W - 2 * MARGIN_X) / sheet_w) / 100)
    return (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) / scale * 0.985


def clip(text: str, limit: int) -> str:
    """Text cut to Excel's length limit with an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
