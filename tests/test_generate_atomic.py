"""Generation is atomic per file as seen from outside: a form has its final name only once its
manifest row is committed, and a re-run after a crash completes the batch with no duplicates."""
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from lxml import etree

from formgen.api import intake_returns
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.generate.roster import Citizen

EXE = str(Path(sys.executable).parent / "formgen")
FORMS = 1000  # 500 citizens × samtaleskema's two respondents


def code_of(path: Path) -> str:
    """The form code a generated Word file carries (its custom properties), read without formgen."""
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("docProps/custom.xml"))
    return {p.get("name"): p[0].text for p in root}["fg_code"]


def manifest(ws, round_no: int) -> list[tuple]:
    return sqlite3.connect(ws.db_path).execute(
        "SELECT code, citizen_ref, role, file_name FROM dispatch WHERE round=?", (round_no,)).fetchall()


def roster(tmp_path, n: int) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("citizen_ref,name,company\n" + "".join(f"S-{i:04d},Borger {i},Firma {i % 7}\n" for i in range(n)))
    return path


def generate_cmd(ws, path: Path) -> subprocess.Popen:
    env = {**os.environ, "FORMGEN_WORKERS": "2"}
    return subprocess.Popen([EXE, "-w", str(ws.root), "generate", "samtaleskema", "--roster", str(path), "--round", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def forms_and_temps(folder: Path) -> tuple[list[Path], list[Path]]:
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return [p for p in files if not p.name.startswith(".")], [p for p in files if p.name.startswith(".")]


def kill_when_first_forms_appear(proc: subprocess.Popen, folder: Path) -> None:
    """SIGKILL the run as soon as some forms have their final names (the run is then mid-batch)."""
    deadline = time.monotonic() + 300  # a bound on waiting, not an assertion about speed
    while time.monotonic() < deadline and proc.poll() is None and not forms_and_temps(folder)[0]:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_kill_9_during_a_1000_form_generate_leaves_no_form_without_its_row_and_a_rerun_completes_exactly(ws, tmp_path):
    path, folder = roster(tmp_path, FORMS // 2), ws.forms_out / "samtaleskema" / "runde-4"
    kill_when_first_forms_appear(generate_cmd(ws, path), folder)
    forms, _ = forms_and_temps(folder)
    assert 0 < len(forms) < FORMS, "the kill must land mid-batch for this test to say anything"
    rows = {code: name for code, _, _, name in manifest(ws, 4)}
    for form in forms:  # every final-named file is in the manifest, under its own code
        assert rows.get(code_of(form)) == form.name

    rerun = generate_cmd(ws, path)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, out + err
    forms, temps = forms_and_temps(folder)
    rows = manifest(ws, 4)
    assert len(forms) == FORMS and temps == []  # the killed run's temporary files are cleaned
    assert len(rows) == FORMS and len({(ref, role) for _, ref, role, _ in rows}) == FORMS  # no second row
    assert {code_of(f) for f in forms} == {code for code, *_ in rows}


def test_a_rerun_keeps_each_citizens_code_and_adds_no_row(ws):
    d = available()["samtaleskema"].definition
    citizens = [Citizen("S-1", "Ida"), Citizen("S-2", "Bo")]
    first = generate(ws, d, "docx", citizens, None, round_no=2).files
    codes = {f.name: code_of(f) for f in first}
    again = generate(ws, d, "docx", citizens, None, round_no=2).files
    assert {f.name: code_of(f) for f in again} == codes
    assert len(manifest(ws, 2)) == 4
    assert len(generate(ws, d, "docx", citizens, None, round_no=3).files) == 4  # another round: new forms
    assert not {code for code, *_ in manifest(ws, 3)} & set(codes.values())


def test_blank_forms_are_never_merged(ws):
    d = available()["samtaleskema"].definition
    for _ in range(2):
        generate(ws, d, "docx", None, ["borger"], round_no=1)
    assert len(manifest(ws, 1)) == 2


def test_temporary_files_of_a_dead_run_are_cleaned_and_those_of_a_live_run_kept(ws):
    d = available()["samtaleskema"].definition
    folder = ws.forms_out / "samtaleskema" / "runde-1"
    folder.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = folder / f".S-9_borger_samtaleskema.docx.{dead.pid}.fgtmp"
    busy = folder / f".S-8_borger_samtaleskema.docx.{os.getppid()}.fgtmp"  # pytest's parent: alive
    stale.write_bytes(b"half a form")
    busy.write_bytes(b"another run's form in the making")
    generate(ws, d, "docx", [Citizen("S-1", "Ida")], ["borger"], date=dt.date(2026, 11, 2))
    assert not stale.exists() and busy.exists()
    assert [p.name for p in forms_and_temps(folder)[0]] == ["S-1_borger_samtaleskema.docx"]


def test_intake_ignores_temporary_names(ws):
    d = available()["samtaleskema"].definition
    [form] = generate(ws, d, "docx", [Citizen("S-1", "Ida")], ["borger"]).files
    temp = ws.intake / f".{form.name}.4242.fgtmp"
    temp.write_bytes(form.read_bytes())
    result = intake_returns(ws)
    assert temp.exists()  # not read, not moved to quarantine
    assert not ws.quarantine.is_dir() or not any(ws.quarantine.iterdir())
    assert sqlite3.connect(ws.db_path).execute("SELECT count(*) FROM submissions").fetchone()[0] == 0, result


def test_two_runs_of_one_batch_at_once_give_each_form_one_code(ws, tmp_path):
    # Run B starts (and finishes) while run A is between its first and second chunk: A read the
    # codes already issued before B issued codes for the forms of A's second chunk.
    path, folder = roster(tmp_path, 75), ws.forms_out / "samtaleskema" / "runde-4"  # 150 forms: two chunks
    citizens = [Citizen(f"S-{i:04d}", f"Borger {i}", f"Firma {i % 7}") for i in range(75)]
    chunks = []

    def run_b_after_the_first_chunk(n):
        chunks.append(n)
        if len(chunks) == 1:
            out, err = generate_cmd(ws, path).communicate(timeout=600)
            assert "Wrote 150" in out + err, out + err

    generate(ws, available()["samtaleskema"].definition, "docx", citizens, None, round_no=4,
             progress=run_b_after_the_first_chunk, workers=1)
    assert len(chunks) == 2
    rows = manifest(ws, 4)
    assert len({(ref, role) for _, ref, role, _ in rows}) == 150
    assert len(rows) == 150  # one code per citizen × respondent
    forms, temps = forms_and_temps(folder)
    assert temps == [] and {code_of(f) for f in forms} == {code for code, *_ in rows}
