"""Pictures inside returned files: what they are and how many pixels they claim, from the header alone.

Nothing is decoded: a decompression bomb (a small file that unpacks to billions of pixels) is
recognised by the width and height its header declares. The type is decided by content, never by
the part's name, so a picture renamed `.xml` or `.bin` is still seen.
"""
from __future__ import annotations

import struct

__all__ = ["MAX_SEGMENTS", "MAX_PAGES", "kind", "size"]

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # JPEG frame headers
_BMP_HEADERS = {12, 40, 52, 56, 64, 108, 124}  # the DIB header sizes Windows defines
MAX_SEGMENTS = 1000  # JPEG segments before the frame header; real files have a handful
MAX_PAGES = 64  # TIFF pages looked at


def kind(data: bytes) -> str | None:
    """'png', 'jpeg', 'gif', 'bmp', 'tiff' or 'webp' when data starts like that picture format, else None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM" and len(data) >= 18 and struct.unpack_from("<I", data, 14)[0] in _BMP_HEADERS:
        return "bmp"
    if data[:4] in (b"II*\0", b"MM\0*"):
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def size(data: bytes) -> tuple[int, int] | None:
    """(width, height) the header declares (the largest page or frame), or None when the header
    cannot be read: truncated, damaged, or not a picture format listed in kind()."""
    k = kind(data)
    if k is None:
        return None
    try:
        return _READERS[k](data)
    except (struct.error, IndexError):  # the header ends too early
        return None


def _png(d: bytes):
    return struct.unpack_from(">II", d, 16) if d[12:16] == b"IHDR" else None


def _gif(d: bytes):
    return struct.unpack_from("<HH", d, 6)


def _bmp(d: bytes):
    if struct.unpack_from("<I", d, 14)[0] == 12:  # OS/2 BITMAPCOREHEADER
        return struct.unpack_from("<HH", d, 18)
    w, h = struct.unpack_from("<ii", d, 18)
    return abs(w), abs(h)  # a negative height means top-down rows


def _jpeg(d: bytes):
    i, segments = 2, 0
    while segments < MAX_SEGMENTS:
        if d[i] != 0xFF:
            return None
        marker = d[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            return None
        if marker in _SOF:
            h, w = struct.unpack_from(">HH", d, i + 5)
            return (w, h) if w and h else None  # height 0 (set later by a DNL marker) is not accepted
        length = struct.unpack_from(">H", d, i + 2)[0]
        if length < 2:
            return None
        i += 2 + length
        segments += 1
    return None


def _tiff(d: bytes):
    e = "<" if d[:2] == b"II" else ">"
    offset = struct.unpack_from(e + "I", d, 4)[0]
    best, seen = None, set()
    for _ in range(MAX_PAGES):
        if offset == 0:
            break
        if offset in seen:
            return None  # a loop of pages
        seen.add(offset)
        count = struct.unpack_from(e + "H", d, offset)[0]
        dims = {}
        for n in range(count):
            tag, typ = struct.unpack_from(e + "HH", d, offset + 2 + 12 * n)
            if tag in (256, 257) and typ in (3, 4):  # ImageWidth, ImageLength as SHORT or LONG
                dims[tag] = struct.unpack_from(e + ("H" if typ == 3 else "I"), d, offset + 10 + 12 * n)[0]
        if len(dims) != 2:
            return None
        page = (dims[256], dims[257])
        if best is None or page[0] * page[1] > best[0] * best[1]:
            best = page
        offset = struct.unpack_from(e + "I", d, offset + 2 + 12 * count)[0]
    return best


def _webp(d: bytes):
    chunk = d[12:16]
    if chunk == b"VP8 ":
        if d[23:26] != b"\x9d\x01\x2a":
            return None
        w, h = struct.unpack_from("<HH", d, 26)
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        if d[20] != 0x2F:
            return None
        bits = struct.unpack_from("<I", d, 21)[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(d[24:27], "little") + 1
        h = int.from_bytes(d[27:30], "little") + 1
        return (w, h) if len(d) >= 30 else None
    return None


_READERS = {"png": _png, "jpeg": _jpeg, "gif": _gif, "bmp": _bmp, "tiff": _tiff, "webp": _webp}
