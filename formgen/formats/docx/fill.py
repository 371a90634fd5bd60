"""Playing the respondent: answers put into a form's content controls as Word stores them (demo, bench, tests)."""
from __future__ import annotations

from formgen.formats.docx.reader import W, parse_xml

__all__ = ["fill_answers"]


def fill_answers(data: bytes, values: dict[str, str]) -> bytes:
    """Play the respondent: put answers into a form's controls the way Word stores them (demo, bench)."""
    from lxml import etree

    import io
    import zipfile

    from formgen.formats.ooxml import replace_parts

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = parse_xml(zf.read("word/document.xml"))
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
