"""Background jobs (intake of an upload, a round) in one worker thread, never in the request.

One thread, not one per job, started for the first job and ended when the queue is empty: jobs run one
after another, as two intake runs would queue on the database anyway. Its readers come from a fork
server (a server process has threads: formgen.core.parallel never forks it).
"""
from __future__ import annotations

import queue
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from formgen.core.errors import FormgenError, Problem

__all__ = ["KEEP_SECONDS", "IDLE_SECONDS", "Job", "Jobs"]

# A finished job's result names citizens: it is shown for a while, then forgotten (and a `forget` run
# from the command line cannot reach this memory, so the while is short). Its files stay in the workspace.
KEEP_SECONDS = 2 * 3600
# The jobs thread ends after this long without a job (the next job starts a new one): an idle server
# keeps no thread, and a process left with one thread forks its workers directly again (core.parallel).
IDLE_SECONDS = 0.5


@dataclass
class Job:
    """One job's state as pages and the API show it; `result` is what the work returned."""

    id: str
    kind: str
    files: int = 0
    state: str = "queued"  # queued | running | done | failed
    total: int = 0
    done: int = 0
    created: float = field(default_factory=time.time)
    result: Any = None
    problems: list[Problem] = field(default_factory=list)
    folder: Path | None = None
    finished_at: float | None = None  # Jobs' clock

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def advance(self, n: int = 1) -> None:
        self.done += n

    def set_total(self, n: int) -> None:
        self.total = n


class Jobs:
    """The job list of one server, and the thread that works through it."""

    def __init__(self, unexpected: Callable[[BaseException], Problem], keep_seconds: float = KEEP_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._keep, self._clock = keep_seconds, clock
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue = queue.Queue()
        self._unexpected = unexpected
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def new_id(self) -> str:
        return secrets.token_hex(8)

    def get(self, job_id: str) -> Job | None:
        """The job, unless there is none by that id or it finished more than keep_seconds ago."""
        self._forget_old()
        return self._jobs.get(job_id)

    def submit(self, job: Job, work: Callable[[Job], Any]) -> Job:
        """Queue work(job); its return value becomes job.result."""
        self._forget_old()
        self._jobs[job.id] = job
        with self._lock:
            self._queue.put((job, work))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="formgen-jobs", daemon=True)
                self._thread.start()
        return job

    def wait(self, job: Job, timeout: float = 600) -> Job:
        """Block until the job finished (tests and scripts; pages poll instead)."""
        deadline = time.monotonic() + timeout
        while not job.finished and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def _next(self):
        """The next (job, work); None once the queue stayed empty IDLE_SECONDS (the thread then ends)."""
        try:
            return self._queue.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            with self._lock:  # submit puts and starts under the same lock: no job is left without a thread
                if self._queue.empty():
                    self._thread = None
                    return None
            return self._queue.get()

    def _run(self) -> None:
        while (next_job := self._next()) is not None:
            job, work = next_job
            job.state = "running"
            try:
                job.result = work(job)
                job.state = "done"
            except FormgenError as exc:
                job.problems, job.state = list(exc.problems), "failed"
            except Exception as exc:  # the job fails with a clear problem; the thread and the server go on
                job.problems, job.state = [self._unexpected(exc)], "failed"
            finally:
                job.finished_at = self._clock()
                _tidy(job.folder)

    def _forget_old(self) -> None:
        cutoff = self._clock() - self._keep
        for job_id in [k for k, j in list(self._jobs.items()) if j.finished_at is not None and j.finished_at < cutoff]:
            self._jobs.pop(job_id, None)


def _tidy(folder: Path | None) -> None:
    """Remove the upload folder once intake moved everything out; a file left in it is kept, never deleted."""
    if folder is not None and folder.is_dir() and not any(p.is_file() for p in folder.rglob("*")):
        shutil.rmtree(folder, ignore_errors=True)
