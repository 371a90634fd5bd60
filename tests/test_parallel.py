"""The one fork pool: results in order, a dead worker reported, and workers that die with their parent."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formgen.core import parallel
from formgen.core.parallel import WorkerDied, fork_map

EXE = str(Path(sys.executable).parent / "formgen")

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")


def _square(state, item):
    return state * item * item


def _offset(shared):
    return shared + 1  # the worker's state, made once from what it inherited


def _die_on_three(state, item):
    if item == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_results_come_in_order_from_inherited_state():
    assert list(fork_map(_square, range(50), 2, shared=2, in_flight=2)) == [(i, 2 * i * i) for i in range(50)]
    assert [r for _, r in fork_map(_square, range(5), 2, shared=1, setup=_offset)] == [0, 2, 8, 18, 32]


def test_a_worker_that_dies_is_reported_with_the_unanswered_items():
    items = iter(range(100))
    seen = []
    with pytest.raises(WorkerDied) as died:
        for item, _ in fork_map(_die_on_three, items, 2, in_flight=2):
            seen.append(item)
    assert seen == [0, 1, 2] and died.value.unfinished[0] == 3
    assert died.value.unfinished == list(range(3, 3 + len(died.value.unfinished)))
    assert next(items) == 3 + len(died.value.unfinished)  # never sent: still the caller's


def test_without_prctl_a_worker_still_notices_its_parent_is_gone(monkeypatch):
    # Where PR_SET_PDEATHSIG is unavailable, the parent-pid watch ends the worker.
    monkeypatch.setattr(parallel, "_pdeathsig", lambda: False)
    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:  # the "parent": forks a worker that watches it, then is killed
        os.close(r)
        me = os.getpid()
        worker = os.fork()
        if worker == 0:
            parallel.die_with_parent(me)
            time.sleep(60)
            os._exit(0)
        os.write(w, f"{worker}\n".encode())
        os.kill(me, signal.SIGKILL)
    os.close(w)
    worker = int(os.read(r, 100).decode())
    os.waitpid(middle, 0)
    assert _gone([worker], 5), "the worker outlived its parent"


# --- kill -9 of a real run: nothing of it may remain -------------------------------------------

def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for c in _children(todo.pop()) - found:
            found.add(c)
            todo.append(c)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status waits for a reaper


def _gone(pids, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return not any(_alive(p) for p in pids)


def _kill_while_workers_run(cmd: list[str], workers: int = 2, wait: float = 120) -> None:
    env = {**os.environ, "FORMGEN_WORKERS": str(workers)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    kids: set[int] = set()
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _descendants(proc.pid)
            if len(kids) >= workers:
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(kids) >= workers, "the run ended before its workers could be seen"
        time.sleep(0.3)  # let them work
        kids |= _descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        left = [p for p in kids if not _gone([p], 5)]
        assert not left, f"processes of the killed run still running: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in kids | _descendants(proc.pid):  # should the test fail: no stray workers left by it
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_an_intake_leaves_no_reader_behind(ws):
    from test_crash_concurrency import batch

    batch(ws, 300)
    _kill_while_workers_run([EXE, "-w", str(ws.root), "intake"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_generate_leaves_no_worker_behind(ws, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("citizen_ref,name\n" + "".join(f"S-{i:04d},Borger {i}\n" for i in range(1000)), encoding="utf-8")
    _kill_while_workers_run([EXE, "-w", str(ws.root), "generate", "samtaleskema", "--roster", str(roster),
                             "--role", "borger"])


# --- a process with other threads (the web server) is never forked --------------------------------

THREADED = '''
import sqlite3, sys, threading, time
from formgen.core.parallel import fork_map

DB = sys.argv[1]

def connect(db):
    return sqlite3.connect(db, timeout=60, isolation_level=None)

def count(conn, item):
    return conn.execute("SELECT count(*) FROM t").fetchone()[0] >= 0

def hammer(stop):  # a request thread inside SQLite while the pools start
    while not stop.is_set():
        c = connect(DB)
        c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO t VALUES (1)"); c.execute("COMMIT")
        c.close()

if __name__ == "__main__":
    c = connect(DB); c.execute("PRAGMA journal_mode=WAL"); c.execute("CREATE TABLE t (x)"); c.close()
    stop = threading.Event()
    threading.Thread(target=hammer, args=(stop,), daemon=True).start()
    for _ in range(int(sys.argv[2])):
        assert all(ok for _, ok in fork_map(count, range(int(sys.argv[3])), 2, shared=DB, setup=connect))
    stop.set()
    print("ok")
'''


def _threaded_script(tmp_path) -> Path:
    script = tmp_path / "threaded.py"
    script.write_text(THREADED, encoding="utf-8")
    return script


def test_pools_started_beside_a_busy_sqlite_thread_all_answer(tmp_path):
    # Forked beside a thread inside SQLite, a worker inherits its locks held and hangs (10-20 pools
    # were enough when this process forked); from the fork server, 60 pools all answer.
    script = _threaded_script(tmp_path)
    run = subprocess.run([sys.executable, str(script), str(tmp_path / "t.db"), "60", "8"],
                         capture_output=True, text=True, timeout=90)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_threaded_process_leaves_no_worker_behind(tmp_path):
    script = _threaded_script(tmp_path)
    _kill_while_workers_run([sys.executable, str(script), str(tmp_path / "t.db"), "100000", "64"])


def test_a_few_heavy_scans_are_read_in_parallel_like_a_large_batch(monkeypatch):
    from formgen.intake.readers import PARALLEL_BYTES, readers

    monkeypatch.delenv("FORMGEN_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert readers(None, 20) == 1  # 20 returned Word files: one reader is enough
    assert readers(None, 20, PARALLEL_BYTES) == 2  # 20 scanned PDFs of many pages: one reader per core
    assert readers(None, 1, PARALLEL_BYTES) == 1  # one file cannot be shared
    assert readers(1, 20, PARALLEL_BYTES) == 0  # asked for no readers: read in this process
