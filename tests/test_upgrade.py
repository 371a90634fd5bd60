"""A workspace made by the previous release (503822a) still works: a new return is imported and reported."""
import shutil
import zipfile
from pathlib import Path

from filling import fill_docx

from formgen import export, intake_returns, open_workspace, report_citizen, status

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "workspace-503822a"  # how it was made: its README.md


def test_a_workspace_from_the_previous_release_takes_a_new_return_and_reports(tmp_path):
    root = tmp_path / "jc"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("README.md"))
    ws = open_workspace(root)
    assert ws.config.organisation.name == "Jobcenter Opgradering"
    assert [(r.citizen_ref, r.role, r.returned) for r in status(ws, 1)] == [
        ("S-0001", "borger", True), ("S-0001", "konsulent", False),
        ("S-0002", "borger", True), ("S-0002", "konsulent", False)]

    form = root / "output" / "forms" / "samtaleskema" / "runde-1" / "S-0001_konsulent_samtaleskema.docx"
    returned = ws.root / "intake" / form.name
    shutil.copy(form, returned)
    fill_docx(returned, {"fg:faglige_kompetencer:now": "5", "fg:faglige_kompetencer:goal": "7"})
    batch = intake_returns(ws)
    assert batch.counts["imported"] == 1 and batch.ok, [p for f in batch.files for p in f.problems]
    assert (ws.processed / form.name).is_file()
    assert [r.returned for r in status(ws, 1) if r.citizen_ref == "S-0001"] == [True, True]

    scores = export(ws, "scores", "csv")
    text = scores.path.read_text(encoding="utf-8")
    assert "S-0001,1,borger,samtaleskema" in text and "S-0001,1,konsulent,samtaleskema" in text
    assert "S-0002,1,borger,samtaleskema" in text

    report = report_citizen(ws, "S-0001")
    assert report.docx.is_file() and report.docx.stat().st_size > 10_000
    assert "runde 1 (02-03-2026)" in report.journal.read_text(encoding="utf-8")  # the date the old release printed
    with zipfile.ZipFile(report.docx) as z:
        assert "Ida Holm" in z.read("word/document.xml").decode("utf-8")
