"""Word templates prepared once per process for docxtpl, so that a batch of reports does not
parse, compile and re-compress the same template for every document.

A template's styles are most of it (report.docx: 790 KB of its 840 KB of XML) and rendering
never reads them. The prepared template keeps python-docx's own output of those big parts and
loads a copy of the template in which they are empty elements; after saving, they are put back.
docxtpl's cleaning of the template XML (patch_xml) and Jinja's compiling of it are done once and
remembered, keyed by the text they were made from. The document that comes out is byte for byte
the one docxtpl writes from the whole template.
"""
from __future__ import annotations

from dataclasses import dataclass

import io
from contextlib import contextmanager
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment

from formgen.core.errors import fail
from formgen.formats.access import picture, danish, set_core
from formgen.formats.docx import recolour

__all__ = ["Prepared", "prepared", "render", "fit", "rich", "MAX_IMAGE_MM", "Png"]

BIG = 16 * 1024  # parts smaller than this are left in the copy
SET_ASIDE = {  # content types of parts that rendering does not read
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
    "application/vnd.ms-word.stylesWithEffects+xml",
    "application/vnd.openxmlformats-officedocument.theme+xml",
}
STYLES = "word/styles.xml"
KEEP = 32  # remembered texts per template
TEMPLATES = 8  # prepared templates kept per process


def _remembered(memo: dict, text: str, make):
    """make(text), made once per text (at most KEEP texts are remembered)."""
    found = memo.get(text)
    if found is None:
        if len(memo) >= KEEP:
            memo.clear()
        found = memo[text] = make(text)
    return found


class _Environment(Environment):
    """Jinja's environment, compiling each template text once."""

    def __init__(self):
        super().__init__(autoescape=True)  # what docxtpl makes for render(autoescape=True)
        self.compiled: dict[str, object] = {}

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        return _remembered(self.compiled, source, super().from_string)


class _Template(DocxTemplate):
    """docxtpl's template on the prepared copy, cleaning each XML text once."""

    def __init__(self, prepared: Prepared):
        super().__init__(io.BytesIO(prepared.copy))
        self._patched = prepared.patched

    def patch_xml(self, src_xml):
        return _remembered(self._patched, src_xml, super().patch_xml)


class Prepared:
    """One template file (its bytes) for one accent colour."""

    def __init__(self, raw: bytes, colour: str):
        from docx import Document
        from lxml import etree

        from formgen.formats.ooxml import read_parts, write_parts

        parts = read_parts(raw)
        types = _content_types(parts["[Content_Types].xml"])
        aside = [name for name, data in parts.items() if types.get(name) in SET_ASIDE and len(data) >= BIG]
        buf = io.BytesIO()
        Document(io.BytesIO(raw)).save(buf)  # the big parts as python-docx writes them
        written = read_parts(buf.getvalue())
        self.restore = {name: written[name] for name in aside}
        self.colour = colour.lstrip("#")
        if STYLES in self.restore:
            self.restore[STYLES] = danish(recolour(self.restore[STYLES], self.colour))
        for name in aside:
            root = etree.fromstring(parts[name])
            parts[name] = etree.tostring(etree.Element(root.tag, nsmap=root.nsmap), xml_declaration=True,
                                         encoding="UTF-8", standalone=True)
        self.copy = write_parts(parts)
        self.env = _Environment()
        self.patched: dict[str, str] = {}

    def template(self) -> DocxTemplate:
        """A fresh docxtpl template to render once; render it with jinja_env=self.env, then finish() it."""
        return _Template(self)

    def finish(self, tpl: DocxTemplate) -> bytes:
        """The rendered document: its parts as docxtpl's save() writes them, with the big parts back and
        the accent colour replaced. The parts are taken from python-docx's package writer as it writes
        them, rather than zipped by save() only to be unzipped here (charts and logo included)."""
        from docx.opc.pkgwriter import PackageWriter

        from formgen.formats.ooxml import write_parts

        package = tpl.docx.part.package
        for part in package.parts:  # what OpcPackage.save() does, with a writer that keeps the parts
            part.before_marshal()
        out = _Parts()
        PackageWriter._write_content_types_stream(out, package.parts)
        PackageWriter._write_pkg_rels(out, package.rels)
        PackageWriter._write_parts(out, package.parts)
        parts = out.parts
        parts.update(self.restore)
        if STYLES not in self.restore:
            parts[STYLES] = danish(recolour(parts[STYLES], self.colour))
        return write_parts(parts)


class _Parts:
    """python-docx's physical package writer, keeping the parts instead of zipping them."""

    def __init__(self):
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob


def _content_types(xml: bytes) -> dict[str, str]:
    """Part name → content type, from [Content_Types].xml's overrides (where Word declares styles and themes)."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    return {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in etree.fromstring(xml).iter(ns + "Override")}


_PREPARED: dict[tuple[bytes, str], Prepared] = {}


def prepared(path: Path, colour: str) -> Prepared:
    """The prepared template for this file as it is now (its bytes are the key) and colour."""
    raw = Path(path).read_bytes()
    found = _PREPARED.get((raw, colour))
    if found is None:
        if len(_PREPARED) >= TEMPLATES:
            del _PREPARED[next(iter(_PREPARED))]
        found = _PREPARED[(raw, colour)] = Prepared(raw, colour)
    return found


def rich(runs: list[tuple[str, dict]]):
    """Formatted text for a template's {{r }} tag: runs of (text, style), e.g. ("Note: ", {"bold": True})."""
    from docxtpl import RichText

    rt = RichText()
    for text, style in runs:
        rt.add(text, **style)
    return rt


@dataclass(frozen=True)
class Png:
    """A picture anywhere in a template's context (a handwritten answer cut out of a scan), drawn where it stands."""

    data: bytes
    width_mm: float
    alt: str


def _pictures(tpl, value):
    """The context with every Png (in lists and dicts, at any depth) made a picture of the template."""
    if isinstance(value, Png):
        return picture(tpl, io.BytesIO(value.data), value.alt, **fit(value.data, value.width_mm))
    if isinstance(value, dict):
        return {k: _pictures(tpl, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pictures(tpl, v) for v in value]
    return value


def render(path: Path, colour: str, ctx: dict, images: dict | None = None, logo: Path | None = None,
           props: dict | None = None) -> bytes:
    """Fill a template with PNG images {key: (png, width_mm, alt text)} and the logo (15 mm high), autoescaped.

    props: the document's title, subject and author (set_core), the author's name also in the logo's
    alternative text; None leaves the template's as they are.
    """
    from docx.shared import Mm

    with _template_problems(path):
        prep = prepared(path, colour)
        tpl = prep.template()
    ctx = _pictures(tpl, dict(ctx))
    for key, (png, width, alt) in (images or {}).items():
        ctx[key] = picture(tpl, io.BytesIO(png), alt, **fit(png, width)) if png else ""
    alt = f"Logo: {(props or {}).get('author', '')}".strip(": ")
    ctx["logo"] = picture(tpl, str(logo), alt, height=Mm(15)) if logo and logo.is_file() else ""
    with _template_problems(path):
        tpl.render(ctx, jinja_env=prep.env, autoescape=True)
    if props is not None:
        set_core(tpl.docx.core_properties, **props)
    return prep.finish(tpl)


@contextmanager
def _template_problems(path: Path):
    """A template restyled into something unusable (not a .docx, a broken {{ }} tag) as FG140."""
    import zipfile

    from jinja2 import TemplateError
    from lxml.etree import XMLSyntaxError

    try:
        yield
    except (zipfile.BadZipFile, KeyError, XMLSyntaxError, TemplateError) as exc:
        detail = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        raise fail("FG140", str(path), f"the template cannot be used ({detail})",
                   "undo the last change to it in Word, or delete it: formgen then uses its shipped template") from None


MAX_IMAGE_MM = 200  # the tallest picture that fits an A4 page below a heading


def fit(png: bytes, width_mm: float) -> dict:
    """InlineImage size for a PNG: the given width, unless that makes it taller than a page (a chart
    with many indicators), then the page's height and the width that keeps its proportions."""
    from docx.shared import Mm

    from formgen.formats.images import size

    w, h = size(png) or (0, 0)
    if w and h and width_mm * h / w > MAX_IMAGE_MM:
        return {"height": Mm(MAX_IMAGE_MM)}
    return {"width": Mm(width_mm)}
