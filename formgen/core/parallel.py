"""One fork pool for every batch (generate, intake's readers, report all): ordered, bounded, dying with its parent.

What a worker needs from its parent is passed explicitly as `shared`: it is put in place before the
fork and inherited, never pickled (only the items and results are). A process with other threads (the
web server) is never forked: a thread inside SQLite or holding any lock at the moment of fork leaves
the child with that lock held forever (a reader that never answers) and with SQLite's process-wide
file state (its lock bookkeeping says held what the kernel says is not). There the workers come from
a fork server, a clean single-threaded process, and `shared` is pickled once per worker.
`setup(shared)` runs once per worker and its return value is the worker's state; `func(state, item)` does one item. A worker that
dies (a parser crash, the OOM killer) raises WorkerDied in the parent with the items not yet
answered; a parent that dies (kill -9) takes its workers with it (see die_with_parent).
"""
from __future__ import annotations

import os
import signal
import threading
from collections import deque
from typing import Any, Callable, Iterable, Iterator

__all__ = ["PARALLEL_FROM", "WorkerDied", "asked_workers", "can_fork", "pool_size", "fork_map", "die_with_parent", "die_with"]

PARALLEL_FROM = 200  # smaller batches are done in this process (a pool costs ~50 ms to start)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class WorkerDied(Exception):
    """A worker process ended without answering; `unfinished`: the items sent and not answered, oldest first."""

    def __init__(self, unfinished: list):
        super().__init__(f"a worker process died with {len(unfinished)} task(s) unanswered")
        self.unfinished = unfinished


def asked_workers(requested: int | None) -> int | None:
    """The worker count asked for: the argument, else FORMGEN_WORKERS, else None."""
    env = os.environ.get("FORMGEN_WORKERS", "")
    return requested if requested is not None else int(env) if env.isdigit() else None


def can_fork() -> bool:
    """Whether worker processes can be forked here (not on Windows)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def pool_size(requested: int | None, items: int, minimum: int = PARALLEL_FROM) -> int:
    """How many worker processes to use: 1 (this process) unless fork exists and the batch is large."""
    if requested is None:
        requested = asked_workers(None) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                            else (os.cpu_count() or 1))
        if items < minimum:
            return 1
    if requested <= 1 or not can_fork():
        return 1
    return max(1, min(requested, items))


def die_with_parent(parent: int) -> None:
    """Make this (worker) process end when its parent does, even by kill -9.

    On Linux the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere a daemon thread checks the
    parent's pid twice a second. A parent that died before this ran is caught by the first check."""
    if not _pdeathsig():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="formgen-parent-watch").start()
    if os.getppid() != parent:
        os._exit(1)


def _pdeathsig() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL) through libc; False where it does not exist."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)  # no cleanup: the parent's run is over, and nothing of this worker is worth keeping


# What the next pool's workers inherit: (func, setup, shared), in place only while they are forked.
_JOB: tuple | None = None
_FORKING = threading.Lock()  # one pool forks at a time, so each inherits its own job
_STATE: list = []  # in a worker: [func, state], state made by setup once


def die_with(pid: int) -> None:
    """Make this (worker) process end when process pid does, pid not being its parent (a fork server's
    worker and the process it works for): a thread waits on the process (pidfd), else checks twice a second."""
    threading.Thread(target=_wait_for_end, args=(pid,), daemon=True, name="formgen-client-watch").start()


def _wait_for_end(pid: int) -> None:
    import select
    import time

    try:
        select.select([os.pidfd_open(pid)], [], [])  # readable once the process has ended
    except ProcessLookupError:
        pass  # ended already
    except (AttributeError, OSError):  # no pidfd here (not Linux >= 5.3)
        while _exists(pid):
            time.sleep(0.5)
    os._exit(1)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_worker(parent: int, job: tuple | None = None) -> None:
    if job is None:  # forked by parent itself
        die_with_parent(parent)
    else:  # forked by the fork server, which outlives parent while its workers hold it open
        die_with_parent(os.getppid())
        die_with(parent)
    func, setup, shared = job or _JOB
    _STATE[:] = [func, setup(shared) if setup is not None else shared]


def _context(func, setup):
    """(multiprocessing context, worker initargs): fork when this is the only thread, else the fork server."""
    import multiprocessing

    if threading.active_count() == 1 or "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork"), None
    ctx = multiprocessing.get_context("forkserver")
    # taken by the fork server when it starts (once per process): workers then fork with these imported
    ctx.set_forkserver_preload(sorted({f.__module__ for f in (func, setup) if f is not None}))
    return ctx, ctx


def _task(item):
    return _STATE[0](_STATE[1], item)


def fork_map(func: Callable[[Any, Any], Any], items: Iterable, workers: int, *, shared: Any = None,
             setup: Callable[[Any], Any] | None = None, in_flight: int = 4) -> Iterator[tuple[Any, Any]]:
    """(item, func(state, item)) for each item, in order, done by `workers` forked processes with at
    most in_flight items queued per worker (memory stays bounded whatever the batch size).

    Items are taken from the iterable only as they are sent, so after WorkerDied the caller's
    iterator still holds the items never sent. Closing the generator early kills the workers. The
    workers are forked by the thread that first asks for a result, and die with it (PDEATHSIG); in a
    process with threads they come from the fork server and die with this process (die_with)."""
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _JOB
    source, pending, finished = iter(items), deque(), False

    def fill(pool) -> None:
        while len(pending) < workers * in_flight and (item := next(source, _END)) is not _END:
            try:
                future = pool.submit(_task, item)
            except BrokenProcessPool as exc:  # a worker died meanwhile: this item is unanswered too
                future = Future()
                future.set_exception(exc)
                pending.append((item, future))
                return
            pending.append((item, future))

    with _FORKING:  # with fork, the executor starts all its workers at the first submit
        _JOB = (func, setup, shared)
        try:
            ctx, served = _context(func, setup)
            initargs = (os.getpid(),) if served is None else (os.getpid(), _JOB)
            pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker, initargs=initargs)
            fill(pool)
        finally:
            _JOB = None
    try:
        while pending:
            try:
                result = pending[0][1].result()
            except BrokenProcessPool:
                raise WorkerDied([item for item, _ in pending]) from None
            yield pending.popleft()[0], result
            fill(pool)
        finished = True
    finally:
        _shutdown(pool, finished)


_END = object()


def _shutdown(pool, finished: bool) -> None:
    """Wait for workers that are done; kill the others (an early close or a failure: no work is wanted)."""
    if not finished:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()  # concurrent.futures has no public terminate; the workers' work is not wanted
    pool.shutdown(wait=finished, cancel_futures=True)
