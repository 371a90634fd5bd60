"""Build templates/form.docx: the docxtpl template that holds the page design of every Word form.

Run `python tools/make_templates.py` after changing it. A municipality restyles the result in Word
(styles "FG ...", header, footer, table borders); the Jinja tags in the text must stay.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
INK = RGBColor(0x1F, 0x1F, 0x1F)
GREY = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
WIDTH_CM = 17.4  # A4 minus 1.8 cm margins
# Column widths are chosen so that no built-in label breaks inside a word, with Carlito (Calibri's
# metrics, as in Word) and with DejaVu Sans (about a third wider: what LibreOffice uses when neither
# is installed). A cell's text is 0.38 cm narrower than its column (the default cell margins).
META_CM = [2.9, 5.8, 2.9, 5.8]  # label | value | label | value: "Virksomhed" in bold
LABEL_CM = 4.4  # the indicator table's label column; formats/docx/build.py's MAIN_CELL_CM follows it


LANG = "da-DK"  # Word checks spelling, and screen readers pronounce, in the text's language
TITLES = {"form": "Skema", "report": "Progressionsrapport", "overview": "Ledelsesoverblik",
          "company": "Tilbagemelding til virksomhed", "kompetencekort": "Kompetencekort"}


def danish(doc: Document) -> None:
    """Danish as the document's default language: python-docx's own template says en-US."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(f'{qn("w:rPrDefault")}/{qn("w:rPr")}')
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="{LANG}" w:eastAsia="{LANG}" w:bidi="ar-SA"/>'))
    for lang in doc.settings.element.iter(qn("w:themeFontLang")):
        lang.set(qn("w:val"), LANG)
        lang.set(qn("w:eastAsia"), LANG)


def outline(style, level: int) -> None:
    """A heading level for Word's navigation pane, screen readers and tagged PDF (H1, H2), without
    basing the style on Word's Heading styles, whose look would come along."""
    style.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{level}"/>'))


def styles(doc: Document) -> None:
    danish(doc)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size, normal.font.color.rgb = "Calibri", Pt(10), INK
    normal.paragraph_format.space_after = Pt(2)
    normal.paragraph_format.space_before = Pt(0)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), "Calibri")

    def para(name, size, bold=False, italic=False, colour=INK, before=0, after=2, keep=False, align=None):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.font.size, st.font.bold, st.font.italic, st.font.color.rgb = Pt(size), bold, italic, colour
        pf = st.paragraph_format
        pf.space_before, pf.space_after, pf.keep_with_next = Pt(before), Pt(after), keep
        if align is not None:
            pf.alignment = align
        return st

    outline(para("FG Title", 20, bold=True, colour=ACCENT, after=0), 0)
    para("FG Subtitle", 11, colour=GREY, after=8)
    outline(para("FG Heading", 13, bold=True, colour=ACCENT, before=10, after=4, keep=True), 1)
    para("FG Intro", 10, after=6)
    para("FG Instruction", 8.5, italic=True, colour=GREY, after=6, keep=True)
    para("FG Label", 10.5, bold=True, after=2)
    para("FG Small", 8.5, colour=GREY, after=2)
    para("FG Question", 10, bold=True, after=2)
    para("FG Help", 8.5, italic=True, colour=GREY, after=0)
    para("FG Anchor", 7, colour=INK, after=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    para("FG Step", 9, bold=True, after=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    para("FG Answer", 10, before=4, after=4)
    para("FG Field", 9, bold=True, before=4, after=1, keep=True)
    para("FG Meta", 9.5, after=0)
    para("FG Org", 12, bold=True, colour=ACCENT, after=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("FG Unit", 9, colour=GREY, after=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("FG Footer", 7.5, colour=GREY, after=0)
    inp = para("FG Input", 10, after=2)
    # The input box: a border around the answer so it reads as a field on paper.
    inp.element.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}>' + "".join(
            f'<w:{s} w:val="single" w:sz="4" w:space="3" w:color="808080"/>' for s in ("top", "left", "bottom", "right")
        ) + "</w:pBdr>"))
    ph = doc.styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    ph.font.color.rgb = RGBColor(0x80, 0x80, 0x80)


def p(container, text: str = "", style: str | None = None):
    par = container.add_paragraph(text, style=style)
    return par


def borders(table, colour: str = "808080", inside: bool = True) -> None:
    sides = ["top", "left", "bottom", "right"] + (["insideH", "insideV"] if inside else [])
    xml = f'<w:tblBorders {nsdecls("w")}>' + "".join(
        f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="{colour}"/>' for s in sides) + "</w:tblBorders>"
    tblPr = table._tbl.tblPr
    for old in tblPr.findall(qn("w:tblBorders")):
        tblPr.remove(old)
    tblPr.append(parse_xml(xml))


def no_borders(table) -> None:
    xml = f'<w:tblBorders {nsdecls("w")}>' + "".join(
        f'<w:{s} w:val="nil"/>' for s in ("top", "left", "bottom", "right", "insideH", "insideV")) + "</w:tblBorders>"
    table._tbl.tblPr.append(parse_xml(xml))


def widths(table, cms: list[float]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, w in zip(row.cells, cms):
            cell.width = Cm(w)
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), cms):
        col.set(qn("w:w"), str(int(w * 567)))


def shade(cell, fill: str = "E7EDF3") -> None:
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def header_row(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    trPr.append(OxmlElement("w:tblHeader"))


def cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def set_text(cell, text: str, style: str) -> None:
    cell.paragraphs[0].text = text
    cell.paragraphs[0].style = style


def field(run, instr: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) after a run."""
    fld = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="{instr}"><w:r><w:t>1</w:t></w:r></w:fldSimple>')
    run._r.addnext(fld)


def header_footer(doc: Document, footer: str = "{{ form.title }} · {{ form.id }} v{{ form.version }} · Skema-id {{ code }}"
                  "{% if org.contact %} · {{ org.contact }}{% endif %}") -> None:
    sec = doc.sections[0]
    sec.header_distance, sec.footer_distance = Cm(0.8), Cm(0.8)
    hdr = sec.header
    t = hdr.add_table(rows=1, cols=2, width=Cm(WIDTH_CM))
    no_borders(t)
    widths(t, [6.0, WIDTH_CM - 6.0])
    set_text(t.cell(0, 0), "{{ logo }}", "FG Meta")
    c = t.cell(0, 1)
    set_text(c, "{{ org.name }}", "FG Org")
    p(c, "{% if org.unit %}{{ org.unit }}{% endif %}", "FG Unit")
    # python-docx leaves an empty first paragraph in a new header; make it a thin rule under the table.
    first = hdr.paragraphs[0]
    first._p.getparent().remove(first._p)
    rule = p(hdr, "", "FG Footer")
    rule._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="1" w:color="808080"/></w:pBdr>'))

    ftr = sec.footer
    fp = ftr.paragraphs[0]
    fp.style = "FG Footer"
    fp.paragraph_format.tab_stops.add_tab_stop(Cm(WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    fp.add_run(footer + "\tSide ")
    r = fp.add_run(" af ")
    field(fp.runs[0], "PAGE")
    field(r, "NUMPAGES")


def body(doc: Document) -> None:
    p(doc, "{{ form.title }}", "FG Title")
    p(doc, "{{ role_title }} · Runde {{ round }}", "FG Subtitle")

    meta = doc.add_table(rows=4, cols=4)
    borders(meta)
    widths(meta, META_CM)
    cells = [("Borger", "{{r meta.citizen }}", "Virksomhed", "{{r meta.company }}"),
             ("Mentor", "{{r meta.mentor }}", "Konsulent", "{{r meta.consultant }}"),
             ("Runde", "{{r meta.round }}", "Dato", "{{r meta.date }}"),
             ("Udfyldt af", "{{r meta.filled_by }}", "Skema-id", "{{ code }}")]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            cell = meta.cell(r, c)
            set_text(cell, text, "FG Meta")
            if c % 2 == 0:
                shade(cell)
                cell.paragraphs[0].runs[0].bold = True

    p(doc, "", "FG Small")
    p(doc, "{{ form.intro }}", "FG Intro")
    p(doc, "{%p if has_scores %}")
    p(doc, "{% if groups %}Sådan udfylder I kortet: Skriv kompetencen, vælg niveauet ({{ steps_text }}) efter "
           "beskrivelserne nedenfor, og skriv hvor og hvornår den er set. På papir skriver I tallet i feltet."
           "{% else %}Sådan udfylder du skemaet: På computeren vælger du et tal i felterne »Nu« og »Næste delmål«. "
           "På papir sætter du en ring om tallet for, hvor du er nu, og et kryds ved dit næste delmål"
           "{% if dont_know %} – eller ved »?«, hvis du ikke ved det, eller spørgsmålet ikke passer{% endif %}."
           "{% endif %}", "FG Instruction")
    p(doc, "{%p endif %}")

    # Indicators: one table row per indicator, label in the first cell (the reader's fallback).
    p(doc, "{%p for sec in sections %}")
    p(doc, "{{ sec.title }}", "FG Heading")
    p(doc, "{%p if sec.intro %}")
    p(doc, "{{ sec.intro }}", "FG Intro")
    p(doc, "{%p endif %}")
    t = doc.add_table(rows=4, cols=2)
    borders(t)
    widths(t, [LABEL_CM, WIDTH_CM - LABEL_CM])
    set_text(t.cell(0, 0), "Område", "FG Field")
    set_text(t.cell(0, 1), "Spørgsmål og vurdering", "FG Field")
    shade(t.cell(0, 0)), shade(t.cell(0, 1))
    header_row(t.rows[0])
    set_text(t.cell(1, 0), "{%tr for item in sec.indicators %}", "FG Small")
    label_cell, main = t.cell(2, 0), t.cell(2, 1)
    cant_split(t.rows[2])
    set_text(label_cell, "{{ item.label }}", "FG Label")
    p(label_cell, "{%p if item.description %}")
    p(label_cell, "{{ item.description }}", "FG Small")
    p(label_cell, "{%p endif %}")
    set_text(main, "{{ item.question }}", "FG Question")
    p(main, "{%p for h in item.help %}")
    p(main, "– {{ h }}", "FG Help")
    p(main, "{%p endfor %}")
    p(main, "{{p item.scale }}")
    p(main, "{{r item.answers }}", "FG Answer")
    p(main, "{%p for t in item.texts %}")
    p(main, "{{ t.label }}", "FG Field")
    p(main, "{{r t.control }}", "FG Input")
    p(main, "{%p for _ in range(t.lines - 1) %}")
    p(main, "", "FG Input")
    p(main, "{%p endfor %}")
    p(main, "{%p endfor %}")
    p(main, "{%p if item.evidence %}")
    p(main, "Hvorfor spørger vi? {{ item.evidence }}", "FG Small")
    p(main, "{%p endif %}")
    set_text(t.cell(3, 0), "{%tr endfor %}", "FG Small")
    p(doc, "{%p endfor %}")

    # Kompetencekort groups: free rows of competence, level, where observed, date.
    p(doc, "{%p if groups %}")
    p(doc, "Niveauer", "FG Heading")
    p(doc, "{{p scale_legend }}")
    p(doc, "{%p endif %}")
    p(doc, "{%p for g in groups %}")
    p(doc, "{{ g.title }}", "FG Heading")
    p(doc, "{%p if g.description %}")
    p(doc, "{{ g.description }}{% if g.examples %} Eksempler: {{ g.examples }}.{% endif %}", "FG Small")
    p(doc, "{%p endif %}")
    gt = doc.add_table(rows=4, cols=4)
    borders(gt)
    widths(gt, [6.4, 2.8, 5.4, 2.8])
    for c, text in enumerate(["Kompetence", "Niveau ({{ steps_text }})", "Hvor er det observeret", "Dato"]):
        set_text(gt.cell(0, c), text, "FG Field")
        shade(gt.cell(0, c))
    header_row(gt.rows[0])
    set_text(gt.cell(1, 0), "{%tr for row in g.rows %}", "FG Small")
    for c, key in enumerate(["kompetence", "level", "sted", "dato"]):
        set_text(gt.cell(2, c), "{{r row.%s }}" % key, "FG Meta")
    cant_split(gt.rows[2])
    set_text(gt.cell(3, 0), "{%tr endfor %}", "FG Small")
    p(doc, "{%p endfor %}")

    # Form-level text sections (e.g. the arbejdsaftale): label | answer rows.
    p(doc, "{%p for sec in texts %}")
    p(doc, "{{ sec.title }}", "FG Heading")
    p(doc, "{%p if sec.intro %}")
    p(doc, "{{ sec.intro }}", "FG Intro")
    p(doc, "{%p endif %}")
    tt = doc.add_table(rows=3, cols=2)
    borders(tt)
    widths(tt, [5.6, WIDTH_CM - 5.6])
    set_text(tt.cell(0, 0), "{%tr for f in sec.fields %}", "FG Small")
    set_text(tt.cell(1, 0), "{{ f.label }}", "FG Field")
    shade(tt.cell(1, 0))
    set_text(tt.cell(1, 1), "{{r f.control }}", "FG Meta")
    p(tt.cell(1, 1), "{%p for _ in range(f.lines - 1) %}")
    p(tt.cell(1, 1), "", "FG Meta")
    p(tt.cell(1, 1), "{%p endfor %}")
    cant_split(tt.rows[1])
    set_text(tt.cell(2, 0), "{%tr endfor %}", "FG Small")
    p(doc, "{%p endfor %}")

    # Signatures.
    p(doc, "{%p if signatures %}")
    p(doc, "Underskrifter", "FG Heading")
    st = doc.add_table(rows=4, cols=3)
    borders(st)
    widths(st, [4.2, 4.0, WIDTH_CM - 8.2])
    for c, text in enumerate(["", "Dato", "Underskrift"]):
        set_text(st.cell(0, c), text, "FG Field")
        shade(st.cell(0, c))
    header_row(st.rows[0])
    set_text(st.cell(1, 0), "{%tr for s in signatures %}", "FG Small")
    set_text(st.cell(2, 0), "{{ s }}", "FG Field")
    st.rows[2].height = Cm(1.1)
    set_text(st.cell(3, 0), "{%tr endfor %}", "FG Small")
    p(doc, "{%p endif %}")
    p(doc, "Skema-id {{ code }} · Spørgsmål om skemaet: kontakt din jobkonsulent.", "FG Footer")


def report_body(doc: Document) -> None:
    """The citizen's progression report."""
    p(doc, "Progressionsrapport", "FG Title")
    p(doc, "{{ citizen.name }} · {{ period }}", "FG Subtitle")
    meta = doc.add_table(rows=3, cols=4)
    borders(meta)
    widths(meta, META_CM)
    cells = [("Borger", "{{ citizen.name }} ({{ citizen.ref }})", "Virksomhed", "{{ citizen.company }}"),
             ("Mentor", "{{ citizen.mentor }}", "Konsulent", "{{ citizen.consultant }}"),
             ("Indsats", "{{ citizen.programme }}", "Runder", "{{ rounds_text }}")]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            set_text(meta.cell(r, c), text, "FG Meta")
            if c % 2 == 0:
                shade(meta.cell(r, c))
                meta.cell(r, c).paragraphs[0].runs[0].bold = True
    p(doc, "", "FG Small")
    p(doc, "{{ overview }}", "FG Intro")

    p(doc, "{%p if spider %}")
    p(doc, "Spindelvæv: hvor står borgeren nu?", "FG Heading")
    p(doc, "{{ spider }}", "FG Meta").alignment = WD_ALIGN_PARAGRAPH.CENTER
    p(doc, "{{ spider_caption }}", "FG Small")
    p(doc, "{%p endif %}")

    p(doc, "Scorer pr. område", "FG Heading")
    loop_table(doc, ["Område", "Borger", "Mentor", "Konsulent"], ["label", "borger", "mentor", "konsulent"],
               [5.4, 4.0, 4.0, 4.0], "score_rows")
    p(doc, "{{ score_note }}", "FG Small")

    p(doc, "{%p if trends %}")
    p(doc, "Udvikling over runderne", "FG Heading")
    p(doc, "{{ trends }}", "FG Meta").alignment = WD_ALIGN_PARAGRAPH.CENTER
    p(doc, "{%p endif %}")

    p(doc, "Enighed mellem borger, mentor og konsulent", "FG Heading")
    p(doc, "{%p for s in agreement %}")
    p(doc, "{{r s }}", "FG Intro")
    p(doc, "{%p endfor %}")

    p(doc, "{%p if delmaal %}")
    p(doc, "Delmål", "FG Heading")
    loop_table(doc, ["Område", "Vurderet af", "Delmål", "Derefter", "Status"], ["label", "who", "goal", "after", "status"],
               [5.0, 2.8, 3.2, 3.2, 3.2], "delmaal", var="d")
    p(doc, "{%p endif %}")

    p(doc, "{%p if aftale %}")
    p(doc, "Arbejdsaftale over tid", "FG Heading")
    loop_table(doc, ["Runde", "Timer pr. uge", "Aftalt fremover", "Opgaver", "Ændringer"],
               ["round", "hours", "next", "tasks", "changes"], [2.0, 2.8, 2.8, 5.0, 4.8], "aftale", var="a")
    p(doc, "{%p endif %}")

    p(doc, "{%p if texts %}")
    p(doc, "Svar i ord", "FG Heading")
    p(doc, "{%p for g in texts %}")
    p(doc, "{{ g.label }}", "FG Label")
    p(doc, "{%p for a in g.answers %}")
    p(doc, "{{ a.who }}, runde {{ a.round }} – {{ a.field }}: {{ a.text }}", "FG Small")
    p(doc, "{%p endfor %}")
    p(doc, "{%p endfor %}")
    p(doc, "{%p endif %}")

    p(doc, "Udkast til journalnotat", "FG Heading")
    p(doc, "Teksten er et udkast, som konsulenten retter til, før den kopieres til journalen.", "FG Instruction")
    p(doc, "{%p for para in journal %}")
    p(doc, "{{ para }}", "FG Intro")
    p(doc, "{%p endfor %}")


def loop_table(container, headers: list[str], keys: list[str], cms: list[float], loop: str, var: str = "r",
               right: tuple[int, ...] = ()):
    """A bordered table with a shaded header and one row per item of `loop` (docxtpl {%tr %})."""
    t = container.add_table(rows=4, cols=len(headers))
    borders(t)
    widths(t, cms)
    for c, text in enumerate(headers):
        set_text(t.cell(0, c), text, "FG Field")
        shade(t.cell(0, c))
    header_row(t.rows[0])
    set_text(t.cell(1, 0), "{%%tr for %s in %s %%}" % (var, loop), "FG Small")
    for c, key in enumerate(keys):
        set_text(t.cell(2, c), "{{ %s.%s }}" % (var, key), "FG Meta")
        if c in right:
            t.cell(2, c).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            t.cell(0, c).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    cant_split(t.rows[2])
    set_text(t.cell(3, 0), "{%tr endfor %}", "FG Small")
    return t


def overview_body(doc: Document) -> None:
    """The management overview: numbers across citizens, never a name or a case number."""
    p(doc, "Ledelsesoverblik", "FG Title")
    p(doc, "Progression på tværs af borgere · {{ period }}", "FG Subtitle")
    t = loop_table(doc, ["Nøgletal", "I perioden"], ["label", "value"], [6.0, WIDTH_CM - 6.0], "key")
    t.cell(2, 0).paragraphs[0].runs[0].bold = True
    p(doc, "", "FG Small")
    p(doc, "Overblikket samler borgernes, mentorernes og konsulenternes vurderinger, så indsatserne kan "
           "dimensioneres på et dokumenteret grundlag. Det viser ingen navne eller sagsnumre, og tal, der bygger "
           "på færre end 5 borgere, vises som »færre end 5«, så ingen kan genkendes.", "FG Intro")
    p(doc, "{%p if too_few %}")
    p(doc, "Udvalget omfatter færre end 5 borgere, så tallene vises ikke. Vælg en længere periode eller en "
           "bredere gruppering.", "FG Label")
    p(doc, "{%p endif %}")
    p(doc, "{%p if not too_few %}")
    p(doc, "Returnering pr. respondent", "FG Heading")
    loop_table(doc, ["Respondent", "Sendt", "Returneret", "Returprocent"], ["who", "sent", "returned", "rate"],
               [5.4, 4.0, 4.0, 4.0], "returns", right=(1, 2, 3))
    p(doc, "Progression pr. område", "FG Heading")
    loop_table(doc, ["Område", "Borgere", "Første", "Seneste", "Ændring", "Med fremgang", "Delmål nået"],
               ["label", "n", "first", "latest", "change", "improved", "delmaal"],
               [3.6, 2.0, 1.7, 2.0, 2.0, 2.3, 3.8], "indicators", right=(1, 2, 3, 4))
    p(doc, "Gennemsnit på en skala fra 0 (laveste trin) til 100 (højeste trin) for borgere med mindst to målinger "
           "i perioden. Ændring er seneste minus første måling.", "FG Small")
    p(doc, "Efter {{ by_title }}", "FG Heading")
    loop_table(doc, ["{{ by_title|capitalize }}", "Borgere", "Ændring", "Delmål nået"],
               ["group", "n", "change", "delmaal"], [6.4, 2.6, 3.0, 5.4], "groups", right=(1, 2))
    p(doc, "Ændring er gennemsnittet over alle områder; hver borger tæller lige meget.", "FG Small")
    p(doc, "Enighed mellem respondenterne", "FG Heading")
    at = loop_table(doc, ["Område", "Borgere", "Sammenligninger", "Stor forskel", "Retning ved stor forskel"],
                    ["label", "n", "comparisons", "large", "directions"], [3.6, 2.0, 3.7, 2.2, 5.9], "agreement",
                    right=(1, 2, 3))
    set_text(at.cell(2, 4), "{%p for d in r.directions %}", "FG Meta")
    p(at.cell(2, 4), "{{ d }}", "FG Meta")
    p(at.cell(2, 4), "{%p endfor %}", "FG Meta")
    p(doc, "En sammenligning er én borger i én runde med svar fra mindst to respondenter. Stor forskel: 20 point "
           "eller mere på skalaen 0–100.", "FG Small")
    p(doc, "{%p if spider %}")
    p(doc, "Hele gruppen: første og seneste måling", "FG Heading")
    p(doc, "{{ spider }}", "FG Meta").alignment = WD_ALIGN_PARAGRAPH.CENTER
    p(doc, "{{ spider_caption }}", "FG Small")
    p(doc, "{%p endif %}")
    p(doc, "{%p endif %}")
    p(doc, "Sådan er tallene regnet", "FG Heading")
    p(doc, "{%p for m in method %}")
    p(doc, "– {{ m }}", "FG Small")
    p(doc, "{%p endfor %}")


def company_body(doc: Document) -> None:
    """The company's feedback sheet: the mentor's own ratings, what moved, the agreed delmål and arbejdsaftale."""
    p(doc, "Tilbagemelding til virksomheden", "FG Title")
    p(doc, "{{ company }} · runde {{ round }}{% if date %} ({{ date }}){% endif %}", "FG Subtitle")
    p(doc, "{{ intro }}", "FG Intro")
    p(doc, "{{ note }}", "FG Small")
    p(doc, "{%p for c in citizens %}")
    p(doc, "{{ c.name }}", "FG Heading")
    p(doc, "{%p if c.rows %}")
    t = loop_table(doc, ["Område", "Sidst", "Nu", "Udvikling", "Næste delmål", "Jeres kommentar"],
                   ["label", "before", "now", "change", "goal", "comment"], [5.0, 2.4, 1.0, 2.3, 1.8, 4.9], "c.rows",
                   var="row", right=(2, 4))
    for cell in t.rows[2].cells:  # a little smaller than body text, so a company's citizens fit one page
        cell.paragraphs[0].runs[0].font.size = Pt(9)
    p(doc, "{%p endif %}")
    p(doc, "{%p if c.missing %}")
    p(doc, "{{ c.missing }}", "FG Instruction")
    p(doc, "{%p endif %}")
    p(doc, "{%p if c.texts %}")
    p(doc, "Jeres bemærkninger", "FG Field")
    p(doc, "{%p for t in c.texts %}")
    p(doc, "{{ t }}", "FG Small")
    p(doc, "{%p endfor %}")
    p(doc, "{%p endif %}")
    p(doc, "{%p for a in c.agreed %}")
    p(doc, "{{r a }}", "FG Meta")
    p(doc, "{%p endfor %}")
    p(doc, "{%p endfor %}")


def kompetencekort_body(doc: Document) -> None:
    """The candidate's kompetencekort: a reference an employer who never heard of formgen understands."""
    p(doc, "Kompetencekort", "FG Title")
    p(doc, "{{ candidate }}", "FG Subtitle")
    meta = doc.add_table(rows=2, cols=4)
    borders(meta)
    widths(meta, META_CM)
    cells = [("Kandidat", "{{ candidate }}", "Virksomhed", "{{ company }}"),
             ("Vurderet af", "{{ assessors }}", "Periode", "{{ period }}")]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            set_text(meta.cell(r, c), text, "FG Meta")
            if c % 2 == 0:
                shade(meta.cell(r, c))
                meta.cell(r, c).paragraphs[0].runs[0].bold = True
    p(doc, "", "FG Small")
    p(doc, "{%p for para in intro %}")
    p(doc, "{{ para }}", "FG Intro")
    p(doc, "{%p endfor %}")
    p(doc, "Sådan læses niveauerne", "FG Heading")
    lv = loop_table(doc, ["Niveau", "Det betyder"], ["step", "text"], [2.4, WIDTH_CM - 2.4], "levels", var="lv")
    lv.cell(2, 0).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    p(doc, "{%p for g in groups %}")
    p(doc, "{{ g.title }}", "FG Heading")
    p(doc, "{%p if g.description %}")
    p(doc, "{{ g.description }}", "FG Small").paragraph_format.keep_with_next = True  # heading stays with its table
    p(doc, "{%p endif %}")
    t = loop_table(doc, ["Kompetence", "Niveau", "Hvor er det set", "Dato", "Udvikling"],
                   ["name", "level", "place", "date", "trend"], [4.2, 3.6, 3.0, 2.4, 4.2], "g.rows", var="row")
    set_text(t.cell(2, 0), "{{ row.name }}", "FG Label")
    p(t.cell(2, 1), "{{ row.words }}", "FG Small")
    p(t.cell(2, 4), "{%p for h in row.history %}")
    p(t.cell(2, 4), "{{ h }}", "FG Small")
    p(t.cell(2, 4), "{%p endfor %}")
    p(doc, "{%p endfor %}")
    p(doc, "{%p if assessments|length > 1 %}")
    p(doc, "Vurderingerne", "FG Heading")
    loop_table(doc, ["Dato", "Vurderet af", "Stilling", "Virksomhed", "Kompetencer"],
               ["date", "name", "role", "company", "count"], [2.5, 4.0, 3.2, 4.9, 2.8], "assessments", var="a",
               right=(4,))
    p(doc, "{%p endif %}")
    p(doc, "{%p if note %}")
    p(doc, "Kandidatens egne bemærkninger", "FG Heading")
    p(doc, "{{ note }}", "FG Intro")
    p(doc, "{%p endif %}")
    p(doc, "", "FG Small")
    p(doc, "{{ issued }}", "FG Small")


def build(body, out: Path, footer: str | None = None) -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(1.8)
    sec.top_margin, sec.bottom_margin = Cm(2.6), Cm(1.8)
    styles(doc)
    header_footer(doc, **({"footer": footer} if footer else {}))
    body(doc)
    first = doc.paragraphs[0]
    if not first.text:
        first._p.getparent().remove(first._p)
    # Each document formgen writes gets its own title, subject and author (the organisation); these
    # are what a template opened as it is shows, in Danish, and python-docx's own description goes.
    props = doc.core_properties
    props.title, props.subject, props.author = TITLES[out.stem], "", ""
    props.comments, props.language = "", LANG
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    print(f"wrote {out}", file=sys.stderr)


def main() -> None:
    build(body, TEMPLATES / "form.docx")
    build(report_body, TEMPLATES / "report.docx",
          footer="Progressionsrapport · {{ citizen.ref }} · udskrevet {{ printed }}{% if org.contact %} · {{ org.contact }}{% endif %}")
    build(overview_body, TEMPLATES / "overview.docx",
          footer="Ledelsesoverblik · {{ period }} · udskrevet {{ printed }}{% if org.contact %} · {{ org.contact }}{% endif %}")
    build(company_body, TEMPLATES / "company.docx",
          footer="Tilbagemelding til {{ company }} · runde {{ round }} · udskrevet {{ printed }}"
                 "{% if org.contact %} · {{ org.contact }}{% endif %}")
    build(kompetencekort_body, TEMPLATES / "kompetencekort.docx",
          footer="Kompetencekort · {{ candidate }} · udstedt af {{ org.name }} {{ printed }}"
                 "{% if org.contact %} · {{ org.contact }}{% endif %}")


if __name__ == "__main__":
    main()
