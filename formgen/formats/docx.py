"""Word (.docx) forms: writing them (docxtpl template + content controls) and the tagging scheme.

Every answer is an inline content control tagged fg:<key>:<field>; score fields are dropdowns whose
item text and value are the plain step numbers. The one-row-per-indicator table (label in the first
cell) keeps answers recoverable when a program strips the tags (LibreOffice 7.4, Google Docs).
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from formgen.forms.definition import DONT_KNOW, Band, Item
from formgen.core.identity import Identity
from formgen.formats.ooxml import CUSTOM_PART, Template, custom_xml, ensure_custom_part, read_parts, xml_text
from formgen.forms.view import META, FormView, Prefill

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

KIND = "docx"
CODE_TOKEN = "\u27e6FGCODE\u27e7"  # stands for the per-file form code in the master
PLACEHOLDER_CHOICE = "\u2002vælg\u2002"
PLACEHOLDER_TEXT = "Skriv her"
# Run look of an answer: a light box, so it reads as a field on screen and on paper.
BOX = ('<w:bdr w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
       '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>')
TWIPS_PER_CM = 567
MAIN_CELL_CM = 13.2 - 0.4  # the indicator table's second column minus cell margins
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
            f'<w:id w:val="{next(self._ids)}"/><w:showingPlcHdr/><w:dropDownList>{items}</w:dropDownList></w:sdtPr>'
            f'<w:sdtContent><w:r><w:rPr><w:rStyle w:val="PlaceholderText"/>{BOX}</w:rPr>'
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
    return (f'{head}<w:showingPlcHdr/><w:text{multi}/></w:sdtPr><w:sdtContent><w:r>'
            f'<w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t xml:space="preserve">{placeholder}</w:t>'
            f'</w:r></w:sdtContent></w:sdt>')


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
    from docxtpl import DocxTemplate, InlineImage
    from PIL import Image

    tpl = DocxTemplate(str(template))
    ctx = context(v, org, round_no, date_str, Controls())
    with Image.open(logo) as img:
        ratio = img.width / img.height
    ctx["logo"] = InlineImage(tpl, str(logo), width=Mm(55)) if ratio > 55 / 15 else InlineImage(tpl, str(logo), height=Mm(15))
    tpl.render(ctx, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    parts = read_parts(buf.getvalue())
    parts["word/styles.xml"] = recolour(parts["word/styles.xml"], org.colour)
    ensure_custom_part(parts)
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


# ---------------------------------------------------------------------------------------------
# Reading. python-docx cannot see text inside content controls (NOTES.md), so we walk the XML.

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PLACEHOLDERS = {
    "vælg", "skriv her", "dd-mm-åååå", "vælg et element.", "vælg et element", "choose an item.",
    "klik eller tryk her for at skrive tekst.", "click or tap here to enter text.",
    "klik her for at skrive tekst.", "click here to enter text.",
}
MARK_LABELS = {"Nu": "now", "Næste delmål": "goal"}


def _xml(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             collect_ids=False)  # no xml:id table: we never look elements up by id
    return etree.fromstring(data, parser)


_T, _TAB, _BR, _CR, _P = W + "t", W + "tab", W + "br", W + "cr", W + "p"


def _text(el) -> str:
    """Visible text of an element: w:t (inserted text included, deleted text never), tabs, breaks."""
    out: list[str] = []
    for node in el.iter(_T, _TAB, _BR, _CR, _P):
        tag = node.tag
        if tag == _T:
            out.append(node.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag == _P:
            if out and out[-1] != "\n":
                out.append("\n")
        else:
            out.append("\n")
    return "".join(out).strip("\n")


def _first_code(el) -> str | None:
    """normalise(_text(el)), line by line, stopping at the first line with a code.

    A code never spans a line break, and _text only ever puts line breaks where a paragraph, w:br or
    w:cr is, so the first valid code of the first line holding one is the first of the whole text.
    """
    from formgen.core.identity import normalise

    line: list[str] = []
    for node in el.iter(_T, _TAB, _BR, _CR, _P):
        tag = node.tag
        if tag == _T:
            line.append(node.text or "")
        elif tag == _TAB:
            line.append("\t")
        elif line:
            if code := normalise("".join(line)):
                return code
            line = []
    return normalise("".join(line)) if line else None


_BODY: list = [None, None, None]  # [document.xml bytes, parsed root, [its code]]: identify() and read() share


def _body(data: bytes):
    """The parsed body, shared by identify() and read() of the same file (read-only use)."""
    if _BODY[0] is not data:
        root = _xml(data)
        _BODY[:] = [data, root, None]
    return _BODY[1]


def _body_code(data: bytes) -> str | None:
    """_first_code of the body, found once per file."""
    root = _body(data)
    if _BODY[2] is None:
        _BODY[2] = [_first_code(root)]
    return _BODY[2][0]


def is_placeholder(text: str) -> bool:
    return " ".join(text.replace("\u2002", " ").split()).lower() in PLACEHOLDERS


def identify(parts: dict[str, bytes]):
    """Identity properties and a form code found in the visible text (body, then footers)."""
    from formgen.formats.ooxml import read_custom

    code = None
    names = ["word/document.xml"] + sorted(n for n in parts if n.startswith("word/footer"))
    for name in names:
        if name in parts:
            code = _body_code(parts[name]) if name == "word/document.xml" else _first_code(_xml(parts[name]))
            if code:
                break
    return read_custom(parts), code


def properties(parts: dict[str, bytes]) -> dict[str, str]:
    """The identity properties alone (no visible text is searched)."""
    from formgen.formats.ooxml import read_custom

    return read_custom(parts)


def read(parts: dict[str, bytes], definition=None, role: str | None = None, identity=None):
    """Every answer in the file: by tag, and by table row for fields whose tags are gone.

    identity: (properties, visible code) when the caller has found them already."""
    from formgen.formats.extract import Extract, Found

    props, code = identity or identify(parts)
    root = _body(parts["word/document.xml"])
    found: list[Found] = []
    meta: dict[str, str] = {}
    for tag_el in root.iter(_TAG):  # each control's w:tag (one pass in C, not a path search per control)
        pr = tag_el.getparent()
        sdt = pr.getparent() if pr.tag == _SDT_PR else None
        tag = tag_el.get(_VAL, "")
        if sdt is None or sdt.tag != _SDT or not tag.startswith("fg:") or tag.count(":") != 2:
            continue
        _, key, fld = tag.split(":")
        content = sdt.find(_SDT_CONTENT)
        raw = _text(content) if content is not None else ""
        placeholder = pr.find(_PLACEHOLDER) is not None or is_placeholder(raw)
        if key == "meta":
            meta[fld] = "" if placeholder else raw.strip()
        else:
            found.append(Found(key, fld, "" if placeholder else raw, "tag", placeholder))
    if definition is not None:
        have = {(f.key, f.field) for f in found}
        # The layout only supplies fields whose tags are gone, and only this role's fields: when every
        # one was found by its tag (the usual case) there is nothing left for it to find.
        if role not in definition.respondents or not _field_keys(definition, role) <= have:
            found += [f for f in _by_layout(root, definition, role) if (f.key, f.field) not in have]
    return Extract(props, code, tuple(found), meta)


_SDT, _SDT_PR, _TAG, _VAL = W + "sdt", W + "sdtPr", W + "tag", W + "val"
_SDT_CONTENT, _PLACEHOLDER = W + "sdtContent", W + "showingPlcHdr"
_FIELD_KEYS: dict = {}  # (id(definition), role) -> (definition, its (key, field) pairs)


def _field_keys(d, role: str) -> frozenset:
    """{(key, field)} of the role's answer fields, worked out once per definition and role."""
    hit = _FIELD_KEYS.get((id(d), role))
    if hit is None or hit[0] is not d:
        if len(_FIELD_KEYS) > 64:
            _FIELD_KEYS.clear()
        hit = _FIELD_KEYS[(id(d), role)] = (d, frozenset((f.key, f.field) for f in d.fields(role)))
    return hit[1]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _cells(tr) -> list:
    return tr.findall(f"{W}tc") + tr.findall(f"{W}sdt/{W}sdtContent/{W}tc")


def _paras(tc) -> list[str]:
    """Texts of a cell's own paragraphs (not those of nested tables), placeholders removed."""
    texts = []
    for p in tc.iterchildren(W + "p", W + "sdt"):
        t = _text(p)
        texts.append("" if is_placeholder(t) else t)
    return texts


def _clean(text: str) -> str:
    return "" if is_placeholder(text) else text


def _by_layout(root, d, role):
    """The fallback: indicator rows by label, text rows by label, kompetencekort tables by order."""
    from formgen.formats.extract import Found
    from formgen.forms.view import view

    v = view(d, role) if role in d.respondents else None
    if v is None:
        return []
    rows = [(tr, _cells(tr)) for tr in root.iter(W + "tr")]
    by_label: dict[str, list] = {}
    for tr, cells in rows:
        if len(cells) >= 2:
            first = next((t for t in _paras(cells[0]) if t.strip()), "")
            by_label.setdefault(_norm(first), []).append(cells)
    out: list[Found] = []
    for item in v.items:
        for cells in by_label.get(_norm(item.label), []):
            out += _indicator_row(item, cells[1])
    for sec in v.texts:
        for f in sec.fields:
            for cells in by_label.get(_norm(f.label), []):
                out.append(Found(sec.key, f.key, _clean("\n".join(t for t in _paras(cells[1]) if t.strip())), "row"))
    out += _group_rows(rows, v)
    return out


def _indicator_row(item, cell):
    """Nu / Næste delmål values and text answers from an indicator's second cell."""
    import re

    from formgen.formats.extract import Found

    out = []
    paras = _paras(cell)
    for text in paras:
        if re.match(r"^\s*(Nu|Næste delmål)\s*:", text):
            for label, value in re.findall(r"(Nu|Næste delmål)\s*:\s*(.*?)\s*(?=(?:Nu|Næste delmål)\s*:|$)", text, re.S):
                value = _clean(value.strip())
                out.append(Found(item.key, MARK_LABELS[label], value, "row", placeholder=not value))
            break
    labels = {t.label for t in item.texts}
    for t in item.texts:
        if t.label in paras:
            answer = []
            for text in paras[paras.index(t.label) + 1:]:
                if text in labels or text.startswith("Hvorfor spørger vi?"):
                    break
                if text.strip():
                    answer.append(text)
            out.append(Found(item.key, t.key, "\n".join(answer), "row"))
    return out


def _group_rows(rows, v):
    """Kompetencekort tables (header 'Kompetence | Niveau | …'), matched to groups in order."""
    from formgen.formats.extract import Found

    tables, current = [], None
    for tr, cells in rows:
        texts = [_norm(" ".join(_paras(c))) for c in cells]
        if len(texts) == 4 and texts[0] == "Kompetence" and texts[1].startswith("Niveau"):
            current = []
            tables.append(current)
        elif current is not None and len(texts) == 4 and len(current) < 30:
            current.append([_clean(t) for t in texts])
        else:
            current = None
    out = []
    for g, table in zip(v.groups, tables):
        for n, values in enumerate(table[:g.rows], start=1):
            for fld, value in zip(("kompetence", "now", "sted", "dato"), values):
                out.append(Found(f"{g.key}_{n}", fld, value, "row", placeholder=not value))
    return out


def fill_answers(data: bytes, values: dict[str, str]) -> bytes:
    """Play the respondent: put answers into a form's controls the way Word stores them (demo, bench)."""
    from lxml import etree

    import io
    import zipfile

    from formgen.formats.ooxml import replace_parts

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = _xml(zf.read("word/document.xml"))
    for sdt in root.iter(W + "sdt"):
        tag_el = sdt.find(f"{W}sdtPr/{W}tag")
        tag = tag_el.get(W + "val") if tag_el is not None else None
        if tag not in values:
            continue
        pr = sdt.find(W + "sdtPr")
        for flag in pr.findall(W + "showingPlcHdr"):
            pr.remove(flag)
        content = sdt.find(W + "sdtContent")
        for child in list(content):
            content.remove(child)
        run = etree.SubElement(content, W + "r")
        for n, line in enumerate(str(values[tag]).split("\n")):
            if n:
                etree.SubElement(run, W + "br")
            t = etree.SubElement(run, W + "t")
            t.text = line
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    # only the body changes: the other parts are copied still compressed
    return replace_parts(data, {"word/document.xml": etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                                     standalone=True)})


def open_return(data: bytes, name: str, package=None):
    """A returned .docx opened for intake: identity now, answers when read (the FormFormat protocol)."""
    from formgen.formats.package import open_package
    from formgen.formats.registry import Opened
    from formgen.core.identity import normalise

    parts = (package or open_package(data, name)).parts
    props = properties(parts)
    # The visible code is only the fallback identity: searched for only when the properties lack one.
    visible = None if normalise(props.get("fg_code", "")) else identify(parts)[1]
    return Opened(KIND, props, visible, lambda d, role: read(parts, d, role, identity=(props, visible)))
