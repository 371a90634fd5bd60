"""Writing a form: the docxtpl template rendered once per form × role × round (Master), then personalised per file."""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from formgen.core.identity import Identity
from formgen.forms.definition import DONT_KNOW, Band, Item
from formgen.forms.view import META, FormView, Prefill
from formgen.formats.ooxml import CUSTOM_PART, Template, custom_xml, ensure_custom_part, read_parts, xml_text

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

__all__ = [
    "KIND", "CODE_TOKEN", "PLACEHOLDER_CHOICE", "PLACEHOLDER_TEXT", "BOX", "TWIPS_PER_CM", "MAIN_CELL_CM",
    "ACCENT", "recolour", "Master", "Controls", "text_control", "scale_table", "context", "build_master",
    "personalise", "DOC_PARTS", "GLOSSARY", "glossary_xml", "add_glossary",
]


KIND = "docx"
CODE_TOKEN = "\u27e6FGCODE\u27e7"  # stands for the per-file form code in the master
PLACEHOLDER_CHOICE = "\u2002vælg\u2002"
PLACEHOLDER_TEXT = "Skriv her"
# Run look of an answer: a light box, so it reads as a field on screen and on paper.
BOX = ('<w:bdr w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
       '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>')
TWIPS_PER_CM = 567
MAIN_CELL_CM = 13.0 - 0.4  # the indicator table's second column (tools/make_templates.py) minus cell margins
ACCENT = "1F4E79"  # the template's default accent colour, replaced by the organisation's


def recolour(styles: bytes, colour: str) -> bytes:
    """A template's styles.xml in the organisation's colour instead of ACCENT."""
    return styles.replace(f'w:val="{ACCENT}"'.encode(), f'w:val="{colour.lstrip("#")}"'.encode())


@dataclass(frozen=True)
class Master:
    """A rendered form for one form × role × round × date, waiting for per-file values."""

    parts: dict[str, bytes]
    blank: bool


class Controls:
    """Builds content-control XML with unique ids within one document."""

    def __init__(self, start: int = 1000):
        self._ids = itertools.count(start)

    def dropdown(self, tag: str, alias: str, choices: list[str]) -> Markup:
        items = "".join(f'<w:listItem w:displayText="{xml_text(c)}" w:value="{xml_text(c)}"/>' for c in choices)
        return Markup(
            f'<w:sdt><w:sdtPr><w:rPr>{BOX}</w:rPr><w:alias w:val="{xml_text(alias)}"/><w:tag w:val="{tag}"/>'
            f'<w:id w:val="{next(self._ids)}"/>{_placeholder(PLACEHOLDER_CHOICE)}<w:dropDownList>{items}</w:dropDownList>'
            f'</w:sdtPr><w:sdtContent><w:r><w:rPr>{BOX}</w:rPr>'
            f'<w:t xml:space="preserve">{PLACEHOLDER_CHOICE}</w:t></w:r></w:sdtContent></w:sdt>'
        )

    def text(self, tag: str, alias: str, value: str = "", lines: int = 1, placeholder: str = PLACEHOLDER_TEXT) -> Markup:
        return Markup(text_control(tag, alias, next(self._ids), value, lines, placeholder))


def text_control(tag: str, alias: str, sdt_id: int, value: str = "", lines: int = 1,
                 placeholder: str = PLACEHOLDER_TEXT) -> str:
    """An inline plain-text control; empty ones show a placeholder with room for `lines` lines."""
    multi = ' w:multiLine="1"' if lines > 1 else ""
    head = (f'<w:sdt><w:sdtPr><w:alias w:val="{xml_text(alias)}"/><w:tag w:val="{tag}"/>'
            f'<w:id w:val="{sdt_id}"/>')
    if value:
        return (f'{head}<w:text{multi}/></w:sdtPr><w:sdtContent><w:r>'
                f'<w:t xml:space="preserve">{xml_text(value)}</w:t></w:r></w:sdtContent></w:sdt>')
    return (f'{head}{_placeholder(placeholder)}<w:text{multi}/></w:sdtPr><w:sdtContent><w:r>'
            f'<w:t xml:space="preserve">{placeholder}</w:t></w:r></w:sdtContent></w:sdt>')


# Placeholders as Word stores them: the text is a docPart of the glossary document (styled there),
# the control names it and says it shows it. The run in the control has no placeholder style, so
# text typed over it has the normal style (LibreOffice 25 keeps the style of the run it types into).
DOC_PARTS = {PLACEHOLDER_CHOICE: "FGVaelg", PLACEHOLDER_TEXT: "FGSkrivHer", "dd-mm-åååå": "FGDato",
             "\u2002" * 12: "FGTom"}
GLOSSARY = "word/glossary/document.xml"


def _placeholder(text: str) -> str:
    return f'<w:placeholder><w:docPart w:val="{DOC_PARTS[text]}"/></w:placeholder><w:showingPlcHdr/>'


def glossary_xml() -> bytes:
    """The glossary document holding every placeholder docPart (gallery 'placeholder', as Word's)."""
    body = "".join(
        f'<w:docPart><w:docPartPr><w:name w:val="{name}"/><w:category><w:name w:val="Generelt"/>'
        f'<w:gallery w:val="placeholder"/></w:category><w:types><w:type w:val="bbPlcHdr"/></w:types>'
        f'<w:behaviors><w:behavior w:val="content"/></w:behaviors><w:guid w:val="{{{_guid(name)}}}"/>'
        f'</w:docPartPr><w:docPartBody><w:p><w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>'
        f'<w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:p></w:docPartBody></w:docPart>'
        for text, name in DOC_PARTS.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:glossaryDocument xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:docParts>{body}</w:docParts></w:glossaryDocument>').encode("utf-8")


def _guid(name: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"formgen:{name}")).upper()


def add_glossary(parts: dict[str, bytes]) -> None:
    """The glossary part, its relationship from the body and its content type."""
    parts[GLOSSARY] = glossary_xml()
    rels = "word/_rels/document.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", (
        b'<Relationship Id="rIdFGGlossary" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/glossaryDocument" Target="glossary/document.xml"/></Relationships>'))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/word/glossary/document.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.wordprocessingml.document.glossary+xml"/></Types>'))


def _cell(text: str, style: str, width: int, span: int = 1, fill: str = "") -> str:
    span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    shd = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}{shd}<w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{xml_text(text)}</w:t>'
            f'</w:r></w:p></w:tc>')


def scale_table(bands: list[Band], steps: int, dont_know: bool, width_cm: float = MAIN_CELL_CM) -> Markup:
    """The printed scale: a row of numbered boxes to circle, anchor texts under their bands."""
    total = int(width_cm * TWIPS_PER_CM)
    dk = int(1.5 * TWIPS_PER_CM) if dont_know else 0
    col = (total - dk) // steps
    grid = "".join(f'<w:gridCol w:w="{col}"/>' for _ in range(steps)) + (f'<w:gridCol w:w="{dk}"/>' if dk else "")
    nums = "".join(_cell(str(n), "FGStep", col) for n in range(1, steps + 1))
    anchors = ""
    for b in bands:
        lo, hi = b.span
        anchors += _cell(b.text, "FGAnchor", col * (hi - lo + 1), span=hi - lo + 1, fill="F2F2F2")
    if dk:
        nums += _cell("?", "FGStep", dk)
        anchors += _cell(f"{DONT_KNOW} / ikke relevant", "FGAnchor", dk, fill="F2F2F2")
    borders = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
                      for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return Markup(
        f'<w:tbl><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders>'
        f'<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="28" w:type="dxa"/><w:right w:w="28" w:type="dxa"/>'
        f'</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        f'<w:tr><w:trPr><w:cantSplit/></w:trPr>{nums}</w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr>{anchors}</w:tr></w:tbl>'
    )


def _answers(ctl: Controls, item: Item, choices: list[str]) -> Markup:
    """The paragraph content with the Nu / Næste delmål dropdowns."""
    from formgen.forms.definition import MARK_TITLES

    out = []
    for n, mark in enumerate(item.marks):
        gap = "        " if n else ""
        out.append(f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{gap}{MARK_TITLES[mark]}: </w:t></w:r>')
        out.append(ctl.dropdown(f"fg:{item.key}:{mark}", f"{MARK_TITLES[mark]} – {item.label}", choices))
    return Markup("".join(out))


def context(v: FormView, org: Organisation, round_no: int | None, date_str: str, ctl: Controls) -> dict:
    """The docxtpl context for a master (per-file values are tokens)."""
    d, scale = v.definition, v.definition.scale
    sections = [{
        "title": sec.title, "intro": sec.intro,
        "indicators": [{
            "label": it.label, "description": it.description, "question": it.wording(v.role),
            "help": list(it.help), "evidence": it.evidence,
            "scale": scale_table(v.bands(it), scale.steps, scale.dont_know),
            "answers": _answers(ctl, it, v.choices),
            "texts": [{"label": t.label, "lines": t.lines,
                       "control": ctl.text(f"fg:{it.key}:{t.key}", f"{t.label} – {it.label}", lines=t.lines)}
                      for t in it.texts],
        } for it in sec.items],
    } for sec in v.sections]
    texts = [{
        "title": sec.title, "intro": sec.intro,
        "fields": [{"label": f.label, "lines": f.lines, "control": ctl.text(f"fg:{sec.key}:{f.key}", f.label, lines=f.lines,
                                                           placeholder="dd-mm-åååå" if f.type == "date" else PLACEHOLDER_TEXT)}
                   for f in sec.fields],
    } for sec in v.texts]
    level_choices = [c for c in v.choices]
    groups = [{
        "title": g.title, "description": g.description, "examples": ", ".join(g.examples),
        "rows": [{
            "kompetence": ctl.text(f"fg:{g.key}_{n}:kompetence", f"{g.title} {n}: kompetence"),
            "level": ctl.dropdown(f"fg:{g.key}_{n}:now", f"{g.title} {n}: niveau", level_choices),
            "sted": ctl.text(f"fg:{g.key}_{n}:sted", f"{g.title} {n}: hvor observeret"),
            "dato": ctl.text(f"fg:{g.key}_{n}:dato", f"{g.title} {n}: dato", placeholder="dd-mm-åååå"),
        } for n in range(1, g.rows + 1)],
    } for g in v.groups]
    from formgen.forms.definition import ROLE_TITLES

    return {
        "org": {"name": org.name, "unit": org.unit, "contact": org.contact},
        "form": {"id": d.id, "version": d.version, "title": d.title, "intro": d.intro},
        "role_title": v.role_title, "round": round_no or "____", "code": CODE_TOKEN,
        "meta": {key: Markup(f"<!--FGMETA:{key}-->") for key, _ in META},
        "has_scores": v.has_scores, "dont_know": scale.dont_know,
        "sections": sections, "texts": texts, "groups": groups,
        "steps_text": f"1–{scale.steps}",
        "scale_legend": scale_table(v.bands(), scale.steps, scale.dont_know, 17.2) if v.groups else "",
        "signatures": [ROLE_TITLES[r] for r in d.respondents] if d.signatures else [],
    }


def build_master(v: FormView, org: Organisation, logo: Path, template: Path,
                 round_no: int | None, date_str: str, blank: bool) -> Master:
    """Render the template once for a form × role × round × date."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate
    from PIL import Image

    from formgen.formats.access import picture, danish, form_title, set_core

    tpl = DocxTemplate(str(template))
    ctx = context(v, org, round_no, date_str, Controls())
    with Image.open(logo) as img:
        ratio = img.width / img.height
    size = {"width": Mm(55)} if ratio > 55 / 15 else {"height": Mm(15)}
    ctx["logo"] = picture(tpl, str(logo), f"Logo: {org.name}", **size)
    tpl.render(ctx, autoescape=True)
    # The master is shared by every file of this form × role × round: no one's name or case number here.
    set_core(tpl.docx.core_properties, form_title(v.definition.title, v.role_title, round_no),
             f"Skema til {v.role_title.lower()}: {v.definition.id} version {v.definition.version}", org.name)
    buf = io.BytesIO()
    tpl.save(buf)
    parts = read_parts(buf.getvalue())
    parts["word/styles.xml"] = danish(recolour(parts["word/styles.xml"], org.colour))
    ensure_custom_part(parts)
    add_glossary(parts)
    master = Master(parts, blank)
    _package(master)  # compress once, before any copy (and before workers fork)
    return master


def personalise(master: Master, identity: Identity, pre: Prefill) -> bytes:
    """One finished file: the master with this file's code, metadata and identity properties.

    The master is compressed once (ooxml.Template); per file only the code, the metadata controls
    and docProps/custom.xml are spliced in, so a copy costs about as much as writing it.
    """
    values = {_CODE: identity.code.encode()}
    for n, (key, label) in enumerate(META):
        ctl = text_control(f"fg:meta:{key}", label, 900 + n, pre.get(key), placeholder="\u2002" * 12)
        values[_META[n]] = ctl.encode("utf-8")
    return _package(master).render(values, {CUSTOM_PART: custom_xml(identity.props())})


_CODE = CODE_TOKEN.encode()
_META = tuple(f"<!--FGMETA:{key}-->".encode() for key, _ in META)


def _tokens(name: str) -> tuple[bytes, ...]:
    """What personalise replaces in a part: the code in word/*.xml, the metadata in the body."""
    if not (name.startswith("word/") and name.endswith(".xml")):
        return ()
    return (_CODE,) + _META if name == "word/document.xml" else (_CODE,)


def _package(master: Master) -> Template:
    """The master's parts compressed once (kept on the master)."""
    tpl = master.__dict__.get("_template")
    if tpl is None:
        tpl = Template(master.parts, _tokens, (CUSTOM_PART,))
        object.__setattr__(master, "_template", tpl)
    return tpl
