"""Crashes and concurrency: every file ends in exactly one state, counts stay exact, nothing is lost.

The concurrency and kill -9 tests run on SQLite and on PostgreSQL (conftest's db_url): three intakes at
once on the same files, on overlapping folders and on conflicting versions of the same forms; counts
are exact, exit codes are 0 (all imported or already imported) or 1 (a conflict needs review), and no
form code, and no citizen × respondent × round × form, ever has two imported rows.
"""
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import db_env, sql_rows
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


def intake_cmd(ws, *folders, **kw):
    return subprocess.Popen([EXE, "-w", str(ws.root), "intake", *map(str, folders)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=db_env(ws), **kw)


def states(ws) -> dict[str, list[str]]:
    waiting = {p.name for p in ws.intake.glob("*.docx")}
    processed = {p.name for p in (ws.intake / "processed").glob("*.docx")}
    quarantined = {p.name for p in (ws.intake / "quarantine").glob("*.docx")} if (ws.intake / "quarantine").exists() else set()
    return {"waiting": waiting, "processed": processed, "quarantine": quarantined}


def stored(ws) -> int:
    return sql_rows(ws, "SELECT count(*) FROM submissions")[0][0]


def three_intakes(ws, folders=((), (), ())) -> list[tuple[int, str, str]]:
    """Three intake runs started at once (each on its folders, default intake/); (exit code, stdout, stderr)."""
    procs = [intake_cmd(ws, *f) for f in folders]
    outs = [p.communicate(timeout=600) for p in procs]
    runs = [(p.returncode, out, err) for p, (out, err) in zip(procs, outs)]
    assert not any("FG150" in err or "duplicate key" in err or "locked" in err for _, _, err in runs), runs
    return runs


def count(runs, what: str) -> int:
    """The sum over the runs of one number of their summary line ('Imported 3, already imported 2, …')."""
    return sum(int(out.split(f"{what} ")[1].split(",")[0]) for _, out, _ in runs)


def no_double_imports(ws) -> None:
    by_code = sql_rows(ws, "SELECT code FROM submissions WHERE status='imported' GROUP BY code HAVING count(*) > 1")
    by_return = sql_rows(ws, "SELECT citizen_ref FROM submissions WHERE status='imported' "
                             "GROUP BY citizen_ref, role, round, form HAVING count(*) > 1")
    assert by_code == [] and by_return == []


def filled_copy(path: Path, folder: Path, level: int) -> Path:
    """A copy of the blank form path in folder, with the level answered."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / path.name
    shutil.copyfile(path, out)
    fill_docx(out, {"fg:faglige_kompetencer:now": str(level)})
    return out


def blanks(ws, n: int) -> list[Path]:
    citizens = [Citizen(f"S-{i:04d}", f"Borger {i}") for i in range(n)]
    return list(generate(ws, available()["samtaleskema"].definition, "docx", citizens, ["borger"]).files)


def test_three_intakes_at_once_all_finish_with_exact_counts(dbws):
    ws = dbws
    names = batch(ws, 60)
    runs = three_intakes(ws)
    assert [code for code, _, _ in runs] == [0, 0, 0], runs
    assert count(runs, "Imported") == 60 and stored(ws) == 60
    s = states(ws)
    assert s["processed"] == names and not s["waiting"] and not s["quarantine"]
    no_double_imports(ws)


def test_three_intakes_on_overlapping_folders_import_each_return_once(dbws, tmp_path):
    sources = [filled_copy(p, tmp_path / "filled", 1 + i % 10) for i, p in enumerate(blanks(dbws, 60))]
    folders = [tmp_path / x for x in "abc"]
    for i, src in enumerate(sources):  # every file in two of the three folders
        for f in (folders[i % 3], folders[(i + 1) % 3]):
            f.mkdir(exist_ok=True)
            shutil.copyfile(src, f / src.name)
    runs = three_intakes(dbws, [[f] for f in folders])
    assert [code for code, _, _ in runs] == [0, 0, 0], runs
    assert count(runs, "Imported") == 60 and count(runs, "already imported") == 60
    assert sql_rows(dbws, "SELECT status, count(*) FROM submissions GROUP BY status") == [("imported", 60)]
    no_double_imports(dbws)


def test_three_intakes_of_conflicting_versions_import_one_and_send_the_rest_to_review(dbws, tmp_path):
    forms = blanks(dbws, 40)
    folders = [tmp_path / x for x in "abc"]
    for version, folder in enumerate(folders):  # the same 40 forms, answered differently in each folder
        for blank in forms:
            filled_copy(blank, folder, 1 + version)
    runs = three_intakes(dbws, [[f] for f in folders])
    assert sorted(code for code, _, _ in runs) in ([0, 1, 1], [1, 1, 1]), runs  # review: exit 1, as documented
    assert count(runs, "Imported") == 40 and count(runs, "needs review") == 80
    assert sql_rows(dbws, "SELECT status, count(*) FROM submissions GROUP BY status ORDER BY status") \
        == [("conflict", 80), ("imported", 40)]
    no_double_imports(dbws)


def test_kill_9_at_any_moment_then_rerun_ends_exact(dbws):
    ws = dbws
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
    assert sql_rows(ws, "SELECT count(DISTINCT code) FROM submissions")[0][0] == 120  # each form exactly once
    no_double_imports(ws)


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
    r = settle(ws, Source(src), FileResult(name, "duplicate", "0" * 64), store.connect(ws.db, ws.unit))
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


def _alone(seconds: float = 10) -> None:
    """Wait until no other thread runs here (an earlier web test's job thread ends when idle)."""
    import threading

    deadline = time.monotonic() + seconds
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == 1, f"threads still running: {threading.enumerate()}"


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
    _alone()  # the readers must be forked from this process to inherit the patch
    result = intake(ws, workers=workers)
    by_name = {r.name: r for r in result.files}
    assert by_name[poison].status == "rejected" and by_name[poison].problems[0].code == "FG245"
    assert result.counts["imported"] == 29 and stored(ws) == 29
    assert states(ws)["quarantine"] == {poison} and states(ws)["processed"] == set(names) - {poison}
