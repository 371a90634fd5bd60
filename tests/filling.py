"""Fill generated files the way people's programs store answers — with lxml/openpyxl, never formgen."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree

WNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % WNS


def _rewrite(path: Path, part: str, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == part:
                root = etree.fromstring(data)
                edit(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zf.writestr(info, data)
    path.write_bytes(out.getvalue())


def _sdts(root) -> dict[str, list]:
    out: dict[str, list] = {}
    for sdt in root.iter(W + "sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag")
        if tag is not None:
            out.setdefault(tag.get(W + "val"), []).append(sdt)
    return out


def _set_content(sdt, text: str) -> None:
    """What Word does on a choice or typed text: drop the placeholder flag, one run with the text."""
    pr = sdt.find(W + "sdtPr")
    for flag in pr.findall(W + "showingPlcHdr"):
        pr.remove(flag)
    content = sdt.find(W + "sdtContent")
    for child in list(content):
        content.remove(child)
    lines = text.split("\n")
    run = etree.SubElement(content, W + "r")
    for n, line in enumerate(lines):
        if n:
            etree.SubElement(run, W + "br")
        t = etree.SubElement(run, W + "t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def fill_docx(path: Path, values: dict[str, str]) -> None:
    """values: {'fg:key:field': 'text'} chosen/typed into the content controls."""
    def edit(root):
        sdts = _sdts(root)
        for tag, text in values.items():
            _set_content(sdts[tag][0], text)
    _rewrite(path, "word/document.xml", edit)


def type_over_control_docx(path: Path, tag: str, text: str) -> None:
    """A person deletes the dropdown and types the number into the paragraph instead."""
    def edit(root):
        sdt = _sdts(root)[tag][0]
        run = etree.Element(W + "r")
        t = etree.SubElement(run, W + "t")
        t.text = text
        sdt.getparent().replace(sdt, run)
    _rewrite(path, "word/document.xml", edit)


def track_changes_docx(path: Path, tag: str, old: str, new: str) -> None:
    """Text typed with Track Changes on: the old value deleted (w:del), the new inserted (w:ins)."""
    def edit(root):
        sdt = _sdts(root)[tag][0]
        pr = sdt.find(W + "sdtPr")
        for flag in pr.findall(W + "showingPlcHdr"):
            pr.remove(flag)
        content = sdt.find(W + "sdtContent")
        for child in list(content):
            content.remove(child)
        d = etree.SubElement(content, W + "del", {W + "id": "901", W + "author": "Mentor"})
        etree.SubElement(etree.SubElement(d, W + "r"), W + "delText").text = old
        i = etree.SubElement(content, W + "ins", {W + "id": "902", W + "author": "Mentor"})
        etree.SubElement(etree.SubElement(i, W + "r"), W + "t").text = new
    _rewrite(path, "word/document.xml", edit)


def copy_row_docx(path: Path, label: str) -> None:
    """A person copies an indicator's table row (so its tags appear twice)."""
    def edit(root):
        for tr in root.iter(W + "tr"):
            first = "".join(tr.find(W + "tc").itertext()).strip()
            if first.startswith(label):
                tr.addnext(etree.fromstring(etree.tostring(tr)))
                return
    _rewrite(path, "word/document.xml", edit)


def strip_properties(path: Path) -> None:
    """Lose the custom properties (some tools drop them); the visible code must still identify the file."""
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist() if i.filename != "docProps/custom.xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, data)
    path.write_bytes(out.getvalue())


def fill_xlsx(path: Path, values: dict[str, str]) -> None:
    """values: {'fg.key.field': 'text'} typed into the named cells with openpyxl, as a person in Excel would."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for name, text in values.items():
        dn = wb.defined_names[name]
        [(sheet, ref)] = list(dn.destinations)
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = float(text) if text.replace(",", "").replace(".", "").isdigit() and "," not in text else text
        if isinstance(cell.value, float) and cell.value.is_integer():
            cell.value = int(cell.value)
    wb.save(path)


def fill_pdf(path: Path, values: dict[str, str]) -> None:
    """values: {'fg.key.field': 'text'} set in the AcroForm fields the way a PDF viewer saves them (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(path.read_bytes())))
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
