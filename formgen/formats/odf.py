"""OpenDocument (.odt/.ods) returns: the identity they carry themselves, in meta.xml.

LibreOffice keeps a form's custom properties as user-defined properties when it saves ODF (see
docs/file-format.md); intake reads the answers from a .docx/.xlsx copy LibreOffice converts, and
the identity from the original as well, so that it does not rest on the conversion alone.
"""
from __future__ import annotations

from formgen.formats.package import open_zip

__all__ = ["META_PART", "META_NS", "check", "properties"]

META_PART = "meta.xml"
META_NS = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"


def check(data: bytes, name: str) -> None:
    """Refuse an ODF package whose directory fails the budgets or name checks, before LibreOffice sees it."""
    open_zip(data, name)


def properties(data: bytes, name: str) -> dict[str, str]:
    """The user-defined properties in meta.xml ({} when there are none); Refused when it is unsafe."""
    from lxml import etree

    parts = open_zip(data, name)
    if META_PART not in parts:
        return {}
    try:
        root = etree.fromstring(parts[META_PART], etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:  # the answers may still be read: the identity falls back to the copy's
        return {}
    out = {}
    for prop in root.iter(f"{{{META_NS}}}user-defined"):
        key = prop.get(f"{{{META_NS}}}name")
        if key:
            out[key] = "".join(prop.itertext())
    return out
