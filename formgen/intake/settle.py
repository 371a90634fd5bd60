"""Settling: a decided file moves to processed/ or quarantine/ (with a note), only after its outcome is committed."""
from __future__ import annotations

import errno
import os
import shutil
from dataclasses import replace
from pathlib import Path

from formgen.core.private import private_dir, write_private
from formgen.core.workspace import Workspace
from formgen.intake.decide import has_row
from formgen.intake.examine import Examined
from formgen.intake.types import FileResult, Source
from formgen.store.intake_writer import set_stored_name

__all__ = ["planned_path", "settle", "move", "problems_text"]


def planned_path(ws: Workspace, src: Source, ex: Examined) -> Path | None:
    """Where a file to be stored will be moved: its name is stored in the same transaction."""
    if ex.result is not None or src.member is not None:
        return None
    return _unique(ws.processed / src.path.name, ex.base["sha256"])


def settle(ws: Workspace, src: Source, r: FileResult, engine, planned: Path | None = None) -> FileResult:
    """Move a decided file: stored ones to processed/, the rest to quarantine/ with a reason.

    planned: the processed/ path whose name was stored with the submission (see _planned); the
    name is corrected should the file have to go elsewhere."""
    if r.status == "skipped":
        return r
    stored = r.status == "duplicate" or has_row(r)
    recorded = planned.name if planned is not None and has_row(r) else None
    if src.member is not None:
        if stored:
            return r  # the archive itself moves to processed/ at the end
        target = _unique(ws.quarantine / f"{src.path.stem}__{Path(src.member).name}", r.sha256)
        write_private(target, src.read())
    else:
        if recorded and not planned.exists():
            target = _take(src.path, planned)
        else:
            target = move(src.path, (ws.processed if stored else ws.quarantine), r.sha256)
        if target is None:  # another intake run moved it first: that run says where it went
            if recorded and not planned.exists():
                set_stored_name(engine, r.sha256, None)
            return r
    if not stored:
        write_private(target.with_name(target.name + ".problems.txt"), problems_text(r).encode("utf-8"))
    if has_row(r) and target.name != recorded:
        set_stored_name(engine, r.sha256, target.name)
    return replace(r, moved_to=str(target.relative_to(ws.root)) if target.is_relative_to(ws.root) else str(target))


def _unique(target: Path, sha: str = "") -> Path:
    """target, or a free name beside it: <stem>-<sha8> for a file of known content (the same content may
    take that name again), else <stem>-<n>, never a name already taken (a third returns.zip must not
    replace the second)."""
    if not target.exists():
        return target
    if sha:
        return target.with_name(f"{target.stem}-{sha[:8]}{target.suffix}")
    n = 2
    while (candidate := target.with_name(f"{target.stem}-{n}{target.suffix}")).exists():
        n += 1
    return candidate


def move(path: Path, folder: Path, sha: str = "") -> Path | None:
    """Move path into folder under a free name; None when another run took it first."""
    return _take(path, _unique(folder / path.name, sha))


def _take(path: Path, target: Path) -> Path | None:
    """Move path to target; None when the file is already gone (another intake run took it).

    A check-then-move would race with a parallel run, so the rename itself decides: on one file
    system it is atomic and exactly one run wins."""
    try:
        try:
            os.rename(path, target)
        except FileNotFoundError:
            if not os.path.lexists(path):
                return None
            private_dir(target.parent)  # the first file into processed/ or quarantine/ (or it was removed)
            os.rename(path, target)
        return target
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    private_dir(target.parent)
    try:  # from another file system (a USB stick, a share): copy, then remove the original
        shutil.copy2(path, target)
    except FileNotFoundError:
        target.unlink(missing_ok=True)
        return None
    except BaseException:
        target.unlink(missing_ok=True)  # no half copy in processed/; the original stays where it was
        raise
    path.unlink(missing_ok=True)
    return target


def problems_text(r: FileResult) -> str:
    """The note left next to a quarantined file, for the administrator."""
    lines = [f"formgen intake: {r.name}", f"Status: {r.status}", ""]
    if r.converted:
        lines[2:2] = [f"Read from a copy LibreOffice converted from .{r.converted} (this file is the original)"]
    for p in r.problems:
        lines += [f"[{p.code}] {p.where}", f"  What: {p.what}", f"  Fix:  {p.fix}", ""]
    return "\n".join(lines)
