"""Documents that speak Danish to Word, screen readers and the archive: every kind formgen writes says
it is da-DK, carries a Danish title, subject and the organisation as author (and only the personal
data docs/file-format.md lists), has alternative text on every picture and headings a reader can
navigate; the PDFs carry /Lang, and LibreOffice's are tagged."""
import datetime as dt
import re
import subprocess
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import BooleanObject

import cohort
from conftest import needs_soffice
from filling import fill_docx
from formgen.core.workspace import init
from formgen.forms.catalogue import available
from formgen.generate.roster import Citizen
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.reports.citizen import citizen_report
from formgen.reports.company import company_sheet
from formgen.reports.kompetencekort import kompetencekort_doc
from formgen.reports.overview import overview_report

ORG = "Jobcenter Testby"
NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "dc": "http://purl.org/dc/elements/1.1/", "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = init(tmp_path_factory.mktemp("a11y") / "ws", ORG)
    cohort.build(ws)
    card = generate(ws, available()["kompetencekort"].definition, "docx", [IDA], None, round_no=1,
                    date=dt.date(2026, 3, 2)).files[0]
    fill_docx(card, {"fg:faglige_1:kompetence": "Truckcertifikat", "fg:faglige_1:now": "3",
                     "fg:faglige_1:dato": "02-03-2026", "fg:vurdering:assessor_navn": "Mette Berg",
                     "fg:vurdering:assessor_virksomhed": cohort.JENSEN})
    (ws.intake / card.name).write_bytes(card.read_bytes())
    intake(ws)
    return ws


@pytest.fixture(scope="module")
def documents(ws):
    """Every Word document kind: forms, citizen report, company sheet, kompetencekort, overview."""
    form = generate(ws, cohort.FORM, "docx", [IDA], ["borger"], round_no=2, date=dt.date(2026, 3, 2),
                    out_dir=ws.root / "a11y").files[0]
    return {"form": form, "report": citizen_report(ws, "S-0001").docx,
            "company": company_sheet(ws, cohort.JENSEN).docx, "kompetencekort": kompetencekort_doc(ws, "S-0001").docx,
            "overview": overview_report(ws, by="company").docx}


def part(path, name: str):
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(name))


def core(path) -> dict[str, str]:
    root = part(path, "docProps/core.xml")
    return {etree.QName(el).localname: el.text or "" for el in root}


def pictures(path) -> list:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
    return [pr for n in names for pr in part(path, n).iterfind(".//wp:docPr", NS)]


KINDS = ["form", "report", "company", "kompetencekort", "overview"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_word_document_is_danish(documents, kind):
    styles = part(documents[kind], "word/styles.xml")
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert default is not None and default.get(f"{{{NS['w']}}}val") == "da-DK"
    assert {el.get(f"{{{NS['w']}}}val") for el in styles.iterfind(".//w:lang", NS)} == {"da-DK"}
    assert core(documents[kind])["language"] == "da-DK"


@pytest.mark.parametrize("kind", KINDS)
def test_every_word_document_has_a_danish_title_subject_and_the_organisation_as_author(documents, kind):
    props = core(documents[kind])
    assert props["title"] and props["subject"] and props["creator"] == ORG
    text = " ".join(props.values()).lower()
    assert "template" not in text and "python-docx" not in text and "formgen" not in text


def test_the_titles_say_what_and_whom_with_only_the_personal_data_chosen_for_each(documents):
    titles = {kind: core(path)["title"] for kind, path in documents.items()}
    assert titles["form"] == "Kort opfølgning – Borger – runde 2"
    assert titles["report"] == "Progressionsrapport – S-0001 – runde 2"
    assert titles["company"] == "Tilbagemelding til Jensen & Søn ApS – runde 2"
    assert titles["kompetencekort"] == "Kompetencekort – Ida Holm"  # the candidate's own card
    everything = {kind: " ".join(core(path).values()) for kind, path in documents.items()}
    assert "Ida" not in everything["report"] and "S-0001" not in everything["form"] + everything["overview"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_picture_has_alternative_text(documents, kind):
    found = pictures(documents[kind])
    assert found, "the logo at least"
    assert all(pr.get("descr") for pr in found), [pr.get("name") for pr in found if not pr.get("descr")]
    assert f"Logo: {ORG}" in {pr.get("descr") for pr in found}


def test_the_charts_are_described_with_their_numbers(documents):
    descr = [pr.get("descr") for pr in pictures(documents["report"])]
    spider = next(d for d in descr if d.startswith("Spindelvæv"))
    assert "runde 2" in spider and "Samarbejde: borger 4, mentor 3, konsulent 3" in spider
    trends = next(d for d in descr if d.startswith("Udvikling"))
    assert "Samarbejde: borger 2 → 4, mentor 2 → 3, konsulent 2 → 3" in trends
    overview = next(pr.get("descr") for pr in pictures(documents["overview"]) if pr.get("descr").startswith("Spindel"))
    assert re.search(r"Samarbejde: borger \d+, mentor \d+, konsulent \d+", overview)


@pytest.mark.parametrize("kind", KINDS)
def test_headings_are_outline_levels_for_the_navigation_pane(documents, kind):
    styles = part(documents[kind], "word/styles.xml")
    levels = {s.get(f"{{{NS['w']}}}styleId"): s.find("w:pPr/w:outlineLvl", NS) for s in styles.iterfind("w:style", NS)}
    used = {p.get(f"{{{NS['w']}}}val") for p in part(documents[kind], "word/document.xml").iterfind(".//w:pStyle", NS)}
    assert any(levels.get(s) is not None for s in used)


@pytest.mark.parametrize("kind", KINDS)
def test_headings_start_at_level_one_and_skip_no_level(documents, kind):
    styles = part(documents[kind], "word/styles.xml")
    w = f"{{{NS['w']}}}"
    levels = {s.get(w + "styleId"): int(s.find("w:pPr/w:outlineLvl", NS).get(w + "val"))
              for s in styles.iterfind("w:style", NS) if s.find("w:pPr/w:outlineLvl", NS) is not None}
    body = part(documents[kind], "word/document.xml")
    seq = [levels[ps.get(w + "val")] for ps in body.iterfind(".//w:pStyle", NS) if ps.get(w + "val") in levels]
    assert seq[0] == 0 and all(b - a <= 1 for a, b in zip(seq, seq[1:])), seq


@pytest.mark.parametrize("kind", KINDS)
def test_a_table_header_row_repeats_on_every_page(documents, kind):
    """A first row shaded across all its cells is a header: Word repeats it and readers announce it."""
    headers = 0
    for table in part(documents[kind], "word/document.xml").iterfind(".//w:tbl", NS):
        first = table.find("w:tr", NS)
        cells = first.findall("w:tc", NS)
        if cells and all(c.find("w:tcPr/w:shd", NS) is not None for c in cells):
            headers += 1
            assert first.find("w:trPr/w:tblHeader", NS) is not None, "".join(first.itertext())
    assert headers


def test_every_form_field_has_a_title_that_says_what_to_fill_in(documents):
    controls = list(part(documents["form"], "word/document.xml").iterfind(".//w:sdt", NS))
    assert controls and all(c.find("w:sdtPr/w:alias", NS).get(f"{{{NS['w']}}}val") for c in controls)


def test_excel_forms_are_danish_and_titled(ws):
    path = generate(ws, cohort.FORM, "xlsx", [IDA], ["mentor"], round_no=1, date=dt.date(2026, 1, 5),
                    out_dir=ws.root / "a11y").files[0]
    props = core(path)
    assert props["language"] == "da-DK" and props["creator"] == ORG
    assert props["title"] == "Kort opfølgning – Virksomhedsmentor – runde 1" and props["subject"]
    with zipfile.ZipFile(path) as zf:
        drawing = zf.read("xl/drawings/drawing1.xml").decode()
    assert re.findall(r'descr="([^"]*)"', drawing) == [f"Logo: {ORG}"]


def test_excel_tables_are_danish_and_titled(ws):
    props = core(overview_report(ws, by="company").xlsx)
    assert props["language"] == "da-DK" and props["title"].startswith("Ledelsesoverblik – ")
    assert "openpyxl" not in " ".join(props.values())


def test_pdf_forms_carry_language_title_and_show_the_title(ws):
    path = generate(ws, cohort.FORM, "pdf", [IDA], ["konsulent"], round_no=1, date=dt.date(2026, 1, 5),
                    out_dir=ws.root / "a11y").files[0]
    pdf = PdfReader(path)
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "da-DK"
    assert root["/ViewerPreferences"].get_object()["/DisplayDocTitle"] == BooleanObject(True)
    assert pdf.metadata.title == "Kort opfølgning – Jobkonsulent – runde 1" and pdf.metadata.author == ORG
    typed = [f for f in pdf.get_fields().values() if f.get("/FT")]
    assert typed and all(f.get("/TU") for f in typed), "a tooltip on every field"


def test_libreoffice_pdfs_are_tagged_and_danish(ws):
    needs_soffice()
    path = citizen_report(ws, "S-0002", fmt="pdf").pdf
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert PdfReader(path).trailer["/Root"]["/Lang"] == "da-DK"
