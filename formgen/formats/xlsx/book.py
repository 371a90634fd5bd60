"""A returned workbook's sheets, cells and defined names, parsed safely with lxml from its zip parts."""
from __future__ import annotations

import datetime as dt
import math
import posixpath
import re

from lxml import etree

from formgen.core.identity import normalise
from formgen.formats.xlsx.sheet import ESC_RE, ID_SHEET

__all__ = [
    "NS", "REL_ID", "PKG_REL", "REF_RE", "CELL_RE", "DATE_IDS", "parse_xml", "col_number", "unescape",
    "string_item", "number_text", "is_date_format", "Book",
]


NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
REF_RE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?[A-Za-z]{1,3}\$?\d+)?$")
CELL_RE = re.compile(r"^([A-Za-z]{1,3})(\d+)$")


DATE_IDS = {14, 15, 16, 17, 22, 27, 30, 36, 45, 46, 47, 50, 57}


def parse_xml(data: bytes):
    """Parse one part safely: no entities, no network, no DTD at all."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             collect_ids=False)  # no xml:id table: nothing is looked up by id
    root = etree.fromstring(data, parser)
    if root.getroottree().docinfo.doctype:
        raise ValueError("a part of the workbook declares a DTD, which a workbook never does")
    return root


_ROW, _C = f"{NS}row", f"{NS}c"


class _Columns(dict):
    """Cell reference -> column number (0: not a reference); bounded."""

    def __setitem__(self, key, value):
        if len(self) > 50_000:
            self.clear()
        super().__setitem__(key, value)


_COLUMNS = _Columns()
_MEMO: dict = {}  # (what, part bytes) -> what the part says; bounded


def _memo(what: str, raw, compute):
    """compute(raw), once per distinct content of a part (results are shared: never mutate them)."""
    key = (what, raw)
    try:
        return _MEMO[key]
    except KeyError:
        pass
    value = compute(raw)
    if len(_MEMO) >= 64:
        _MEMO.clear()
    _MEMO[key] = value
    return value


def col_number(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def unescape(text: str) -> str:
    """Undo OOXML's _xHHHH_ escapes of characters XML cannot carry."""
    return ESC_RE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def string_item(el) -> str:
    """The text of a shared/inline string (plain or rich runs; phonetic hints left out)."""
    t = el.find(f"{NS}t")
    runs = [t] if t is not None else el.findall(f"{NS}r/{NS}t")
    return unescape("".join(x.text or "" for x in runs))


def number_text(raw: str) -> str:
    """A stored number as a person typed it: '4', not '4.0'."""
    try:
        f = float(raw)
    except ValueError:
        return raw
    if math.isfinite(f) and f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return format(f, ".15g")


def is_date_format(code: str) -> bool:
    """True for a number format that shows a date (d, m, y outside quotes and [colours])."""
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return "general" not in bare and bool(re.search(r"[dy]", bare)) and "m" in bare


class Book:
    """A workbook's sheets, cells and defined names, read with zipfile parts and lxml."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts
        # Returns of one round share these parts byte for byte: what they say is worked out once.
        sheets, names, self.epoch = _memo("workbook", (parts["xl/workbook.xml"], parts.get("xl/_rels/workbook.xml.rels")),
                                          self._workbook)
        self.sheets: dict[str, tuple[str, bool]] = dict(sheets)
        self.names = dict(names)
        self.strings = _memo("strings", parts.get("xl/sharedStrings.xml"), lambda _: self._shared_strings())
        self.date_styles = _memo("styles", parts.get("xl/styles.xml"), lambda _: frozenset(self._date_styles()))
        self._cells: dict[str, dict[tuple[int, int], str]] = {}
        self._indexed: dict[str, dict] = {}  # sheet -> {(row, column): its <c> element}
        self.footers: dict[str, str] = {}

    def _workbook(self, _key) -> tuple[dict, dict, dt.datetime]:
        """Sheets (name -> (part, visible)), defined names and the date epoch, from workbook.xml."""
        wb = parse_xml(self.parts["xl/workbook.xml"])
        rels = self._rels("xl/_rels/workbook.xml.rels", "xl")
        sheets: dict[str, tuple[str, bool]] = {}
        for s in wb.iter(f"{NS}sheet"):
            sheets[s.get("name", "")] = (rels.get(s.get(REL_ID), ""), s.get("state", "visible") == "visible")
        names = {dn.get("name", ""): (dn.text or "").strip() for dn in wb.iter(f"{NS}definedName")}
        pr = wb.find(f"{NS}workbookPr")
        epoch = dt.datetime(1904, 1, 1) if pr is not None and pr.get("date1904") in ("1", "true") \
            else dt.datetime(1899, 12, 30)
        return sheets, names, epoch

    def _rels(self, part: str, base: str) -> dict[str, str]:
        """Relationship id -> part path for a .rels part."""
        if part not in self.parts:
            return {}
        out = {}
        for rel in parse_xml(self.parts[part]).iter(PKG_REL):
            target = rel.get("Target", "")
            absolute = target.startswith("/")
            out[rel.get("Id")] = target.lstrip("/") if absolute else posixpath.normpath(f"{base}/{target}")
        return out

    def _shared_strings(self) -> list[str]:
        """The shared string table (empty when the workbook has none)."""
        raw = self.parts.get("xl/sharedStrings.xml")
        return [string_item(si) for si in parse_xml(raw).iter(f"{NS}si")] if raw else []

    def _date_styles(self) -> set[int]:
        """Indices of the cell styles whose number format shows a date."""
        raw = self.parts.get("xl/styles.xml")
        if not raw:
            return set()
        root = parse_xml(raw)
        codes = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in root.iter(f"{NS}numFmt")}
        xfs = root.find(f"{NS}cellXfs")
        out = set()
        for i, xf in enumerate(xfs if xfs is not None else []):
            fid = int(xf.get("numFmtId", "0"))
            if fid in DATE_IDS or (fid in codes and is_date_format(codes[fid])):
                out.add(i)
        return out

    def cells(self, sheet: str) -> dict[tuple[int, int], str]:
        """Non-empty cell texts of a sheet by (row, column)."""
        if sheet not in self._cells:
            self._cells[sheet] = {at: text for at, cell in self._index(sheet).items() if (text := self.value(cell))}
        return self._cells[sheet]

    def cell(self, sheet: str, row: int, col: int) -> str:
        """One cell's text ('' when empty), without working out the texts of all the others."""
        if sheet in self._cells:
            return self._cells[sheet].get((row, col), "")
        cell = self._index(sheet).get((row, col))
        return "" if cell is None else self.value(cell)

    def _index(self, sheet: str) -> dict:
        """Parse one sheet: its cells that hold something by (row, column); remember its header/footer text."""
        if sheet in self._indexed:
            return self._indexed[sheet]
        path = self.sheets.get(sheet, ("", False))[0]
        out: dict = {}
        self._indexed[sheet] = out
        if path not in self.parts:
            return out
        root = parse_xml(self.parts[path])
        r = 0
        columns = _COLUMNS
        for row in root.iter(_ROW):
            r, c = int(row.get("r") or r + 1), 0
            for cell in row.iterchildren(_C):
                ref = cell.get("r", "")
                col = columns.get(ref)
                if col is None:
                    m = CELL_RE.match(ref)
                    col = columns[ref] = col_number(m.group(1)) if m else 0
                c = col or c + 1
                if len(cell):  # a cell without children holds no value
                    out[(r, c)] = cell
        hf = root.find(f"{NS}headerFooter")
        self.footers[sheet] = " ".join(x.text or "" for x in hf) if hf is not None else ""
        return out

    def value(self, cell) -> str:
        """A cell's text: strings resolved, numbers as typed, dates as dd-mm-åååå."""
        t = cell.get("t", "n")
        if t == "inlineStr":
            el = cell.find(f"{NS}is")
            return string_item(el) if el is not None else ""
        v = cell.find(f"{NS}v")
        raw = v.text if v is not None and v.text is not None else ""
        if not raw:
            return ""
        if t == "s":
            i = int(raw) if raw.isdigit() else -1
            return self.strings[i] if 0 <= i < len(self.strings) else ""
        if t == "b":
            return "TRUE" if raw == "1" else "FALSE"
        if t in ("str", "e", "d"):
            return unescape(raw)
        style = cell.get("s", "0")
        if style.isdigit() and int(style) in self.date_styles:
            return self.date_text(raw)
        return number_text(raw)

    def date_text(self, raw: str) -> str:
        """An Excel serial date as dd-mm-åååå."""
        try:
            return (self.epoch + dt.timedelta(days=float(raw))).strftime("%d-%m-%Y")
        except (ValueError, OverflowError):
            return raw

    def resolve(self, name: str) -> tuple[str, int, int] | None:
        """(sheet, row, column) a defined name points at, or None."""
        m = REF_RE.match(self.names.get(name, ""))
        if not m:
            return None
        sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
        return (sheet, int(m.group(4)), col_number(m.group(3))) if sheet in self.sheets else None

    def named(self, name: str) -> str | None:
        """The text of the cell a defined name points at ('' when empty), None when unresolvable."""
        where = self.resolve(name)
        return None if where is None else self.cell(*where)

    def visible_code(self) -> str | None:
        """A form code in the visible cells (then the page footers) of visible sheets."""
        visible = [name for name, (_, shown) in self.sheets.items() if shown]
        for name in visible:
            for _, text in sorted(self.cells(name).items()):
                if code := normalise(text):
                    return code
        for name in visible:
            if code := normalise(self.footers.get(name, "")):
                return code
        return None

    def hidden_identity(self) -> dict[str, str]:
        """Key/value rows of the hidden _formgen sheet (identity when custom properties are gone)."""
        from formgen.core.identity import PROPS

        cells = self.cells(ID_SHEET) if ID_SHEET in self.sheets else {}
        return {cells[(r, 1)]: cells.get((r, 2), "") for (r, c) in cells if c == 1 and cells[(r, 1)] in PROPS}
