"""The small types of intake: a file to read (Source) and what happened to it (FileResult, IntakeResult)."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from formgen.core.errors import Problem

__all__ = ["OUTCOMES", "FileResult", "IntakeResult", "Source", "close_archive"]

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
    converted: str = ""  # 'doc' or 'xls': read from a copy LibreOffice converted (--convert-legacy)


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
        return _archive(self.path).read(self.member)

    def head(self, n: int) -> bytes:
        """The first n bytes, reading (or inflating) no more."""
        with (open(self.path, "rb") if self.member is None else _archive(self.path).open(self.member)) as fh:
            return fh.read(n)

    def content(self, data: bytes) -> bytes:
        """What to parse, given the file's bytes: the bytes themselves (legacy.Converted: its converted copy)."""
        return data

    def mark(self, result: FileResult) -> FileResult:
        """The outcome as reported (legacy.Converted notes the conversion)."""
        return result


_OPEN_ARCHIVE: list = []  # [path, ZipFile]: members are read in order, so one archive stays open


def _archive(path: Path) -> zipfile.ZipFile:
    """The archive, opened once for all its members (not once per member)."""
    if _OPEN_ARCHIVE and _OPEN_ARCHIVE[0] == path:
        return _OPEN_ARCHIVE[1]
    close_archive()
    zf = zipfile.ZipFile(path)
    _OPEN_ARCHIVE[:] = [path, zf]
    return zf


def close_archive() -> None:
    """Close the archive kept open for its members (at the end of a run)."""
    if _OPEN_ARCHIVE:
        _OPEN_ARCHIVE[1].close()
        _OPEN_ARCHIVE.clear()
