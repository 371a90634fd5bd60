"""Deciding: the single writer stores what was examined, in groups of files with one commit each."""
from __future__ import annotations

import time
from pathlib import Path

from formgen.core.errors import Problem
from formgen.core.workspace import Workspace
from formgen.intake.examine import Examined, examine, unreadable
from formgen.intake.judge import judge_answers
from formgen.intake.types import FileResult, Source
from formgen.store.intake_writer import STORAGE_ERRORS, close_writer, record_problems, store_reading, writer
from formgen.store.lookup import Lookup

__all__ = ["Group", "conclude", "has_row", "process"]


class Group:
    """The single writer's open transaction. Files are stored in groups with one commit (one fsync)
    per group, each file in its own savepoint, and are moved out of intake/ only after their group
    is committed: a crash or a full disk rolls back a whole group whose files all still wait in
    intake/, so every file still ends in exactly one state."""

    FILES, SECONDS = 64, 0.2  # short enough that a parallel intake run waits little for the lock

    def __init__(self, engine):
        self.engine, self.tx, self.started = engine, None, 0.0
        self.pending: list[tuple[Source, FileResult, Path | None]] = []

    def transaction(self):
        """The open transaction, begun (BEGIN IMMEDIATE) when the group first writes."""
        if self.tx is None:
            self.tx = writer(self.engine).transaction().__enter__()
            self.started = time.monotonic()
        return self.tx

    def add(self, src: Source, result: FileResult, planned: Path | None) -> None:
        self.pending.append((src, result, planned))

    def due(self) -> bool:
        return len(self.pending) >= self.FILES or (self.tx is not None and time.monotonic() - self.started >= self.SECONDS)

    def flush(self) -> None:
        """Commit the open transaction; its files stay pending (moved at the next commit)."""
        tx, self.tx = self.tx, None
        if tx is not None:
            tx.__exit__(None, None, None)

    def commit(self) -> list[tuple[Source, FileResult, Path | None]]:
        """Commit the group; its files, to be moved."""
        tx, self.tx = self.tx, None
        if tx is not None:
            tx.__exit__(None, None, None)
        done, self.pending = self.pending, []
        return done

    def abort(self) -> None:
        tx, self.tx = self.tx, None
        self.pending = []
        if tx is not None:
            try:
                tx.__exit__(RuntimeError, None, None)  # roll back: the files stay in intake/
            except STORAGE_ERRORS:
                pass  # the error that got us here is the one to report


def conclude(group: Group, src: Source, ex: Examined, stored: set[str] | None = None,
              planned: Path | None = None) -> FileResult:
    """Store what was read and record problems, in the group's transaction: the writer's half of a decision.

    stored: the hashes this run has stored. A worker examines a file before the files ahead of it
    are stored, so an identical copy earlier in the batch is caught here, with the same result a
    one-by-one run gives.
    """
    result = ex.result
    if result is None and ex.scan:
        from formgen.intake.scan_store import store_scan

        group.flush()  # a scan is stored in a transaction of its own (its pages may complete earlier files' forms)
        return store_scan(group.engine, src, ex, planned.name if planned else None)
    if result is None:
        name, sha = src.name, ex.base["sha256"]
        if stored is not None and sha in stored:
            return FileResult(name, "duplicate", sha)
        try:
            result = _stored(group.transaction(), ex, name, planned)
        except STORAGE_ERRORS:
            raise  # the database or disk failed, not the file: stop the run, leave the file where it is
        except Exception as exc:  # as when reading: one file's failure must not stop the batch
            result = unreadable(name, sha, exc)
        if stored is not None and has_row(result):
            stored.add(sha)
    if result.problems and ex.record:
        record_problems(group.transaction(), result.sha256, result.name, result.status, result.problems)
    return result


def has_row(r: FileResult) -> bool:
    """Whether the file was stored as a submission of its own (imported, a conflict, or a duplicate by its answers)."""
    return r.status == "imported" or any(p.code in ("FG230", "FG231") for p in r.problems)


def process(engine, ws: Workspace, src: Source, lookup: Lookup | None = None) -> FileResult:
    """Decide one file (examine, then store). Any failure inside the file becomes a rejection."""
    own = lookup is None
    lookup = lookup or Lookup(ws.db, ws.unit)
    group = Group(engine)
    try:
        result = conclude(group, src, examine(lookup, src))
        group.commit()
        return result
    finally:
        group.abort()
        close_writer(engine)
        if own:
            lookup.close()


def _stored(tx, ex: Examined, name: str, planned: Path | None) -> FileResult:
    """Store one reading; its result (a conflict goes to review with both files kept)."""
    base = ex.base
    status, found = store_reading(tx, ex.row, ex.kind, ex.answers, ex.meta, name, base,
                                  planned.name if planned else None, judge_answers(ex.answers))
    if found is None:
        return FileResult(name, status, **base)
    what, earlier, added = found
    since = f"'{earlier['name']}'" + ("" if earlier["code"] == base["code"] else f" (form code {earlier['code']})")
    if what == "same":
        return FileResult(name, "duplicate", **base, problems=(Problem(
            "FG231", name, f"the same answers as {since}, which is already imported: recorded as a duplicate, "
            "counted once", "nothing to do; both files are kept in intake/processed/"),))
    if what == "newer":
        return FileResult(name, "imported", **base, problems=(Problem(
            "FG232", name, f"a newer version of the kompetencekort in {since}: {_added(added)}, no earlier answer "
            "changed; this file counts now and the earlier one is superseded",
            "nothing to do; the earlier file is kept in intake/processed/"),))
    return FileResult(name, "review", **base, problems=(Problem(
        "FG230", name, f"{_which(base)} was already imported from {since}, and this file's answers differ",
        "both are kept: compare them and run 'formgen review --keep FILE' to choose"),))


def _added(answers: frozenset) -> str:
    """'2 assessment(s) added (5 answers)': levels given (now, now_2, …) among the new answers."""
    levels = sum(field == "now" or field.startswith("now_") for _, field, _ in answers)
    return f"{levels} assessment(s) added ({len(answers)} answer(s))"


def _which(base: dict) -> str:
    if not base["citizen_ref"] or base["round"] is None:
        return f"form {base['code']}"
    return f"the {base['form']} of {base['citizen_ref']} ({base['role']}, round {base['round']})"
