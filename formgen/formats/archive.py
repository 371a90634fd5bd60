"""Plain .zip archives of returns (not Office packages): listing and reading their members."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, Iterator

__all__ = ["BadArchive", "close_archive", "is_archive", "members", "open_member", "read_member", "pack"]

BadArchive = zipfile.BadZipFile  # a member that cannot be read (damaged or truncated archive)

_OPEN: list = []  # [path, ZipFile]: members are read in order, so one archive stays open


def is_archive(path: Path) -> bool:
    """A .zip of returns, not a Word/Excel package that happens to be named .zip."""
    if path.suffix.lower() != ".zip" or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return "[Content_Types].xml" not in zf.namelist()


def members(path: Path) -> Iterator[str]:
    """The names of the files in an archive, without folders and macOS/dot-file clutter."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
                continue
            yield name


def _archive(path: Path) -> zipfile.ZipFile:
    """The archive, opened once for all its members (not once per member)."""
    if _OPEN and _OPEN[0] == path:
        return _OPEN[1]
    close_archive()
    zf = zipfile.ZipFile(path)
    _OPEN[:] = [path, zf]
    return zf


def read_member(path: Path, member: str) -> bytes:
    """One member's bytes, inflated."""
    return _archive(path).read(member)


def open_member(path: Path, member: str) -> IO[bytes]:
    """One member as a stream, to read its first bytes without inflating it whole."""
    return _archive(path).open(member)


def close_archive() -> None:
    """Close the archive kept open for its members (at the end of a run)."""
    if _OPEN:
        _OPEN[1].close()
        _OPEN.clear()


def pack(files: list[Path], dest: Path, base: Path) -> Path:
    """Write a .zip (mode 0600) of files, each named by its path relative to base (generated forms for download)."""
    from formgen.core.private import FILE_MODE, private_dir

    private_dir(dest.parent)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, Path(f).relative_to(base).as_posix())
    dest.chmod(FILE_MODE)
    return dest
