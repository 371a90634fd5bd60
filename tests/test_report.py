"""The citizen's progression report, from a small data set built through the real pipeline."""
import zipfile

import pytest
from docx import Document

from conftest import needs_soffice, pdf_pages
from filling import fill_docx
from formgen.core.errors import FormgenError
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.reports.citizen import citizen_report, all_reports
from formgen.generate.roster import Citizen

IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik")
ITEMS = ["faglige_kompetencer", "sociale_kompetencer", "fysik_helbred", "psykisk_styrke", "netvaerk_hverdagsliv"]


def round_of(ws, form, round_no, scores: dict[str, tuple[int, int]], extra=None, citizen=IDA):
    """Generate, fill (role -> (now, goal) for every item) and import one round."""
    files = generate(ws, available()[form].definition, "docx", [citizen], list(scores), round_no=round_no).files
    for path in files:
        role = path.name.split("_")[1]
        now, goal = scores[role]
        values = {f"fg:{k}:now": str(now) for k in ITEMS} | {f"fg:{k}:goal": str(goal) for k in ITEMS}
        values |= (extra or {}).get(role, {})
        fill_docx(path, values)
        (ws.intake / path.name).write_bytes(path.read_bytes())
    assert intake(ws).counts["imported"] == len(files)


@pytest.fixture
def two_rounds(ws):
    round_of(ws, "samtaleskema", 1, {"borger": (3, 5), "konsulent": (3, 4)},
             {"konsulent": {"fg:aftaler:naeste_delmaal": "Møde kl. 8 tre dage om ugen"}})
    round_of(ws, "opfoelgning", 2, {"borger": (8, 9), "mentor": (4, 6), "konsulent": (5, 6)},
             {"konsulent": {"fg:arbejdsaftale:timer_nu": "15", "fg:arbejdsaftale:timer_naeste": "20",
                            "fg:samtale:naeste_delmaal": "Selv åbne butikken om morgenen",
                            "fg:faglige_kompetencer:kommentar": "Lærer kassen hurtigt"}})
    return ws


def docx_text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_report_tells_progression_agreement_and_delmaal(two_rounds):
    r = citizen_report(two_rounds, "S-0001")
    text = docx_text(r.docx)
    assert "Ida Holm (S-0001)" in text and "Jensen & Søn ApS" in text and "runde 1–2" in text
    # borger 3 -> 8 on every item: the score table shows 8 with an up arrow of 5
    assert "8  ↑ +5" in text and "5  ↑ +2" in text  # borger, konsulent
    assert "Borger vurderer sociale kompetencer og samarbejde 4 trin højere end mentor (8 mod 4)." in text
    # delmål set in round 1 (borger goal 5, konsulent goal 4), round 2 now 8 and 5: both reached
    assert text.count("✓ Nået") == 10
    assert "15" in text and "20" in text  # arbejdsaftale hours
    assert "Lærer kassen hurtigt" in text


def test_report_has_a_spider_and_a_trend_chart(two_rounds):
    r = citizen_report(two_rounds, "S-0001")
    with zipfile.ZipFile(r.docx) as zf:
        images = [n for n in zf.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        body = zf.read("word/document.xml")
    assert len(images) >= 2
    assert body.count(b"<pic:pic") >= 2


def test_journalnotat_is_written_next_to_the_report(two_rounds):
    r = citizen_report(two_rounds, "S-0001")
    note = r.journal.read_text(encoding="utf-8")
    assert r.journal.parent == r.docx.parent and r.journal.name == "journalnotat_S-0001_runde-2.txt"
    assert "runde 2" in note and "fremgang inden for »faglige og sproglige kompetencer«" in note
    assert "Af de 10 delmål fra runde 1 er 10 nået, 0 delvist nået og 0 endnu ikke nået." in note
    assert "Næste delmål: Selv åbne butikken om morgenen." in note
    assert "Arbejdsaftalen er 15 timer om ugen, og der er aftalt 20 timer fremover." in note
    assert "Borger vurderer sociale kompetencer og samarbejde 4 trin højere end mentor" in note
    text = docx_text(r.docx)
    assert all(para in text for para in note.strip().split("\n\n"))  # the same draft is in the report


def test_one_round_only_is_a_baseline_without_trends(ws):
    round_of(ws, "samtaleskema", 1, {"borger": (4, 6)})
    r = citizen_report(ws, "S-0001")
    assert "første måling" in r.journal.read_text(encoding="utf-8")
    text = docx_text(r.docx)
    assert "Udvikling over runderne" not in text and "Spindelvæv" in text
    assert "Kun én respondent har svaret" in text


def test_report_as_of_an_earlier_round(two_rounds):
    r = citizen_report(two_rounds, "S-0001", round_no=1)
    assert r.docx.name == "progressionsrapport_S-0001_runde-1.docx"
    text = docx_text(r.docx)
    assert "runde 1–2" not in text and "Mentor" in text
    assert "Sofie" not in text and "8  ↑" not in text  # round 2's scores are not in a round-1 report


def test_unknown_citizen_gets_a_clear_message(ws):
    with pytest.raises(FormgenError, match="no imported scores for this citizen"):
        citizen_report(ws, "S-9999")


def test_report_pdf_opens_with_the_expected_page_count(two_rounds):
    needs_soffice()
    r = citizen_report(two_rounds, "S-0001", fmt="pdf")
    assert r.pdf.is_file() and 3 <= pdf_pages(r.pdf) <= 5


def test_report_all_covers_every_citizen_with_data(two_rounds):
    round_of(two_rounds, "samtaleskema", 1, {"borger": (2, 3)}, citizen=Citizen("S-0002", "Bo Berg"))
    results = all_reports(two_rounds)
    assert [r.citizen_ref for r in results] == ["S-0001", "S-0002"]
    assert all(r.docx.is_file() and r.journal.is_file() for r in results)


def test_report_all_writes_each_citizen_the_report_citizen_report_writes_also_in_workers(two_rounds, tmp_path):
    from sqlalchemy import select

    from formgen.store import db as store

    def parts(path):
        with zipfile.ZipFile(path) as zf:
            return {name: zf.read(name) for name in zf.namelist()}

    round_of(two_rounds, "samtaleskema", 1, {"borger": (2, 3)}, citizen=Citizen("S-0002", "Bo Berg"))
    round_of(two_rounds, "opfoelgning", 2, {"mentor": (6, 7), "konsulent": (5, 9)},
             citizen=Citizen("S-0003", "Sofie Lund", "Café Åen I/S"))
    refs = ["S-0001", "S-0002", "S-0003"]
    alone = {ref: parts(citizen_report(two_rounds, ref, out_dir=tmp_path / ref).docx) for ref in refs}
    engine = store.connect(two_rounds.db, two_rounds.unit)
    for workers in (1, 2):  # two: the first report here, the others in forked workers
        with engine.connect() as conn:
            before = conn.execute(select(store.log.c.id).order_by(store.log.c.id.desc())).scalar()
        results = all_reports(two_rounds, workers=workers)
        assert [r.citizen_ref for r in results] == refs
        assert {r.citizen_ref: parts(r.docx) for r in results} == alone
        with engine.connect() as conn:
            logged = conn.execute(select(store.log.c.citizen_ref, store.log.c.action)
                                  .where(store.log.c.id > before).order_by(store.log.c.id)).all()
        assert logged == [(ref, "report") for ref in refs]
    engine.dispose()


def test_a_whole_round_merges_into_one_pdf_with_a_bookmark_per_citizen(two_rounds):
    import subprocess
    import sys
    from pathlib import Path

    from pypdf import PdfReader

    needs_soffice()
    round_of(two_rounds, "samtaleskema", 1, {"borger": (2, 3)}, citizen=Citizen("S-0002", "Bo Berg"))
    exe = Path(sys.executable).parent / "formgen"
    r = subprocess.run([str(exe), "-w", str(two_rounds.root), "report", "all", "--format", "pdf", "--merge"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    merged = two_rounds.output / "reports" / "progressionsrapporter_alle.pdf"
    singles = sorted((two_rounds.output / "reports").glob("S-*/progressionsrapport_*.pdf"))
    reader = PdfReader(str(merged))
    assert len(reader.pages) == sum(pdf_pages(p) for p in singles)
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["Ida Holm (S-0001)", "Bo Berg (S-0002)"]


def test_a_trends_chart_with_many_indicators_is_scaled_to_fit_the_page():
    from docx.shared import Mm

    from formgen.formats.word import MAX_IMAGE_MM, fit
    from formgen.reports.charts import trends

    few = trends([("Fremmøde", {"borger": [(1, 2.0), (2, 3.0)]})], 5, [1, 2])
    many = trends([(f"Indikator {i}", {"borger": [(1, 2.0), (2, 3.0)]}) for i in range(18)], 5, [1, 2])
    assert fit(few, 170) == {"width": Mm(170)}
    assert fit(many, 170) == {"height": Mm(MAX_IMAGE_MM)}  # 6 rows of panels would run off an A4 page


def _restyled(ws, edit) -> None:
    """The workspace's own report template: the shipped one with document.xml edited, as in Word."""
    from formgen.core.templates import SHIPPED

    src, dst = SHIPPED / "report.docx", ws.templates_dir / "report.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, edit(data) if item.filename == "word/document.xml" else data)


@pytest.mark.parametrize("damage", ["not a docx", "broken tag"])
def test_a_template_restyled_into_something_unusable_is_named_not_a_crash(two_rounds, damage):
    if damage == "not a docx":
        two_rounds.templates_dir.mkdir(exist_ok=True)
        (two_rounds.templates_dir / "report.docx").write_text("Word crashed while saving")
    else:
        _restyled(two_rounds, lambda xml: xml.replace(b"</w:body>", b"<w:p><w:r><w:t>{{ borger.navn </w:t></w:r></w:p></w:body>"))
    for write in (lambda: citizen_report(two_rounds, "S-0001"), lambda: all_reports(two_rounds)):
        with pytest.raises(FormgenError) as exc:
            write()
        [problem] = exc.value.problems
        assert problem.code == "FG140" and problem.where.endswith("report.docx") and "delete it" in problem.fix
