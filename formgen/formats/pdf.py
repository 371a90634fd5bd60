"""PDF forms (AcroForm): writing them with reportlab, reading them back with pypdf.

A form is laid out and rendered once per form × role × round (Master); each file is spliced from
that render with its own form code, metadata values and identity (document info /fg_code …), about
1 ms per file instead of ~40 ms for a reportlab render. Answers are fields with the fully qualified names fg.<key>.<field> (a
field `fg` with a kid per key and a kid per field, since a partial name may not hold a period).
Scores are dropdowns whose options are " " (unanswered: reportlab cannot write an empty choice)
and the scale's steps. A PDF without fields (printed or scanned) is never guessed at: NotFillable.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.forms.definition import DONT_KNOW, MARK_TITLES, ROLE_TITLES, Band, Group, Item, TextAnswer, TextSection
from formgen.core.errors import NotFillable, Problem
from formgen.core.identity import PROPS, Identity, normalise
from formgen.forms.view import META, FormView, Prefill

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

PAGE_W, PAGE_H = 595.28, 841.89  # A4 portrait, points
MX, TOP, BOTTOM = 42.0, 34.0, 48.0  # side margin, top margin, room kept for the footer
KIND = "pdf"
WIDTH = PAGE_W - 2 * MX
LEFT = 128.0  # the indicator table's first column
PAD = 5.0
INK, GREY, RULE, SHADE, INPUT = "#1A1A1A", "#595959", "#808080", "#F2F2F2", "#FFF4CC"
EMPTY = " "  # the value of an unanswered dropdown
CODE_LABEL = "Skema-id"
DATE_HINT = "dd-mm-åååå"
FIELD_FONT, FIELD_SIZE = "Helvetica", 9  # AcroForm fields use a standard font (reportlab's limit)
FONT_FAMILIES = (  # (regular, bold, italic): the first complete family found; Helvetica (Latin-1) if none
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Oblique.ttf"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"),
    ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf"),
)
_FONTS: list[str] = []


def fonts() -> tuple[str, str, str]:
    """Regular, bold and italic font names (registered with reportlab once per process)."""
    if not _FONTS:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        _FONTS[:] = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique"]
        for family in FONT_FAMILIES:
            if all(Path(p).is_file() for p in family):
                for name, path in zip(("FG", "FG-Bold", "FG-Italic"), family):
                    pdfmetrics.registerFont(TTFont(name, path))
                _FONTS[:] = ["FG", "FG-Bold", "FG-Italic"]
                break
    return _FONTS[0], _FONTS[1], _FONTS[2]


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of text no wider than width (a word longer than the width gets a line of its own)."""
    from reportlab.lib.utils import simpleSplit

    out: list[str] = []
    for para in text.split("\n"):
        out += simpleSplit(para, font, size, width) or [""]
    return out


def tint(colour: str, amount: float = 0.85) -> str:
    """The colour mixed with white (amount 1 = white)."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


# --- layout: blocks of drawing operations, placed on pages -------------------------------------
# An operation is a tuple (kind, x, y, …) with y in points from the top (of its block, then of its
# page); "line" also carries a second y at index 4.


class Block:
    """Drawing operations relative to the block's top, and the height they use."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []
        self.h = 0.0

    def text(self, x: float, baseline: float, s: str, font: str, size: float, colour: str = INK,
             align: str = "l") -> None:
        self.ops.append(("text", x, baseline, font, size, colour, s, align))

    def para(self, x: float, y: float, width: float, s: str, font: str, size: float, colour: str = INK,
             align: str = "l", leading: float | None = None) -> float:
        """Wrapped text whose first line starts at y; the y below its last line."""
        leading = leading or size * 1.25
        anchor = x + width if align == "r" else x + width / 2 if align == "c" else x
        for line in wrap(s, font, size, width):
            self.text(anchor, y + 0.8 * size + (leading - size) / 2, line, font, size, colour, align)
            y += leading
        return y

    def rect(self, x: float, y: float, w: float, h: float, stroke: str | None = RULE, fill: str | None = None,
             lw: float = 0.5) -> None:
        self.ops.append(("rect", x, y, w, h, stroke, fill, lw))

    def line(self, x: float, y: float, x2: float, y2: float, colour: str = RULE, lw: float = 0.5) -> None:
        self.ops.append(("line", x, y, x2, y2, colour, lw))

    def field(self, kind: str, name: str, x: float, y: float, w: float, h: float, options: tuple = (),
              tooltip: str = "") -> None:
        """kind: choice | text | multi (a multi-line text field)."""
        self.ops.append(("field", x, y, kind, name, w, h, options, tooltip))

    def meta(self, key: str, x: float, y: float, w: float, h: float, tooltip: str) -> None:
        """A metadata text field whose value is set per file."""
        self.ops.append(("meta", x, y, key, w, h, tooltip))

    def code(self, x: float, baseline: float, size: float) -> None:
        """The form code, drawn per file."""
        self.ops.append(("code", x, baseline, size))

    def image(self, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(("image", x, y, w, h))


def shift(op: tuple, dy: float) -> tuple:
    """An operation moved down by dy."""
    if op[0] == "line":
        return (op[0], op[1], op[2] + dy, op[3], op[4] + dy) + op[5:]
    return (op[0], op[1], op[2] + dy) + op[3:]


class Layout:
    """Places blocks top to bottom, starting a new page when a block does not fit."""

    def __init__(self) -> None:
        self.pages: list[list[tuple]] = [[]]
        self.y = TOP
        self.repeat = None  # a function making the block repeated at the top of a new page (table header)

    def place(self, b: Block, keep: float = 0.0) -> None:
        """Put b at the cursor (on a new page if b, plus `keep` points of what follows, does not fit)."""
        if self.y + b.h + keep > PAGE_H - BOTTOM and self.y > TOP:
            self.pages.append([])
            self.y = TOP
            if self.repeat is not None:
                self.place(self.repeat())
        self.pages[-1] += [shift(op, self.y) for op in b.ops]
        self.y += b.h

    def space(self, pts: float) -> None:
        self.y += pts


# --- the page design ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Master:
    """A laid-out form for one form × role × round × date, waiting for per-file values."""

    pages: tuple[tuple[tuple, ...], ...]
    blank: bool
    logo: bytes  # PNG, scaled to the printed size and flattened onto white
    title: str
    footer: str  # the footer text before the code
    footer_end: str  # … and after it
    author: str
    colour: str
    template: "Template | None" = None  # the rendered master, in pieces (see personalise)


def header(org: Organisation, logo_size: tuple[float, float]) -> Block:
    """Logo top left, organisation name and unit top right, a rule underneath."""
    reg, bold, _ = fonts()
    b = Block()
    w, h = logo_size
    b.image(MX, 0, w, h)
    b.para(MX + w + 12, 6, WIDTH - w - 12, org.name, bold, 12, org.colour, "r")
    if org.unit:
        b.para(MX + w + 12, 22, WIDTH - w - 12, org.unit, reg, 8.5, GREY, "r")
    b.h = max(h, 34) + 8
    b.line(MX, b.h, MX + WIDTH, b.h, org.colour, 0.8)
    b.h += 12
    return b


def title_block(v: FormView, org: Organisation, round_no: int | None) -> Block:
    """The form's title, and who fills it in which round."""
    _, bold, _ = fonts()
    b = Block()
    y = b.para(MX, 0, WIDTH, v.definition.title, bold, 20, org.colour)
    y = b.para(MX, y + 1, WIDTH, f"{v.role_title} · Runde {round_no or '____'}", fonts()[0], 11, GREY)
    b.h = y + 8
    return b


META_ROW = 17.0
META_COLS = (74.0, WIDTH / 2 - 74.0, 74.0, WIDTH / 2 - 74.0)


def meta_block(org: Organisation) -> Block:
    """Four rows of label | field | label | field; the last pair is Skema-id and the code."""
    reg, bold, _ = fonts()
    labels = dict(META)
    pairs = [("citizen", "company"), ("mentor", "consultant"), ("round", "date"), ("filled_by", None)]
    b = Block()
    xs = [MX + sum(META_COLS[:i]) for i in range(4)]
    for r, pair in enumerate(pairs):
        y = r * META_ROW
        for c, key in enumerate(pair):
            x = xs[2 * c]
            b.rect(x, y, META_COLS[2 * c], META_ROW, RULE, tint(org.colour, 0.88))
            b.rect(xs[2 * c + 1], y, META_COLS[2 * c + 1], META_ROW)
            b.text(x + 4, y + 12, labels[key] if key else CODE_LABEL, bold, 8.5)
            if key:
                b.meta(key, xs[2 * c + 1] + 2, y + 2, META_COLS[2 * c + 1] - 4, META_ROW - 4, labels[key])
            else:
                b.code(xs[2 * c + 1] + 4, y + 12.5, 10)
    b.h = len(pairs) * META_ROW + 10
    return b


def instruction(v: FormView) -> str:
    """How to answer on screen and on paper."""
    scale = v.definition.scale
    dk = f" eller »{DONT_KNOW}«, hvis spørgsmålet ikke passer" if scale.dont_know else ""
    save = " Gem PDF-filen med dine svar, før du sender den tilbage."
    if v.items:
        return ("Sådan udfylder du skemaet: Klik i de gule felter. I »Nu« og »Næste delmål« vælger du et tal "
                f"fra 1 til {scale.steps} på listen{dk}. På papir sætter du ring om tallet på skalaen og skriver "
                "tallet i feltet." + save)
    if v.groups:
        return ("Sådan udfylder du kortet: Klik i de gule felter. Vælg niveauet fra 1 til "
                f"{scale.steps} på listen, og skriv datoen som {DATE_HINT}." + save)
    return "Sådan udfylder du skemaet: Skriv dine svar i de gule felter." + save


def intro_block(v: FormView) -> Block:
    """The form's intro and how to fill it in."""
    reg, _, italic = fonts()
    b = Block()
    y = b.para(MX, 0, WIDTH, v.definition.intro, reg, 9.5) + 4 if v.definition.intro else 0.0
    b.h = b.para(MX, y, WIDTH, instruction(v), italic, 8.5, GREY) + 10
    return b


def heading(title: str, intro: str, colour: str) -> Block:
    """A section heading with its intro."""
    reg, bold, _ = fonts()
    b = Block()
    y = b.para(MX, 4, WIDTH, title, bold, 13, colour)
    if intro:
        y = b.para(MX, y + 1, WIDTH, intro, reg, 8.5, GREY)
    b.h = y + 6
    return b


def table_header(titles: list[tuple[float, str]], colour: str) -> Block:
    """A shaded header row: (width, title) per column."""
    _, bold, _ = fonts()
    b, x = Block(), MX
    for w, title in titles:
        b.rect(x, 0, w, 16, RULE, tint(colour, 0.85))
        b.text(x + PAD, 11.5, title, bold, 8.5)
        x += w
    b.h = 16
    return b


def scale_boxes(b: Block, x: float, y: float, w: float, bands: list[Band], steps: int, dont_know: bool) -> float:
    """The printed scale: numbered boxes to circle, anchor texts under their bands; the y below it."""
    reg, bold, _ = fonts()
    dk = 44.0 if dont_know else 0.0
    col = (w - dk) / steps
    for n in range(steps):
        b.rect(x + n * col, y, col, 13)
        b.text(x + (n + 0.5) * col, y + 9.5, str(n + 1), bold, 8, align="c")
    cells = [(x + (lo - 1) * col, (hi - lo + 1) * col, band.text) for band in bands for lo, hi in [band.span]]
    if dk:
        b.rect(x + steps * col, y, dk, 13)
        b.text(x + steps * col + dk / 2, y + 9.5, "?", bold, 8, align="c")
        cells.append((x + steps * col, dk, f"{DONT_KNOW} / ikke relevant"))
    lines = [wrap(text, reg, 6.5, cw - 3) for _, cw, text in cells]
    h = max(len(ls) for ls in lines) * 7.8 + 4
    for (cx, cw, _), ls in zip(cells, lines):
        b.rect(cx, y + 13, cw, h, RULE, SHADE)
        for i, line in enumerate(ls):
            b.text(cx + cw / 2, y + 13 + 2 + 6.4 + i * 7.8, line, reg, 6.5, align="c")
    return y + 13 + h


def marks(b: Block, x: float, y: float, v: FormView, it: Item) -> float:
    """'Nu: [dropdown]   Næste delmål: [dropdown]'; the y below."""
    _, bold, _ = fonts()
    from reportlab.pdfbase.pdfmetrics import stringWidth

    options = (EMPTY, *v.choices)
    for mark in it.marks:
        label = MARK_TITLES[mark] + ":"
        b.text(x, y + 11, label, bold, 9)
        x += stringWidth(label, bold, 9) + 4
        b.field("choice", f"fg.{it.key}.{mark}", x, y, 58, 15, options,
                f"{MARK_TITLES[mark]} – {it.label}: {v.anchor_text(it)}")
        x += 58 + 18
    return y + 15


def answer_field(b: Block, name: str, x: float, y: float, w: float, f: TextAnswer, tooltip: str) -> float:
    """A text, number or date field with room for its lines; the y below."""
    reg, _, _ = fonts()
    if f.type in ("date", "number"):
        b.field("text", name, x, y, 96, 15, (), tooltip)
        if f.type == "date":
            b.text(x + 102, y + 11, DATE_HINT, reg, 7.5, GREY)
        return y + 15
    h = max(15.0, f.lines * 11.5 + 4)
    b.field("multi" if f.lines > 1 else "text", name, x, y, w, h, (), tooltip)
    return y + h


PAGE_ROOM = PAGE_H - TOP - BOTTOM - 40  # the tallest block that fits below a repeated table header


def item_blocks(v: FormView, it: Item) -> list[Block]:
    """One indicator as one row; its text answers get rows of their own only when it is taller than a page."""
    reg, bold, italic = fonts()
    scale = v.definition.scale
    b = Block()
    x1, w1 = MX + PAD, LEFT - 2 * PAD
    x2, w2 = MX + LEFT + PAD, WIDTH - LEFT - 2 * PAD
    left = b.para(x1, PAD, w1, it.label, bold, 10)
    if it.description:
        left = b.para(x1, left + 2, w1, it.description, reg, 8, GREY)
    y = b.para(x2, PAD, w2, it.wording(v.role), bold, 9.5)
    for q in it.help:
        y = b.para(x2 + 4, y, w2 - 4, f"– {q}", italic, 8.5, GREY)
    if it.evidence:
        y = b.para(x2, y + 2, w2, f"Hvorfor spørger vi? {it.evidence}", italic, 7.5, GREY)
    if it.marks:
        y = scale_boxes(b, x2, y + 4, w2, v.bands(it), scale.steps, scale.dont_know)
        y = marks(b, x2, y + 5, v, it)
    rows = [_text_answer(it, t, x2, w2) for t in it.texts]
    if max(left, y) + sum(r.h for r in rows) + PAD + 2 <= PAGE_ROOM:
        for r in rows:
            b.ops += [shift(op, y) for op in r.ops]
            y += r.h
        rows = []
    return [_row(b, max(left, y) + PAD + 2)] + [_row(r, r.h + PAD + 2) for r in rows]


def _text_answer(it: Item, t: TextAnswer, x: float, w: float) -> Block:
    """An indicator's text answer: its label and field."""
    b = Block()
    y = b.para(x, 4, w, t.label, fonts()[1], 8.5)
    b.h = answer_field(b, f"fg.{it.key}.{t.key}", x, y + 1, w, t, f"{t.label} – {it.label}")
    return b


def _row(b: Block, h: float) -> Block:
    """b as a table row of height h: a border and the line between the two columns."""
    b.h = h
    b.rect(MX, 0, WIDTH, h)
    b.line(MX + LEFT, 0, MX + LEFT, h)
    return b


def text_row(sec: TextSection, f: TextAnswer) -> Block:
    """One field of a text section: label (and help) left, the field right."""
    reg, bold, _ = fonts()
    b = Block()
    left = b.para(MX + PAD, PAD, LEFT - 2 * PAD, f.label, bold, 9)
    if f.help:
        left = b.para(MX + PAD, left + 1, LEFT - 2 * PAD, f.help, reg, 7.5, GREY)
    y = answer_field(b, f"fg.{sec.key}.{f.key}", MX + LEFT + PAD, PAD, WIDTH - LEFT - 2 * PAD, f,
                     f"{f.label} – {sec.title}")
    return _row(b, max(left, y) + PAD)


GROUP_COLS = (185.0, 62.0, WIDTH - 185.0 - 62.0 - 96.0, 96.0)
GROUP_ROW = 20.0


def group_titles(v: FormView) -> list[tuple[float, str]]:
    steps = v.definition.scale.steps
    names = ("Kompetence", f"Niveau (1–{steps})", "Hvor er det observeret", f"Dato ({DATE_HINT})")
    return list(zip(GROUP_COLS, names))


def group_block(v: FormView, g: Group, colour: str) -> Block:
    """A kompetencekort group: title, description and examples, header, one row of fields per row."""
    reg, bold, _ = fonts()
    b = Block()
    y = b.para(MX, 4, WIDTH, g.title, bold, 11, colour)
    note = (g.description + (f" Eksempler: {', '.join(g.examples)}." if g.examples else "")).strip()
    if note:
        y = b.para(MX, y, WIDTH, note, reg, 8, GREY)
    head = table_header(group_titles(v), colour)
    b.ops += [shift(op, y + 3) for op in head.ops]
    y += 3 + head.h
    xs = [MX + sum(GROUP_COLS[:i]) for i in range(4)]
    for n in range(1, g.rows + 1):
        key = f"{g.key}_{n}"
        for x, w in zip(xs, GROUP_COLS):
            b.rect(x, y, w, GROUP_ROW)
        b.field("text", f"fg.{key}.kompetence", xs[0] + 2, y + 2, GROUP_COLS[0] - 4, GROUP_ROW - 4, (),
                f"{g.title} {n}: kompetence")
        b.field("choice", f"fg.{key}.now", xs[1] + 2, y + 2, GROUP_COLS[1] - 4, GROUP_ROW - 4,
                (EMPTY, *v.choices), f"{g.title} {n}: niveau – {v.anchor_text()}")
        b.field("text", f"fg.{key}.sted", xs[2] + 2, y + 2, GROUP_COLS[2] - 4, GROUP_ROW - 4, (),
                f"{g.title} {n}: hvor observeret")
        b.field("text", f"fg.{key}.dato", xs[3] + 2, y + 2, GROUP_COLS[3] - 4, GROUP_ROW - 4, (),
                f"{g.title} {n}: dato ({DATE_HINT})")
        y += GROUP_ROW
    b.h = y + 8
    return b


def legend_block(v: FormView, colour: str) -> Block:
    """The kompetencekort's levels: the printed scale across the page."""
    _, bold, _ = fonts()
    scale = v.definition.scale
    b = Block()
    y = b.para(MX, 2, WIDTH, "Niveauer", bold, 11, colour)
    b.h = scale_boxes(b, MX, y + 2, WIDTH, v.bands(), scale.steps, scale.dont_know) + 10
    return b


def signature_block(v: FormView, colour: str) -> Block:
    """Date and signature boxes for every respondent of the form."""
    reg, bold, _ = fonts()
    cols = [(LEFT, ""), (110.0, "Dato"), (WIDTH - LEFT - 110.0, "Underskrift")]
    b = heading("Underskrifter", "", colour)
    head = table_header(cols, colour)
    b.ops += [shift(op, b.h) for op in head.ops]
    y = b.h + head.h
    for role in v.definition.respondents:
        x = MX
        for w, _ in cols:
            b.rect(x, y, w, 28)
            x += w
        b.text(MX + PAD, y + 17, ROLE_TITLES[role], bold, 9)
        y += 28
    b.h = y + 6
    return b


def layout(v: FormView, org: Organisation, logo_size: tuple[float, float], round_no: int | None) -> list[list[tuple]]:
    """Every page's drawing operations for one respondent's form."""
    lay = Layout()
    for b in (header(org, logo_size), title_block(v, org, round_no), meta_block(org), intro_block(v)):
        lay.place(b)
    for sec in v.sections:
        head = lambda: table_header([(LEFT, "Område"), (WIDTH - LEFT, "Spørgsmål og vurdering")], org.colour)  # noqa: E731
        lay.repeat = None
        rows = [item_blocks(v, it) for it in sec.items]
        lay.place(heading(sec.title, sec.intro, org.colour), keep=16 + rows[0][0].h)
        lay.place(head())
        lay.repeat = head
        for blocks in rows:
            for b in blocks:
                lay.place(b)
        lay.repeat = None
        lay.space(8)
    if v.groups:
        lay.place(legend_block(v, org.colour))
        for g in v.groups:
            lay.place(group_block(v, g, org.colour))
    for sec in v.texts:
        rows = [text_row(sec, f) for f in sec.fields]
        lay.place(heading(sec.title, sec.intro, org.colour), keep=rows[0].h if rows else 0)
        for row in rows:
            lay.place(row)
        lay.space(8)
    if v.definition.signatures:
        lay.place(signature_block(v, org.colour))
    return lay.pages


def logo_png(logo: Path) -> tuple[bytes, tuple[float, float]]:
    """The logo scaled to its printed size (about 200 dpi) on white, and that size in points."""
    from PIL import Image

    with Image.open(logo) as img:
        img = img.convert("RGBA")
        ratio = img.width / img.height
        h = 40.0 if ratio <= 150 / 40 else 150 / ratio
        w = h * ratio
        px = (max(1, round(w * 200 / 72)), max(1, round(h * 200 / 72)))
        if img.width > px[0]:
            img = img.resize(px, Image.LANCZOS)
        flat = Image.new("RGB", img.size, "white")
        flat.paste(img, mask=img.getchannel("A"))
    buf = io.BytesIO()
    flat.save(buf, "PNG", optimize=False)
    return buf.getvalue(), (w, h)


# --- writing: the master is rendered once with tokens; each file is spliced from it -------------
# reportlab renders the master uncompressed with a token where the code (in Courier-Bold, a fixed-width
# standard font, so the token is literal text exactly as wide as a code) and each metadata value go.
# Per file only the objects holding a token, the document info and the trailer's /ID are rewritten;
# the other objects are compressed once, and the cross-reference table is recomputed.

CODE_TOKEN = "FGCODETOKEN"  # as long as a form code (XXXX-XXXX-X)
CODE_FONT = "Courier-Bold"
META_TOKENS = {key: f"FGMETA-{key}-" for key, _ in META}
AP_ASCII = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"',
                          "…": "...", "•": "*", "€": "EUR", "\u2002": " ", "\u00a0": " "})
HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def _draw(c, op: tuple, code: str, values: dict[str, str], logo) -> None:
    """Replay one operation on the canvas."""
    from reportlab.lib.colors import HexColor

    kind, x, y = op[0], op[1], PAGE_H - op[2]
    if kind == "text":
        _, _, _, font, size, colour, s, align = op
        c.setFont(font, size)
        c.setFillColor(HexColor(colour))
        (c.drawString if align == "l" else c.drawRightString if align == "r" else c.drawCentredString)(x, y, s)
    elif kind == "rect":
        _, _, _, w, h, stroke, fill, lw = op
        c.setLineWidth(lw)
        if stroke:
            c.setStrokeColor(HexColor(stroke))
        if fill:
            c.setFillColor(HexColor(fill))
        c.rect(x, y - h, w, h, stroke=1 if stroke else 0, fill=1 if fill else 0)
    elif kind == "line":
        _, _, _, x2, y2, colour, lw = op
        c.setLineWidth(lw)
        c.setStrokeColor(HexColor(colour))
        c.line(x, y, x2, PAGE_H - y2)
    elif kind == "code":
        c.setFont(CODE_FONT, op[3])
        c.setFillColor(HexColor(INK))
        c.drawString(x, y, code)
    elif kind == "image":
        c.drawImage(logo, x, y - op[4], op[3], op[4])
    elif kind == "field":
        _, _, _, fkind, name, w, h, options, tooltip = op
        _field(c, fkind, name, x, y - h, w, h, options, tooltip, "")
    elif kind == "meta":
        _, _, _, key, w, h, tooltip = op
        _field(c, "text", f"fg.meta.{key}", x, y - h, w, h, (), tooltip, values.get(key, ""))


def _field(c, kind: str, name: str, x: float, y: float, w: float, h: float, options: tuple, tooltip: str,
           value: str) -> None:
    """One AcroForm field (a dropdown, or a one- or multi-line text field)."""
    from reportlab.lib.colors import HexColor

    look = dict(name=name, tooltip=tooltip, x=x, y=y, width=w, height=h, borderWidth=0.5,
                borderColor=HexColor(RULE), fillColor=HexColor(INPUT), textColor=HexColor("#000000"),
                fontName=FIELD_FONT, fontSize=FIELD_SIZE)
    if kind == "choice":
        c.acroForm.choice(value=EMPTY, options=list(options), fieldFlags="combo", **look)
    else:
        c.acroForm.textfield(value=ap_text(value), maxlen=None, fieldFlags="multiline" if kind == "multi" else "",
                             **look)


def _footer(c, master: Master, code: str, page: int, pages: int) -> None:
    """form title · id vX · Skema-id CODE · organisation left; Side X af Y right."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth

    reg, size = fonts()[0], 7
    c.setStrokeColor(HexColor(RULE))
    c.setLineWidth(0.4)
    c.line(MX, 36, MX + WIDTH, 36)
    c.setFillColor(HexColor(GREY))
    c.setFont(reg, size)
    c.drawRightString(MX + WIDTH, 26, f"Side {page} af {pages}")
    x = MX + stringWidth(master.footer, reg, size)
    c.drawString(MX, 26, master.footer)
    c.setFont(CODE_FONT, size)
    c.drawString(x, 26, code)
    x += stringWidth(CODE_TOKEN, CODE_FONT, size)
    end = master.footer_end
    while end and stringWidth(end, reg, size) > MX + WIDTH - 50 - x:
        end = end[:-2] + "…"
    c.setFont(reg, size)
    c.drawString(x, 26, end)


def _nest(c) -> None:
    """Turn the flat names fg.<key>.<field> into a field tree fg › key › field (PDF partial names hold no period)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFString

    doc, acro = c._doc, c.acroForm
    groups: dict[str, list] = {}
    top = []
    for ref in acro.fields:
        d = doc.idToObject[ref.name]
        parts = d.dict["T"].s.split(".")
        if len(parts) == 3 and parts[0] == "fg":
            d.dict["T"] = PDFString(parts[2])
            groups.setdefault(parts[1], []).append((d, ref))
        else:
            top.append(ref)
    root = PDFDictionary({"T": PDFString("fg")})
    root_ref = doc.Reference(root)
    kids = []
    for key, members in groups.items():
        mid = PDFDictionary({"T": PDFString(key), "Parent": root_ref, "Kids": PDFArray([r for _, r in members])})
        mid_ref = doc.Reference(mid)
        for d, _ in members:
            d.dict["Parent"] = mid_ref
        kids.append(mid_ref)
    root.dict["Kids"] = PDFArray(kids)
    acro.fields = [root_ref] + top


def render(master: Master, code: str, values: dict[str, str], compress: bool = True) -> bytes:
    """The form drawn by reportlab with this code and metadata values (build_master draws it once, with tokens)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1 if compress else 0)
    c.setTitle(master.title)
    c.setAuthor(master.author)
    logo = ImageReader(io.BytesIO(master.logo))
    for n, page in enumerate(master.pages, start=1):
        for op in page:
            _draw(c, op, code, values, logo)
        _footer(c, master, code, n, len(master.pages))
        c.showPage()
    _nest(c)
    c.save()
    return buf.getvalue()


def ap_text(value: str) -> str:
    """A value as a field's appearance can show it in Helvetica (Latin-1; other characters approximated)."""
    import unicodedata

    out = []
    for ch in " ".join(value.translate(AP_ASCII).splitlines()):
        if ord(ch) < 256 and (ch.isprintable() or ch == " "):
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch)[:1]
            out.append(base if base and ord(base) < 128 and base.isprintable() else "?")
    return "".join(out)


def pdf_text(value: str) -> bytes:
    """A PDF text string: literal for printable ASCII, else UTF-16BE with a byte order mark."""
    if all(32 <= ord(ch) < 127 for ch in value):
        return b"(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


@dataclass(frozen=True)
class Template:
    """The master PDF in pieces: object bytes (static ones compressed), or (kind, head, dict, data) to splice."""

    objects: tuple
    info: int  # the document info's object number
    trailer: bytes


_STREAM_RE = re.compile(rb"^(\d+ 0 obj\n)(.*?)stream\r?\n", re.S)
_LENGTH_RE = re.compile(rb"/Length (\d+)")
_ID_RE = re.compile(rb"/ID\s*\[\s*<[0-9a-fA-F]*>\s*<[0-9a-fA-F]*>\s*\]")


def split_pdf(data: bytes) -> tuple[list[bytes], bytes]:
    """reportlab's output as objects 1…N (by its cross-reference table) and the trailer dictionary."""
    start = int(data[data.rindex(b"startxref") + 9:].split()[0])
    lines = data[start:].split(b"\n")
    if lines[0].strip() != b"xref" or lines[1].split()[0] != b"0":
        raise RuntimeError("unexpected cross-reference table in reportlab's output")
    count = int(lines[1].split()[1])
    offsets = [int(line[:10]) for line in lines[3:2 + count]]
    objects = [data[a:b] for a, b in zip(offsets, offsets[1:] + [start])]
    for n, obj in enumerate(objects, start=1):
        if not obj.startswith(b"%d 0 obj" % n):
            raise RuntimeError(f"object {n} is not where reportlab's cross-reference table says")
    trailer = data[data.index(b"trailer", start) + 7:data.rindex(b"startxref")].strip()
    return objects, trailer


def _stream_parts(obj: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(head, dictionary, data) of a stream object, or None."""
    m = _STREAM_RE.match(obj)
    if m is None:
        return None
    length = int(_LENGTH_RE.search(m.group(2)).group(1))
    return m.group(1), m.group(2), obj[m.end():m.end() + length]


def stream_obj(head: bytes, d: bytes, data: bytes, compress: bool = False) -> bytes:
    """A stream object with its /Length (and /Filter when compressing) set."""
    import zlib

    if compress:
        data = zlib.compress(data, 6)
        d = d.replace(b"/Length ", b"/Filter /FlateDecode /Length ", 1)
    d = _LENGTH_RE.sub(b"/Length %d" % len(data), d, count=1)
    return head + d + b"stream\n" + data + b"\nendstream\nendobj\n"


def make_template(data: bytes) -> Template:
    """Split the uncompressed master: static objects compressed once, token holders kept for splicing."""
    objects, trailer = split_pdf(data)
    info = int(re.search(rb"/Info (\d+) 0 R", trailer).group(1))
    tokens = [CODE_TOKEN.encode()] + [t.encode() for t in META_TOKENS.values()]
    out: list = []
    for n, obj in enumerate(objects, start=1):
        parts = _stream_parts(obj)
        spliced = n == info or any(t in obj for t in tokens)
        if parts is None:
            out.append(("dict", obj) if spliced else obj)
        elif spliced:
            out.append(("content" if CODE_TOKEN.encode() in parts[2] else "ap",) + parts)
        else:
            out.append(stream_obj(*parts, compress=b"/Filter" not in parts[1]))
    return Template(tuple(out), info, trailer)


def build_master(v: FormView, org: Organisation, logo: Path, template: Path | None,
                 round_no: int | None, date_str: str, blank: bool) -> Master:
    """Lay the form out and render it once for a form × role × round (PDF has its own design: no template)."""
    from dataclasses import replace

    d = v.definition
    png, size = logo_png(Path(logo))
    pages = layout(v, org, size, round_no)
    master = Master(tuple(tuple(p) for p in pages), blank, png, f"{d.title} – {v.role_title}",
                    f"{d.title} · {d.id} v{d.version} · {CODE_LABEL} ", f" · {org.contact or org.name}", org.name,
                    org.colour)
    return replace(master, template=make_template(render(master, CODE_TOKEN, META_TOKENS, compress=False)))


def _info_obj(n: int, master: Master, identity: Identity) -> bytes:
    """The document info: title, author, and the identity keys /fg_code … (docs/file-format.md)."""
    import time

    from formgen.core.version import __version__

    generator = f"formgen {__version__}"
    entries = {"Title": master.title, "Author": master.author, "Subject": f"{CODE_LABEL} {identity.code}",
               "Keywords": identity.code, "Creator": generator, "Producer": generator, **identity.props()}
    body = b"\n".join(b"/" + k.encode("ascii") + b" " + pdf_text(v) for k, v in entries.items())
    date = time.strftime("D:%Y%m%d%H%M%S").encode()
    return b"%d 0 obj\n<<\n%s\n/CreationDate (%s) /ModDate (%s)\n>>\nendobj\n" % (n, body, date, date)


def personalise(master: Master, identity: Identity, pre: Prefill) -> bytes:
    """One finished file: the master with this file's code, metadata values and identity spliced in."""
    import hashlib
    import os

    from reportlab.pdfbase.acroform import escPDF

    code = identity.code.encode("ascii")
    ap = {f"({t})".encode(): f"({escPDF(ap_text(pre.get(k)))})".encode("latin-1") for k, t in META_TOKENS.items()}
    text = {f"({t})".encode(): pdf_text(pre.get(k)) for k, t in META_TOKENS.items()}
    tpl, chunks = master.template, [HEADER]
    offsets, pos = [], len(HEADER)
    for n, obj in enumerate(tpl.objects, start=1):
        if n == tpl.info:
            obj = _info_obj(n, master, identity)
        elif isinstance(obj, tuple):
            obj = _splice(obj, code, ap, text)
        offsets.append(pos)
        chunks.append(obj)
        pos += len(obj)
    file_id = hashlib.md5(code + os.urandom(8)).hexdigest().encode()
    trailer = _ID_RE.sub(b"/ID [<%s><%s>]" % (file_id, file_id), tpl.trailer)
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    chunks += [xref, b"trailer\n", trailer, b"\nstartxref\n%d\n%%%%EOF\n" % pos]
    return b"".join(chunks)


def _splice(obj: tuple, code: bytes, ap: dict[bytes, bytes], text: dict[bytes, bytes]) -> bytes:
    """One object with this file's values: a page's content (compressed here), an appearance, a field."""
    kind = obj[0]
    if kind == "content":
        return stream_obj(obj[1], obj[2], obj[3].replace(CODE_TOKEN.encode(), code), compress=True)
    if kind == "ap":
        data = obj[3]
        for token, value in ap.items():
            data = data.replace(token, value)
        return stream_obj(obj[1], obj[2], data)
    data = obj[1].replace(CODE_TOKEN.encode(), code)
    for token, value in text.items():
        data = data.replace(token, value)
    return data


# --- reading -----------------------------------------------------------------------------------


@dataclass
class _Pdf:
    """What identify_pdf and read_pdf need from one parsed PDF."""

    data: bytes
    reader: object
    fields: dict
    info: dict
    _text: list | None = None

    def text(self, pages: int = 3) -> str:
        """The visible text of the first pages (pypdf's text layer)."""
        if self._text is None:
            self._text = [p.extract_text() or "" for p in list(self.reader.pages)[:pages]]
        return "\n".join(self._text)


_LAST: list = [None, None]  # [data, _Pdf]: identify_pdf() and read_pdf() of the same file share the parse

PDF_FIX = "ask the sender to save the filled-in PDF again and send it"
NO_FIELDS_FIX = ("type the answers into a new form generated for this citizen, or ask the sender for the "
                 "fillable PDF (or the Word/Excel form), filled in on screen and saved")


def _refuse(code: str, name: str, what: str, fix: str):
    from formgen.core.errors import Refused

    return Refused(Problem(code, name, what, fix))


def _open(data: bytes, name: str) -> _Pdf:
    """Parse a returned PDF once: Refused when it is encrypted or damaged, NotFillable when it has no fields."""
    if _LAST[0] is data:
        pdf = _LAST[1]
    else:
        pdf = _parse(data, name)
        _LAST[:] = [data, pdf]
    if not pdf.fields:
        raise _not_fillable(pdf, name)
    return pdf


def _parse(data: bytes, name: str) -> _Pdf:
    from pypdf import PdfReader

    if not data.startswith(b"%PDF") or b"%%EOF" not in data[-2048:]:
        raise _refuse("FG209", name, "the PDF is incomplete (its end is missing: cut off while copying or sending?)",
                      PDF_FIX)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise _refuse("FG214", name, "the PDF is password-protected, so its answers cannot be read",
                          "open it, remove the password (save or print a copy without protection) and send it again")
        fields = reader.get_fields() or {}
        info = {str(k).lstrip("/"): str(v) for k, v in (reader.metadata or {}).items()}
        return _Pdf(data, reader, fields, info)
    except Exception as exc:  # the boundary: pypdf raises many kinds of errors on damaged files
        from formgen.formats.package import Refused

        if isinstance(exc, Refused):
            raise
        raise _refuse("FG209", name, f"the PDF is damaged ({exc.__class__.__name__})", PDF_FIX) from exc


def _opens_without_password(reader) -> bool:
    """An encrypted PDF that opens without a password (only its permissions are restricted)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 - unknown algorithm, missing crypto library: not readable
        return False


def _not_fillable(pdf: _Pdf, name: str) -> NotFillable:
    """Say what a field-less PDF is: printed or flattened (it has text), or a scan (it has none)."""
    try:
        text = pdf.text()
    except Exception:  # noqa: BLE001 - a text layer we cannot read counts as none
        text = ""
    code = normalise(pdf.info.get("fg_code", "")) or normalise(text)
    if pdf.info.get("fg_code"):
        what = ("the PDF was made by formgen but has no form fields left: it was flattened, printed to PDF or "
                "damaged, so its answers are not read")
    elif text.strip():
        where = f" (form code {code})" if code else ""
        what = (f"the PDF has no form fields{where}: it was printed or saved as PDF (e.g. from Word or a "
                "browser's print), so the answers are only a picture of text and are not read")
    else:
        what = "the PDF has no form fields and no text: it is a scan or photo of a paper form"
    return NotFillable(Problem("FG213", name, what, NO_FIELDS_FIX), code)


def identify_pdf(data: bytes, name: str = "") -> tuple[dict[str, str], str | None]:
    """Identity from the document info (/fg_code …); the form code in the visible text only when the info has none."""
    pdf = _open(data, name)
    props = {k: v for k, v in pdf.info.items() if k in PROPS}
    if normalise(props.get("fg_code", "")):
        return props, None  # reading the text layer costs more than the rest of the file
    try:
        return props, normalise(pdf.text(1)) or normalise(pdf.text())
    except Exception:  # noqa: BLE001 - a text layer pypdf cannot read: no visible code
        return props, None


def _value(field) -> tuple[str, bool]:
    """A field's raw value and whether it is unanswered (an empty dropdown shows ' ')."""
    v = field.get("/V") if hasattr(field, "get") else None
    if v is None:
        return "", True
    if hasattr(v, "get_object"):
        v = v.get_object()
    if isinstance(v, (list, tuple)):
        text = ", ".join(str(x) for x in v)
    elif isinstance(v, bytes):
        text = v.decode("latin-1")
    else:
        text = str(v)
    text = text.lstrip("/") if type(v).__name__ == "NameObject" else text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ("", True) if not text.strip() else (text, False)


FIELD_RE = re.compile(r"^fg\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


def read_pdf(data: bytes, definition=None, role: str | None = None, name: str = ""):
    """Every fg.<key>.<field> value in the PDF (how='field'); the metadata fields fg.meta.* as meta.

    With a definition and role, a PDF that lacks any of the role's fields is refused as damaged: PDF
    viewers cannot delete fields, and a partly readable file must not import as partly answered."""
    from formgen.formats.extract import Extract, Found

    props, code = identify_pdf(data, name)
    pdf = _open(data, name)
    found: list[Found] = []
    meta: dict[str, str] = {}
    try:
        for qualified, field in pdf.fields.items():
            m = FIELD_RE.match(qualified)
            if m is None or field.get("/FT") is None and "/Kids" in field:
                continue
            raw, empty = _value(field)
            if m.group(1) == "meta":
                meta[m.group(2)] = raw.strip()
            else:
                found.append(Found(m.group(1), m.group(2), raw, "field", empty))
    except Exception as exc:  # noqa: BLE001 - a field tree pypdf cannot walk is a damaged file
        raise _refuse("FG209", name, f"the PDF's form fields are damaged ({exc.__class__.__name__})", PDF_FIX) from exc
    if definition is not None and role:
        _check_complete(pdf, definition.fields(role), name)
    return Extract(props, code, tuple(found), meta)


def _check_complete(pdf: _Pdf, fields: list, name: str) -> None:
    """Refuse a PDF that lacks some of the fields its form has (damaged, or edited in a PDF editor)."""
    missing = [f.name for f in fields if f.name not in pdf.fields]
    if missing:
        raise _refuse("FG209", name, f"the PDF lacks {len(missing)} of its form's {len(fields)} answer fields "
                      f"(e.g. {missing[0]}): it is damaged or was changed in a PDF editor",
                      "ask the sender to send the PDF again as saved by their PDF viewer, or type the answers "
                      "into a new form generated for this citizen")


# --- playing the respondent, and merging reports ------------------------------------------------


def fill_fields(data: bytes, values: dict[str, str]) -> bytes:
    """Fill fields by qualified name as a PDF viewer does (demo, bench); viewers redraw them (NeedAppearances)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


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


def open_return(data: bytes, name: str, package=None):
    """A returned PDF opened for intake (the FormFormat protocol); a PDF without fields raises NotFillable."""
    from formgen.formats.registry import Opened

    props, visible = identify_pdf(data, name)
    return Opened(KIND, props, visible, lambda d, role: read_pdf(data, d, role, name))
