"""The printed page: blocks of a form laid out for pens and for reading back by mark recognition.

Every indicator is one block across the page: its question, then one row of tick boxes per score
(Nu, Næste delmål) with the step numbers above the boxes and 'Ved ikke' as a box of its own, the
anchor texts of the scale under them, and the text answers as framed areas. Boxes and areas are
operations ("box", "area") that the renderer draws and geometry() records in millimetres.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from formgen.forms.definition import DONT_KNOW, MARK_TITLES, ROLE_TITLES, Band, Group, Item, TextAnswer
from formgen.forms.view import META, FormView
from formgen.formats.pdf.design import header, heading, title_block
from formgen.formats.pdf.layout import CODE_LABEL, DATE_HINT, GREY, MX, RULE, SHADE, WIDTH, Block, Layout, fonts, tint, wrap

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

__all__ = ["MM", "TOP", "LIMIT", "BOX", "INK", "INSTRUCTION", "meta_block", "instruction_block",
           "box_grid", "item_block", "area", "text_block", "group_block", "legend_block", "signature_block", "layout"]

MM = 72 / 25.4  # points per millimetre
TOP, LIMIT = 24 * MM, 260 * MM  # below the top markers; above the footer, the QR code and the bottom markers
BOX = 6 * MM  # a tick box: big enough for a pen's cross, small enough for 10 steps and 'Ved ikke' on a row
INK = "#000000"  # boxes and areas print black: they must survive a grey photocopy
INSTRUCTION = ("Sæt ét kryds pr. række; ret ved at fylde boksen helt ud og sætte kryds i en anden. "
               "Brug kuglepen, og skriv inden for de indrammede felter.")


def meta_block(org: Organisation) -> Block:
    """Who and when, printed per file ("value" operations); Skema-id with the code."""
    reg, bold, _ = fonts()
    labels = dict(META)
    pairs = [("citizen", "company"), ("mentor", "consultant"), ("round", "date"), ("filled_by", None)]
    b, row, lw = Block(), 17.0, 74.0
    for r, pair in enumerate(pairs):
        for c, key in enumerate(pair):
            x = MX + c * WIDTH / 2
            b.rect(x, r * row, lw, row, RULE, tint(org.colour, 0.88))
            b.rect(x + lw, r * row, WIDTH / 2 - lw, row)
            b.text(x + 4, r * row + 12, labels[key] if key else CODE_LABEL, bold, 8.5)
            if key:
                b.ops.append(("value", x + lw + 4, r * row + 12, key, reg, 9))
            else:
                b.code(x + lw + 4, r * row + 12.5, 10)
    b.h = len(pairs) * row + 10
    return b


def instruction_block(v: FormView) -> Block:
    """The intro, and how to mark: one cross per row, a filled box is a correction (with pictures)."""
    reg, bold, italic = fonts()
    b = Block()
    y = b.para(MX, 0, WIDTH, v.definition.intro, reg, 9.5) + 4 if v.definition.intro else 0.0
    b.rect(MX, y, WIDTH, 34, RULE, SHADE)
    b.para(MX + 8, y + 5, WIDTH - 150, INSTRUCTION, bold, 9)
    x = MX + WIDTH - 132
    for n, (label, how) in enumerate((("Sådan", "cross"), ("Fortrudt", "fill"), ("Sådan", "cross"))):
        bx = x + n * 44
        b.rect(bx, y + 6, 14, 14, INK, "#1A1A1A" if how == "fill" else "#FFFFFF", 0.8)
        if how == "cross":
            b.line(bx + 3, y + 9, bx + 11, y + 17, INK, 1.4)
            b.line(bx + 11, y + 9, bx + 3, y + 17, INK, 1.4)
        b.text(bx + 7, y + 29, label if n < 2 else "Nyt svar", italic, 7, GREY, "c")
    b.h = y + 34 + 10
    return b


def box_grid(b: Block, y: float, rows: list[tuple[str, str, str]], title: str, scale, bands: list[Band],
             x0: float = MX, width: float = WIDTH, label_w: float = 84.0) -> float:
    """Rows of boxes (label, key, field) under the step numbers, anchor texts below; the y under it all.

    title names the rows in review ('Sociale kompetencer › Nu')."""
    steps, dont_know = scale.steps, scale.dont_know
    reg, bold, _ = fonts()
    dk_w = 52.0 if dont_know else 0.0
    pitch = min(76.0, (width - label_w - dk_w - (10 if dont_know else 0)) / steps)  # wide cells: short anchor texts
    box = min(BOX, pitch - 2 * MM)
    xs = [x0 + label_w + n * pitch for n in range(steps)]
    dk_x = xs[-1] + pitch + 10 if dont_know else 0.0
    for n, x in enumerate(xs):
        b.text(x + pitch / 2, y + 8, str(n + 1), bold, 9, align="c")
    if dont_know:
        b.text(dk_x + dk_w / 2, y + 8, DONT_KNOW, bold, 8.5, align="c")
    y += 12
    for label, key, field in rows:
        b.text(x0 + 4, y + box / 2 + 3.5, label, bold, 9.5)
        b.ops.append(("rowlabel", 0, y, key, field, f"{title} › {label}" if label else title))
        for n, x in enumerate(xs):
            b.ops.append(("box", x + (pitch - box) / 2, y, box, box, key, field, str(n + 1)))
        if dont_know:
            b.ops.append(("box", dk_x + (dk_w - box) / 2, y, box, box, key, field, DONT_KNOW))
        y += box + 3 * MM
    cells = [(xs[0] + (lo - 1) * pitch, (hi - lo + 1) * pitch, band.text) for band in bands for lo, hi in [band.span]]
    lines = [wrap(text, reg, 6.5, cw - 4) for _, cw, text in cells]
    if not cells:
        return y
    h = max(len(ls) for ls in lines) * 7.8 + 4
    for (cx, cw, _), ls in zip(cells, lines):
        b.rect(cx + 1, y - 4, cw - 2, h, None, SHADE)
        for i, line in enumerate(ls):
            b.text(cx + cw / 2, y - 4 + 8.4 + i * 7.8, line, reg, 6.5, align="c")
    return y - 4 + h


def area(b: Block, x: float, y: float, w: float, f: TextAnswer, key: str, label: str) -> float:
    """A framed area to write a text, number or date in; the y below."""
    reg, bold, _ = fonts()
    b.text(x, y + 8, f.label, bold, 8.5)
    y += 11
    if f.type in ("date", "number"):
        b.ops.append(("area", x, y, 110.0, 9 * MM, key, f.key, label))
        if f.type == "date":
            b.text(x + 116, y + 9 * MM / 2 + 3, DATE_HINT, reg, 8, GREY)
        return y + 9 * MM
    h = max(9.0, f.lines * 8.0) * MM
    b.ops.append(("area", x, y, w, h, key, f.key, label))
    return y + h


def item_block(v: FormView, it: Item) -> Block:
    """One indicator across the page: question, a row of boxes per score, anchors, text areas."""
    reg, bold, italic = fonts()
    scale = v.definition.scale
    b = Block()
    y = b.para(MX, 6, WIDTH, it.label, bold, 11)
    if it.description:
        y = b.para(MX, y, WIDTH, it.description, reg, 8, GREY)
    y = b.para(MX, y + 2, WIDTH, it.wording(v.role), bold, 9.5)
    for q in it.help:
        y = b.para(MX + 4, y, WIDTH - 4, f"– {q}", italic, 8.5, GREY)
    if it.marks:
        rows = [(MARK_TITLES[m], it.key, m) for m in it.marks]
        y = box_grid(b, y + 4, rows, it.label, scale, v.bands(it))
    for t in it.texts:
        y = area(b, MX, y + 4, WIDTH, t, it.key, f"{it.label} › {t.label}")
    b.h = y + 8
    b.line(MX, b.h - 2, MX + WIDTH, b.h - 2, RULE, 0.5)
    return b


def text_block(title: str, key: str, f: TextAnswer) -> Block:
    """One field of a text section (the arbejdsaftale's hours, tasks …) as a framed area."""
    b = Block()
    y = area(b, MX, 2, WIDTH, f, key, f"{title} › {f.label}")
    if f.help:
        y = b.para(MX, y + 1, WIDTH, f.help, fonts()[0], 7.5, GREY)
    b.h = y + 6
    return b


def group_block(v: FormView, g: Group, colour: str) -> list[Block]:
    """A kompetencekort group: its title, then per row a text area, level boxes, where and when."""
    reg, bold, _ = fonts()
    scale = v.definition.scale
    head = Block()
    y = head.para(MX, 4, WIDTH, g.title, bold, 11, colour)
    note = (g.description + (f" Eksempler: {', '.join(g.examples)}." if g.examples else "")).strip()
    if note:
        y = head.para(MX, y, WIDTH, note, reg, 8, GREY)
    head.h = y + 2
    comp_w, level_w, date_w = 150.0, 48.0 * (scale.steps + scale.dont_know) / 2.6, 76.0
    sted_w = WIDTH - comp_w - level_w - date_w - 12
    blocks = [head]
    for n in range(1, g.rows + 1):
        key = f"{g.key}_{n}"
        b = Block()
        b.text(MX, 9, "Kompetence", bold, 7.5, GREY)
        b.ops.append(("area", MX, 12, comp_w, 9 * MM, key, "kompetence", f"{g.title} {n} › Kompetence"))
        end = box_grid(b, 0, [("", key, "now")], f"{g.title} {n} › Niveau", scale, [], MX + comp_w + 4, level_w, 0)
        x = MX + comp_w + level_w + 8
        b.text(x, 9, "Hvor er det observeret", bold, 7.5, GREY)
        b.ops.append(("area", x, 12, sted_w, 9 * MM, key, "sted", f"{g.title} {n} › Hvor er det observeret"))
        x += sted_w + 4
        b.text(x, 9, f"Dato ({DATE_HINT})", bold, 7.5, GREY)
        b.ops.append(("area", x, 12, date_w, 9 * MM, key, "dato", f"{g.title} {n} › Dato"))
        b.h = max(end, 12 + 9 * MM) + 8
        blocks.append(b)
    return blocks


def legend_block(v: FormView, colour: str) -> Block:
    """The kompetencekort's levels and their anchor texts."""
    reg, bold, _ = fonts()
    b = Block()
    y = b.para(MX, 2, WIDTH, "Niveauer", bold, 11, colour)
    for band in v.bands():
        y = b.para(MX, y, WIDTH, f"{band.steps}: {band.text}", reg, 8.5)
    if v.definition.scale.dont_know:
        y = b.para(MX, y, WIDTH, f"{DONT_KNOW}: kan ikke vurderes endnu", reg, 8.5)
    b.h = y + 8
    return b


def signature_block(v: FormView, colour: str) -> Block:
    """A line for date and signature per respondent (not read back)."""
    reg, bold, _ = fonts()
    b = heading("Underskrifter", "", colour)
    y = b.h + 4
    for role in v.definition.respondents:
        b.text(MX, y + 18, ROLE_TITLES[role], bold, 9)
        b.line(MX + 90, y + 20, MX + 190, y + 20, INK, 0.5)
        b.line(MX + 210, y + 20, MX + WIDTH, y + 20, INK, 0.5)
        b.text(MX + 90, y + 28, "Dato", reg, 7, GREY)
        b.text(MX + 210, y + 28, "Underskrift", reg, 7, GREY)
        y += 32
    b.h = y + 6
    return b


def layout(v: FormView, org: Organisation, logo_size: tuple[float, float], round_no: int | None) -> list[list[tuple]]:
    """Every page's drawing operations for one respondent's printed form."""
    lay = Layout(TOP, LIMIT)  # between the markers
    for b in (header(org, logo_size), title_block(v, org, round_no), meta_block(org), instruction_block(v)):
        lay.place(b)
    for sec in v.sections:
        first = item_block(v, sec.items[0])
        head = heading(sec.title, sec.intro, org.colour)
        lay.place(head, keep=first.h)  # the heading goes with its first indicator
        for it in sec.items:
            lay.place(item_block(v, it))
    if v.groups:
        lay.place(legend_block(v, org.colour))
        for g in v.groups:
            for b in group_block(v, g, org.colour):
                lay.place(b)
    for sec in v.texts:
        lay.place(heading(sec.title, sec.intro, org.colour))
        for f in sec.fields:
            lay.place(text_block(sec.title, sec.key, f))
    if v.definition.signatures:
        lay.place(signature_block(v, org.colour))
    return lay.pages
