"""The company feedback sheet (only that company's citizens, only the mentor's own words) and the
candidate's kompetencekort document (every assessed competence with its latest level)."""
import datetime as dt

import pytest
from docx import Document
from sqlalchemy import select

import cohort
from conftest import needs_soffice, pdf_pages
from filling import fill_docx, fill_xlsx
from formgen.store import db as store
from formgen.reports.company import company_sheet, first_names
from formgen.core.errors import FormgenError
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.reports.kompetencekort import kompetencekort_doc
from formgen.generate.roster import Citizen
from formgen.core.workspace import init


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = init(tmp_path_factory.mktemp("company") / "ws", "Jobcenter Testby", unit="Virksomhedsservice")
    cohort.build(ws)
    return ws


def paragraphs(path, style=None) -> list[str]:
    doc = Document(str(path))
    return [p.text for p in doc.paragraphs if style is None or p.style.name == style]


def table_rows(path) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in Document(str(path)).tables for row in t.rows]


def all_text(path) -> str:
    doc = Document(str(path))
    footers = [p.text for s in doc.sections for p in s.footer.paragraphs]
    return "\n".join(paragraphs(path) + ["\t".join(r) for r in table_rows(path)] + footers)


# --- company feedback sheet ---------------------------------------------------------------------

def test_company_sheet_lists_only_that_companys_citizens_by_first_name(ws):
    r = company_sheet(ws, "jensen & søn aps")  # the name as the roster spells it, any case
    assert (r.company, r.round) == ("Jensen & Søn ApS", 2)
    assert r.docx == ws.output / "reports" / "company" / "jensen-soen-aps" / "virksomhedsark_jensen-soen-aps_runde-2.docx"
    assert paragraphs(r.docx, "FG Heading") == ["Ida", "Bo", "Ali", "Eva", "Jens", "Mia"]
    text = all_text(r.docx)
    for name in cohort.NAMES:
        assert name.split()[1] not in text  # no surnames
    for other in cohort.NAMES[6:]:
        assert other.split()[0] not in text  # nobody from Café Åen or Genbrug
    assert "S-00" not in text and "Jensen & Søn ApS" in text
    assert r.citizens == [f"S-000{n}" for n in range(1, 7)]


def test_company_sheet_shows_what_the_mentor_rated_and_what_moved(ws):
    r = company_sheet(ws, "Jensen & Søn ApS", round_no=2)
    rows = table_rows(r.docx)
    assert rows[0] == ["Område", "Sidst", "Nu", "Udvikling", "Næste delmål", "Jeres kommentar"]
    # Ida's mentor: samarbejde 2 in round 1 → 3 now, next delmål 3; mødestabilitet 3 → 3; faglige has no goal
    assert rows[1] == ["Samarbejde", "2 (runde 1)", "3", "↑ +1", "3", "Hjælper nye kolleger"]
    assert rows[2] == ["Mødestabilitet", "3 (runde 1)", "3", "→ uændret", "4", ""]
    assert rows[3] == ["Faglige kompetencer", "4 (runde 1)", "4", "→ uændret", "–", ""]


def test_company_sheet_has_the_mentors_own_words_and_what_was_agreed_but_no_one_elses_free_text(ws):
    text = all_text(company_sheet(ws, "Jensen & Søn ApS").docx)
    assert "Hjælper nye kolleger" in text and "Hvad er gået godt? Møder til tiden" in text
    assert "Aftalt næste delmål: Åbne butikken selv om morgenen" in text  # the konsulent's agreed version
    assert "Timer pr. uge nu: 15 · Aftalte timer pr. uge fremover: 20 · Arbejdsopgaver: Kasse & lager" in text
    for private in ("Jeg er træt om morgenen", "Borgerens eget delmål", "Konsulentens egen vurdering",
                    "Café-mentorens note", "Timer pr. uge nu: 12"):
        assert private not in text


def test_first_round_has_nothing_to_compare_with(ws):
    rows = table_rows(company_sheet(ws, "Café Åen", round_no=1).docx)
    assert rows[1] == ["Samarbejde", "–", "2", "første vurdering", "3", ""]


def test_company_sheet_is_logged_per_citizen_shown(ws):
    company_sheet(ws, "Genbrug")
    engine = store.connect(ws.db, ws.unit)
    with engine.connect() as conn:
        refs = set(conn.execute(select(store.log.c.citizen_ref).where(
            store.log.c.detail.like('%"kind": "company", "company": "Genbrug"%'))).scalars())
    engine.dispose()
    assert refs == {"S-0012"}


def test_unknown_company_names_the_known_ones(ws):
    with pytest.raises(FormgenError, match="Café Åen, Genbrug, Jensen & Søn ApS"):
        company_sheet(ws, "Jensen og Søn")


def test_two_citizens_with_one_first_name_get_their_ref():
    people = [{"citizen_ref": "S-1", "name": "Ida Holm"}, {"citizen_ref": "S-2", "name": "Ida Berg"},
              {"citizen_ref": "S-3", "name": ""}]
    assert first_names(people) == {"S-1": "Ida (S-1)", "S-2": "Ida (S-2)", "S-3": "S-3"}


def test_company_sheet_pdf_is_one_page(ws):
    needs_soffice()
    r = company_sheet(ws, "Café Åen", fmt="pdf")
    assert pdf_pages(r.pdf) == 1


# --- kompetencekort document --------------------------------------------------------------------

IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik")
ASSESSOR = {"fg:vurdering:assessor_navn": "Mette Berg", "fg:vurdering:assessor_virksomhed": "Jensen & Søn ApS",
            "fg:vurdering:assessor_rolle": "Køkkenchef"}


def card(ws, round_no: int, date: dt.date, rows: dict[str, tuple[str, str, str]], extra=None) -> None:
    """The mentor fills a kompetencekort: row key -> (kompetence, level, where); the row's date is the card's."""
    path = generate(ws, available()["kompetencekort"].definition, "docx", [IDA], None, round_no=round_no, date=date).files[0]
    values = dict(ASSESSOR, **(extra or {}))
    for key, (name, level, where) in rows.items():
        values |= {f"fg:{key}:kompetence": name, f"fg:{key}:now": level, f"fg:{key}:dato": date.strftime("%d-%m-%Y")}
        values |= {f"fg:{key}:sted": where} if where else {}
    fill_docx(path, {k: v for k, v in values.items() if v})
    (ws.intake / path.name).write_bytes(path.read_bytes())
    assert intake(ws).counts["imported"] == 1


@pytest.fixture
def two_cards(tmp_path):
    ws = init(tmp_path / "ws", "Jobcenter Testby", contact="Jobcenter Testby · tlf. 11 22 33 44")
    card(ws, 1, dt.date(2026, 3, 2), {
        "faglige_1": ("Betjene opvaskemaskine", "2", "Opvasken"), "faglige_2": ("Truckcertifikat", "3", "Lageret"),
        "personlige_1": ("Samarbejde på holdet", "3", "Køkkenet"), "personlige_2": ("Tage imod feedback", "2", "Køkkenet"),
        "sproglige_1": ("Læse en arbejdsseddel", "2", "Køkkenet")})
    # the mentor reorders rows, types a name with extra spaces, and leaves one row's name empty
    card(ws, 2, dt.date(2026, 4, 27), {
        "faglige_1": ("Truckcertifikat", "4", "Lageret"), "faglige_2": ("Betjene  opvaskemaskine ", "4", "Opvasken"),
        "almene_1": ("Møde til tiden", "5", "Hele huset"), "personlige_1": ("Samarbejde på holdet", "4", ""),
        "sproglige_1": ("", "3", "")}, {"fg:kandidat:note": "Jeg vil gerne arbejde i et storkøkken."})
    return ws


def competences(path) -> dict[str, list[str]]:
    """Competence name -> the rest of its row, from every table headed 'Kompetence'."""
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in Document(str(path)).tables]
    return {r[0]: r[1:] for t in tables if t[0][0] == "Kompetence" for r in t[1:]}


def test_kompetencekort_has_every_assessed_competence_with_its_latest_level(two_cards):
    r = kompetencekort_doc(two_cards, "S-0001")
    assert r.docx == two_cards.output / "reports" / "S-0001" / "kompetencekort_S-0001.docx"
    rows = competences(r.docx)
    assert set(rows) == {"Betjene opvaskemaskine", "Truckcertifikat", "Møde til tiden", "Samarbejde på holdet",
                         "Tage imod feedback", "Læse en arbejdsseddel"}
    # level in numbers and in the scale's own words, where and when, and how it developed
    assert rows["Betjene opvaskemaskine"] == ["4 af 5\nKan opgaven selvstændigt", "Opvasken", "27-04-2026",
                                              "Fremgang: 2 → 4\n02-03-2026: 2\n27-04-2026: 4"]
    assert rows["Truckcertifikat"][0].startswith("4 af 5") and rows["Truckcertifikat"][3].startswith("Fremgang: 3 → 4")
    assert rows["Møde til tiden"] == ["5 af 5\nMestrer det selvstændigt og kan lære andre", "Hele huset", "27-04-2026",
                                      "Vurderet én gang"]
    assert rows["Samarbejde på holdet"][1] == "Køkkenet"  # the latest place written
    # assessed once only, in the first card: its level stays, with that card's date
    assert rows["Tage imod feedback"] == ["2 af 5\nKan dele af opgaven med vejledning", "Køkkenet", "02-03-2026",
                                          "Vurderet én gang"]
    # a level without a name continues the competence that was in that row before
    assert rows["Læse en arbejdsseddel"][0].startswith("3 af 5") and rows["Læse en arbejdsseddel"][3].startswith("Fremgang: 2 → 3")


def test_kompetencekort_groups_competences_and_names_the_assessor(two_cards):
    path = kompetencekort_doc(two_cards, "S-0001").docx
    headings = paragraphs(path, "FG Heading")
    assert headings[1:5] == ["Faglige kompetencer", "Almene kompetencer", "Personlige kompetencer", "Sproglige kompetencer"]
    text = all_text(path)
    assert "Mette Berg (Køkkenchef)" in text and "Jensen & Søn ApS" in text and "02-03-2026 – 27-04-2026" in text
    assert "Jeg vil gerne arbejde i et storkøkken." in text
    assert "tlf. 11 22 33 44" in text


def test_kompetencekort_speaks_to_an_employer_not_to_the_jobcentre(two_cards):
    text = all_text(kompetencekort_doc(two_cards, "S-0001").docx)
    assert "Ida Holm" in text and "supplement til et CV" in text
    for jargon in ("S-0001", "runde", "formgen", "mentor", "borger"):
        assert jargon not in text.lower() if jargon.islower() else jargon not in text


def test_kompetencekort_without_cards_says_how_to_get_one(ws):
    with pytest.raises(FormgenError, match="no imported kompetencekort"):
        kompetencekort_doc(ws, "S-0002")


def test_kompetencekort_pdf_opens(two_cards):
    needs_soffice()
    r = kompetencekort_doc(two_cards, "S-0001", fmt="pdf")
    assert 1 <= pdf_pages(r.pdf) <= 2


def excel_card(ws, values: dict[str, str]):
    """The mentor fills one Excel kompetencekort (several Dato/Niveau pairs over time) and returns it."""
    path = generate(ws, available()["kompetencekort"].definition, "xlsx", [IDA], None, round_no=1,
                    date=dt.date(2026, 4, 27)).files[0]  # the card's date: the day it is handed in
    fill_xlsx(path, {k.replace(":", "."): v for k, v in ASSESSOR.items()} | values)
    (ws.intake / path.name).write_bytes(path.read_bytes())
    return intake(ws)


def test_every_assessment_of_an_excel_card_is_imported_and_shown(tmp_path):
    ws = init(tmp_path / "ws", "Jobcenter Testby")
    r = excel_card(ws, {
        "fg.faglige_1.kompetence": "Betjene opvaskemaskine", "fg.faglige_1.sted": "Opvasken",
        "fg.faglige_1.dato": "02-03-2026", "fg.faglige_1.now": "2",
        "fg.faglige_1.dato_2": "30-03-2026", "fg.faglige_1.now_2": "3",
        "fg.faglige_1.dato_3": "27-04-2026", "fg.faglige_1.now_3": "4",
        # a competence first seen at the second assessment
        "fg.almene_1.kompetence": "Møde til tiden", "fg.almene_1.dato_2": "30-03-2026", "fg.almene_1.now_2": "5"})
    assert r.counts["imported"] == 1
    engine = store.connect(ws.db, ws.unit)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(store.answers.c.field, store.answers.c.value)
                                   .where(store.answers.c.item == "faglige_1")).all())
    engine.dispose()
    assert (stored["now"], stored["now_2"], stored["now_3"]) == ("2", "3", "4")
    assert stored["dato_3"] == "2026-04-27"
    rows = competences(kompetencekort_doc(ws, "S-0001").docx)
    assert rows["Betjene opvaskemaskine"] == ["4 af 5\nKan opgaven selvstændigt", "Opvasken", "27-04-2026",
                                              "Fremgang: 2 → 3 → 4\n02-03-2026: 2\n30-03-2026: 3\n27-04-2026: 4"]
    assert rows["Møde til tiden"][2:] == ["30-03-2026", "Vurderet én gang"]
    # each assessment is listed with its own date, the period runs from the first to the last
    text = all_text(kompetencekort_doc(ws, "S-0001").docx)
    assert "02-03-2026 – 27-04-2026" in text and all(d in text for d in ("02-03-2026\tMette Berg", "30-03-2026\tMette Berg"))


def test_a_bad_level_in_a_later_assessment_is_named_for_review(tmp_path):
    ws = init(tmp_path / "ws", "Jobcenter Testby")
    r = excel_card(ws, {"fg.faglige_1.kompetence": "Truckcertifikat", "fg.faglige_1.now": "2",
                        "fg.faglige_1.now_2": "7"})
    assert r.counts["review"] == 1
    [problem] = [p for f in r.files for p in f.problems]
    assert problem.code == "FG223" and "Niveau (2. vurdering)" in problem.where


def kept_card(tmp_path):
    """A mentor's Excel kompetencekort with its first assessment, imported as marts.xlsx: (ws, its path)."""
    ws = init(tmp_path / "ws", "Jobcenter Testby")
    path = generate(ws, available()["kompetencekort"].definition, "xlsx", [IDA], None, round_no=1,
                    date=dt.date(2026, 4, 27)).files[0]
    fill_xlsx(path, {"fg.faglige_1.kompetence": "Opvask", "fg.faglige_1.now": "2", "fg.faglige_1.dato": "02-03-2026"})
    (ws.intake / "marts.xlsx").write_bytes(path.read_bytes())
    assert intake(ws).counts["imported"] == 1
    return ws, path


def statuses(ws) -> dict[str, str]:
    engine = store.connect(ws.db, ws.unit)
    with engine.connect() as conn:
        found = dict(conn.execute(select(store.submissions.c.original_name, store.submissions.c.status)).all())
    engine.dispose()
    return found


def report_rows(path) -> list[dict]:
    import openpyxl

    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_an_excel_card_sent_again_with_only_new_assessments_is_its_newer_version(tmp_path):
    ws, path = kept_card(tmp_path)
    fill_xlsx(path, {"fg.faglige_1.now_2": "4", "fg.faglige_1.dato_2": "30-03-2026"})  # the same sheet, a month on
    (ws.intake / "april.xlsx").write_bytes(path.read_bytes())
    r = intake(ws)
    assert r.ok and r.counts["imported"] == 1 and r.counts["review"] == 0
    assert statuses(ws) == {"marts.xlsx": "superseded", "april.xlsx": "imported"}
    assert {p.name for p in ws.processed.iterdir()} == {"marts.xlsx", "april.xlsx"}  # the older file is kept
    [row] = report_rows(r.report)
    assert row["status"] == "imported" and "[FG232]" in row["problems"]
    assert "newer version of the kompetencekort in 'marts.xlsx'" in row["problems"] and "1 assessment(s) added (2 answer(s))" in row["problems"]
    # the document shows the card once, with both assessments
    rows = competences(kompetencekort_doc(ws, "S-0001").docx)
    assert rows["Opvask"][3] == "Fremgang: 2 → 4\n02-03-2026: 2\n30-03-2026: 4"
    # and the third assessment a month later continues the newer version
    fill_xlsx(path, {"fg.faglige_1.now_3": "5", "fg.faglige_1.dato_3": "27-04-2026"})
    (ws.intake / "maj.xlsx").write_bytes(path.read_bytes())
    assert intake(ws).counts["imported"] == 1
    assert statuses(ws) == {"marts.xlsx": "superseded", "april.xlsx": "superseded", "maj.xlsx": "imported"}
    assert competences(kompetencekort_doc(ws, "S-0001").docx)["Opvask"][3].startswith("Fremgang: 2 → 4 → 5")


def test_an_excel_card_sent_again_with_a_changed_earlier_answer_waits_for_review(tmp_path):
    from formgen.intake.review import conflicts, keep

    ws, path = kept_card(tmp_path)
    fill_xlsx(path, {"fg.faglige_1.now": "3", "fg.faglige_1.now_2": "4", "fg.faglige_1.dato_2": "30-03-2026"})
    (ws.intake / "april.xlsx").write_bytes(path.read_bytes())
    r = intake(ws)
    assert r.counts["review"] == 1  # the first level was changed: never silently overwritten
    assert [p.code for p in r.files[0].problems] == ["FG230"]
    assert statuses(ws) == {"marts.xlsx": "imported", "april.xlsx": "conflict"}
    assert competences(kompetencekort_doc(ws, "S-0001").docx)["Opvask"][3] == "Vurderet én gang"
    [c] = conflicts(ws)
    assert (c.chosen, c.others) == ("marts.xlsx", ("april.xlsx",))
    assert keep(ws, "april.xlsx").chosen == "april.xlsx"
    assert competences(kompetencekort_doc(ws, "S-0001").docx)["Opvask"][3] == "Fremgang: 3 → 4\n02-03-2026: 3\n30-03-2026: 4"


def test_a_kompetencekort_returned_empty_gives_no_empty_document(tmp_path):
    ws = init(tmp_path / "ws", "Jobcenter Testby")
    assert excel_card(ws, {"fg.faglige_1.kompetence": "Truckcertifikat"}).counts["imported"] == 1  # no level given
    with pytest.raises(FormgenError, match="no imported kompetencekort for this citizen with a level"):
        kompetencekort_doc(ws, "S-0001")
    assert not (ws.output / "reports" / "S-0001").exists()
