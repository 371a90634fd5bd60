"""Old-format .doc/.xls returns, converted through LibreOffice for `formgen intake --convert-legacy`.

The original is never touched: its bytes are copied into a private temporary folder (0700) and
LibreOffice converts the copy to .docx/.xlsx (its own profile, a time limit per file, a memory
ceiling), one LibreOffice run for all files of a kind. The converted copy is then read like any
returned form; the original is what is hashed, stored, moved to processed/ or quarantine/, and
named in the report. The temporary folder is deleted when the run ends.
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
from formgen.formats.package import OLE_MAGIC, legacy_kind
from formgen.intake.types import FileResult, Source

__all__ = ["Converted", "Conversions"]


@dataclass(frozen=True)
class Converted(Source):
    """A legacy file and what converting it gave: the copy to read, or the problem to report."""

    kind: str = ""  # doc | xls
    copy: Path | None = None
    problem: Problem | None = None

    def content(self, data: bytes) -> bytes:
        if self.problem is not None:
            raise Refused(self.problem)
        return self.copy.read_bytes()

    def mark(self, result: FileResult) -> FileResult:
        from dataclasses import replace

        return replace(result, converted=self.kind) if self.copy is not None else result


class Conversions:
    """The legacy files of one intake run, converted into a private temporary folder."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="formgen-legacy-"))  # 0700

    def convert(self, sources: list[Source], duplicate: Callable[[bytes], bool]) -> list[Source]:
        """The sources, with each legacy .doc/.xls replaced by a Converted. duplicate(data) says
        whether a file is already stored (it is then not converted: intake calls it a duplicate)."""
        legacy: dict[int, str] = {}
        for n, src in enumerate(sources):
            data = _legacy_bytes(src)
            kind = legacy_kind(data) if data else None
            if kind and not duplicate(data):
                copy = self.folder / "in" / f"{n:06d}.{kind}"
                copy.parent.mkdir(exist_ok=True)
                copy.write_bytes(data)
                legacy[n] = kind
        if not legacy:
            return sources
        exe = find_soffice()
        out = list(sources)
        for kind in TARGET:
            batch = [n for n, k in legacy.items() if k == kind]
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


def _legacy_bytes(src: Source) -> bytes | None:
    """The file's bytes when it starts like an OLE file (legacy or encrypted Office), else None."""
    try:
        return src.read() if src.head(len(OLE_MAGIC)) == OLE_MAGIC else None
    except Exception:  # unreadable or gone: examining the file reports it
        return None


def _problem(name: str, kind: str, why: str) -> Problem:
    ext, new = f".{kind}", f".{TARGET[kind]}"
    resave = f"open it in {'Word' if kind == 'doc' else 'Excel'} or LibreOffice, save it as {new} and import that copy"
    if why == "missing":
        return Problem("FG170", name, f"this is an old-format {ext} file, and LibreOffice, which --convert-legacy "
                       "uses to convert it, is not installed",
                       f"{INSTALL}; then move the file from intake/quarantine/ back to intake/ and run "
                       f"'formgen intake --convert-legacy' again (or {resave})")
    if why == "timeout":
        return Problem("FG244", name, f"converting this old-format {ext} file with LibreOffice took longer than "
                       f"{CONVERT_SECONDS:g} seconds", f"{resave}; if it will not open, ask the sender")
    if why.startswith("start: "):
        return Problem("FG244", name, f"LibreOffice could not be started to convert this {ext} file ({why[7:]})",
                       "check that 'soffice --headless --version' works, then run intake again")
    return Problem("FG244", name, f"LibreOffice could not convert this old-format {ext} file (it is damaged, "
                   "password-protected, or not really a " + ("Word document)" if kind == "doc" else "workbook)"),
                   f"{resave}; if it will not open, ask the sender for the form again")
