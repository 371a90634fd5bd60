"""The OOXML package layer shared by the Word and Excel modules: zip parts and custom properties.

Identity lives in docProps/custom.xml because it survives every LibreOffice route (see NOTES.md).
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

__all__ = ["CUSTOM_PART", "CUSTOM_CT", "CUSTOM_REL", "FMTID", "LEVEL", "DOS_DATE", "DOS_TIME", "xml_text", "custom_xml",
           "read_parts", "write_parts", "ensure_custom_part", "read_custom", "application", "Template", "replace_parts"]

CUSTOM_PART = "docProps/custom.xml"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def xml_text(value: str) -> str:
    """Escape text for an XML text node or attribute."""
    text = str(value)
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return escape(text, {'"': "&quot;"})
    return text


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
    """A package from parts ([Content_Types].xml first, as Office expects).

    The zip zipfile writes (deflated, level 6, dated 2020-01-01); large parts met before (a report's
    styles, theme and fonts, the same for every report) are not compressed again.
    """
    out, central, offset = [], [], 0
    for name in sorted(parts, key=lambda n: n != "[Content_Types].xml"):
        data = parts[name]
        raw, crc = _compressed(data)
        bname = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        blob = _LOCAL.pack(b"PK\x03\x04", 20, flags, 8, DOS_TIME, DOS_DATE, crc, len(raw), len(data),
                           len(bname), 0) + bname
        out += [blob, raw]
        central.append(_CENTRAL.pack(b"PK\x01\x02", _MADE_BY, 20, flags, 8, DOS_TIME, DOS_DATE, crc, len(raw), len(data),
                                     len(bname), 0, 0, 0, 0, _ATTR, offset) + bname)
        offset += len(blob) + len(raw)
    cd = b"".join(central)
    out += [cd, _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(cd), offset, 0)]
    return b"".join(out)


_SEEN_MIN, _SEEN_ENTRIES = 16 * 1024, 32
_seen: dict[bytes, tuple[bytes, int]] = {}  # large part text -> (its raw deflate, CRC-32)


def _compressed(data: bytes) -> tuple[bytes, int]:
    """(raw deflate at LEVEL, CRC-32) of a part, remembered for large parts."""
    if len(data) < _SEEN_MIN or type(data) is not bytes:
        return _deflate(data, True), zlib.crc32(data)
    hit = _seen.get(data)
    if hit is None:
        if len(_seen) >= _SEEN_ENTRIES:
            del _seen[next(iter(_seen))]
        hit = _seen[data] = (_deflate(data, True), zlib.crc32(data))
    return hit


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


_LAST_CUSTOM: list = [None, {}]  # [custom.xml bytes, its properties]: a file's identity is asked twice


def application(parts: dict[str, bytes]) -> str:
    """The Application of docProps/app.xml: the program that last saved the file ('' when absent)."""
    from lxml import etree

    raw = parts.get("docProps/app.xml")
    if not raw:
        return ""
    try:
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:  # only shown in the report: a damaged app.xml must not refuse the file
        return ""
    found = root.find("{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Application")
    return (found.text or "").strip() if found is not None else ""


def read_custom(parts: dict[str, bytes]) -> dict[str, str]:
    """Custom string properties of a package ({} when there are none)."""
    from lxml import etree

    raw = parts.get(CUSTOM_PART)
    if not raw:
        return {}
    if _LAST_CUSTOM[0] is raw:
        return dict(_LAST_CUSTOM[1])
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    out = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            out[name] = prop[0].text or ""
    _LAST_CUSTOM[:] = [raw, dict(out)]
    return out


# ---------------------------------------------------------------------------------------------
# The fast path for generation: a package compressed once, personalised by splicing.
#
# A deflate stream is a sequence of blocks. A static stretch of a part is compressed once with a
# sync flush (byte-aligned, not final); per file only the values between the stretches are added,
# as stored (uncompressed) blocks, and one empty final block ends the stream. Unchanged parts are
# written as their precompressed bytes. The CRC-32 of a spliced part is combined from the stretches'
# precomputed CRCs (CRC-32 is affine in its starting value), so no part is scanned again per file.
# The zip container is the plain one python's zipfile writes (no data descriptors, no zip64).

LEVEL = 6  # the level write_parts uses
DOS_DATE, DOS_TIME = (2020 - 1980) << 9 | 1 << 5 | 1, 0  # 2020-01-01 00:00, as write_parts stamps
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_FINAL = b"\x03\x00"  # an empty final block with fixed codes
_MADE_BY = 3 << 8 | 20  # unix, zip 2.0 (what zipfile writes on Linux)
_ATTR = 0o600 << 16  # rw------- (what zipfile.writestr gives an entry)


def _deflate(data: bytes, final: bool, level: int = LEVEL) -> bytes:
    """Raw deflate of data: a complete stream, or (final=False) byte-aligned blocks to splice."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def _stored(data: bytes) -> bytes:
    """data as stored (uncompressed) non-final deflate blocks; b'' for no data."""
    if len(data) <= 0xFFFF:
        return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data if data else b""
    return b"".join(_stored(data[i:i + 0xFFFF]) for i in range(0, len(data), 0xFFFF))


class _CrcShift:
    """crc32(S, c) for a fixed S and any start value c, in four table look-ups (no pass over S)."""

    __slots__ = ("t0", "t1", "t2", "t3", "base")

    def __init__(self, data: bytes):
        self.base = zlib.crc32(data)
        zeros = bytes(len(data))
        z0 = zlib.crc32(zeros)
        basis = [zlib.crc32(zeros, 1 << i) ^ z0 for i in range(32)]  # the linear part, bit by bit
        tables = []
        for k in range(4):
            t = [0] * 256
            for b in range(1, 256):
                low = b & -b
                t[b] = t[b ^ low] ^ basis[8 * k + low.bit_length() - 1]
            tables.append(t)
        self.t0, self.t1, self.t2, self.t3 = tables

    def __call__(self, c: int) -> int:
        return (self.t0[c & 255] ^ self.t1[c >> 8 & 255] ^ self.t2[c >> 16 & 255] ^ self.t3[c >> 24]
                ^ self.base)


def _split(data: bytes, tokens: tuple[bytes, ...]) -> list[bytes]:
    """data cut at every token occurrence: [text, token, text, token, ..., text]."""
    import re

    if not tokens:
        return [data]
    pattern = re.compile(b"|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
    out, pos = [], 0
    for m in pattern.finditer(data):
        out += [data[pos:m.start()], m.group(0)]
        pos = m.end()
    out.append(data[pos:])
    return out


class Template:
    """A package prepared for many personalised copies.

    tokens(name) gives the byte strings to substitute in a part; `dynamic` names parts replaced
    whole per file. render() then costs the size of the values, not the size of the package.
    """

    def __init__(self, parts: dict[str, bytes], tokens, dynamic: tuple[str, ...] = ()):
        self.names = sorted(parts, key=lambda n: n != "[Content_Types].xml")  # as write_parts orders them
        self.dynamic = set(dynamic)
        self.plan: list[tuple] = []
        for name in self.names:
            bname = name.encode("utf-8")
            flags = 0x800 if not name.isascii() else 0
            if name in self.dynamic:
                self.plan.append(("part", name, bname, flags))
                continue
            data = parts[name]
            pieces = _split(data, tuple(t for t in tokens(name) if t in data)) if data else [data]
            if len(pieces) == 1:
                raw, crc = _compressed(data)  # the styles of one template are shared by its masters
                head = _LOCAL.pack(b"PK\x03\x04", 20, flags, 8, DOS_TIME, DOS_DATE, crc, len(raw), len(data),
                                   len(bname), 0) + bname
                self.plan.append(("static", head + raw, bname, flags, crc, len(raw), len(data)))
            else:
                segs = []
                for n, piece in enumerate(pieces):
                    if n % 2:
                        segs.append(piece)  # a token: its value is looked up per file
                    elif piece:
                        segs.append((_deflate(piece, False), len(piece), _CrcShift(piece)))
                self.plan.append(("spliced", segs, bname, flags, name))

    def render(self, values: dict[bytes, bytes], parts: dict[str, bytes],
               scoped: dict[str, dict[bytes, bytes]] | None = None) -> bytes:
        """The package with each token replaced by values[token] (scoped[part][token] for the parts
        named there) and each dynamic part from parts."""
        out: list[bytes] = []
        central: list[bytes] = []
        offset = 0
        for entry in self.plan:
            kind = entry[0]
            if kind == "static":
                _, blob, bname, flags, crc, csize, usize = entry
            else:
                bname, flags = entry[2], entry[3]
                if kind == "part":
                    data = parts[entry[1]]
                    raw, crc, usize = _deflate(data, True), zlib.crc32(data), len(data)
                else:
                    table = scoped.get(entry[4], values) if scoped else values
                    chunks, crc, usize = [], 0, 0
                    for seg in entry[1]:
                        if type(seg) is bytes:
                            value = table[seg]
                            crc = zlib.crc32(value, crc)
                            usize += len(value)
                            chunks.append(_stored(value))
                        else:
                            chunks.append(seg[0])
                            usize += seg[1]
                            crc = seg[2](crc)
                    chunks.append(_FINAL)
                    raw = b"".join(chunks)
                csize = len(raw)
                blob = _LOCAL.pack(b"PK\x03\x04", 20, flags, 8, DOS_TIME, DOS_DATE, crc, csize, usize,
                                   len(bname), 0) + bname + raw
            out.append(blob)
            central.append(_CENTRAL.pack(b"PK\x01\x02", _MADE_BY, 20, flags, 8, DOS_TIME, DOS_DATE, crc, csize, usize,
                                         len(bname), 0, 0, 0, 0, _ATTR, offset) + bname)
            offset += len(blob)
        cd = b"".join(central)
        out.append(cd)
        out.append(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(cd), offset, 0))
        return b"".join(out)


def replace_parts(data: bytes, changed: dict[str, bytes]) -> bytes:
    """A copy of a package with some parts replaced; the other parts are copied still compressed.

    Same entry order and names; for packages formgen wrote or that zipfile can read.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        parts = {}
        for info in infos:
            if info.filename in changed:
                continue
            # the raw bytes of an entry follow its local header (name and extra field lengths are local)
            start = info.header_offset
            nlen, xlen = struct.unpack_from("<HH", data, start + 26)
            begin = start + 30 + nlen + xlen
            parts[info.filename] = (info, data[begin:begin + info.compress_size])
    out, central, offset = [], [], 0
    for info in infos:
        bname = info.filename.encode("utf-8")
        flags = 0x800 if not info.filename.isascii() else 0
        if info.filename in changed:
            body = changed[info.filename]
            raw, crc, usize, method = _deflate(body, True), zlib.crc32(body), len(body), 8
        else:
            old, raw = parts[info.filename]
            crc, usize, method = old.CRC, old.file_size, old.compress_type
            if old.flag_bits & 0x1:
                raise ValueError(f"the part {info.filename} is encrypted")
        dt_ = info.date_time
        dtime = dt_[3] << 11 | dt_[4] << 5 | dt_[5] // 2
        ddate = (dt_[0] - 1980) << 9 | dt_[1] << 5 | dt_[2]
        blob = _LOCAL.pack(b"PK\x03\x04", 20, flags, method, dtime, ddate, crc, len(raw), usize, len(bname), 0) + bname
        out += [blob, raw]
        central.append(_CENTRAL.pack(b"PK\x01\x02", _MADE_BY, 20, flags, method, dtime, ddate, crc, len(raw), usize,
                                     len(bname), 0, 0, 0, 0, info.external_attr, offset) + bname)
        offset += len(blob) + len(raw)
    cd = b"".join(central)
    out += [cd, _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(cd), offset, 0)]
    return b"".join(out)
