"""Intake: read returned forms in bulk, store each good one exactly once, explain every problem.

One transaction per group of files (BEGIN IMMEDIATE), decided by content hash; a file is moved only
after its outcome is committed, so a crash at any point leaves it to be decided again, never lost.
The jobs: gather (sources), examine under limits (examine, readers), decide (the single writer),
settle (moving files) and the import report (report); intake() runs them in that order.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable

from formgen.core.errors import FormgenError, fail
from formgen.core.workspace import Workspace
from formgen.intake.decide import Group, conclude, process
from formgen.intake.gather import gather
from formgen.intake.readers import examine_all, readers
from formgen.intake.report import write_report
from formgen.intake.settle import move, planned_path, problems_text, settle
from formgen.formats.archive import close_archive
from formgen.intake.types import OUTCOMES, FileResult, IntakeResult, Source
from formgen.store import db as store
from formgen.store.errors import database_problem
from formgen.store.intake_writer import STORAGE_ERRORS, close_writer
from formgen.store.lookup import Lookup

__all__ = ["intake", "OUTCOMES", "FileResult", "IntakeResult", "Source", "gather", "process", "settle",
           "problems_text", "write_report"]


def intake(ws: Workspace, paths: list[Path] | None = None, keep: bool = False,
           progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None,
           workers: int | None = None, convert_legacy: bool = False) -> IntakeResult:
    """Read every file under paths (default: the workspace's intake/), store, move and report.

    Files are read and interpreted by forked readers with memory and time limits: one per core for
    large batches (workers=None: FORMGEN_WORKERS, else one per core), one for small ones; workers=1
    reads in this process. This process is the single writer: it decides the files in the order they
    were found, commits them in groups and moves each file only after its group is committed.
    convert_legacy: read old .doc/.xls files from copies LibreOffice converts (see legacy.py); else
    they are rejected (FG204). OpenDocument .odt/.ods files are converted whenever LibreOffice is
    installed (else rejected, FG246): nobody has to know that an option exists for a Save button.
    """

    roots = [Path(p) for p in paths] if paths else [ws.intake]
    for p in roots:
        if not p.exists():
            raise fail("FG130", str(p), "no such file or folder", "check the path")
    sources = list(gather(roots, ws))
    if on_total:
        on_total(len(sources))
    engine = store.connect(ws.db, ws.unit)
    conversions, sources = _convert(ws, sources, convert_legacy)
    results: list[FileResult] = []
    archives: dict[Path, list[FileResult]] = {}
    n = readers(workers, len(sources), _size(sources))
    if n:
        engine.dispose()  # no open database connection crosses the fork
    examined = examine_all((ws.db, ws.unit), sources, n)
    stored: set[str] = set()
    group = Group(engine)

    def finish(done: list[tuple[Source, FileResult, Path | None]]) -> None:
        for src, result, planned in done:  # moved only now that their answers are committed
            if not keep:
                result = settle(ws, src, result, engine, planned)
            results.append(result)
            if src.member is not None:
                archives.setdefault(src.path, []).append(result)
            if progress:
                progress(1)

    try:
        with _storage_failure(ws, results):
            for src, ex in examined:
                planned = None if keep else planned_path(ws, src, ex)
                group.add(src, src.mark(conclude(group, src, ex, stored, planned)), planned)
                if group.due():
                    finish(group.commit())
            finish(group.commit())
    finally:
        group.abort()
        examined.close()
        close_archive()
        close_writer(engine)
        conversions.close()
    if not keep:
        for archive in archives:
            move(archive, ws.processed)
    counts = {k: sum(r.status == k for r in results) for k in OUTCOMES}
    with _storage_failure(ws, results):
        with engine.begin() as conn:
            store.record_log(conn, "intake", {"files": len(results), **counts})
        engine.dispose()
        report = write_report(ws, results)
    return IntakeResult(tuple(results), report, counts)


def _convert(ws: Workspace, sources: list[Source], legacy: bool):
    """(Conversions, sources with the ODF and, if legacy, .doc/.xls files converted); stored ones are not."""
    from formgen.intake.legacy import Conversions

    conversions, lookup = Conversions(), Lookup(ws.db, ws.unit)
    try:
        return conversions, conversions.convert(sources, lambda data: lookup.duplicate(hashlib.sha256(data).hexdigest()),
                                                legacy)
    except BaseException:
        conversions.close()
        raise
    finally:
        lookup.close()


@contextmanager
def _storage_failure(ws: Workspace, results: list[FileResult]):
    try:
        yield
    except STORAGE_ERRORS as exc:
        done = sum(r.status == "imported" for r in results)
        p = database_problem(exc, str(ws.db), f"intake stopped after {done} file(s) were imported")
        raise FormgenError(replace(p, fix=f"{p.fix}; then run intake again: files not yet imported are still in "
                                          "intake/")) from None


def _size(sources) -> int:
    """The bytes of the batch's files (an archive counted once)."""
    size = 0
    for path in {src.path for src in sources}:
        try:
            size += path.stat().st_size
        except OSError:
            pass
    return size
