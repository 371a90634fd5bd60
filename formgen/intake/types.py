"""The small types of intake: a file to read (Source) and what happened to it (FileResult, IntakeResult)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from formgen.core.errors import Problem
from formgen.formats.archive import open_member, read_member

__all__ = ["OUTCOMES", "FileResult", "IntakeResult", "Source"]

OUTCOMES = ("imported", "duplicate", "review", "rejected", "skipped")


@dataclass(frozen=True)
class FileResult:
    """What happened to one returned file."""

    name: str
    status: str  # imported | duplicate | review | rejected | skipped
    sha256: str = ""
    code: str = ""
    form: str = ""
    role: str = ""
    round: int | None = None
    citizen_ref: str = ""
    problems: tuple[Problem, ...] = ()
    moved_to: str = ""
    converted: str = ""  # 'doc', 'xls', 'odt' or 'ods': read from a copy LibreOffice converted
    application: str = ""  # the program that last saved the file (docProps/app.xml), when it says


@dataclass(frozen=True)
class IntakeResult:
    """A whole intake run."""

    files: tuple[FileResult, ...]
    report: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.counts.get("review") or self.counts.get("rejected"))


@dataclass(frozen=True)
class Source:
    """A file to read: on disk, or a member of a .zip archive on disk."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}!{self.member}" if self.member else self.path.name

    def read(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        return read_member(self.path, self.member)

    def head(self, n: int) -> bytes:
        """The first n bytes, reading (or inflating) no more."""
        with (open(self.path, "rb") if self.member is None else open_member(self.path, self.member)) as fh:
            return fh.read(n)

    def content(self, data: bytes) -> bytes:
        """What to parse, given the file's bytes: the bytes themselves (legacy.Converted: its converted copy)."""
        return data

    def identity(self, data: bytes) -> dict[str, str]:
        """Identity properties the original carries when the content read is a copy (an ODF's meta.xml)."""
        return {}

    def mark(self, result: FileResult) -> FileResult:
        """The outcome as reported (legacy.Converted notes the conversion)."""
        return result
