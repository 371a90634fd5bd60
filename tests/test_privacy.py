"""Data protection: pseudonymised exports, the audit log, forget, purge, private files."""
import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from filling import fill_docx
from formgen.reports.exports import export
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.privacy import audit, forget, purge, pseudonym
from formgen.core.workspace import network_share
from formgen.reports.citizen import citizen_report
from formgen.generate.roster import Citizen

IDA = Citizen("S-1", "Ida Holmgaard", "Jensen & Søn", "Mette Berg", "Karl Nørgaard")
BO = Citizen("S-10", "Bo Bergstrøm", "Jensen & Søn", "Mette Berg", "Karl Nørgaard")  # S-1 is a prefix of S-10


def pipeline(ws):
    files = generate(ws, available()["samtaleskema"].definition, "docx", [IDA, BO], None).files
    for n, path in enumerate(files):
        fill_docx(path, {"fg:faglige_kompetencer:now": str(3 + n), "fg:aftaler:handlinger": "Ida Holmgaard øver kassen"
                         if path.name.startswith("S-1_") else "Bo øver lageret"})
        (ws.intake / path.name).write_bytes(path.read_bytes())
    (ws.intake / "S-1_borger_tom.docx").write_bytes(b"")  # a quarantined file with the ref in its name
    assert intake(ws).counts["imported"] == 4
    for what in ("scores", "texts"):
        export(ws, what, "csv")
        export(ws, what, "xlsx")
    citizen_report(ws, "S-1")
    citizen_report(ws, "S-10")


IDA_PATTERNS = [re.compile(rb"S-1(?![0-9])"), re.compile("Ida Holmgaard".encode()),
                re.compile("Ida Holmgaard".encode("utf-16-le"))]


def mentions_ida(data: bytes) -> bool:
    return any(p.search(data) for p in IDA_PATTERNS)


def every_byte(root: Path):
    """Each file's bytes, and the inflated bytes of every member of zip packages (docx, xlsx)."""
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        yield path, data
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    yield path / info.filename, zf.read(info)


def test_after_forget_neither_ref_nor_name_is_anywhere(ws):
    pipeline(ws)
    assert any(mentions_ida(d) for _, d in every_byte(ws.root))  # the scan can see them before
    r = forget(ws, "S-1")
    assert r.rows > 0 and r.files > 0 and r.leftovers == ()
    found = [str(p) for p, d in every_byte(ws.root) if mentions_ida(d)]
    assert found == []
    # Bo (S-10) is untouched
    assert (ws.output / "reports" / "S-10").is_dir()
    db = sqlite3.connect(ws.db_path)
    assert db.execute("SELECT count(*) FROM submissions WHERE citizen_ref='S-10'").fetchone()[0] == 2
    assert [a.action for a in audit(ws)][-1] == "forget"


def test_a_forget_stopped_half_way_is_finished_by_running_it_again(ws, monkeypatch):
    import formgen.privacy as privacy

    pipeline(ws)
    real = privacy._scrub_reports

    def stopped(*args):  # the run dies while it deletes files (a kill, a full disk)
        raise KeyboardInterrupt

    monkeypatch.setattr(privacy, "_scrub_reports", stopped)
    with pytest.raises(KeyboardInterrupt):
        forget(ws, "S-1")
    monkeypatch.setattr(privacy, "_scrub_reports", real)
    r = forget(ws, "S-1")  # the rows still lead to what is left
    assert r.rows > 0 and r.leftovers == ()
    assert [str(p) for p, d in every_byte(ws.root) if mentions_ida(d)] == []


def test_forget_names_files_it_did_not_write(ws):
    pipeline(ws)
    (ws.root / "roster.csv").write_text("citizen_ref,name\nS-1,Ida Holmgaard\n")
    assert forget(ws, "S-1").leftovers == ("roster.csv",)


def test_forget_also_deletes_a_temporary_form_left_by_a_killed_generate(ws):
    pipeline(ws)
    form = next(ws.forms_out.rglob("S-1_borger_*.docx"))
    left = form.with_name(f".{form.name}.4242.fgtmp")  # what a generate killed before its rename leaves
    left.write_bytes(form.read_bytes())
    forget(ws, "S-1")
    assert not left.exists()
    assert any(ws.forms_out.rglob("S-10_*"))  # Bo's forms stay


def test_forget_needs_yes_and_knows_unknown_refs(ws):
    exe = Path(sys.executable).parent / "formgen"
    r = subprocess.run([str(exe), "-w", str(ws.root), "forget", "S-1"], capture_output=True, text=True)
    assert r.returncode == 2 and "--yes" in r.stderr
    r = subprocess.run([str(exe), "-w", str(ws.root), "forget", "S-404", "--yes"], capture_output=True, text=True)
    assert r.returncode == 1 and "nothing about this citizen" in r.stderr


def test_audit_answers_a_citizens_request(ws):
    pipeline(ws)
    actions = [e.action for e in audit(ws, "S-1")]
    assert actions.count("import") == 2 and "report" in actions
    assert all(e.citizen_ref == "S-1" for e in audit(ws, "S-1"))
    assert {"generate", "intake", "export"} <= {e.action for e in audit(ws)}
    assert all(e.actor for e in audit(ws))


def test_pseudonymised_export_uses_a_keyed_hmac_kept_outside_the_database(ws):
    pipeline(ws)
    out = export(ws, "scores", "csv", pseudonymise=True)
    rows = list(csv.DictReader(io.StringIO(out.path.read_text(encoding="utf-8-sig"))))
    refs = {r["citizen_ref"] for r in rows}
    assert len(refs) == 2 and all(re.fullmatch(r"P-[A-Z2-7]{13}", x) for x in refs)
    assert not mentions_ida(out.path.read_bytes())
    key_file = ws.root / "formgen.key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert key_file.read_bytes().strip() not in ws.db_path.read_bytes()
    again = export(ws, "scores", "csv", pseudonymise=True)
    assert {r["citizen_ref"] for r in csv.DictReader(io.StringIO(again.path.read_text(encoding="utf-8-sig")))} == refs
    assert pseudonym(b"other key", "S-1") not in refs  # without the key the pseudonym cannot be recomputed


def test_purge_removes_only_data_older_than_the_cutoff(ws):
    pipeline(ws)
    db = sqlite3.connect(ws.db_path)
    db.execute("UPDATE submissions SET submitted_at='2001-01-01T00:00:00+00:00' WHERE citizen_ref='S-1'")
    db.commit()
    db.close()
    old = [p for p in (ws.intake / "processed").iterdir() if p.name.startswith("S-1_")]
    for p in old:
        os.utime(p, (978307200, 978307200))
    r = purge(ws, 365)
    assert r.rows >= 2 and r.files >= 2
    db = sqlite3.connect(ws.db_path)
    assert db.execute("SELECT citizen_ref, count(*) FROM submissions GROUP BY 1").fetchall() == [("S-10", 2)]
    assert not any(p.exists() for p in old)


def test_network_share_is_detected():
    mounts = "server:/export /mnt/fælles nfs4 rw 0 0\n/dev/sda1 / ext4 rw 0 0\n"
    assert network_share(Path("/mnt/fælles/jobcenter"), mounts) == "nfs4"
    assert network_share(Path("/home/me/jobcenter"), mounts) is None


def test_everything_the_cli_writes_is_private(tmp_path):
    exe = Path(sys.executable).parent / "formgen"
    root = tmp_path / "jc"
    env = {**os.environ, "FORMGEN_WORKSPACE": str(root)}
    run = lambda *a: subprocess.run([str(exe), *a], capture_output=True, text=True, env=env)  # noqa: E731
    assert run("init", str(root)).returncode == 0
    assert run("generate", "samtaleskema", "--citizen", "S-1", "--name", "Ida").returncode == 0
    files = list((root / "output").rglob("*.docx"))
    fill_docx(files[0], {"fg:faglige_kompetencer:now": "4"})
    (root / "intake" / files[0].name).write_bytes(files[0].read_bytes())
    os.chmod(root / "intake" / files[0].name, 0o600)
    assert run("intake").returncode == 0
    assert run("export").returncode == 0
    assert run("report", "citizen", "S-1").returncode == 0
    loose = [str(p) for p in root.rglob("*") if p.stat().st_mode & 0o077]
    assert loose == []


def test_forget_deletes_a_merged_print_pdf_that_holds_the_citizen_and_keeps_one_that_does_not(ws):
    from conftest import needs_soffice
    from formgen.reports.citizen import all_reports, merge_reports

    needs_soffice()
    pipeline(ws)
    results = all_reports(ws, "pdf")
    both = merge_reports(ws, results, 1)
    only_bo = merge_reports(ws, [r for r in results if r.citizen_ref == "S-10"])
    r = forget(ws, "S-1")
    assert not both.exists()  # a print copy holding Ida's report (its bytes are compressed: found by its bookmarks)
    assert only_bo.exists() and r.leftovers == ()
