"""Rendering a laid-out form with reportlab: pages, AcroForm fields and their appearances, the footer."""
from __future__ import annotations

import io
from dataclasses import dataclass

from formgen.forms.view import META
from formgen.formats.access import LANG
from formgen.formats.pdf.layout import (
    EMPTY, FIELD_FONT, FIELD_SIZE, GREY, INK, INPUT, MX, PAGE_H, PAGE_W, RULE, WIDTH, fonts,
)

__all__ = ["Master", "Template", "CODE_TOKEN", "CODE_FONT", "META_TOKENS", "AP_ASCII", "HEADER", "render", "draw_op", "ap_text", "pdf_text"]


@dataclass(frozen=True)
class Template:
    """The master PDF in pieces: object bytes (static ones compressed), or (kind, head, dict, data) to splice."""

    objects: tuple
    info: int  # the document info's object number
    trailer: bytes


@dataclass(frozen=True)
class Master:
    """A laid-out form for one form × role × round × date, waiting for per-file values."""

    pages: tuple[tuple[tuple, ...], ...]
    blank: bool
    logo: bytes  # PNG, scaled to the printed size and flattened onto white
    title: str
    footer: str  # the footer text before the code
    footer_end: str  # … and after it
    author: str
    colour: str
    template: Template | None = None  # the rendered master, in pieces (see personalise)


# --- writing: the master is rendered once with tokens; each file is spliced from it -------------
# reportlab renders the master uncompressed with a token where the code (in Courier-Bold, a fixed-width
# standard font, so the token is literal text exactly as wide as a code) and each metadata value go.
# Per file only the objects holding a token, the document info and the trailer's /ID are rewritten;
# the other objects are compressed once, and the cross-reference table is recomputed.

CODE_TOKEN = "FGCODETOKEN"  # as long as a form code (XXXX-XXXX-X)
CODE_FONT = "Courier-Bold"
META_TOKENS = {key: f"FGMETA-{key}-" for key, _ in META}
AP_ASCII = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"',
                          "…": "...", "•": "*", "€": "EUR", "\u2002": " ", "\u00a0": " "})
HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def _draw(c, op: tuple, code: str, values: dict[str, str], logo) -> None:
    """Replay one operation on the canvas."""
    from reportlab.lib.colors import HexColor

    kind, x, y = op[0], op[1], PAGE_H - op[2]
    if kind == "text":
        _, _, _, font, size, colour, s, align = op
        c.setFont(font, size)
        c.setFillColor(HexColor(colour))
        (c.drawString if align == "l" else c.drawRightString if align == "r" else c.drawCentredString)(x, y, s)
    elif kind == "rect":
        _, _, _, w, h, stroke, fill, lw = op
        c.setLineWidth(lw)
        if stroke:
            c.setStrokeColor(HexColor(stroke))
        if fill:
            c.setFillColor(HexColor(fill))
        c.rect(x, y - h, w, h, stroke=1 if stroke else 0, fill=1 if fill else 0)
    elif kind == "line":
        _, _, _, x2, y2, colour, lw = op
        c.setLineWidth(lw)
        c.setStrokeColor(HexColor(colour))
        c.line(x, y, x2, PAGE_H - y2)
    elif kind == "code":
        c.setFont(CODE_FONT, op[3])
        c.setFillColor(HexColor(INK))
        c.drawString(x, y, code)
    elif kind == "image":
        c.drawImage(logo, x, y - op[4], op[3], op[4])
    elif kind == "field":
        _, _, _, fkind, name, w, h, options, tooltip = op
        _field(c, fkind, name, x, y - h, w, h, options, tooltip, "")
    elif kind == "meta":
        _, _, _, key, w, h, tooltip = op
        _field(c, "text", f"fg.meta.{key}", x, y - h, w, h, (), tooltip, values.get(key, ""))


draw_op = _draw  # the paper format draws its text, rules and logo the same way


def _field(c, kind: str, name: str, x: float, y: float, w: float, h: float, options: tuple, tooltip: str,
           value: str) -> None:
    """One AcroForm field (a dropdown, or a one- or multi-line text field)."""
    from reportlab.lib.colors import HexColor

    look = dict(name=name, tooltip=tooltip, x=x, y=y, width=w, height=h, borderWidth=0.5,
                borderColor=HexColor(RULE), fillColor=HexColor(INPUT), textColor=HexColor("#000000"),
                fontName=FIELD_FONT, fontSize=FIELD_SIZE)
    if kind == "choice":
        c.acroForm.choice(value=EMPTY, options=list(options), fieldFlags="combo", **look)
    else:
        c.acroForm.textfield(value=ap_text(value), maxlen=None, fieldFlags="multiline" if kind == "multi" else "",
                             **look)


def _footer(c, master: Master, code: str, page: int, pages: int) -> None:
    """form title · id vX · Skema-id CODE · organisation left; Side X af Y right."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth

    reg, size = fonts()[0], 7
    c.setStrokeColor(HexColor(RULE))
    c.setLineWidth(0.4)
    c.line(MX, 36, MX + WIDTH, 36)
    c.setFillColor(HexColor(GREY))
    c.setFont(reg, size)
    c.drawRightString(MX + WIDTH, 26, f"Side {page} af {pages}")
    x = MX + stringWidth(master.footer, reg, size)
    c.drawString(MX, 26, master.footer)
    c.setFont(CODE_FONT, size)
    c.drawString(x, 26, code)
    x += stringWidth(CODE_TOKEN, CODE_FONT, size)
    end = master.footer_end
    while end and stringWidth(end, reg, size) > MX + WIDTH - 50 - x:
        end = end[:-2] + "…"
    c.setFont(reg, size)
    c.drawString(x, 26, end)


def _nest(c) -> None:
    """Turn the flat names fg.<key>.<field> into a field tree fg › key › field (PDF partial names hold no period)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFString

    doc, acro = c._doc, c.acroForm
    groups: dict[str, list] = {}
    top = []
    for ref in acro.fields:
        d = doc.idToObject[ref.name]
        parts = d.dict["T"].s.split(".")
        if len(parts) == 3 and parts[0] == "fg":
            d.dict["T"] = PDFString(parts[2])
            groups.setdefault(parts[1], []).append((d, ref))
        else:
            top.append(ref)
    root = PDFDictionary({"T": PDFString("fg")})
    root_ref = doc.Reference(root)
    kids = []
    for key, members in groups.items():
        mid = PDFDictionary({"T": PDFString(key), "Parent": root_ref, "Kids": PDFArray([r for _, r in members])})
        mid_ref = doc.Reference(mid)
        for d, _ in members:
            d.dict["Parent"] = mid_ref
        kids.append(mid_ref)
    root.dict["Kids"] = PDFArray(kids)
    acro.fields = [root_ref] + top


def render(master: Master, code: str, values: dict[str, str], compress: bool = True) -> bytes:
    """The form drawn by reportlab with this code and metadata values (build_master draws it once, with tokens)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1 if compress else 0, lang=LANG)
    c.setTitle(master.title)
    c.setViewerPreference("DisplayDocTitle", "true")  # the title bar shows the title, not the file name
    c.setAuthor(master.author)
    logo = ImageReader(io.BytesIO(master.logo))
    for n, page in enumerate(master.pages, start=1):
        for op in page:
            _draw(c, op, code, values, logo)
        _footer(c, master, code, n, len(master.pages))
        c.showPage()
    _nest(c)
    c.save()
    return buf.getvalue()


def ap_text(value: str) -> str:
    """A value as a field's appearance can show it in Helvetica (Latin-1; other characters approximated)."""
    import unicodedata

    out = []
    for ch in " ".join(value.translate(AP_ASCII).splitlines()):
        if ord(ch) < 256 and (ch.isprintable() or ch == " "):
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch)[:1]
            out.append(base if base and ord(base) < 128 and base.isprintable() else "?")
    return "".join(out)


def pdf_text(value: str) -> bytes:
    """A PDF text string: literal for printable ASCII, else UTF-16BE with a byte order mark."""
    if all(32 <= ord(ch) < 127 for ch in value):
        return b"(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"
