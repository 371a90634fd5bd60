"""Crashes and concurrency: every file ends in exactly one state, counts stay exact, nothing is lost."""
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from filling import fill_docx
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.generate.roster import Citizen

EXE = str(Path(sys.executable).parent / "formgen")


def batch(ws, n: int) -> set[str]:
    """n filled returns in intake/ (distinct content); returns their names."""
    citizens = [Citizen(f"S-{i:04d}", f"Borger {i}") for i in range(n)]
    files = generate(ws, available()["samtaleskema"].definition, "docx", citizens, ["borger"]).files
    names = set()
    for i, path in enumerate(files):
        fill_docx(path, {"fg:faglige_kompetencer:now": str(1 + i % 10)})
        (ws.intake / path.name).write_bytes(path.read_bytes())
        names.add(path.name)
    return names


def intake_cmd(ws, **kw):
    return subprocess.Popen([EXE, "-w", str(ws.root), "intake"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def states(ws) -> dict[str, list[str]]:
    waiting = {p.name for p in ws.intake.glob("*.docx")}
    processed = {p.name for p in (ws.intake / "processed").glob("*.docx")}
    quarantined = {p.name for p in (ws.intake / "quarantine").glob("*.docx")} if (ws.intake / "quarantine").exists() else set()
    return {"waiting": waiting, "processed": processed, "quarantine": quarantined}


def stored(ws) -> int:
    return sqlite3.connect(ws.db_path).execute("SELECT count(*) FROM submissions").fetchone()[0]


def test_three_intakes_at_once_all_finish_with_exact_counts(ws):
    names = batch(ws, 60)
    procs = [intake_cmd(ws) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert not any("locked" in err for _, err in outs)
    imported = sum(int(out.split("Imported ")[1].split(",")[0]) for out, _ in outs)
    assert imported == 60 and stored(ws) == 60
    s = states(ws)
    assert s["processed"] == names and not s["waiting"] and not s["quarantine"]


def test_kill_9_at_any_moment_then_rerun_ends_exact(ws):
    names = batch(ws, 120)
    rng = random.Random(7)
    for _ in range(6):
        p = intake_cmd(ws)
        time.sleep(rng.uniform(0.3, 2.0))
        p.send_signal(signal.SIGKILL)
        p.wait()
    final = intake_cmd(ws)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, out + err
    s = states(ws)
    assert s["processed"] == names and not s["waiting"] and not s["quarantine"]
    assert stored(ws) == 120
    rows = sqlite3.connect(ws.db_path).execute("SELECT count(DISTINCT code) FROM submissions").fetchone()[0]
    assert rows == 120  # each form exactly once


def test_read_only_database_gives_a_clean_message_and_files_stay(ws):
    names = batch(ws, 3)
    subprocess.run([EXE, "-w", str(ws.root), "status"], check=True, capture_output=True)  # database exists
    url = f"sqlite:///file:{ws.db_path}?mode=ro&uri=true"
    r = subprocess.run([EXE, "-w", str(ws.root), "--db", url, "intake"], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "database" in r.stderr and "FG150" in r.stderr
    assert states(ws)["waiting"] == names


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))  # the WAL cannot grow past this


def test_full_disk_gives_a_clean_message_and_files_stay(ws):
    names = batch(ws, 40)
    r = subprocess.run([EXE, "-w", str(ws.root), "intake"], capture_output=True, text=True,
                       preexec_fn=_limit_file_size, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "FG150" in r.stderr
    s = states(ws)
    assert s["waiting"] | s["processed"] == names and not s["quarantine"]  # nothing quarantined for a disk problem
    assert len(s["processed"]) == stored(ws)  # what was moved was stored, exactly
    r = subprocess.run([EXE, "-w", str(ws.root), "intake"], capture_output=True, text=True)
    assert r.returncode == 0 and states(ws)["processed"] == names and stored(ws) == 40


def test_a_file_another_run_moved_after_this_run_read_it_is_not_an_error(ws):
    # Two runs read the same file; the first moves it to processed/ while the second is still deciding.
    from formgen.store import db as store
    from formgen.intake.run import FileResult, Source, settle

    (name,) = batch(ws, 1)
    src = ws.intake / name
    taken = ws.intake / "processed" / name
    taken.parent.mkdir()
    src.rename(taken)
    r = settle(ws, Source(src), FileResult(name, "duplicate", "0" * 64), store.connect(ws.db))
    assert r.status == "duplicate" and r.moved_to == ""  # the other run reports where it went
    assert states(ws)["processed"] == {name} and not states(ws)["waiting"]


@pytest.mark.skipif(not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat("/tmp").st_dev,
                    reason="needs a second file system (/dev/shm)")
def test_files_from_another_file_system_are_copied_then_removed(ws):
    import tempfile

    from formgen.intake.run import intake

    (name,) = batch(ws, 1)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as stick:  # a USB stick or a mounted share
        src = Path(stick) / name
        data = (ws.intake / name).read_bytes()
        src.write_bytes(data)
        (ws.intake / name).unlink()
        [r] = intake(ws, [src]).files
        assert r.status == "imported" and not src.exists()
        assert (ws.intake / "processed" / name).read_bytes() == data


@pytest.mark.parametrize("workers", [2, None])  # None: a small batch, read by one forked reader
def test_a_file_that_kills_its_reader_costs_a_rejection_not_the_run(ws, monkeypatch, workers):
    # A parser crash (segfault) or the kernel's OOM killer ends a reader process without a word.
    # Simulated here by a reader that kills itself on one file (forked readers inherit the patch).
    import formgen.intake.examine as intake_mod
    from formgen.intake.run import intake

    names = sorted(batch(ws, 30))
    poison = names[13]
    real = intake_mod._read

    def crashing(lookup, data, sha, name, *own):
        if name == poison:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(lookup, data, sha, name, *own)

    monkeypatch.setattr(intake_mod, "_read", crashing)
    result = intake(ws, workers=workers)
    by_name = {r.name: r for r in result.files}
    assert by_name[poison].status == "rejected" and by_name[poison].problems[0].code == "FG245"
    assert result.counts["imported"] == 29 and stored(ws) == 29
    assert states(ws)["quarantine"] == {poison} and states(ws)["processed"] == set(names) - {poison}
