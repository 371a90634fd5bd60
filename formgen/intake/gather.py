"""Gathering: the files under the given folders, with .zip archives opened into their members."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from formgen.core.workspace import Workspace
from formgen.formats.archive import is_archive, members
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
            if is_archive(path):
                yield from (Source(path, name) for name in members(path))
            else:
                yield Source(path)
