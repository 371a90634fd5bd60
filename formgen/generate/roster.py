"""Rosters: one row per citizen, from CSV or XLSX, English or Danish headers."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from formgen.core.errors import FormgenError, Problem, fail
from formgen.formats.workbook import sheet_rows

__all__ = ["COLUMNS", "Citizen", "looks_like_cpr", "check_ref", "read"]

COLUMNS = {
    "citizen_ref": "citizen_ref", "borger_id": "citizen_ref",
    "name": "name", "navn": "name",
    "company": "company", "virksomhed": "company",
    "mentor": "mentor",
    "consultant": "consultant", "konsulent": "consultant",
    "programme": "programme", "indsats": "programme",
}
# ddmmyy-xxxx with or without the dash; the date part must be a plausible day and month.
CPR_RE = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")
REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Citizen:
    """One roster row."""

    citizen_ref: str
    name: str = ""
    company: str = ""
    mentor: str = ""
    consultant: str = ""
    programme: str = ""


def looks_like_cpr(text: str) -> bool:
    """True for anything shaped like a CPR number (no modulus-11 check: valid CPRs fail it)."""
    return bool(CPR_RE.search(text or ""))


def check_ref(ref: str, where: str) -> Problem | None:
    """A citizen_ref must be safe in a file name and must not be a CPR number."""
    if looks_like_cpr(ref):
        return Problem("FG122", where, "citizen_ref looks like a CPR number, which must never be used in file names",
                       "use the case number (sagsnummer) or a pseudonym like S-0042 instead")
    if not REF_RE.match(ref):
        return Problem("FG121", where, f"citizen_ref '{ref}' may only hold letters, digits, '.', '_' and '-' (max 64)",
                       "use a case number or pseudonym without spaces or slashes, e.g. S-0042")
    return None


def read(path: Path) -> list[Citizen]:
    """Read and validate a roster; every bad row is reported by its row number."""
    path = Path(path)
    if not path.is_file():
        raise fail("FG120", str(path), "the roster file does not exist", "check the path")
    rows = sheet_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(path)
    if not rows:
        raise fail("FG120", str(path), "the roster is empty", "add a header row and one row per citizen")
    header = [str(h or "").strip().lower() for h in rows[0]]
    problems = [Problem("FG121", f"{path}, row 1, column {i + 1}", f"unknown column '{h}'",
                        f"use {', '.join(sorted(set(COLUMNS)))}; remove or rename the column")
                for i, h in enumerate(header) if h and h not in COLUMNS]
    if not any(COLUMNS.get(h) == "citizen_ref" for h in header):
        problems.append(Problem("FG121", f"{path}, row 1", "no citizen_ref column",
                                "add a column 'citizen_ref' (or 'borger_id') with each citizen's case number or pseudonym"))
    if problems:
        raise FormgenError(problems)
    citizens, seen = [], {}
    for n, raw in enumerate(rows[1:], start=2):
        values = {COLUMNS[h]: str(v if v is not None else "").strip() for h, v in zip(header, raw) if h}
        if not any(values.values()):
            continue
        where = f"{path}, row {n}"
        ref = values.get("citizen_ref", "")
        if not ref:
            problems.append(Problem("FG121", where, "citizen_ref is empty", "fill in the case number or pseudonym"))
            continue
        if (p := check_ref(ref, where)) is not None:
            problems.append(p)
            continue
        if ref in seen:
            problems.append(Problem("FG121", where, f"citizen_ref '{ref}' also appears in row {seen[ref]}",
                                    "give each citizen one row; merge or remove the duplicate"))
            continue
        seen[ref] = n
        citizens.append(Citizen(**values))
    if problems:
        raise FormgenError(problems)
    return citizens


def _rows_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):  # Excel's "CSV" on Danish Windows is cp1252
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]
