"""The page design: every block of a form (header, metadata, indicator tables, kompetencekort, signatures)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.forms.definition import DONT_KNOW, MARK_TITLES, ROLE_TITLES, Band, Group, Item, TextAnswer, TextSection
from formgen.forms.view import META, FormView
from formgen.formats.pdf.layout import (
    BOTTOM, CODE_LABEL, DATE_HINT, EMPTY, GREY, LEFT, MX, PAD, PAGE_H, RULE, SHADE, TOP, WIDTH, Block, Layout, fonts,
    shift, tint, wrap,
)

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

__all__ = [
    "header", "title_block", "META_ROW", "META_COLS", "meta_block", "instruction", "intro_block", "heading",
    "table_header", "scale_boxes", "marks", "answer_field", "PAGE_ROOM", "item_blocks", "text_row", "GROUP_COLS",
    "GROUP_ROW", "group_titles", "group_block", "legend_block", "signature_block", "layout", "logo_png",
]


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
