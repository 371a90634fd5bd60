"""Writing a form: the workbook built once per form × role × round (Master), then personalised per file."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.core.identity import Identity
from formgen.forms.view import META, FormView, Prefill
from formgen.formats.ooxml import CUSTOM_PART, Template, custom_xml, ensure_custom_part, read_parts, xml_text
from formgen.formats.access import LANG, form_title
from formgen.formats.xlsx.blocks import banner, intro, meta_block, page_setup, sections, signatures, text_sections, title_block
from formgen.formats.xlsx.groups import groups
from formgen.formats.xlsx.sheet import CODE_TOKEN, ESC_RE, ID_SHEET, SHEET, Sheet, clean, make_grid, styles

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

__all__ = ["Master", "protect", "identity_sheet", "build_master", "cell_xml", "personalise"]


@dataclass(frozen=True)
class Master:
    """A built workbook for one form × role × round, waiting for per-file values."""

    parts: dict[str, bytes]
    blank: bool
    slots: dict[str, tuple[tuple[bytes, str, str, str], ...]]  # part -> (marker, cell, style, value key)


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


def _logo_alt(parts: dict[str, bytes], org_name: str) -> None:
    """The logo's alternative text, which openpyxl writes as "Picture" (the logo is the only picture)."""
    alt = f'descr="{xml_text("Logo: " + clean(org_name))}"'.encode("utf-8")
    for name in [n for n in parts if n.startswith("xl/drawings/drawing") and n.endswith(".xml")]:
        parts[name] = parts[name].replace(b'descr="Picture"', alt)


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
    props = wb.properties  # the same on every file of this form × role × round: no personal data
    props.creator = props.lastModifiedBy = clean(org.name)
    props.title = clean(form_title(v.definition.title, v.role_title, round_no))
    props.subject = clean(f"Skema til {v.role_title.lower()}: {v.definition.id} version {v.definition.version}")
    props.language = LANG
    buf = io.BytesIO()
    wb.save(buf)
    parts = read_parts(buf.getvalue())
    _logo_alt(parts, org.name)
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
