"""Gathering: the files under the given folders, with .zip archives opened into their members."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterator

from formgen.core.workspace import Workspace
from formgen.intake.types import Source

__all__ = ["SKIP_NAMES", "gather"]

SKIP_NAMES = {"README.md", "README.txt", ".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"}


def gather(roots: list[Path], ws: Workspace) -> Iterator[Source]:
    """Files under the roots, recursively; .zip archives are opened; our own folders are skipped."""
    own = {(ws.processed).resolve(), (ws.quarantine).resolve()}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if any(parent in own for parent in path.resolve().parents) or path.name in SKIP_NAMES \
                    or path.name.startswith(".") or path.name.endswith(".problems.txt"):
                continue
            if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path) and not _is_office(path):
                yield from _members(path)
            else:
                yield Source(path)


def _is_office(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return "[Content_Types].xml" in zf.namelist()


def _members(path: Path) -> Iterator[Source]:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
                continue
            yield Source(path, name)
