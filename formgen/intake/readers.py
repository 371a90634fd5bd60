"""The reader pool: files examined by forked readers (memory ceiling, a crash costs one file), results in order."""
from __future__ import annotations

import hashlib
from collections import deque
from typing import Iterator

from formgen.core.errors import Problem
from formgen.core.parallel import WorkerDied, asked_workers, can_fork, fork_map, pool_size
from formgen.intake.examine import Examined, examine, limit_memory
from formgen.intake.types import FileResult, Source
from formgen.store.lookup import Lookup

__all__ = ["PARALLEL_FROM", "PARALLEL_BYTES", "CHUNK", "IN_FLIGHT", "readers", "examine_all"]

PARALLEL_FROM = 100  # smaller batches are read by one forked reader
PARALLEL_BYTES = 16 * 2**20  # ... unless they are this large: scans are few files of many heavy pages
CHUNK = 8  # files per task sent to a worker
IN_FLIGHT = 4  # tasks queued per worker: bounds memory whatever the batch size


def readers(workers: int | None, files: int, size: int = 0) -> int:
    """How many forked readers: one per core for large batches (by count, or size in bytes), one for
    small ones (a file that crashes or exhausts its reader must cost a rejection, not the run); 0
    reads in this process, where fork does not exist or when asked for (workers=1, FORMGEN_WORKERS=1)."""
    n = pool_size(workers, files, 1 if size >= PARALLEL_BYTES else PARALLEL_FROM)
    if n > 1:
        return n
    return 1 if files and asked_workers(workers) != 1 and can_fork() else 0


def examine_all(db, sources: list[Source], workers: int) -> Iterator[tuple[Source, Examined]]:
    """(source, Examined) in the order of sources: here (workers=0), or in forked readers with bounded in-flight work.

    db: (the database, the office) a Lookup reads."""
    if workers == 0:
        lookup = Lookup(*db)
        try:
            for src in sources:
                yield src, examine(lookup, src)
        finally:
            lookup.close()
        return
    yield from _pooled([sources[i:i + CHUNK] for i in range(0, len(sources), CHUNK)], workers, db)


def _pooled(chunks: list[list[Source]], workers: int, db) -> Iterator[tuple[Source, Examined]]:
    """Chunks read by forked readers, results in order, at most IN_FLIGHT chunks queued per reader.

    A reader that dies (a crash in a parser, the kernel's OOM killer) breaks the pool and every
    chunk in flight with it. The oldest of those chunks is then read file by file, each in a reader
    of its own, so the file that kills a reader is rejected (FG245) and the run goes on with a new
    pool; each breakage settles at least one chunk, so the run always ends."""
    todo = deque(chunks)

    def unsent():
        while todo:
            yield todo.popleft()

    while todo:
        try:
            for chunk, done in fork_map(_examine_chunk, unsent(), workers, shared=db, setup=_reader,
                                        in_flight=IN_FLIGHT):
                yield from zip(chunk, done)
        except WorkerDied as died:
            todo.extendleft(reversed(died.unfinished[1:]))
            for src in died.unfinished[0]:
                yield src, _isolated(src, db)


def _isolated(src: Source, db) -> Examined:
    """Read one file in a reader of its own: a rejection if the reader dies."""
    try:
        [(_, [examined])] = fork_map(_examine_chunk, [[src]], 1, shared=db, setup=_reader)
        return examined
    except WorkerDied:
        try:
            sha = hashlib.sha256(src.read()).hexdigest()
        except OSError:
            sha = ""
        return Examined(FileResult(src.name, "rejected", sha, problems=(Problem(
            "FG245", src.name, "reading the file made formgen's reader process crash",
            "this is not a normal form; do not open it, ask the sender for a new copy"),)))


def _reader(db) -> Lookup:
    """A forked reader's state: its memory ceiling set, its own read-only database connection."""
    limit_memory()
    return Lookup(*db)


def _examine_chunk(lookup: Lookup, chunk: list[Source]) -> list[Examined]:
    return [examine(lookup, src) for src in chunk]
