"""Intake: read returned forms in bulk, store each good one exactly once, explain every problem.

One transaction per file (BEGIN IMMEDIATE), decided by content hash; the file is moved only after
its outcome is committed, so a crash at any point leaves it to be decided again, never lost.
"""
from __future__ import annotations

import hashlib
import json
import errno
import os
import shutil
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import bindparam, insert, select, update

from formgen.store import db as store
from formgen.forms.definition import FormDefinition
from formgen.core.errors import FileTimeout, Problem, Refused, fail
from formgen.formats.package import is_lock_file
from formgen.core.identity import normalise
from formgen.core.private import private_dir, write_private
from formgen.intake.interpret import interpret
from formgen.core.workspace import Workspace

SKIP_NAMES = {"README.md", "README.txt", ".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"}
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
    _close_archive()
    zf = zipfile.ZipFile(path)
    _OPEN_ARCHIVE[:] = [path, zf]
    return zf


def _close_archive() -> None:
    if _OPEN_ARCHIVE:
        _OPEN_ARCHIVE[1].close()
        _OPEN_ARCHIVE.clear()


PARALLEL_FROM = 100  # smaller batches are read by one forked reader
FILE_SECONDS = float(os.environ.get("FORMGEN_FILE_SECONDS", "30"))  # per file, reading and interpreting
WORKER_MB = int(os.environ.get("FORMGEN_WORKER_MB", "2048"))  # address space of a forked reader
CHUNK = 8  # files per task sent to a worker
IN_FLIGHT = 4  # tasks queued per worker: bounds memory whatever the batch size


def intake(ws: Workspace, paths: list[Path] | None = None, keep: bool = False,
           progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None,
           workers: int | None = None, convert_legacy: bool = False) -> IntakeResult:
    """Read every file under paths (default: the workspace's intake/), store, move and report.

    Files are read and interpreted by forked readers with memory and time limits: one per core for
    large batches (workers=None: FORMGEN_WORKERS, else one per core), one for small ones; workers=1
    reads in this process. This process is the single writer: it decides the files in the order they
    were found, commits them in groups and moves each file only after its group is committed.
    convert_legacy: read old .doc/.xls files from copies LibreOffice converts (see legacy.py); else
    they are rejected (FG204).
    """

    roots = [Path(p) for p in paths] if paths else [ws.intake]
    for p in roots:
        if not p.exists():
            raise fail("FG130", str(p), "no such file or folder", "check the path")
    sources = list(gather(roots, ws))
    if on_total:
        on_total(len(sources))
    engine = store.connect(ws.db)
    conversions = None
    if convert_legacy:
        conversions, sources = _convert_legacy(ws, sources)
    results: list[FileResult] = []
    archives: dict[Path, list[FileResult]] = {}
    n = _readers(workers, len(sources))
    if n:
        engine.dispose()  # no open database connection crosses the fork
    examined = _examine_all(ws.db, sources, n)
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
        with _storage_failure(results):
            for src, ex in examined:
                planned = None if keep else _planned(ws, src, ex)
                group.add(src, src.mark(_conclude(group, src, ex, stored, planned)), planned)
                if group.due():
                    finish(group.commit())
            finish(group.commit())
    finally:
        group.abort()
        examined.close()
        _close_archive()
        _close_writer(engine)
        if conversions is not None:
            conversions.close()
    if not keep:
        for archive in archives:
            _move(archive, ws.processed)
    counts = {k: sum(r.status == k for r in results) for k in OUTCOMES}
    with _storage_failure(results):
        with engine.begin() as conn:
            store.record_log(conn, "intake", {"files": len(results), **counts})
        engine.dispose()
        report = write_report(ws, results)
    return IntakeResult(tuple(results), report, counts)


def _convert_legacy(ws: Workspace, sources: list[Source]):
    """(Conversions, sources with the legacy .doc/.xls files converted); already stored ones are not."""
    from formgen.intake.legacy import Conversions

    conversions, lookup = Conversions(), Lookup(ws.db)
    try:
        return conversions, conversions.convert(sources, lambda data: lookup.duplicate(hashlib.sha256(data).hexdigest()))
    except BaseException:
        conversions.close()
        raise
    finally:
        lookup.close()


@contextmanager
def _storage_failure(results: list[FileResult]):
    try:
        yield
    except STORAGE_ERRORS as exc:
        done = sum(r.status == "imported" for r in results)
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise fail("FG150", "database/disk", f"intake stopped: formgen could not write its data ({detail}); "
                   f"{done} file(s) were imported before that",
                   "free disk space or make the workspace and database writable, then run intake again: "
                   "files not yet imported are still in intake/") from None


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


# --- deciding one file: examine (read-only, may run in a worker), then conclude (the writer) -----

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


class Lookup:
    """Read-only database access for examining files: plain reads that take no write lock (WAL readers
    never block the writer), one connection, definitions parsed once per fingerprint. A workspace's
    own SQLite file is read with sqlite3 directly; other databases through SQLAlchemy."""

    def __init__(self, db):
        self.db, self.engine, self.conn, self.raw = db, None, None, None
        self.definitions: dict[str, FormDefinition] = {}
        s, d, f = store.submissions, store.dispatch, store.definitions
        self._dup = select(s.c.id).where(s.c.sha256 == bindparam("sha")).limit(1)
        self._row = select(d).where(d.c.code == bindparam("code"))
        self._def = select(f.c.definition).where(f.c.fingerprint == bindparam("fp"))
        self._sql = {  # the same three queries for sqlite3
            "dup": f"SELECT 1 FROM {s.name} WHERE sha256 = ? LIMIT 1",
            "row": f"SELECT {', '.join(c.name for c in d.columns)} FROM {d.name} WHERE code = ?",
            "def": f"SELECT definition FROM {f.name} WHERE fingerprint = ?",
        }

    def _c(self):
        if self.conn is None and self.raw is None:
            url = str(self.db)
            if "://" not in url:
                import sqlite3

                self.raw = sqlite3.connect(url, timeout=60, isolation_level=None)  # autocommit: no BEGIN
                return None
            from sqlalchemy import create_engine

            self.engine = create_engine(url, connect_args={"timeout": 60} if url.startswith("sqlite") else {})
            self.conn = self.engine.connect()
        return self.conn

    def _read(self, which: str, stmt, params: dict, fetch):
        conn = self._c()
        if self.raw is not None:
            return fetch(self.raw.execute(self._sql[which], tuple(params.values())))
        try:
            return fetch(conn.execute(stmt, params))
        finally:
            conn.rollback()  # end the read, so the next one sees the latest commits

    def duplicate(self, sha: str) -> bool:
        return self._read("dup", self._dup, {"sha": sha}, lambda r: r.fetchone()) is not None

    def dispatch(self, code: str) -> dict | None:
        if self._c() is None:
            row = self.raw.execute(self._sql["row"], (code,)).fetchone()
            return dict(zip((c.name for c in store.dispatch.columns), row)) if row is not None else None
        row = self._read("row", self._row, {"code": code}, lambda r: r.mappings().first())
        return dict(row) if row is not None else None

    def definition(self, fingerprint: str) -> FormDefinition:
        """The definition a file was generated from (parsed once per run and process)."""
        d = self.definitions.get(fingerprint)
        if d is None:
            row = self._read("def", self._def, {"fp": fingerprint}, lambda r: r.fetchone())
            d_json = row[0] if row is not None else None
            d = self.definitions[fingerprint] = FormDefinition.model_validate(json.loads(d_json))
        return d

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()
            self.raw = None
        if self.conn is not None:
            self.conn.close()
            self.engine.dispose()
            self.conn = self.engine = None


def _storage_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, sqlite3.Error, OSError)


STORAGE_ERRORS = _storage_errors()


def examine(lookup: Lookup, src: Source) -> Examined:
    """Read and interpret one file. Any failure inside the file becomes a rejection, never an exception."""
    name = src.name
    if is_lock_file(Path(name).name):
        return Examined(FileResult(name, "skipped"))
    try:
        data = src.read()
    except FileNotFoundError:  # another intake run took it first: its outcome is that run's
        return Examined(FileResult(name, "skipped"), record=False)
    except (OSError, zipfile.BadZipFile, KeyError, NotImplementedError) as exc:
        return Examined(FileResult(name, "rejected", problems=(Problem("FG209", name, f"cannot read the file ({exc})",
                                                                       "check that the file is complete and readable"),)),
                        record=False)
    sha = hashlib.sha256(data).hexdigest()
    if lookup.duplicate(sha):
        return Examined(FileResult(name, "duplicate", sha))
    try:
        with _time_limit(FILE_SECONDS):
            return _read(lookup, src.content(data), sha, name)
    except Refused as exc:
        return Examined(FileResult(name, "rejected", sha, problems=(exc.problem,)))
    except FileTimeout:
        return Examined(FileResult(name, "rejected", sha, problems=(Problem(
            "FG241", name, f"reading the file took longer than {FILE_SECONDS:g} seconds",
            "open it in Word/Excel, save it again and import the new copy; if it stays slow, ask the sender"),)))
    except MemoryError:
        return Examined(FileResult(name, "rejected", sha, problems=(Problem(
            "FG242", name, f"reading the file needed more than {WORKER_MB} MB of memory",
            "this is not a normal form; do not open it, ask the sender"),)))
    except Exception as exc:  # the boundary: a parser failure on one file must not stop the batch
        return Examined(_unreadable(name, sha, exc))


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


def _limit_memory() -> None:
    """In a forked reader: allocations past WORKER_MB fail with MemoryError (a rejection), not the batch."""
    import resource

    limit = WORKER_MB * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _unreadable(name: str, sha: str, exc: Exception) -> FileResult:
    return FileResult(name, "rejected", sha, problems=(Problem(
        "FG209", name, f"the file could not be read ({exc.__class__.__name__})",
        "open it in Word/Excel, save it again and import the new copy"),))


def _read(lookup: Lookup, data: bytes, sha: str, name: str) -> Examined:
    from formgen.formats.registry import open_return
    from formgen.core.errors import NotFillable

    try:
        opened = open_return(data, name)
    except NotFillable as exc:  # printed or scanned: not guessed at
        return Examined(FileResult(name, "review", sha, code=exc.code or "", problems=(exc.problem,)))
    kind, props, visible, read = opened.kind, opened.props, opened.visible, opened.read
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
                citizen_ref=row["citizen_ref"] or "")
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


def _planned(ws: Workspace, src: Source, ex: Examined) -> Path | None:
    """Where a file to be stored will be moved: its name is stored in the same transaction."""
    if ex.result is not None or src.member is not None:
        return None
    return _unique(ws.processed / src.path.name, ex.base["sha256"])


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
            self.tx = _writer(self.engine).transaction().__enter__()
            self.started = time.monotonic()
        return self.tx

    def add(self, src: Source, result: FileResult, planned: Path | None) -> None:
        self.pending.append((src, result, planned))

    def due(self) -> bool:
        return len(self.pending) >= self.FILES or (self.tx is not None and time.monotonic() - self.started >= self.SECONDS)

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


def _conclude(group: Group, src: Source, ex: Examined, stored: set[str] | None = None,
              planned: Path | None = None) -> FileResult:
    """Store what was read and record problems, in the group's transaction: the writer's half of a decision.

    stored: the hashes this run has stored. A worker examines a file before the files ahead of it
    are stored, so an identical copy earlier in the batch is caught here, with the same result a
    one-by-one run gives.
    """
    result = ex.result
    if result is None:
        name, sha = src.name, ex.base["sha256"]
        if stored is not None and sha in stored:
            return FileResult(name, "duplicate", sha)
        try:
            result = _store(group.transaction(), ex.row, ex.kind, ex.answers, ex.meta, name, ex.base,
                            planned.name if planned else None)
        except STORAGE_ERRORS:
            raise  # the database or disk failed, not the file: stop the run, leave the file where it is
        except Exception as exc:  # as when reading: one file's failure must not stop the batch
            result = _unreadable(name, sha, exc)
        if stored is not None and (result.status == "imported" or any(p.code == "FG230" for p in result.problems)):
            stored.add(sha)
    if result.problems and ex.record:
        _record_problems(group.transaction(), result)
    return result


def process(engine, ws: Workspace, src: Source, lookup: Lookup | None = None) -> FileResult:
    """Decide one file (examine, then store). Any failure inside the file becomes a rejection."""
    own = lookup is None
    lookup = lookup or Lookup(ws.db)
    group = Group(engine)
    try:
        result = _conclude(group, src, examine(lookup, src))
        group.commit()
        return result
    finally:
        group.abort()
        _close_writer(engine)
        if own:
            lookup.close()


def _readers(workers: int | None, files: int) -> int:
    """How many forked readers: one per core for large batches, one for small ones (a file that
    crashes or exhausts its reader must cost a rejection, not the run); 0 reads in this process,
    where fork does not exist or when asked for (workers=1, FORMGEN_WORKERS=1)."""
    from formgen.generate.run import asked_workers, can_fork, pool_size

    n = pool_size(workers, files, PARALLEL_FROM)
    if n > 1:
        return n
    return 1 if files and asked_workers(workers) != 1 and can_fork() else 0


def _examine_all(db, sources: list[Source], workers: int):
    """(source, Examined) in the order of sources: here (workers=0), or in forked readers with bounded in-flight work."""
    if workers == 0:
        lookup = Lookup(db)
        try:
            for src in sources:
                yield src, examine(lookup, src)
        finally:
            lookup.close()
        return
    global _WORKER_DB
    _WORKER_DB = db
    try:
        yield from _pooled([sources[i:i + CHUNK] for i in range(0, len(sources), CHUNK)], workers)
    finally:
        _WORKER_DB = None


def _pooled(chunks: list[list[Source]], workers: int):
    """Chunks read by forked readers, results in order, at most IN_FLIGHT chunks queued per reader.

    A reader that dies (a crash in a parser, the kernel's OOM killer) breaks the pool and every
    chunk in flight with it. The oldest of those chunks is then read file by file, each in a reader
    of its own, so the file that kills a reader is rejected (FG245) and the run goes on with a new
    pool; each breakage settles at least one chunk, so the run always ends."""
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    todo = deque(chunks)
    while todo:
        pool, pending = _fork_pool(workers), deque()
        try:
            while todo or pending:
                while todo and len(pending) < workers * IN_FLIGHT:
                    chunk = todo.popleft()
                    pending.append((chunk, pool.submit(_examine_chunk, chunk)))
                done = pending[0][1].result()
                yield from zip(pending.popleft()[0], done)
        except BrokenProcessPool:
            todo.extendleft(reversed([chunk for chunk, _ in pending][1:]))
            for src in pending[0][0]:
                yield src, _isolated(src)
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)


def _fork_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


def _isolated(src: Source) -> Examined:
    """Read one file in a reader of its own: a rejection if the reader dies."""
    from concurrent.futures.process import BrokenProcessPool

    pool = _fork_pool(1)
    try:
        return pool.submit(_examine_chunk, [src]).result()[0]
    except BrokenProcessPool:
        try:
            sha = hashlib.sha256(src.read()).hexdigest()
        except OSError:
            sha = ""
        return Examined(FileResult(src.name, "rejected", sha, problems=(Problem(
            "FG245", src.name, "reading the file made formgen's reader process crash",
            "this is not a normal form; do not open it, ask the sender for a new copy"),)))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


_WORKER_DB = None  # the database a forked worker reads (inherited)
_WORKER_LOOKUP: Lookup | None = None


def _examine_chunk(chunk: list[Source]) -> list[Examined]:
    global _WORKER_LOOKUP
    if _WORKER_LOOKUP is None:
        _limit_memory()
        _WORKER_LOOKUP = Lookup(_WORKER_DB)
    return [examine(_WORKER_LOOKUP, src) for src in chunk]


_SUBMISSION = ("sha256", "status", "code", "form", "form_version", "fingerprint", "role", "round", "citizen_ref",
               "format", "original_name", "stored_name", "submitted_at", "filled_by", "filled_date")
_ANSWER = ("submission_id", "item", "field", "value", "raw", "how")
_LOG = ("at", "actor", "action", "citizen_ref", "detail")
_PROBLEM = ("sha256", "file_name", "status", "code", "where", "what", "fix", "at")


class Writer:
    """The single writer's statements, built once. On SQLite they run on the pooled DBAPI connection
    (set up by store.connect: autocommit, WAL) inside BEGIN IMMEDIATE … COMMIT, exactly what
    engine.begin() issues, without SQLAlchemy's per-statement work; errors are raised as the same
    SQLAlchemy exceptions. Other databases go through SQLAlchemy."""

    def __init__(self, engine):
        s = store.submissions
        earlier = select(s.c.original_name).where(s.c.code == bindparam("code"), s.c.status == "imported")
        self.engine, self.raw = engine, None
        self.stmts = {  # "check": is the hash stored, and an earlier import of this code (one round trip)
            "check": (select(select(s.c.id).where(s.c.sha256 == bindparam("sha")).limit(1).scalar_subquery(),
                             earlier.limit(1).scalar_subquery()), None),
            "submission": (insert(s), _SUBMISSION), "answers": (insert(store.answers), _ANSWER),
            "log": (insert(store.log), _LOG), "problems": (insert(store.problems), _PROBLEM),
        }
        self.sqlite = engine.dialect.name == "sqlite"
        self.sql = {}
        if self.sqlite:
            for key, (stmt, cols) in self.stmts.items():
                c = stmt.compile(dialect=engine.dialect, column_keys=list(cols) if cols else None)
                self.sql[key] = (str(c), tuple(c.positiontup), dict(c.params))
                # insert_rows passes tuples straight through: in the declared order, as compiled
                assert not cols or tuple(c.positiontup) == cols, (key, c.positiontup)

    def transaction(self):
        return _SqliteTx(self) if self.sqlite else _EngineTx(self)

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()  # back to the pool
            self.raw = None


class _EngineTx:
    def __init__(self, w: Writer):
        self.w = w

    def __enter__(self):
        self.ctx = self.w.engine.begin()
        self.conn = self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self.ctx.__exit__(*exc)

    def savepoint(self):
        return self.conn.begin_nested()

    def one(self, key: str, params: dict) -> tuple:
        return tuple(self.conn.execute(self.w.stmts[key][0], params).one())

    def insert(self, key: str, params: dict) -> int:
        return self.conn.execute(self.w.stmts[key][0], params).inserted_primary_key[0]

    def insert_many(self, key: str, rows: list[dict]) -> None:
        if rows:
            self.conn.execute(self.w.stmts[key][0], rows)

    def insert_rows(self, key: str, rows: list[tuple]) -> None:
        self.insert_many(key, [dict(zip(self.w.stmts[key][1], r)) for r in rows])


class _SqliteTx:
    def __init__(self, w: Writer):
        self.w = w

    def __enter__(self):
        if self.w.raw is None:
            self.w.raw = self.w.engine.raw_connection()
        self.db = self.w.raw.driver_connection
        self._run("BEGIN IMMEDIATE", ())
        return self

    def __exit__(self, kind, exc, tb):
        try:
            if kind is None:
                self._run("COMMIT", ())
        finally:
            if self.db.in_transaction:  # not committed; on a full disk SQLite has already rolled back (NOTES.md)
                self.db.rollback()
        return False

    @contextmanager
    def savepoint(self):
        """One file's statements: undone alone when the file fails, so the group goes on."""
        self._run("SAVEPOINT fg_file", ())
        try:
            yield
        except BaseException:
            if self.db.in_transaction:
                self._run("ROLLBACK TO fg_file", ())
                self._run("RELEASE fg_file", ())
            raise
        self._run("RELEASE fg_file", ())

    def _run(self, sql: str, args, many: bool = False):
        import sqlite3

        from sqlalchemy.exc import DBAPIError

        try:
            return self.db.executemany(sql, args) if many else self.db.execute(sql, args)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, args, exc, sqlite3.Error, dialect=self.w.engine.dialect) from exc

    def _args(self, key: str, params: dict) -> tuple:
        _, names, defaults = self.w.sql[key]
        return tuple(params[n] if n in params else defaults[n] for n in names)

    def one(self, key: str, params: dict) -> tuple:
        rows = self._run(self.w.sql[key][0], self._args(key, params)).fetchall()
        if len(rows) != 1:
            from sqlalchemy.exc import NoResultFound

            raise NoResultFound("No row was found when one was required")
        return tuple(rows[0])

    def insert(self, key: str, params: dict) -> int:
        return self._run(self.w.sql[key][0], self._args(key, params)).lastrowid

    def insert_many(self, key: str, rows: list[dict]) -> None:
        if rows:
            self._run(self.w.sql[key][0], [self._args(key, r) for r in rows], many=True)

    def insert_rows(self, key: str, rows: list[tuple]) -> None:
        """Rows as tuples in the statement's declared column order (the answers: one per field)."""
        if rows:
            self._run(self.w.sql[key][0], rows, many=True)


_WRITERS: dict = {}  # engine -> Writer (one per intake run)


def _writer(engine) -> Writer:
    w = _WRITERS.get(id(engine))
    if w is None or w.engine is not engine:
        w = _WRITERS[id(engine)] = Writer(engine)
    return w


def _close_writer(engine) -> None:
    w = _WRITERS.pop(id(engine), None)
    if w is not None:
        w.close()


def _store(tx, row, kind: str, answers, meta: dict, name: str, base: dict,
           stored_name: str | None = None) -> FileResult:
    """One savepoint: re-check the hash, detect a conflict, insert submission and answers.

    stored_name: the name the file will have in processed/ (settle moves it there after the commit)."""
    with tx.savepoint():
        dup, earlier = tx.one("check", {"sha": base["sha256"], "code": base["code"]})
        if dup is not None:
            return FileResult(name, "duplicate", **base)
        status = "conflict" if earlier else "imported"
        sub_id = tx.insert("submission", dict(
            sha256=base["sha256"], status=status, code=base["code"], form=row["form"], form_version=row["form_version"],
            fingerprint=row["fingerprint"], role=row["role"], round=row["round"], citizen_ref=row["citizen_ref"],
            format=kind, original_name=name, stored_name=stored_name, submitted_at=store.now(),
            filled_by=meta.get("filled_by"), filled_date=meta.get("date")))
        tx.insert_rows("answers", [(sub_id, a.key, a.field, a.value, a.raw, a.how) for a in answers])  # _ANSWER order
        # as store.record_log
        tx.insert("log", dict(at=store.now(), actor=_actor(), action="import", citizen_ref=row["citizen_ref"],
                              detail=json.dumps({"file": name, "code": base["code"], "status": status},
                                                ensure_ascii=False)))
    if earlier:
        return FileResult(name, "review", **base, problems=(Problem(
            "FG230", name, f"form {base['code']} was already imported from '{earlier}', and this file differs",
            "both are kept: compare them and run 'formgen review --keep FILE' to choose"),))
    return FileResult(name, "imported", **base)


_ACTOR: list[str] = []


def _actor() -> str:
    """store.actor(), asked once per process (the user does not change during a run)."""
    if not _ACTOR:
        _ACTOR.append(store.actor())
    return _ACTOR[0]


def _record_problems(tx, r: FileResult) -> None:
    tx.insert_rows("problems", [(r.sha256 or "-", r.name, r.status, p.code, p.where, p.what, p.fix, store.now())
                                for p in r.problems])  # _PROBLEM order


def settle(ws: Workspace, src: Source, r: FileResult, engine, planned: Path | None = None) -> FileResult:
    """Move a decided file: stored ones to processed/, the rest to quarantine/ with a reason.

    planned: the processed/ path whose name was stored with the submission (see _planned); the
    name is corrected should the file have to go elsewhere."""
    from dataclasses import replace

    if r.status == "skipped":
        return r
    stored = r.status in ("imported", "duplicate") or (r.status == "review" and any(p.code == "FG230" for p in r.problems))
    recorded = planned.name if planned is not None and stored and r.status != "duplicate" else None
    if src.member is not None:
        if stored:
            return r  # the archive itself moves to processed/ at the end
        target = _unique(ws.quarantine / f"{src.path.stem}__{Path(src.member).name}", r.sha256)
        write_private(target, src.read())
    else:
        if recorded and not planned.exists():
            target = _take(src.path, planned)
        else:
            target = _move(src.path, (ws.processed if stored else ws.quarantine), r.sha256)
        if target is None:  # another intake run moved it first: that run says where it went
            if recorded and not planned.exists():
                _stored_name(engine, r.sha256, None)
            return r
    if not stored:
        write_private(target.with_name(target.name + ".problems.txt"), problems_text(r).encode("utf-8"))
    if stored and r.status != "duplicate" and target.name != recorded:
        _stored_name(engine, r.sha256, target.name)
    return replace(r, moved_to=str(target.relative_to(ws.root)) if target.is_relative_to(ws.root) else str(target))


def _stored_name(engine, sha: str, name: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(store.submissions).where(store.submissions.c.sha256 == sha).values(stored_name=name))


def _unique(target: Path, sha: str = "") -> Path:
    if not target.exists():
        return target
    return target.with_name(f"{target.stem}-{(sha or hashlib.sha256(str(target).encode()).hexdigest())[:8]}{target.suffix}")


def _move(path: Path, folder: Path, sha: str = "") -> Path | None:
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


def write_report(ws: Workspace, results: list[FileResult]) -> Path | None:
    """output/import/<timestamp>.xlsx: one row per file with status and problems."""
    import datetime as dt

    from formgen.formats.ooxml import table_xlsx

    if not results:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = ws.import_reports / f"{stamp}.xlsx"
    header = ["file", "status", "form_code", "form", "role", "round", "citizen_ref", "problems", "moved_to", "converted"]
    rows = [[r.name, r.status, r.code, r.form, r.role, r.round, r.citizen_ref,
             "\n".join(f"[{p.code}] {p.what} → {p.fix}" for p in r.problems), r.moved_to,
             f"from .{r.converted} with LibreOffice" if r.converted else ""] for r in results]
    write_private(path, table_xlsx("Import", header, rows))  # what exports.write_xlsx writes, streamed
    return path
