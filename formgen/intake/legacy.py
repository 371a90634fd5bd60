"""Returns LibreOffice converts: old-format .doc/.xls (with `formgen intake --convert-legacy`) and
OpenDocument .odt/.ods (whenever LibreOffice is installed; without it they are rejected, FG246).

The original is never touched: its bytes are copied into a private temporary folder (0700) and
LibreOffice converts the copy to .docx/.xlsx (its own profile, a time limit per file, a memory
ceiling), one LibreOffice run for all files of a kind. The converted copy is then read like any
returned form; the original is what is hashed, stored, moved to processed/ or quarantine/, and
named in the report. The temporary folder is deleted when the run ends. An ODF file's identity is
read from its own meta.xml too (formats.odf).
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formgen.core.errors import Problem, Refused
from formgen.formats.convert import INSTALL, find_soffice
from formgen.formats.legacy import CONVERT_SECONDS, TARGET, convert_batch
from formgen.formats.package import ODF_HEAD, OLE_MAGIC, legacy_kind, odf_kind
from formgen.intake.types import FileResult, Source

__all__ = ["ODF", "NOUN", "RESAVE", "Converted", "Conversions"]

ODF = ("odt", "ods")  # converted whenever LibreOffice is installed; .doc/.xls only with --convert-legacy
NOUN = {"doc": "Word document", "xls": "workbook", "odt": "text document", "ods": "spreadsheet"}
RESAVE = {"docx": "Word-dokument (.docx)", "xlsx": "Excel-projektmappe (.xlsx)"}  # the file type's name in Word/Excel


@dataclass(frozen=True)
class Converted(Source):
    """A legacy file and what converting it gave: the copy to read, or the problem to report."""

    kind: str = ""  # doc | xls | odt | ods
    copy: Path | None = None
    problem: Problem | None = None

    def content(self, data: bytes) -> bytes:
        if self.problem is not None:
            raise Refused(self.problem)
        return self.copy.read_bytes()

    def identity(self, data: bytes) -> dict[str, str]:
        from formgen.formats import odf

        return odf.properties(data, self.name) if self.kind in ODF and self.copy is not None else {}

    def mark(self, result: FileResult) -> FileResult:
        from dataclasses import replace

        return replace(result, converted=self.kind) if self.copy is not None else result


class Conversions:
    """The legacy and ODF files of one intake run, converted into a private temporary folder."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="formgen-legacy-"))  # 0700

    def convert(self, sources: list[Source], duplicate: Callable[[bytes], bool], legacy: bool = True) -> list[Source]:
        """The sources, with each ODF file (and with legacy=True each .doc/.xls) replaced by a Converted.
        duplicate(data) says whether a file is already stored (it is then not converted: intake calls
        it a duplicate). Without LibreOffice an ODF file is left as it is: reading it says so (FG246)."""
        exe, out, todo = find_soffice(), list(sources), {}
        for n, src in enumerate(sources):
            found = _candidate(src, legacy)
            if found is None or duplicate(found[1]):
                continue
            kind, data = found
            if kind in ODF:
                problem = _checked(data, src.name)  # refused before LibreOffice sees it
                if problem is not None:
                    out[n] = Converted(src.path, src.member, kind, None, problem)
                if problem is not None or exe is None:  # without LibreOffice: judged as it is (FG246)
                    continue
            copy = self.folder / "in" / f"{n:06d}.{kind}"
            copy.parent.mkdir(exist_ok=True)
            copy.write_bytes(data)
            todo[n] = kind
        for kind in TARGET:
            batch = [n for n, k in todo.items() if k == kind]
            if not batch:
                continue
            failures = ({n: "missing" for n in batch} if exe is None else
                        convert_batch(exe, [self.folder / "in" / f"{n:06d}.{kind}" for n in batch], kind, self.folder))
            for n in batch:
                src, why = sources[n], failures.get(n)
                copy = self.folder / "out" / f"{n:06d}.{TARGET[kind]}"
                out[n] = Converted(src.path, src.member, kind, None if why else copy,
                                   _problem(src.name, kind, why) if why else None)
        return out

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _candidate(src: Source, legacy: bool) -> tuple[str, bytes] | None:
    """(kind, bytes) of a file to convert: ODF, or with legacy an old-format .doc/.xls; else None."""
    try:
        head = src.head(ODF_HEAD)
        if not (odf_kind(head) or (legacy and head.startswith(OLE_MAGIC))):
            return None  # read whole only when it starts like one
        data = src.read()
    except Exception:  # unreadable or gone: examining the file reports it
        return None
    kind = odf_kind(data) or (legacy_kind(data) if legacy else None)
    return (kind, data) if kind else None


def _checked(data: bytes, name: str) -> Problem | None:
    """Why an ODF package is refused before conversion (a zip bomb, unsafe names, damage), else None."""
    from formgen.formats import odf

    try:
        odf.check(data, name)
    except Refused as exc:
        return exc.problem
    return None


def _problem(name: str, kind: str, why: str) -> Problem:
    ext, new, word = f".{kind}", f".{TARGET[kind]}", TARGET[kind] == "docx"
    resave = f"open it in {'Word' if word else 'Excel'} or LibreOffice, save it as {new} and import that copy"
    if kind in ODF:  # the sender's own program: the words on its Save As dialog
        resave = f"ask the sender to open it, choose Filer › Gem som … and the file type {RESAVE[TARGET[kind]]}, and send that copy"
    what = f"OpenDocument {ext}" if kind in ODF else f"old-format {ext}"
    if why == "missing":
        return Problem("FG170", name, f"this is an old-format {ext} file, and LibreOffice, which --convert-legacy "
                       "uses to convert it, is not installed",
                       f"{INSTALL}; then move the file from intake/quarantine/ back to intake/ and run "
                       f"'formgen intake --convert-legacy' again (or {resave})")
    if why == "timeout":
        return Problem("FG244", name, f"converting this {what} file with LibreOffice took longer than "
                       f"{CONVERT_SECONDS:g} seconds", f"{resave}; if it will not open, ask the sender")
    if why.startswith("start: "):
        return Problem("FG244", name, f"LibreOffice could not be started to convert this {ext} file ({why[7:]})",
                       "check that 'soffice --headless --version' works, then run intake again")
    return Problem("FG244", name, f"LibreOffice could not convert this {what} file (it is damaged, "
                   "password-protected, or not really a " + NOUN[kind] + ")",
                   f"{resave}; if it will not open, ask the sender for the form again")
