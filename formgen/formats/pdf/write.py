"""Writing a form: the master rendered once with tokens (build_master), each file spliced from it (personalise)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.core.identity import Identity
from formgen.forms.view import FormView, Prefill
from formgen.formats.access import form_title
from formgen.formats.pdf.design import layout, logo_png
from formgen.formats.pdf.layout import CODE_LABEL
from formgen.formats.pdf.draw import CODE_TOKEN, HEADER, META_TOKENS, Master, Template, ap_text, pdf_text, render

if TYPE_CHECKING:  # annotations only: config imports pydantic
    from formgen.core.config import Organisation

__all__ = ["split_pdf", "stream_obj", "make_template", "build_master", "personalise"]


_STREAM_RE = re.compile(rb"^(\d+ 0 obj\n)(.*?)stream\r?\n", re.S)
_LENGTH_RE = re.compile(rb"/Length (\d+)")
_ID_RE = re.compile(rb"/ID\s*\[\s*<[0-9a-fA-F]*>\s*<[0-9a-fA-F]*>\s*\]")


def split_pdf(data: bytes) -> tuple[list[bytes], bytes]:
    """reportlab's output as objects 1…N (by its cross-reference table) and the trailer dictionary."""
    start = int(data[data.rindex(b"startxref") + 9:].split()[0])
    lines = data[start:].split(b"\n")
    if lines[0].strip() != b"xref" or lines[1].split()[0] != b"0":
        raise RuntimeError("unexpected cross-reference table in reportlab's output")
    count = int(lines[1].split()[1])
    offsets = [int(line[:10]) for line in lines[3:2 + count]]
    objects = [data[a:b] for a, b in zip(offsets, offsets[1:] + [start])]
    for n, obj in enumerate(objects, start=1):
        if not obj.startswith(b"%d 0 obj" % n):
            raise RuntimeError(f"object {n} is not where reportlab's cross-reference table says")
    trailer = data[data.index(b"trailer", start) + 7:data.rindex(b"startxref")].strip()
    return objects, trailer


def _stream_parts(obj: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(head, dictionary, data) of a stream object, or None."""
    m = _STREAM_RE.match(obj)
    if m is None:
        return None
    length = int(_LENGTH_RE.search(m.group(2)).group(1))
    return m.group(1), m.group(2), obj[m.end():m.end() + length]


def stream_obj(head: bytes, d: bytes, data: bytes, compress: bool = False) -> bytes:
    """A stream object with its /Length (and /Filter when compressing) set."""
    import zlib

    if compress:
        data = zlib.compress(data, 6)
        d = d.replace(b"/Length ", b"/Filter /FlateDecode /Length ", 1)
    d = _LENGTH_RE.sub(b"/Length %d" % len(data), d, count=1)
    return head + d + b"stream\n" + data + b"\nendstream\nendobj\n"


def make_template(data: bytes) -> Template:
    """Split the uncompressed master: static objects compressed once, token holders kept for splicing."""
    objects, trailer = split_pdf(data)
    info = int(re.search(rb"/Info (\d+) 0 R", trailer).group(1))
    tokens = [CODE_TOKEN.encode()] + [t.encode() for t in META_TOKENS.values()]
    out: list = []
    for n, obj in enumerate(objects, start=1):
        parts = _stream_parts(obj)
        spliced = n == info or any(t in obj for t in tokens)
        if parts is None:
            out.append(("dict", obj) if spliced else obj)
        elif spliced:
            out.append(("content" if CODE_TOKEN.encode() in parts[2] else "ap",) + parts)
        else:
            out.append(stream_obj(*parts, compress=b"/Filter" not in parts[1]))
    return Template(tuple(out), info, trailer)


def build_master(v: FormView, org: Organisation, logo: Path, template: Path | None,
                 round_no: int | None, date_str: str, blank: bool) -> Master:
    """Lay the form out and render it once for a form × role × round (PDF has its own design: no template)."""
    from dataclasses import replace

    d = v.definition
    png, size = logo_png(Path(logo))
    pages = layout(v, org, size, round_no)
    master = Master(tuple(tuple(p) for p in pages), blank, png, form_title(d.title, v.role_title, round_no),
                    f"{d.title} · {d.id} v{d.version} · {CODE_LABEL} ", f" · {org.contact or org.name}", org.name,
                    org.colour)
    return replace(master, template=make_template(render(master, CODE_TOKEN, META_TOKENS, compress=False)))


def _info_obj(n: int, master: Master, identity: Identity) -> bytes:
    """The document info: title, author, and the identity keys /fg_code … (docs/file-format.md)."""
    import time

    from formgen.core.version import __version__

    generator = f"formgen {__version__}"
    entries = {"Title": master.title, "Author": master.author, "Subject": f"{CODE_LABEL} {identity.code}",
               "Keywords": identity.code, "Creator": generator, "Producer": generator, **identity.props()}
    body = b"\n".join(b"/" + k.encode("ascii") + b" " + pdf_text(v) for k, v in entries.items())
    date = time.strftime("D:%Y%m%d%H%M%S").encode()
    return b"%d 0 obj\n<<\n%s\n/CreationDate (%s) /ModDate (%s)\n>>\nendobj\n" % (n, body, date, date)


def personalise(master: Master, identity: Identity, pre: Prefill) -> bytes:
    """One finished file: the master with this file's code, metadata values and identity spliced in."""
    import hashlib
    import os

    from reportlab.pdfbase.acroform import escPDF

    code = identity.code.encode("ascii")
    ap = {f"({t})".encode(): f"({escPDF(ap_text(pre.get(k)))})".encode("latin-1") for k, t in META_TOKENS.items()}
    text = {f"({t})".encode(): pdf_text(pre.get(k)) for k, t in META_TOKENS.items()}
    tpl, chunks = master.template, [HEADER]
    offsets, pos = [], len(HEADER)
    for n, obj in enumerate(tpl.objects, start=1):
        if n == tpl.info:
            obj = _info_obj(n, master, identity)
        elif isinstance(obj, tuple):
            obj = _splice(obj, code, ap, text)
        offsets.append(pos)
        chunks.append(obj)
        pos += len(obj)
    file_id = hashlib.md5(code + os.urandom(8)).hexdigest().encode()
    trailer = _ID_RE.sub(b"/ID [<%s><%s>]" % (file_id, file_id), tpl.trailer)
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    chunks += [xref, b"trailer\n", trailer, b"\nstartxref\n%d\n%%%%EOF\n" % pos]
    return b"".join(chunks)


def _splice(obj: tuple, code: bytes, ap: dict[bytes, bytes], text: dict[bytes, bytes]) -> bytes:
    """One object with this file's values: a page's content (compressed here), an appearance, a field."""
    kind = obj[0]
    if kind == "content":
        return stream_obj(obj[1], obj[2], obj[3].replace(CODE_TOKEN.encode(), code), compress=True)
    if kind == "ap":
        data = obj[3]
        for token, value in ap.items():
            data = data.replace(token, value)
        return stream_obj(obj[1], obj[2], data)
    data = obj[1].replace(CODE_TOKEN.encode(), code)
    for token, value in text.items():
        data = data.replace(token, value)
    return data
