"""Returned files: what a file really is (by content, not name) and opening its package safely.

Office files are zip packages of XML parts; returned ones are untrusted. Before any parser sees
them we check the type, size budgets, entry names and DTDs (see NOTES.md).
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from formgen.core.errors import Problem, Refused
from formgen.formats.convert import INSTALL

__all__ = ["MAX_FILE_BYTES", "MAX_UNCOMPRESSED", "MAX_ENTRIES", "MAX_RATIO", "MAX_IMAGE_PIXELS", "MAX_IMAGE_BYTES", "OLE_MAGIC", "DOCX_MAIN", "XLSX_MAIN", "MACRO_TYPES", "Package", "Parts", "is_lock_file", "refuse", "sniff", "open_package", "PROLOG_STEP", "PROLOG_MAX", "PICTURE_HEAD", "legacy_kind", "ODF_TYPES", "ODF_HEAD", "odf_kind", "open_zip"]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_RATIO = 200  # declared uncompressed / compressed, per XML part
MAX_IMAGE_PIXELS = 50_000_000  # per embedded picture, as its header declares it
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # per embedded picture
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_TYPES = ("macroEnabled", "vbaProject")
ODF_TYPES = {b"application/vnd.oasis.opendocument.text": "odt", b"application/vnd.oasis.opendocument.spreadsheet": "ods"}
ODF_HEAD = 128  # an OpenDocument file's type is in its first bytes: the stored member `mimetype`
READS = ("formgen reads the .docx, .xlsx and .pdf forms it sent, and scans (.pdf, .png, .jpg, .tif) of the forms it "
         "printed, by their corner markers and QR code")  # FG202's fix: other paper must be typed in by hand


@dataclass(frozen=True)
class Package:
    """A checked Office package: its kind and all its parts."""

    kind: str  # docx | xlsx
    parts: Mapping[str, bytes]


class Parts(Mapping):
    """A checked package's parts by name, each inflated (and checked again) when first read: a
    reader needs 4–6 of a form's 15–25 parts. Read-only, so a reader may cache by identity."""

    def __init__(self, zf: zipfile.ZipFile, data: bytes, name: str, names: list[str]):
        self.zf, self._data, self._name = zf, data, name
        self._names = dict.fromkeys(names)
        self._got: dict[str, bytes] = {}

    def __getitem__(self, part: str) -> bytes:
        got = self._got.get(part)
        if got is None:
            if part not in self._names:
                raise KeyError(part)
            got = self._got[part] = _read(self.zf, part, self._name, self._data)
        return got

    def __contains__(self, part) -> bool:
        return part in self._names

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def is_lock_file(name: str) -> bool:
    """Office lock/owner files (~$name.docx) appear on shared drives; they are not forms."""
    return name.startswith("~$") or name.startswith(".~lock.")


def refuse(code: str, name: str, what: str, fix: str) -> Refused:
    return Refused(Problem(code, name, what, fix))


def sniff(data: bytes, name: str) -> str:
    """The file's real type: zip, or raise Refused saying what it is instead."""
    if not data:
        raise refuse("FG201", name, "the file is empty (0 bytes)",
                     "ask the sender for the filled-in file again; the upload or copy may have failed")
    if len(data) > MAX_FILE_BYTES:
        raise refuse("FG240", name, f"the file is {len(data) // 1_000_000} MB, over the {MAX_FILE_BYTES // 1_000_000} MB limit",
                      "remove large pictures from the form and save it again")
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise refuse("FG203", name, "the file is password-protected",
                         "open it, remove the password (File › Info › Protect › Encrypt) and save it again")
        raise refuse("FG204", name, "this is an old-format .doc/.xls file, which cannot carry the form's fields",
                     "open it in Word/Excel and save it as .docx/.xlsx, or run intake with --convert-legacy")
    if data.startswith(b"%PDF"):
        raise refuse("FG202", name, "this is a PDF, not a Word or Excel form", f"ask for the form formgen sent; {READS}")
    if odf_kind(data):  # reached only when LibreOffice is not there to convert it (intake.legacy)
        word = odf_kind(data) == "odt"
        raise refuse("FG246", name, f"this is an OpenDocument {'text (.odt)' if word else 'spreadsheet (.ods)'} file, "
                     "LibreOffice's own format, and LibreOffice, which formgen needs to convert it, is not installed",
                     f"{INSTALL}; then move the file from intake/quarantine/ back to intake/ and run intake again. "
                     "Or ask the sender to open it, choose Filer › Gem som … and the file type "
                     f"{'Word-dokument (.docx)' if word else 'Excel-projektmappe (.xlsx)'} and send that copy")
    if not data.startswith(b"PK\x03\x04"):
        raise refuse("FG202", name, "this is not a Word or Excel file", f"check that the right file was attached; {READS}")
    return "zip"


def open_package(data: bytes, name: str) -> Package:
    """Check a zip package against the budgets and return its parts, or raise Refused."""
    sniff(data, name)
    parts = open_zip(data, name)
    zf, infos = parts.zf, parts.zf.infolist()
    if "[Content_Types].xml" not in parts:
        raise refuse("FG209", name, "the package lacks [Content_Types].xml", "ask the sender to save and send it again")
    ct = parts["[Content_Types].xml"]
    if any(m.encode() in ct for m in MACRO_TYPES) or any(i.filename.endswith("vbaProject.bin") for i in infos):
        raise refuse("FG205", name, "the file contains macros (.docm/.xlsm)",
                     "save it as a normal .docx/.xlsx (without macros) and send it again")
    if DOCX_MAIN.encode() in ct:
        kind = "docx"
    elif XLSX_MAIN.encode() in ct:
        kind = "xlsx"
    else:
        raise refuse("FG202", name, "this zip file is neither a Word document nor an Excel workbook",
                     "send the form as .docx or .xlsx; a .zip archive is unpacked only when given to intake directly")
    if _main_part(ct, DOCX_MAIN if kind == "docx" else XLSX_MAIN) not in {i.filename for i in infos}:
        raise refuse("FG209", name, "the file lacks its main part (the document or workbook itself)",
                     "ask the sender to save the form again and send the new copy")
    for i in infos:
        if i.is_dir():
            continue
        if i.filename.endswith((".xml", ".rels")):
            # small parts are read whole now (kept for the reader), which checks them; large ones' prologs
            head = parts[i.filename] if i.file_size < PROLOG_STEP else _check_prolog(zf, i, name, data)
        else:
            head = _head(zf, i, name)
        _check_picture(zf, i, head, name, data)
    return Package(kind, parts)


def open_zip(data: bytes, name: str) -> Parts:
    """A zip's parts once its directory passed the budgets and name checks (each checked again when read)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse("FG209", name, f"the file is damaged ({exc})", "ask the sender to save and send it again")
    _check_entries(infos, name)
    return Parts(zf, data, name, [i.filename for i in infos if not i.is_dir()])


def _check_picture(zf: zipfile.ZipFile, info: zipfile.ZipInfo, head: bytes, name: str, data: bytes) -> None:
    """Refuse a picture too large to be part of a form, judged by content (any part, whatever its
    name) and by the size its header declares, never by decoding it (a decompression bomb)."""
    from formgen.formats.images import kind, size

    if kind(head) is None:
        return
    part = info.filename
    fix = ("make the picture smaller (in Word/Excel: select it, Picture Format › Compress Pictures) or delete it, "
           "save and send the form again; if nobody put a picture in the form, do not open it, ask the sender")
    if info.file_size > MAX_IMAGE_BYTES:  # as the zip directory declares it: zipfile never inflates more
        raise refuse("FG243", name, f"the picture {part} is {info.file_size / 1_000_000:.0f} MB, over the "
                     f"{MAX_IMAGE_BYTES // 1_000_000} MB limit for a picture in a form", fix)
    dims = size(head)
    if dims is None and info.file_size > len(head):  # the header lies further in (a TIFF's directory at its end)
        dims = size(_read(zf, part, name, data))
    if dims is None:
        raise refuse("FG209", name, f"the picture {part} is damaged (its size cannot be read)",
                     "ask the sender to save and send the form again, without that picture if it stays damaged")
    w, h = dims
    if w * h > MAX_IMAGE_PIXELS:
        raise refuse("FG243", name, f"the picture {part} is {w}×{h} pixels ({w * h / 1_000_000:.0f} megapixels), "
                     f"over the {MAX_IMAGE_PIXELS // 1_000_000} megapixel limit (a decompression bomb, or a "
                     "photo far larger than a form needs)", fix)


def _main_part(ct: bytes, main_type: str) -> str | None:
    """The part name [Content_Types].xml declares for the document itself (attribute order varies)."""
    for tag in re.findall(rb"<(?:\w+:)?Override\b[^>]*>", ct):
        if main_type.encode() in tag:
            m = re.search(rb'PartName="/?([^"]+)"', tag)
            return m.group(1).decode("utf-8", "replace") if m else None  # undecodable: names no part
    return None


def _check_entries(infos: list[zipfile.ZipInfo], name: str) -> None:
    if len(infos) > MAX_ENTRIES:
        raise refuse("FG206", name, f"the package has {len(infos)} parts, more than a form can have",
                     "this is not a normal form; do not open it, ask the sender")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise refuse("FG206", name, f"the package would unpack to {total // 1_000_000} MB (a zip bomb)",
                     "this is not a normal form; do not open it, ask the sender")
    seen: set[str] = set()
    for i in infos:
        n = i.filename
        if n.startswith(("/", "\\")) or ".." in n.replace("\\", "/").split("/") or ":" in n:
            raise refuse("FG207", name, f"the package has an unsafe part name '{n}'",
                         "this is not a normal form; do not open it, ask the sender")
        if n.lower() in seen:
            raise refuse("FG207", name, f"the package has the part '{n}' twice",
                         "this file was tampered with or damaged; ask the sender to save it again")
        seen.add(n.lower())
        if n.endswith((".xml", ".rels")) and i.compress_size and i.file_size / i.compress_size > MAX_RATIO \
                and i.file_size > 5_000_000:
            raise refuse("FG206", name, f"the part '{n}' is compressed {i.file_size // i.compress_size}:1 (a zip bomb)",
                         "this is not a normal form; do not open it, ask the sender")


# Inflating is most of the cost of opening a form: returns from one round share their large parts
# (styles, theme) byte for byte. An XML part whose compressed bytes, CRC and sizes equal those of one
# already inflated and checked here inflates to the same text, so it is taken from this cache
# (after the same local-header checks zipfile makes); every other part is inflated directly when
# it is a plain entry that provably reads back whole (else zipfile reads it, with its own errors).
KNOWN_MIN, KNOWN_MAX, KNOWN_ENTRIES = 4 * 1024, 8 * 1024 * 1024, 32
_known: dict[tuple, tuple[bytes, bytes]] = {}  # (method, CRC, sizes) -> (compressed bytes, checked text)
_PLAIN_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption: zipfile decides


def _raw(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """An entry's compressed bytes behind a local header that zipfile would accept, else None."""
    start = info.header_offset
    if info.flag_bits & _PLAIN_FLAGS or start < 0 or len(data) < start + 30 or data[start:start + 4] != b"PK\x03\x04":
        return None
    flags, = struct.unpack_from("<H", data, start + 6)
    nlen, xlen = struct.unpack_from("<HH", data, start + 26)
    fname = data[start + 30:start + 30 + nlen]
    try:
        if fname.decode("utf-8" if flags & 0x800 else "cp437") != info.orig_filename:
            return None
    except UnicodeDecodeError:
        return None
    begin = start + 30 + nlen + xlen
    raw = data[begin:begin + info.compress_size]
    return raw if len(raw) == info.compress_size else None


def _inflate(raw: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """What zipfile returns for a stored or deflated entry that reads back whole and matches its CRC;
    None whenever zipfile could answer otherwise (it then reads the entry itself)."""
    try:
        if info.compress_type == zipfile.ZIP_DEFLATED:
            d = zlib.decompressobj(-15)
            text = d.decompress(raw, info.file_size + 1)
            if not d.eof:
                return None
        elif info.compress_type == zipfile.ZIP_STORED:
            text = raw
        else:
            return None
    except zlib.error:
        return None
    return text if len(text) == info.file_size and zlib.crc32(text) == info.CRC else None


def _part(zf: zipfile.ZipFile, part: str, package: bytes | None):
    """(text, key, raw): a part read without zipfile's per-entry overhead when that is provably the
    same; (None, key, raw) to read it with zipfile; key and raw to remember a large XML part."""
    info = zf.getinfo(part)
    if package is None:
        return None, None, None
    raw = _raw(package, info)
    if raw is None:
        return None, None, None
    key = None
    if part.endswith((".xml", ".rels")) and KNOWN_MIN <= info.file_size <= KNOWN_MAX:
        key = (info.compress_type, info.CRC, info.file_size, info.compress_size)
        hit = _known.get(key)
        if hit is not None and hit[0] == raw:
            return hit[1], None, None  # checked when it was first read
    return _inflate(raw, info), key, raw


PROLOG_STEP = 2048
PROLOG_MAX = 64 * 1024  # no root element by then: the part is read whole (linear) instead of searched further
PICTURE_HEAD = 256 * 1024  # where a picture's header is looked for before the whole part is inflated
_ROOT_START = re.compile(rb"<[A-Za-z_]")  # the root element's start tag: no DTD can follow it


def _check_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, data: bytes) -> bytes:
    """Refuse a part that declares a DTD, inflating only its prolog (where a DTD has to be); its head.

    Parts that are read are checked whole again by _read; this covers the parts no reader opens."""
    raw = _raw(data, info) if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) else None
    if raw is None:
        return _read(zf, info.filename, name, data)  # unusual: read it whole (checked there)
    d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    head, feed = b"", raw
    try:
        while len(head) < min(info.file_size, PROLOG_MAX):
            if d is None:
                more, feed = feed[:PROLOG_STEP], feed[PROLOG_STEP:]
            else:
                more = d.decompress(feed, PROLOG_STEP)
                feed = d.unconsumed_tail
            if not more:
                break
            head += more
            if _declares_dtd(head):
                _dtd(info.filename, name)
            if _ROOT_START.search(_as_utf8(head)):
                return head
    except zlib.error:
        pass
    return _read(zf, info.filename, name, data)  # no root element found early: read it whole (checked there)


def _as_utf8(head: bytes) -> bytes:
    """UTF-16 XML (it has a byte order mark) as UTF-8, so the byte checks see its markup."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", "ignore").encode("utf-8")
    return head


def _declares_dtd(text: bytes) -> bool:
    text = _as_utf8(text)
    return b"<!DOCTYPE" in text or b"<!ENTITY" in text


def _dtd(part: str, name: str):
    raise refuse("FG208", name, f"the part {part} declares a DTD, which Office files never do",
                 "this file was crafted or tampered with; do not open it, ask the sender")


def _head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A part's first PICTURE_HEAD bytes, inflating no more than that."""
    try:
        with zf.open(info) as f:
            return f.read(PICTURE_HEAD)
    except _DAMAGED as exc:
        raise _damaged(info.filename, name, exc)


_DAMAGED = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error)


def _damaged(part: str, name: str, exc: Exception) -> Refused:
    detail = "its compressed data is broken" if isinstance(exc, zlib.error) else exc.__class__.__name__
    return refuse("FG209", name, f"the part {part} is damaged ({detail})", "ask the sender to save and send it again")


def _read(zf: zipfile.ZipFile, part: str, name: str, package: bytes | None = None) -> bytes:
    try:
        data, key, raw = _part(zf, part, package)
        if data is not None and key is None and raw is None:
            return data  # a known part, checked when it was first read
        if data is None:
            data = zf.read(part)
    except KeyError:
        raise refuse("FG209", name, f"the package lacks {part}", "ask the sender to save and send it again")
    except _DAMAGED as exc:
        raise _damaged(part, name, exc)
    if part.endswith((".xml", ".rels")) and _declares_dtd(data):
        _dtd(part, name)
    if key is not None:
        if len(_known) >= KNOWN_ENTRIES:
            del _known[next(iter(_known))]
        _known[key] = (raw, data)
    return data


# Old-format (OLE) Office files: which kind a file is, so that --convert-legacy can convert it.
_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}  # the main stream of each kind


def legacy_kind(data: bytes) -> str | None:
    """'doc' or 'xls' for an old-format (OLE) Word document or Excel workbook that is not
    encrypted and not over the size limit; None for anything else (it is judged as it is)."""
    if not data.startswith(OLE_MAGIC) or len(data) > MAX_FILE_BYTES or _has_stream(data, "EncryptionInfo"):
        return None  # an encrypted .docx/.xlsx is an OLE file too: FG203, not converted
    for kind, streams in _STREAMS.items():
        if any(_has_stream(data, s) for s in streams):
            return kind
    return None


def odf_kind(data: bytes) -> str | None:
    """'odt'/'ods' for a zip whose first member is a stored `mimetype` naming that type (ODF 1.2 part 3, 3.3)."""
    if len(data) < 30 or not data.startswith(b"PK\x03\x04"):
        return None
    method, size, nlen, xlen = struct.unpack_from("<H12xIHH", data, 8)
    start = 30 + nlen + xlen
    if method != 0 or data[30:30 + nlen] != b"mimetype":
        return None
    return ODF_TYPES.get(data[start:start + size])


def _has_stream(data: bytes, name: str) -> bool:
    """Whether the OLE directory has an entry of this name: entries are 128 bytes, aligned to 128
    from the file's start, and begin with the name in UTF-16 with a terminating zero (so the same
    text inside the document does not count)."""
    needle = name.encode("utf-16-le") + b"\0\0"
    at = data.find(needle)
    while at != -1:
        if at % 128 == 0:
            return True
        at = data.find(needle, at + 1)
    return False
