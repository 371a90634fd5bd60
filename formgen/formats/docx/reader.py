"""Reading a returned form: answers by content-control tag, and by table row where tags are gone."""
from __future__ import annotations

from formgen.formats.docx.build import KIND
from formgen.formats.registry import open_ooxml
from formgen.forms.view import META

__all__ = [
    "W", "PLACEHOLDERS", "MARK_LABELS", "parse_xml", "is_placeholder", "identify", "properties", "read",
    "open_return",
]

# python-docx cannot see text inside content controls (NOTES.md), so we walk the XML.

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PLACEHOLDERS = {
    "vælg", "skriv her", "dd-mm-åååå", "vælg et element.", "vælg et element", "choose an item.",
    "klik eller tryk her for at skrive tekst.", "click or tap here to enter text.",
    "klik her for at skrive tekst.", "click here to enter text.",
}
MARK_LABELS = {"Nu": "now", "Næste delmål": "goal"}


def parse_xml(data: bytes):
    """Parse one part safely: no entities, no network, no DTD."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             collect_ids=False)  # no xml:id table: we never look elements up by id
    return etree.fromstring(data, parser)


_T, _TAB, _BR, _CR, _P = W + "t", W + "tab", W + "br", W + "cr", W + "p"


def _sibling_line(node) -> bool:
    """A w:t right after another w:t in one run: LibreOffice 7.4's way of writing a typed line break
    (Word never splits one line so), read as a new line."""
    prev = node.getprevious()
    return prev is not None and prev.tag == _T


def _text(el, lines: bool = True) -> str:
    """Visible text of an element: w:t (inserted text included, deleted text never), tabs, breaks.

    lines=False: sibling w:t joined as the file stores them (the raw text)."""
    out: list[str] = []
    for node in el.iter(_T, _TAB, _BR, _CR, _P):
        tag = node.tag
        if tag == _T:
            if lines and _sibling_line(node):
                out.append("\n")
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

    A code never spans a line break, and _text only ever puts line breaks where a paragraph, w:br,
    w:cr or a sibling w:t is, so the first valid code of the first line holding one is the first of
    the whole text.
    """
    from formgen.core.identity import normalise

    line: list[str] = []
    for node in el.iter(_T, _TAB, _BR, _CR, _P):
        tag = node.tag
        if tag == _T:
            if line and _sibling_line(node):
                if code := normalise("".join(line)):
                    return code
                line = []
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
        root = parse_xml(data)
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
            code = _body_code(parts[name]) if name == "word/document.xml" else _first_code(parse_xml(parts[name]))
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
            found.append(Found(key, fld, "" if placeholder else raw, "tag", placeholder,
                               _stored(raw, content, placeholder)))
    if len(meta) < len(META):  # tags stripped (LibreOffice 7.4): the block is read by its labels
        meta = {**_meta_by_layout(root), **meta}
    if definition is not None:
        have = {(f.key, f.field) for f in found}
        # The layout only supplies fields whose tags are gone, and only this role's fields: when every
        # one was found by its tag (the usual case) there is nothing left for it to find.
        if role not in definition.respondents or not _field_keys(definition, role) <= have:
            found += [f for f in _by_layout(root, definition, role) if (f.key, f.field) not in have]
    return Extract(props, code, tuple(found), meta)


def _stored(raw: str, el, placeholder: bool = False) -> str | None:
    """The text joined as the file stores it, when reading split sibling w:t into lines."""
    if placeholder or el is None or "\n" not in raw:
        return None
    joined = _text(el, lines=False)
    return None if joined == raw else joined


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


def _paras(tc, lines: bool = True) -> list[str]:
    """Texts of a cell's own paragraphs (not those of nested tables), placeholders removed."""
    texts = []
    for p in tc.iterchildren(W + "p", W + "sdt"):
        t = _text(p, lines)
        texts.append("" if is_placeholder(t) else t)
    return texts


def _joined(texts: list[str]) -> str:
    return "\n".join(t for t in texts if t.strip())


def _meta_by_layout(root) -> dict[str, str]:
    """The metadata block by its labels (Udfyldt af, Dato, …): label cell, value in the next cell.

    Only the table holding the Skema-id label is the block (a kompetencekort header also says Dato)."""
    keys = {label: key for key, label in META}
    out: dict[str, str] = {}
    for tbl in root.iter(W + "tbl"):
        rows = [[_norm(" ".join(_paras(c))) for c in _cells(tr)] for tr in tbl.iterchildren(W + "tr")]
        if not any("Skema-id" in texts for texts in rows):
            continue
        for texts in rows:
            for label, value in zip(texts, texts[1:]):
                if label in keys:
                    out.setdefault(keys[label], _clean(value).strip())
        break
    return out


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
                value = _clean(_joined(_paras(cells[1])))
            stored = _clean(_joined(_paras(cells[1], lines=False)))
            out.append(Found(sec.key, f.key, value, "row", stored=None if stored == value else stored))
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
    stored = _paras(cell, lines=False)  # the same paragraphs, sibling w:t not split
    for t in item.texts:
        if t.label in paras:
            start = end = paras.index(t.label) + 1
            while end < len(paras) and not (paras[end] in labels or paras[end].startswith("Hvorfor spørger vi?")):
                end += 1
            value, joined = _joined(paras[start:end]), _joined(stored[start:end])
            out.append(Found(item.key, t.key, value, "row", stored=None if joined == value else joined))
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


def open_return(data: bytes, name: str, package=None):
    """A returned .docx opened for intake: identity now, answers when read (the FormFormat protocol)."""
    return open_ooxml(KIND, data, name, package, properties, identify, read)
