"""Examining one file under limits (time, memory): read it, find its code, interpret its answers.

Read-only: it may run in a forked reader. Any failure inside a file becomes a result, never an exception.
"""
from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from formgen.core.errors import FileTimeout, Problem, Refused
from formgen.core.identity import normalise
from formgen.formats.archive import BadArchive
from formgen.formats.package import is_lock_file
from formgen.intake.interpret import interpret
from formgen.intake.types import FileResult, Source
from formgen.store.lookup import Lookup

__all__ = ["FILE_SECONDS", "BYTES_PER_SECOND", "WORKER_MB", "Examined", "examine", "limit_memory", "unreadable"]

FILE_SECONDS = float(os.environ.get("FORMGEN_FILE_SECONDS", "30"))  # per file, reading and interpreting
# ... plus a second per this many bytes: a scanned PDF of 300 pages (~100 MB) must not be cut off as a
# pathological file is, while a small file that takes long (a parser caught in a loop) still is
BYTES_PER_SECOND = 200_000
WORKER_MB = int(os.environ.get("FORMGEN_WORKER_MB", "2048"))  # address space of a forked reader


@dataclass(frozen=True)
class Examined:
    """What reading a file found: a result already, or a reading to store."""

    result: FileResult | None = None
    record: bool = True  # record the result's problems in the database
    row: dict | None = None  # the dispatch row, when there is something to store
    kind: str = ""
    answers: tuple = ()
    meta: dict | None = None
    base: dict | None = None
    scan: tuple = ()  # the pages of a scan (intake.scan_read.ScanPage), stored by intake.scan_store


def examine(lookup: Lookup, src: Source) -> Examined:
    """Read and interpret one file. Any failure inside the file becomes a rejection, never an exception."""
    name = src.name
    if is_lock_file(Path(name).name):
        return Examined(FileResult(name, "skipped"))
    try:
        data = src.read()
    except FileNotFoundError:  # another intake run took it first: its outcome is that run's
        return Examined(FileResult(name, "skipped"), record=False)
    except (OSError, BadArchive, KeyError, NotImplementedError) as exc:
        return Examined(FileResult(name, "rejected", problems=(Problem("FG209", name, f"cannot read the file ({exc})",
                                                                       "check that the file is complete and readable"),)),
                        record=False)
    sha = hashlib.sha256(data).hexdigest()
    if lookup.duplicate(sha):
        return Examined(FileResult(name, "duplicate", sha))
    limit = FILE_SECONDS + len(data) / BYTES_PER_SECOND
    try:
        with _time_limit(limit):
            return _read(lookup, src.content(data), sha, name, src.identity(data))
    except Refused as exc:
        return Examined(FileResult(name, "rejected", sha, problems=(exc.problem,)))
    except FileTimeout:
        return Examined(FileResult(name, "rejected", sha, problems=(Problem(
            "FG241", name, f"reading the file took longer than {limit:.0f} seconds",
            "open it in Word/Excel, save it again and import the new copy (a scan: scan it again, or split it "
            "into smaller files); if it stays slow, ask the sender"),)))
    except MemoryError:
        return Examined(FileResult(name, "rejected", sha, problems=(Problem(
            "FG242", name, f"reading the file needed more than {WORKER_MB} MB of memory",
            "this is not a normal form; do not open it, ask the sender"),)))
    except Exception as exc:  # the boundary: a parser failure on one file must not stop the batch
        return Examined(unreadable(name, sha, exc))


@contextmanager
def _time_limit(seconds: float):
    """Interrupt a pathological parse (a timer in whichever process reads the file; main thread only)."""
    import signal
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expired(signum, frame):
        raise FileTimeout()

    old = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def limit_memory() -> None:
    """In a forked reader: allocations past WORKER_MB fail with MemoryError (a rejection), not the batch."""
    import resource

    limit = WORKER_MB * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def unreadable(name: str, sha: str, exc: Exception) -> FileResult:
    """A rejection for a file whose reading failed unexpectedly."""
    return FileResult(name, "rejected", sha, problems=(Problem(
        "FG209", name, f"the file could not be read ({exc.__class__.__name__})",
        "open it in Word/Excel, save it again and import the new copy"),))


def _read(lookup: Lookup, data: bytes, sha: str, name: str, own: dict[str, str]) -> Examined:
    from formgen.formats.registry import open_return
    from formgen.core.errors import NotFillable
    from formgen.intake.scan_read import examine_scan, is_scan

    if is_scan(data):
        return _scanned(examine_scan(lookup, data, name), name, sha)
    try:
        opened = open_return(data, name)
    except NotFillable as exc:  # printed or scanned: a paper form's scan is read by its marks, nothing is guessed
        scanned = examine_scan(lookup, data, name) if data.startswith(b"%PDF") else None
        return _scanned(scanned, name, sha) if scanned else \
            Examined(FileResult(name, "review", sha, code=exc.code or "", problems=(exc.problem,)))
    kind, props, visible, read = opened.kind, opened.props, opened.visible, opened.read
    if normalise(own.get("fg_code", "")):  # the original's own identity (ODF) before its converted copy's
        props = own
    code = normalise(props.get("fg_code", "")) or visible
    if not code:
        return Examined(FileResult(name, "review", sha, problems=(Problem(
            "FG211", name, "the file has no formgen form code (not in its properties, not in its text)",
            "find out who sent it and type the answers into a new form generated for that citizen"),)))
    row = lookup.dispatch(code)
    if row is None:
        return Examined(FileResult(name, "rejected", sha, code=code, problems=(Problem(
            "FG210", name, f"form code {code} was not sent out from this workspace",
            "import it in the workspace that generated it, or check the code on the form"),)))
    base = dict(sha256=sha, code=code, form=row["form"], role=row["role"], round=row["round"],
                citizen_ref=row["citizen_ref"] or "", application=opened.application)
    if props.get("fg_version") and (props.get("fg_version"), props.get("fg_fingerprint")) != (row["form_version"], row["fingerprint"]):
        return Examined(FileResult(name, "review", **base, problems=(Problem(
            "FG212", name, f"the file says form version {props.get('fg_version')}, but {code} was sent out as "
            f"version {row['form_version']}", "check that the answers belong to this form; generate a new form if not"),)))
    d = lookup.definition(row["fingerprint"])
    extract = read(d, row["role"])
    reading = interpret(extract, d, row["role"], name)
    if reading.problems:
        return Examined(FileResult(name, "review", **base, problems=reading.problems))
    return Examined(row=row, kind=kind, answers=reading.answers, meta=dict(extract.meta), base=base)


def _scanned(pages, name: str, sha: str) -> Examined:
    """A scan's pages to store (intake.scan_store), or its rejection."""
    if isinstance(pages, Problem):  # FG213 (the printable form itself) waits for a person; FG247 is rejected
        return Examined(FileResult(name, "review" if pages.code == "FG213" else "rejected", sha, problems=(pages,)))
    return Examined(kind="paper", scan=pages, base=dict(sha256=sha))
