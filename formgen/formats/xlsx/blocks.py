"""The Skema sheet's blocks, top to bottom: banner, title, metadata, indicator tables, text answers, signatures."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formgen.forms.definition import DONT_KNOW, MARK_TITLES, Item, TextAnswer, TextSection
from formgen.forms.view import META, FormView
from formgen.formats.xlsx.sheet import (
    CODE_LABEL, CODE_TOKEN, DATE_PROMPT, GOAL, GREY, LABEL, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, MARK_COL, QUESTION,
    SCALE, Sheet, clean, clip, height, rich,
)

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

__all__ = [
    "banner", "title_block", "meta_block", "intro", "instruction", "ITEM_HEADER_PTS", "item_header",
    "anchor_lines", "anchors", "anchors_rich", "paragraphs", "chunks_height", "item_cells", "item_height",
    "item_row", "sections", "text_sections", "text_label", "text_height", "text_row", "signatures", "page_setup",
]


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
