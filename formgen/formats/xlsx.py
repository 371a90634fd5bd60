"""Excel (.xlsx) forms: writing them (openpyxl, once per form × role × round) and reading them back.

Sheet "Skema" holds the form: one row per indicator (label, question, anchors, Nu, Næste delmål,
text answers), form-level text sections as label | answer rows, kompetencekort rows with one
Dato/Niveau column pair per assessment. Every answer cell carries a workbook-level defined name
fg.<key>.<field>; the reader resolves those names with zipfile + lxml and falls back to finding
the indicator row by its label when the names are gone. Input cells are unlocked and shaded, the
rest is locked, and the sheet is protected without a password (layout integrity, not secrecy).
"""
from __future__ import annotations

import datetime as dt
import io
import math
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from formgen.forms.definition import ASSESSMENTS, DONT_KNOW, LATER_RE, MARK_TITLES, FormDefinition, Group, Item, TextAnswer, TextSection, later_field
from formgen.core.identity import Identity, normalise
from formgen.formats.ooxml import CUSTOM_PART, Template, custom_xml, ensure_custom_part, read_custom, read_parts, xml_text
from formgen.formats.extract import Extract, Found
from formgen.forms.view import META, FormView, Prefill

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

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


def clean(text: object) -> str:
    """Text without the control characters XML (and openpyxl) refuse."""
    return ILLEGAL.sub("", str(text))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Master:
    """A built workbook for one form × role × round, waiting for per-file values."""

    parts: dict[str, bytes]
    blank: bool
    slots: dict[str, tuple[tuple[bytes, str, str, str], ...]]  # part -> (marker, cell, style, value key)


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


def banner(sh: Sheet, org: Organisation, logo: Path) -> None:
    """Logo top left, organisation name and unit top right, a rule underneath."""
    from openpyxl.drawing.image import Image as XLImage

    first = min(3, sh.g.last)
    sh.put(1, first, org.name, "org", sh.g.last)
    sh.next(25)
    for c in range(1, sh.g.last + 1):
        sh.put(2, c, None, "rule")
    sh.put(2, first, org.unit, "unit", sh.g.last)
    sh.next(22)
    img = XLImage(str(logo))
    ratio = img.width / img.height
    img.height = 57  # px: 1.5 cm
    img.width = round(57 * ratio)
    if img.width > 208:  # wide logos: at most 5.5 cm
        img.width, img.height = 208, round(208 / ratio)
    sh.ws.add_image(img, "A1")
    sh.next(6)


def title_block(sh: Sheet, round_no: int | None) -> None:
    """The title band (repeated at the top of every printed page): title left, respondent and round right."""
    split = sh.g.last
    while split > 2 and sh.g.width(split, sh.g.last) < 32:
        split -= 1
    r = sh.row
    sh.put(r, 1, sh.v.definition.title, "title", split - 1)
    sh.put(r, split, f"{sh.v.role_title} · Runde {round_no or '____'}", "band", sh.g.last)
    sh.title_rows = (r, r)
    sh.next(28)
    sh.top = 28
    sh.next(6)


def meta_block(sh: Sheet) -> None:
    """Who, where and when: four rows of label | value | label | value (values are per-file slots)."""
    labels = dict(META)
    c2 = 3
    while c2 < sh.g.last - 1 and sh.g.width(3, c2) < 14:
        c2 += 1
    pairs = [("citizen", "company"), ("mentor", "consultant"), ("round", "date"), ("filled_by", None)]
    for left, right in pairs:
        r = sh.row
        sh.put(r, 1, labels[left], "meta_label")
        sh.slot(r, 2, f"meta:{left}", "meta_value")
        sh.name("meta", left, r, 2)
        sh.put(r, 3, labels[right] if right else CODE_LABEL, "meta_label", c2)
        sh.slot(r, c2 + 1, f"meta:{right}" if right else "prop:fg_code", "meta_value" if right else "code", sh.g.last)
        if right:
            sh.name("meta", right, r, c2 + 1)
        sh.next(18)
    sh.next(6)


def intro(sh: Sheet) -> None:
    """The form's intro and how to fill it in."""
    v = sh.v
    if v.definition.intro:
        sh.line(v.definition.intro, "intro")
    sh.line(instruction(v), "instruction")
    sh.next(4)


def instruction(v: FormView) -> str:
    """How to answer in Excel and on paper."""
    scale = v.definition.scale
    dk = " eller »Ved ikke«, hvis spørgsmålet ikke passer" if scale.dont_know else ""
    if v.items:
        return ("Sådan udfylder du skemaet: Skriv i de gule felter. I »Nu« og »Næste delmål« vælger du "
                f"et tal fra 1 til {scale.steps} på listen i feltet{dk}. På papir skriver du tallet i feltet.")
    if v.groups:
        return ("Sådan udfylder du kortet: Skriv i de gule felter. Vælg niveauet fra 1 til "
                f"{scale.steps} på listen, og skriv datoen som dd-mm-åååå. Brug næste par Dato/Niveau ved hver "
                "ny vurdering, så udviklingen bliver synlig.")
    return "Sådan udfylder du skemaet: Skriv dine svar i de gule felter."


ITEM_HEADER_PTS = 28.0


def item_header(sh: Sheet) -> None:
    """Column titles of the indicator table."""
    r = sh.row
    steps = sh.v.definition.scale.steps
    dk = f" eller »{DONT_KNOW}«" if sh.v.definition.scale.dont_know else ""
    titles = ["Område", "Spørgsmål", f"Skala (1–{steps}{dk})", MARK_TITLES["now"], MARK_TITLES["goal"]]
    for c, text in enumerate(titles + [label for _, label in sh.g.texts], start=1):
        sh.put(r, c, text, "th")
    for c in range(len(titles) + len(sh.g.texts) + 1, sh.g.last + 1):
        sh.put(r, c, None, "th")
    sh.next(ITEM_HEADER_PTS)


def anchor_lines(v: FormView, item: Item | None) -> str:
    """The anchor texts as the sheet shows them (for estimating the row height)."""
    return "\n".join(f"{b.steps.replace('-', '–')}  {b.text}" for b in v.bands(item))


def anchors(v: FormView, item: Item | None) -> str:
    """The scale's anchor texts, one band per line (plain text, for input messages)."""
    out = [f"{b.steps.replace('-', '–')}:  {b.text}" for b in v.bands(item)]
    if v.definition.scale.dont_know:
        out.append(f"{DONT_KNOW} / ikke relevant")
    return "\n".join(out)


def anchors_rich(v: FormView, item: Item | None):
    """The anchor texts for the sheet: step numbers in bold."""
    chunks = []
    for n, b in enumerate(v.bands(item)):
        step = ("\n" if n else "") + b.steps.replace("-", "–") + "  "
        chunks += [(step, dict(b=True, sz=8.5)), (b.text, dict(sz=8.5))]
    return rich(chunks)


def paragraphs(chunks: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Rich-text chunks as stacked paragraphs: the non-empty ones, each after a line break."""
    kept = [(t, o) for t, o in chunks if t]
    return [(("\n" if i else "") + t, o) for i, (t, o) in enumerate(kept)]


def chunks_height(chunks: list[tuple[str, dict]], width: float) -> float:
    """Row height in points for stacked rich-text chunks."""
    return height([(t.lstrip("\n"), o["sz"], bool(o.get("b"))) for t, o in chunks], width)


def item_cells(v: FormView, it: Item) -> tuple[list, list]:
    """Rich-text chunks of an indicator's label cell (label, description) and question cell."""
    label = [(it.label, dict(b=True, sz=10.5)), (it.description, dict(sz=8.5, color=GREY))]
    question = [(it.wording(v.role), dict(b=True, sz=10)),
                ("\n".join(f"– {h}" for h in it.help), dict(sz=8.5, i=True, color=GREY)),
                (f"Hvorfor spørger vi? {it.evidence}" if it.evidence else "", dict(sz=8, color=GREY))]
    return paragraphs(label), paragraphs(question)


def item_height(sh: Sheet, it: Item) -> float:
    """Points an indicator row needs: the tallest of its label, question and scale cells."""
    (label, question), w = item_cells(sh.v, it), sh.g.widths
    return max(chunks_height(label, w[LABEL - 1]), chunks_height(question, w[QUESTION - 1]),
               height([(anchor_lines(sh.v, it), 8.5, False)], w[SCALE - 1]), 40)


def item_row(sh: Sheet, it: Item) -> None:
    """One indicator: label, question, anchors, Nu, Næste delmål, text answers."""
    from openpyxl.utils import get_column_letter

    r, g, v = sh.row, sh.g, sh.v
    label, question = item_cells(v, it)
    sh.put(r, LABEL, rich(label), "cell")
    sh.put(r, QUESTION, rich(question), "cell")
    sh.put(r, SCALE, anchors_rich(v, it), "anchors")
    score_cells = []
    for mark, col in MARK_COL.items():
        if mark in it.marks:
            sh.put(r, col, None, "score")
            sh.name(it.key, mark, r, col)
            score_cells.append(f"{get_column_letter(col)}{r}")
        else:
            sh.put(r, col, "–", "na")
    texts = {t.key: t for t in it.texts}
    for i, (key, _) in enumerate(g.texts):
        col = GOAL + 1 + i
        if key in texts:
            sh.put(r, col, None, "input")
            sh.name(it.key, key, r, col)
        else:
            sh.put(r, col, "–", "na")
    sh.validate(score_cells, v.choices, it.label, anchors(v, it))
    sh.next(item_height(sh, it))


def sections(sh: Sheet) -> None:
    """Every section: heading, intro, the indicator table (its header repeated after a page break)."""
    for sec in sh.v.sections:
        lead = 24 + (sh.line_height(sec.intro, "intro") if sec.intro else 0) + ITEM_HEADER_PTS
        sh.room(lead + item_height(sh, sec.items[0]))
        sh.line(sec.title, "heading", 24)
        if sec.intro:
            sh.line(sec.intro, "intro")
        item_header(sh)
        for n, it in enumerate(sec.items):
            if n:
                sh.room(item_height(sh, it), header=item_header)
            item_row(sh, it)
        sh.next(10)


def text_sections(sh: Sheet) -> None:
    """Form-level text answers (e.g. the arbejdsaftale): label | answer rows, short sections kept on one page."""
    for sec in sh.v.texts:
        lead = 24 + (sh.line_height(sec.intro, "intro") if sec.intro else 0)
        rows = [text_height(sh, f) for f in sec.fields]
        sh.room(lead + (sum(rows) if sum(rows) < 0.4 * sh.page else rows[0]))  # long sections may flow on
        sh.line(sec.title, "heading", 24)
        if sec.intro:
            sh.line(sec.intro, "intro")
        for f in sec.fields:
            text_row(sh, sec, f)
        sh.next(10)


def text_label(f: TextAnswer) -> list[tuple[str, dict]]:
    """Rich-text chunks of a text answer's label cell (label, help)."""
    return paragraphs([(f.label, dict(b=True, sz=9.5)), (f.help, dict(sz=8.5, i=True, color=GREY))])


def text_height(sh: Sheet, f: TextAnswer) -> float:
    """Points a text answer row needs: its label, or room for its lines of writing."""
    return max(chunks_height(text_label(f), sh.g.widths[0]), f.lines * 15 + 6, 21)


def text_row(sh: Sheet, sec: TextSection, f: TextAnswer) -> None:
    """One text answer: its label, then a merged input cell as tall as its lines."""
    from openpyxl.utils import get_column_letter

    r, g = sh.row, sh.g
    label = text_label(f)
    sh.put(r, 1, rich(label), "field" if f.lines > 1 or f.help else "role")
    sh.put(r, 2, None, {"date": "date_wide", "number": "number"}.get(f.type, "input"), g.last)
    sh.name(sec.key, f.key, r, 2)
    prompt = {"date": DATE_PROMPT, "number": "Skriv et tal."}.get(f.type, "")
    if prompt or f.help:
        sh.validate([f"{get_column_letter(2)}{r}"], None, f.label, " ".join(x for x in (f.help, prompt) if x))
    sh.next(text_height(sh, f))


GROUP_ROW_PTS = 24.0
GROUP_HEADER_PTS = 44.0


def groups(sh: Sheet) -> None:
    """Kompetencekort: the level legend, a two-row header, then each group's rows."""
    v = sh.v
    if not v.groups:
        return
    plain = "Niveauer: " + "   ".join(f"{b.steps} {b.text}" for b in v.bands())
    sh.put(sh.row, 1, legend(v), "anchors", sh.g.last)
    sh.next(sh.line_height(plain, "anchors"))
    sh.next(8)
    for n, g in enumerate(v.groups):
        if n:
            sh.room(group_height(sh, g), header=group_header)
        else:
            sh.room(GROUP_HEADER_PTS + group_height(sh, g))
            group_header(sh)
        group_rows(sh, g)


def legend(v: FormView):
    """The kompetencekort's levels on one or two lines: 'Niveauer: 1 … 2 …'."""
    chunks = [("Niveauer:  ", dict(b=True, sz=9))]
    for n, b in enumerate(v.bands()):
        step = ("     " if n else "") + b.steps.replace("-", "–") + " "
        chunks += [(step, dict(b=True, sz=8.5)), (b.text, dict(sz=8.5))]
    return rich(chunks)


def group_header(sh: Sheet) -> None:
    """Kompetence | Hvor er det observeret | n. vurdering (Dato, Niveau) × ASSESSMENTS."""
    r, steps = sh.row, sh.v.definition.scale.steps
    for col, text in ((KOMP, GROUP_HEAD[0]), (STED, GROUP_HEAD[1])):
        sh.put(r, col, text, "th")
        sh.put(r + 1, col, None, "th")
        sh.ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
    for i in range(ASSESSMENTS):
        c = DATO0 + 2 * i
        sh.put(r, c, f"{i + 1}. vurdering", "th", c + 1)
        sh.put(r + 1, c, GROUP_HEAD[2], "th")
        sh.put(r + 1, c + 1, f"{GROUP_HEAD[3]}\n(1–{steps})", "th")
    for c in range(DATO0 + 2 * ASSESSMENTS, sh.g.last + 1):
        sh.put(r, c, None, "th"), sh.put(r + 1, c, None, "th")
    sh.next(16), sh.next(GROUP_HEADER_PTS - 16)


def group_description(g: Group) -> str:
    """A group's description followed by its examples."""
    return (g.description + (f" Eksempler: {', '.join(g.examples)}." if g.examples else "")).strip()


def group_title_height(sh: Sheet, g: Group) -> float:
    """Points the group's title row needs: its title, its description beside it."""
    return max(22.0, sh.line_height(group_description(g), "group_note", 2) + 2)


def group_height(sh: Sheet, g: Group) -> float:
    """Points a group needs: the title row and its rows."""
    return group_title_height(sh, g) + g.rows * GROUP_ROW_PTS + 6


def group_rows(sh: Sheet, g: Group) -> None:
    """A group's title with its description and examples beside it, then its free rows <group>_<n>."""
    from openpyxl.utils import get_column_letter

    sh.put(sh.row, 1, g.title, "group")
    sh.put(sh.row, 2, group_description(g), "group_note", sh.g.last)
    sh.next(group_title_height(sh, g))
    levels, dates = [], []
    for n in range(1, g.rows + 1):
        r, key = sh.row, f"{g.key}_{n}"
        sh.put(r, KOMP, None, "input"), sh.name(key, "kompetence", r, KOMP)
        sh.put(r, STED, None, "input"), sh.name(key, "sted", r, STED)
        for i in range(ASSESSMENTS):
            c = DATO0 + 2 * i
            sh.put(r, c, None, "date"), sh.name(key, later_field("dato", i + 1), r, c)
            sh.put(r, c + 1, None, "level"), sh.name(key, later_field("now", i + 1), r, c + 1)
            levels.append(f"{get_column_letter(c + 1)}{r}")
            dates.append(f"{get_column_letter(c)}{r}")
        sh.next(GROUP_ROW_PTS)
    sh.validate(levels, sh.v.choices, "Niveau", anchors(sh.v, None))
    sh.validate(dates, None, "Dato", DATE_PROMPT)
    sh.next(6)


def signatures(sh: Sheet) -> None:
    """Date and signature boxes for every respondent of the form."""
    from formgen.forms.definition import ROLE_TITLES

    d = sh.v.definition
    if not d.signatures:
        return
    sh.room(24 + 18 + 30 * len(d.respondents))
    sh.line("Underskrifter", "heading", 24)
    r = sh.row
    sh.put(r, 1, "", "th"), sh.put(r, 2, "Dato", "th"), sh.put(r, 3, "Underskrift", "th", sh.g.last)
    sh.next(18)
    for role in d.respondents:
        r = sh.row
        sh.put(r, 1, ROLE_TITLES[role], "role"), sh.put(r, 2, None, "sign"), sh.put(r, 3, None, "sign", sh.g.last)
        sh.next(30)


def page_setup(sh: Sheet, org: Organisation) -> None:
    """A4 landscape, fit to width, repeating title band, form id and page numbers in the footer."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    ws, d = sh.ws, sh.v.definition
    for c, w in enumerate(sh.g.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = MARGIN_X / 72
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP / 72, MARGIN_BOTTOM / 72
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(sh.g.last)}{sh.row - 1}"
    if sh.title_rows:
        ws.print_title_rows = f"{sh.title_rows[0]}:{sh.title_rows[1]}"
    amp = lambda s: s.replace("&", "&&")  # noqa: E731  (& starts a header/footer code)
    contact = f" · {amp(org.contact)}" if org.contact else ""
    form = f"{amp(clip(d.title, 60))} · {d.id} v{amp(clip(d.version, 20))}"
    ws.oddFooter.left.text = clean(f"{form} · {CODE_LABEL} {CODE_TOKEN}{clip(contact, 80)}")
    ws.oddFooter.left.size = ws.oddFooter.right.size = 8
    ws.oddFooter.right.text = "Side &P af &N"
    ws.sheet_view.showGridLines = False


def protect(ws) -> None:
    """Protect the sheet without a password: inputs stay editable, rows may be made taller."""
    p = ws.protection
    p.sheet = True
    p.formatRows = False  # False = allowed: a long answer may need a taller row
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def identity_sheet(wb) -> dict[str, str]:
    """The hidden _formgen sheet: one key/value row per identity property (values per file)."""
    from formgen.core.identity import PROPS

    ws = wb.create_sheet(ID_SHEET)
    slots = {}
    for r, key in enumerate(PROPS, start=1):
        ws.cell(r, 1).value = key
        ws.cell(r, 2).number_format = "@"  # a styled cell is written even while empty
        slots[f"B{r}"] = f"prop:{key}"
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 40
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    return slots


def build_master(v: FormView, org: Organisation, logo: Path, template: Path | None,
                 round_no: int | None, date_str: str, blank: bool) -> Master:
    """Build the workbook once for a form × role × round (per-file values are slots)."""
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.protection import WorkbookProtection

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    sh = Sheet(ws, v, make_grid(v), styles(org.colour))
    banner(sh, org, logo)
    title_block(sh, round_no)
    meta_block(sh)
    intro(sh)
    sections(sh)
    groups(sh)
    text_sections(sh)
    signatures(sh)
    page_setup(sh, org)
    protect(ws)
    id_slots = identity_sheet(wb)
    for name, ref in sh.names.items():
        col, row = re.match(r"([A-Z]+)(\d+)", ref).groups()
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{SHEET}'!${col}${row}")
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "formgen"
    wb.properties.title = clean(v.definition.title)
    buf = io.BytesIO()
    wb.save(buf)
    parts = read_parts(buf.getvalue())
    ensure_custom_part(parts)
    slots = {"xl/worksheets/sheet1.xml": _mark(parts, "xl/worksheets/sheet1.xml", sh.slots),
             "xl/worksheets/sheet2.xml": _mark(parts, "xl/worksheets/sheet2.xml", id_slots)}
    master = Master(parts, blank, slots)
    _package(master)  # compress once, before any copy (and before workers fork)
    return master


def _mark(parts: dict[str, bytes], part: str, slots: dict[str, str]) -> tuple[tuple[bytes, str, str, str], ...]:
    """Replace each slot cell in a sheet part with a marker; remember its address and style."""
    xml = parts[part].decode("utf-8")
    out = []
    for ref, key in slots.items():
        m = re.search(rf'<c r="{ref}"(?=[ />])[^>]*?(?:/>|>.*?</c>)', xml, flags=re.S)
        if m is None:
            raise RuntimeError(f"slot cell {ref} not found in {part}")
        style = re.search(r' s="(\d+)"', m.group(0).split(">", 1)[0])
        marker = f"<!--FGSLOT:{ref}-->"
        xml = xml[:m.start()] + marker + xml[m.end():]
        out.append((marker.encode(), ref, style.group(1) if style else "", key))
    parts[part] = xml.encode("utf-8")
    return tuple(out)


def cell_xml(ref: str, style: str, value: str) -> bytes:
    """A cell holding value as an inline string (text, never a formula); empty value, empty cell."""
    s = f' s="{style}"' if style else ""
    value = ESC_RE.sub(r"_x005F_x\1_", clean(value))  # a literal _xHHHH_ must not read as an escape
    if not value:
        return f'<c r="{ref}"{s}/>'.encode()
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{xml_text(value)}</t></is></c>'.encode("utf-8")


def personalise(master: Master, identity: Identity, pre: Prefill) -> bytes:
    """One finished file: the master with this file's code, metadata and identity properties.

    The master is compressed once (ooxml.Template); per file only the slot cells, the code and
    docProps/custom.xml are spliced in.
    """
    props = identity.props()
    values = {f"meta:{k}": pre.get(k) for k, _ in META} | {f"prop:{k}": v for k, v in props.items()}
    token, code = CODE_TOKEN.encode(), xml_text(identity.code).encode()
    scoped = {}
    for part, slots in master.slots.items():  # markers are per sheet (both sheets have a B1)
        scoped[part] = {token: code} | {marker: cell_xml(ref, style, values.get(key, "")).replace(token, code)
                                        for marker, ref, style, key in slots}
    return _package(master).render({token: code}, {CUSTOM_PART: custom_xml(props)}, scoped)


def _package(master: Master) -> Template:
    """The master's parts compressed once (kept on the master): slots and the code are spliced per file."""
    tpl = master.__dict__.get("_template")
    if tpl is None:
        token = CODE_TOKEN.encode()
        tokens = {part: tuple(s[0] for s in slots) + (token,) for part, slots in master.slots.items()}
        tpl = Template(master.parts, lambda name: tokens.get(name, ()), (CUSTOM_PART,))
        object.__setattr__(master, "_template", tpl)
    return tpl


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
REF_RE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?[A-Za-z]{1,3}\$?\d+)?$")
CELL_RE = re.compile(r"^([A-Za-z]{1,3})(\d+)$")
ESC_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
DATE_IDS = {14, 15, 16, 17, 22, 27, 30, 36, 45, 46, 47, 50, 57}


def parse_xml(data: bytes):
    """Parse one part safely: no entities, no network, no DTD at all."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             collect_ids=False)  # no xml:id table: nothing is looked up by id
    root = etree.fromstring(data, parser)
    if root.getroottree().docinfo.doctype:
        raise ValueError("a part of the workbook declares a DTD, which a workbook never does")
    return root


_ROW, _C = f"{NS}row", f"{NS}c"


class _Columns(dict):
    """Cell reference -> column number (0: not a reference); bounded."""

    def __setitem__(self, key, value):
        if len(self) > 50_000:
            self.clear()
        super().__setitem__(key, value)


_COLUMNS = _Columns()
_MEMO: dict = {}  # (what, part bytes) -> what the part says; bounded


def _memo(what: str, raw, compute):
    """compute(raw), once per distinct content of a part (results are shared: never mutate them)."""
    key = (what, raw)
    try:
        return _MEMO[key]
    except KeyError:
        pass
    value = compute(raw)
    if len(_MEMO) >= 64:
        _MEMO.clear()
    _MEMO[key] = value
    return value


def col_number(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def unescape(text: str) -> str:
    """Undo OOXML's _xHHHH_ escapes of characters XML cannot carry."""
    return ESC_RE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def string_item(el) -> str:
    """The text of a shared/inline string (plain or rich runs; phonetic hints left out)."""
    t = el.find(f"{NS}t")
    runs = [t] if t is not None else el.findall(f"{NS}r/{NS}t")
    return unescape("".join(x.text or "" for x in runs))


def number_text(raw: str) -> str:
    """A stored number as a person typed it: '4', not '4.0'."""
    try:
        f = float(raw)
    except ValueError:
        return raw
    if math.isfinite(f) and f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return format(f, ".15g")


def is_date_format(code: str) -> bool:
    """True for a number format that shows a date (d, m, y outside quotes and [colours])."""
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return "general" not in bare and bool(re.search(r"[dy]", bare)) and "m" in bare


class Book:
    """A workbook's sheets, cells and defined names, read with zipfile parts and lxml."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts
        # Returns of one round share these parts byte for byte: what they say is worked out once.
        sheets, names, self.epoch = _memo("workbook", (parts["xl/workbook.xml"], parts.get("xl/_rels/workbook.xml.rels")),
                                          self._workbook)
        self.sheets: dict[str, tuple[str, bool]] = dict(sheets)
        self.names = dict(names)
        self.strings = _memo("strings", parts.get("xl/sharedStrings.xml"), lambda _: self._shared_strings())
        self.date_styles = _memo("styles", parts.get("xl/styles.xml"), lambda _: frozenset(self._date_styles()))
        self._cells: dict[str, dict[tuple[int, int], str]] = {}
        self._indexed: dict[str, dict] = {}  # sheet -> {(row, column): its <c> element}
        self.footers: dict[str, str] = {}

    def _workbook(self, _key) -> tuple[dict, dict, dt.datetime]:
        """Sheets (name -> (part, visible)), defined names and the date epoch, from workbook.xml."""
        wb = parse_xml(self.parts["xl/workbook.xml"])
        rels = self._rels("xl/_rels/workbook.xml.rels", "xl")
        sheets: dict[str, tuple[str, bool]] = {}
        for s in wb.iter(f"{NS}sheet"):
            sheets[s.get("name", "")] = (rels.get(s.get(REL_ID), ""), s.get("state", "visible") == "visible")
        names = {dn.get("name", ""): (dn.text or "").strip() for dn in wb.iter(f"{NS}definedName")}
        pr = wb.find(f"{NS}workbookPr")
        epoch = dt.datetime(1904, 1, 1) if pr is not None and pr.get("date1904") in ("1", "true") \
            else dt.datetime(1899, 12, 30)
        return sheets, names, epoch

    def _rels(self, part: str, base: str) -> dict[str, str]:
        """Relationship id -> part path for a .rels part."""
        if part not in self.parts:
            return {}
        out = {}
        for rel in parse_xml(self.parts[part]).iter(PKG_REL):
            target = rel.get("Target", "")
            absolute = target.startswith("/")
            out[rel.get("Id")] = target.lstrip("/") if absolute else posixpath.normpath(f"{base}/{target}")
        return out

    def _shared_strings(self) -> list[str]:
        """The shared string table (empty when the workbook has none)."""
        raw = self.parts.get("xl/sharedStrings.xml")
        return [string_item(si) for si in parse_xml(raw).iter(f"{NS}si")] if raw else []

    def _date_styles(self) -> set[int]:
        """Indices of the cell styles whose number format shows a date."""
        raw = self.parts.get("xl/styles.xml")
        if not raw:
            return set()
        root = parse_xml(raw)
        codes = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in root.iter(f"{NS}numFmt")}
        xfs = root.find(f"{NS}cellXfs")
        out = set()
        for i, xf in enumerate(xfs if xfs is not None else []):
            fid = int(xf.get("numFmtId", "0"))
            if fid in DATE_IDS or (fid in codes and is_date_format(codes[fid])):
                out.add(i)
        return out

    def cells(self, sheet: str) -> dict[tuple[int, int], str]:
        """Non-empty cell texts of a sheet by (row, column)."""
        if sheet not in self._cells:
            self._cells[sheet] = {at: text for at, cell in self._index(sheet).items() if (text := self.value(cell))}
        return self._cells[sheet]

    def cell(self, sheet: str, row: int, col: int) -> str:
        """One cell's text ('' when empty), without working out the texts of all the others."""
        if sheet in self._cells:
            return self._cells[sheet].get((row, col), "")
        cell = self._index(sheet).get((row, col))
        return "" if cell is None else self.value(cell)

    def _index(self, sheet: str) -> dict:
        """Parse one sheet: its cells that hold something by (row, column); remember its header/footer text."""
        if sheet in self._indexed:
            return self._indexed[sheet]
        path = self.sheets.get(sheet, ("", False))[0]
        out: dict = {}
        self._indexed[sheet] = out
        if path not in self.parts:
            return out
        root = parse_xml(self.parts[path])
        r = 0
        columns = _COLUMNS
        for row in root.iter(_ROW):
            r, c = int(row.get("r") or r + 1), 0
            for cell in row.iterchildren(_C):
                ref = cell.get("r", "")
                col = columns.get(ref)
                if col is None:
                    m = CELL_RE.match(ref)
                    col = columns[ref] = col_number(m.group(1)) if m else 0
                c = col or c + 1
                if len(cell):  # a cell without children holds no value
                    out[(r, c)] = cell
        hf = root.find(f"{NS}headerFooter")
        self.footers[sheet] = " ".join(x.text or "" for x in hf) if hf is not None else ""
        return out

    def value(self, cell) -> str:
        """A cell's text: strings resolved, numbers as typed, dates as dd-mm-åååå."""
        t = cell.get("t", "n")
        if t == "inlineStr":
            el = cell.find(f"{NS}is")
            return string_item(el) if el is not None else ""
        v = cell.find(f"{NS}v")
        raw = v.text if v is not None and v.text is not None else ""
        if not raw:
            return ""
        if t == "s":
            i = int(raw) if raw.isdigit() else -1
            return self.strings[i] if 0 <= i < len(self.strings) else ""
        if t == "b":
            return "TRUE" if raw == "1" else "FALSE"
        if t in ("str", "e", "d"):
            return unescape(raw)
        style = cell.get("s", "0")
        if style.isdigit() and int(style) in self.date_styles:
            return self.date_text(raw)
        return number_text(raw)

    def date_text(self, raw: str) -> str:
        """An Excel serial date as dd-mm-åååå."""
        try:
            return (self.epoch + dt.timedelta(days=float(raw))).strftime("%d-%m-%Y")
        except (ValueError, OverflowError):
            return raw

    def resolve(self, name: str) -> tuple[str, int, int] | None:
        """(sheet, row, column) a defined name points at, or None."""
        m = REF_RE.match(self.names.get(name, ""))
        if not m:
            return None
        sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
        return (sheet, int(m.group(4)), col_number(m.group(3))) if sheet in self.sheets else None

    def named(self, name: str) -> str | None:
        """The text of the cell a defined name points at ('' when empty), None when unresolvable."""
        where = self.resolve(name)
        return None if where is None else self.cell(*where)

    def visible_code(self) -> str | None:
        """A form code in the visible cells (then the page footers) of visible sheets."""
        visible = [name for name, (_, shown) in self.sheets.items() if shown]
        for name in visible:
            for _, text in sorted(self.cells(name).items()):
                if code := normalise(text):
                    return code
        for name in visible:
            if code := normalise(self.footers.get(name, "")):
                return code
        return None

    def hidden_identity(self) -> dict[str, str]:
        """Key/value rows of the hidden _formgen sheet (identity when custom properties are gone)."""
        from formgen.core.identity import PROPS

        cells = self.cells(ID_SHEET) if ID_SHEET in self.sheets else {}
        return {cells[(r, 1)]: cells.get((r, 2), "") for (r, c) in cells if c == 1 and cells[(r, 1)] in PROPS}


def read(parts: dict[str, bytes], definition: FormDefinition | None = None, role: str | None = None,
         identity=None) -> Extract:
    """Everything a returned workbook says: identity, visible code, answers by defined name (else by row).

    Without a definition every fg.<key>.<field> name found is returned; with one, exactly the
    fields of the definition for `role` (default: the file's fg_role), and fields whose names are
    gone are looked up in the layout (how="row").
    """
    book = _book(parts)
    props, code = identity or book_identity(book)
    meta = {key: val for key, _ in META if (val := named_answer(book, "meta", key)) is not None}
    if len(meta) < len(META):
        meta = {**meta_by_label(book), **meta}
    if definition is None:
        answers = answers_by_name(book)
    else:
        answers = answers_for(book, definition, role or props.get("fg_role"))
    return Extract(props=props, visible_code=code, answers=tuple(answers), meta=meta)


def identify(parts: dict[str, bytes]) -> tuple[dict[str, str], str | None]:
    """The file's identity properties and a form code found in its visible cells (as docx.identify)."""
    return book_identity(_book(parts))


_BOOK: list = [None, (), None]  # [parts, their (name, bytes) items, Book]: identify() and read() share one


def _book(parts: dict[str, bytes]) -> Book:
    """The workbook of these exact parts, parsed once for identify() and read() of the same file."""
    cached, items, book = _BOOK
    if cached is not parts or (isinstance(parts, dict) and (  # a dict can change between calls; Parts cannot
            len(parts) != len(items) or any(parts.get(k) is not v for k, v in items))):
        book = Book(parts)
        _BOOK[:] = [parts, tuple(parts.items()) if isinstance(parts, dict) else (), book]
    return book


def properties(parts: dict[str, bytes]) -> dict[str, str]:
    """The identity properties alone: custom properties, the hidden _formgen rows filling in for lost ones."""
    book = _book(parts)
    return {**book.hidden_identity(), **read_custom(book.parts)}


def book_identity(book: Book) -> tuple[dict[str, str], str | None]:
    """Custom properties (the hidden _formgen rows fill in for lost ones) and the visible code."""
    return properties(book.parts), book.visible_code()


def answers_by_name(book: Book) -> list[Found]:
    """Every fg.<key>.<field> answer name (not meta)."""
    out = []
    for name in book.names:
        bits = name.split(".")
        if len(bits) != 3 or bits[0] != "fg" or bits[1] == "meta":
            continue
        raw = book.named(name)
        if raw is not None:
            out.append(Found(bits[1], bits[2], raw, "name"))
    return out


def named_answer(book: Book, key: str, field: str) -> str | None:
    """The cell named fg.<key>.<field>, or fg_<key>_<field> as LibreOffice 7.4's .xls export renames it."""
    raw = book.named(f"fg.{key}.{field}")
    return book.named(f"fg_{key}_{field}") if raw is None else raw


def answers_for(book: Book, d: FormDefinition, role: str | None) -> list[Found]:
    """The definition's fields for this role: by defined name, else by the layout."""
    layout: Layout | None = None  # built only when a name is missing
    out = []
    role = role if role in d.respondents else None
    for f, later in [(f, False) for f in d.fields(role)] + [(f, True) for f in d.later_fields(role)]:
        how, raw = "name", named_answer(book, f.key, f.field)
        if raw is None:
            layout = layout or Layout(book)
            how, raw = "row", layout.find(d, f.key, f.field)
        # A later kompetencekort assessment is optional: only one written in is an answer.
        if raw is not None and (raw.strip() or not later):
            out.append(Found(f.key, f.field, raw, how))
    return out


def norm(text: str) -> str:
    """First line of a cell, case and spacing folded, for matching labels."""
    return " ".join(text.split("\n", 1)[0].split()).casefold().rstrip(":")


class Layout:
    """The fallback: answers found by the labels and column titles of the Skema sheet."""

    def __init__(self, book: Book):
        sheet = SHEET if SHEET in book.sheets else next((n for n, (_, shown) in book.sheets.items() if shown), "")
        self.cells = book.cells(sheet) if sheet else {}
        self.rows: dict[str, list[int]] = {}  # label in column A -> its rows
        self.titles: dict[int, dict[str, int]] = {}  # row -> {cell text: column}
        for (r, c), text in sorted(self.cells.items()):
            self.titles.setdefault(r, {}).setdefault(norm(text), c)
            if c == 1:
                self.rows.setdefault(norm(text), []).append(r)

    def at(self, r: int, c: int) -> str:
        """The text of a cell ('' when empty)."""
        return self.cells.get((r, c), "")

    def header_row(self, below: int, first: str) -> int | None:
        """The nearest table header above row `below` whose titles include `first`."""
        want = norm(first)
        return next((r for r in range(below - 1, 0, -1) if want in self.titles.get(r, {})), None)

    def header(self, below: int, first: str) -> dict[str, int]:
        """Column titles of that header: the first column of each title."""
        r = self.header_row(below, first)
        return dict(self.titles[r]) if r else {}

    def first_row(self, label: str, after: int = 0) -> int | None:
        """The first row after `after` whose column A starts with label."""
        return next((r for r in self.rows.get(norm(label), []) if r > after), None)

    def find(self, d: FormDefinition, key: str, field: str) -> str | None:
        """The text in the cell where the layout puts key/field, or None when it cannot be found."""
        item = next((i for i in d.items if i.key == key), None)
        if item is not None:
            return self.item(item, field)
        sec = next((s for s in d.texts if s.key == key), None)
        if sec is not None:
            return self.text(sec, field)
        group, _, n = key.rpartition("_")
        g = next((g for g in d.groups if g.key == group), None)
        return self.group(g, int(n), field) if g is not None and n.isdigit() else None

    def item(self, item: Item, field: str) -> str | None:
        """An indicator's answer: its label's row, the column titled Nu / Næste delmål / the text label."""
        r = self.first_row(item.label)
        if r is None:
            return None
        head = self.header(r, MARK_TITLES["now"])
        title = MARK_TITLES.get(field) or next((t.label for t in item.texts if t.key == field), "")
        col = head.get(norm(title))
        return None if col is None else self.at(r, col)

    def text(self, sec: TextSection, field: str) -> str | None:
        """A text section's answer: the field label's row after the section title, first cell right of it."""
        top = self.first_row(sec.title)
        f = next((f for f in sec.fields if f.key == field), None)
        r = self.first_row(f.label, top) if top is not None and f is not None else None
        if r is None:
            return None
        return next((self.cells[(r, c)] for c in range(2, 100) if (r, c) in self.cells), "")

    def group(self, g: Group, n: int, field: str) -> str | None:
        """A kompetencekort row's answer: n rows below the group title, in the column titled for the field."""
        top = self.first_row(g.title)
        if top is None or n > g.rows:
            return None
        base, k = (m[1], int(m[2])) if (m := LATER_RE.match(field)) else (field, 1)
        want = norm({"kompetence": GROUP_HEAD[0], "sted": GROUP_HEAD[1], "dato": GROUP_HEAD[2], "now": GROUP_HEAD[3]}[base])
        # Dato and Niveau repeat once per assessment: the k-th column with the title is assessment k.
        rows = {self.header_row(top, GROUP_HEAD[0]), self.header_row(top, GROUP_HEAD[2])}
        cols = sorted(c for (r, c), text in self.cells.items() if r in rows and norm(text).startswith(want))
        return self.at(top + n, cols[k - 1]) if len(cols) >= k else None


def meta_by_label(book: Book) -> dict[str, str]:
    """Metadata found by its Danish label in the rows down to the Skema-id row."""
    layout = Layout(book)
    code_row = next((r for (r, c), t in layout.cells.items() if norm(t) == norm(CODE_LABEL)), None)
    if code_row is None:
        return {}
    labels = {norm(label): key for key, label in META}
    stops = set(labels) | {norm(CODE_LABEL)}
    out: dict[str, str] = {}
    for (r, c), text in sorted(layout.cells.items()):
        if r > code_row or norm(text) not in labels:
            continue
        value = ""
        for (rr, cc), t in sorted(layout.cells.items()):
            if rr == r and cc > c:
                value = "" if norm(t) in stops else t
                break
        out.setdefault(labels[norm(text)], value)
    return out


def read_file(path: Path, definition: FormDefinition | None = None, role: str | None = None) -> Extract:
    """read() for a file on disk."""
    return read(read_parts(Path(path).read_bytes()), definition, role)


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


def open_return(data: bytes, name: str, package=None):
    """A returned .xlsx opened for intake: identity now, answers when read (the FormFormat protocol)."""
    from formgen.formats.package import open_package
    from formgen.formats.registry import Opened
    from formgen.core.identity import normalise

    parts = (package or open_package(data, name)).parts
    props = properties(parts)
    # The visible code is only the fallback identity: searched for only when the properties lack one.
    visible = None if normalise(props.get("fg_code", "")) else identify(parts)[1]
    return Opened(KIND, props, visible, lambda d, role: read(parts, d, role, identity=(props, visible)))
