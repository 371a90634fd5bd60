"""`formgen demo` tells the whole story: three rounds, a missing return, a re-saved and a broken file,
then every report, built from seeded code (nothing committed)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from formgen.store import db as store
from formgen.demo import run_demo
from formgen.core.workspace import load


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "demo"
    return root, list(run_demo(root))


def test_three_rounds_are_generated_returned_and_imported(demo):
    root, lines = demo
    text = "\n".join(lines)
    assert "Roster of 6 fictional citizens at 3 companies" in text
    assert "Runde 1 (01-06-2026): 12 samtaleskema forms" in text and "Intake Runde 1: imported 12, needs review 0" in text
    assert "Runde 2 (27-07-2026): 18 opfoelgning forms" in text and "imported 17, needs review 0, rejected 1" in text
    assert "Runde 3 (21-09-2026): 18 opfoelgning forms" in text and "17 filled forms returned" in text


def test_the_missing_return_and_the_broken_file_are_shown_not_lost(demo):
    root, lines = demo
    assert "Status: still missing runde 3 opfoelgning from mentor for S-0004 (Mikkel Østergaard)" in lines
    quarantine = root / "intake" / "quarantine"
    assert sorted(p.name for p in quarantine.iterdir()) == [
        "S-0006_konsulent_opfoelgning.docx", "S-0006_konsulent_opfoelgning.docx.problems.txt"]
    assert "FG209" in (quarantine / "S-0006_konsulent_opfoelgning.docx.problems.txt").read_text()


def test_the_file_resaved_in_libreoffice_is_read_by_its_layout(demo):
    if not shutil.which("soffice"):
        pytest.skip("soffice not installed: the demo does not re-save a file without it")
    root, _ = demo
    engine = store.connect(load(root).db, load(root).unit)
    s, a = store.submissions, store.answers
    with engine.connect() as conn:
        hows = set(conn.execute(select(a.c.how).join(s, s.c.id == a.c.submission_id)
                                .where(s.c.citizen_ref == "S-0005", s.c.role == "borger", s.c.round == 2)).scalars())
    engine.dispose()
    assert hows == {"row"}


def test_every_report_is_written(demo):
    root, lines = demo
    reports = root / "output" / "reports"
    for n in range(1, 7):
        assert (reports / f"S-000{n}" / f"progressionsrapport_S-000{n}_runde-3.docx").exists()
        assert (reports / f"S-000{n}" / f"journalnotat_S-000{n}_runde-3.txt").exists()
    assert (reports / "overview" / "ledelsesoverblik_virksomhed_alle.xlsx").exists()
    assert (reports / "company" / "jensen-soen-aps" / "virksomhedsark_jensen-soen-aps_runde-3.docx").exists()
    assert (root / "output" / "export" / "scores.xlsx").exists() and (root / "output" / "export" / "texts.xlsx").exists()
    if shutil.which("soffice"):
        assert (reports / "S-0001" / "progressionsrapport_S-0001_runde-3.pdf").exists()


def test_the_disagreement_case_reads_as_one_in_the_journalnotat(demo):
    root, _ = demo
    note = (root / "output" / "reports" / "S-0003" / "journalnotat_S-0003_runde-3.txt").read_text()
    assert "Borger vurderer sociale kompetencer og samarbejde 5 trin højere end mentor" in note


def test_the_kompetencekort_shows_development_over_three_assessments(demo):
    root, _ = demo
    doc = Document(str(root / "output" / "reports" / "S-0001" / "kompetencekort_S-0001.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any(c.startswith("Fremgang: ") and c.count("→") == 2 for c in cells)
    assert {"29-06-2026", "10-08-2026", "21-09-2026"} <= set(cells)


def test_demo_refuses_a_folder_that_is_not_a_previous_demo(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "important.txt").write_text("keep me")
    r = subprocess.run([str(Path(sys.executable).parent / "formgen"), "demo", "--dir", str(tmp_path / "mine")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "FG130" in r.stderr and "not a previous demo" in r.stderr and not r.stdout
    assert "Traceback" not in r.stderr
    assert (tmp_path / "mine" / "important.txt").read_text() == "keep me"


def test_the_progression_report_leaves_the_kompetencekort_to_its_own_document(demo):
    root, _ = demo
    doc = Document(str(root / "output" / "reports" / "S-0001" / "progressionsrapport_S-0001_runde-3.docx"))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    for kompetencekort_only in ("vurdering)", "Faglige kompetencer", "Betjene opvaskemaskine"):
        assert kompetencekort_only not in text
