"""The OOXML package layer shared by the Word and Excel modules: zip parts and custom properties.

Identity lives in docProps/custom.xml because it survives every LibreOffice route (see NOTES.md).
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

CUSTOM_PART = "docProps/custom.xml"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def xml_text(value: str) -> str:
    """Escape text for an XML text node or attribute."""
    return escape(str(value), {'"': "&quot;"})


def custom_xml(props: dict[str, str]) -> bytes:
    """docProps/custom.xml holding string properties."""
    body = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{xml_text(k)}"><vt:lpwstr>{xml_text(v)}</vt:lpwstr></property>'
        for pid, (k, v) in enumerate(props.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{body}</Properties>"
    ).encode("utf-8")


def read_parts(data: bytes) -> dict[str, bytes]:
    """All parts of a package, in their original order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_parts(parts: dict[str, bytes]) -> bytes:
    """A package from parts ([Content_Types].xml first, as Office expects)."""
    buf = io.BytesIO()
    names = sorted(parts, key=lambda n: n != "[Content_Types].xml")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), parts[name],
                        compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ensure_custom_part(parts: dict[str, bytes]) -> None:
    """Register docProps/custom.xml in [Content_Types].xml and _rels/.rels if it is not there yet."""
    ct = parts["[Content_Types].xml"].decode("utf-8")
    if f'PartName="/{CUSTOM_PART}"' not in ct:
        ct = ct.replace("</Types>", f'<Override PartName="/{CUSTOM_PART}" ContentType="{CUSTOM_CT}"/></Types>')
        parts["[Content_Types].xml"] = ct.encode("utf-8")
    rels = parts["_rels/.rels"].decode("utf-8")
    if CUSTOM_REL not in rels:
        rels = rels.replace("</Relationships>",
                            f'<Relationship Id="rIdFgCustom" Type="{CUSTOM_REL}" Target="{CUSTOM_PART}"/></Relationships>')
        parts["_rels/.rels"] = rels.encode("utf-8")
    parts.setdefault(CUSTOM_PART, custom_xml({}))


def read_custom(parts: dict[str, bytes]) -> dict[str, str]:
    """Custom string properties of a package ({} when there are none)."""
    from lxml import etree

    raw = parts.get(CUSTOM_PART)
    if not raw:
        return {}
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    out = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            out[name] = prop[0].text or ""
    return out
