"""Intake: every answer lands exactly once, every problem is explained, no file is ever lost.

Files are filled the way Word stores a choice (lxml edits in tests/filling.py), re-saved with real
LibreOffice, or broken on purpose; then imported and compared with `formgen export`.
"""
import csv
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import db_env, soffice_convert
from filling import (copy_row_docx, fill_docx, fill_pdf, fill_xlsx, strip_properties, track_changes_docx,
                     type_over_control_docx)
from formgen.forms.catalogue import available
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.generate.roster import Citizen
from formgen.core.workspace import init

IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn", "Mette Berg", "Karl Nørgaard")
PRESET_ROLES = [(fid, role) for fid, lf in sorted(available().items()) for role in lf.definition.respondents]


def formgen(ws, *args):
    exe = Path(sys.executable).parent / "formgen"
    return subprocess.run([str(exe), "-w", str(ws.root), *args], capture_output=True, text=True, env=db_env(ws))


def one(ws, form, role, citizen=IDA, round_no=1, fmt="docx"):
    return generate(ws, available()[form].definition, fmt, [citizen], [role], round_no=round_no).files[0]


def answers_for(form, role, multiline=True, names=False):
    """A plausible answer for every field: (what to type, what the export must say)."""
    d = available()[form].definition
    typed, expected = {}, {}
    for n, f in enumerate(d.fields(role)):
        if f.type == "score":
            step = (n % d.scale.steps) + 1
            t, e = (("Ved ikke", "ved ikke") if n == 1 and d.scale.dont_know else (str(step), str(step)))
        elif f.type == "number":
            t, e = "22,5", "22.5"
        elif f.type == "date":
            t, e = "24-11-2026", "2026-11-24"
        else:
            t = f"Svar {n}: Jensen & Søn <ApS> æøå" + ("\nlinje to" if multiline and n % 3 == 0 else "")
            e = t
        typed[f.name if names else f.tag], expected[(f.key, f.field)] = t, e
    return typed, expected


def exported(ws, citizen="S-0001"):
    """{(item, field): value} from the real CLI's CSV exports."""
    out = {}
    for what in ("scores", "texts"):
        path = ws.root / f"{what}.csv"
        r = formgen(ws, "export", "--what", what, "--format", "csv", "--out", str(path))
        assert r.returncode == 0, r.stderr
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            if row["citizen_ref"] != citizen:
                continue
            if what == "scores":
                for fld in ("now", "goal"):
                    if row[fld]:
                        out[(row["item"], fld)] = row[fld]
            else:
                out[(row["item"], row["field"])] = row["text"]
    return out


def drop(ws, *files):
    for f in files:
        shutil.copy(f, ws.intake / Path(f).name)


@pytest.mark.parametrize("form,role", PRESET_ROLES)
def test_round_trip_every_preset_and_respondent(ws, form, role):
    path = one(ws, form, role)
    typed, expected = answers_for(form, role)
    fill_docx(path, typed)
    drop(ws, path)
    r = formgen(ws, "intake")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Imported 1, already imported 0, needs review 0, rejected 0" in r.stdout
    assert exported(ws) == expected
    assert (ws.intake / "processed" / path.name).is_file()


@pytest.mark.parametrize("form,role", PRESET_ROLES)
def test_round_trip_every_preset_and_respondent_in_excel(ws, form, role):
    path = one(ws, form, role, fmt="xlsx")
    typed, expected = answers_for(form, role, names=True)
    fill_xlsx(path, typed)
    drop(ws, path)
    r = formgen(ws, "intake")
    assert r.returncode == 0, r.stdout + r.stderr
    assert exported(ws) == expected


@pytest.mark.parametrize("form,role", PRESET_ROLES)
def test_round_trip_every_preset_and_respondent_as_fillable_pdf(ws, form, role):
    path = one(ws, form, role, fmt="pdf")
    typed, expected = answers_for(form, role, names=True)
    fill_pdf(path, typed)
    drop(ws, path)
    r = formgen(ws, "intake")
    assert r.returncode == 0, r.stdout + r.stderr
    assert exported(ws) == expected


def test_printed_and_scanned_pdfs_go_to_review_and_the_batch_goes_on(ws, tmp_path):
    from PIL import Image
    from reportlab.pdfgen.canvas import Canvas

    good = one(ws, "samtaleskema", "borger", fmt="pdf")
    fill_pdf(good, {"fg.faglige_kompetencer.now": "6"})
    printed = ws.intake / "printet.pdf"
    c = Canvas(str(printed))
    c.drawString(72, 700, "Samtaleskema – Nu: 6")
    c.save()
    Image.new("L", (300, 400), 255).save(tmp_path / "scan.png")
    scanned = ws.intake / "scannet.pdf"
    c = Canvas(str(scanned))
    c.drawImage(str(tmp_path / "scan.png"), 0, 0, 595, 842)
    c.save()
    drop(ws, good)
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "Imported 1, already imported 0, needs review 2, rejected 0" in r.stdout
    assert "FG213" in r.stderr and "printed or saved as PDF" in r.stderr and "scan or photo" in r.stderr
    assert (ws.intake / "quarantine" / "printet.pdf.problems.txt").is_file()
    assert exported(ws) == {("faglige_kompetencer", "now"): "6"}


@pytest.mark.parametrize("form,role", [("samtaleskema", "konsulent"), ("opfoelgning", "mentor"),
                                       ("kompetencekort", "mentor")])
def test_excel_round_trip_after_libreoffice_resave(ws, tmp_path, form, role):
    path = one(ws, form, role, fmt="xlsx")
    typed, expected = answers_for(form, role, names=True)
    fill_xlsx(path, typed)
    resaved = soffice_convert(path, "xlsx", tmp_path / "lo")
    drop(ws, resaved)
    r = formgen(ws, "intake")
    assert r.returncode == 0, r.stdout + r.stderr
    assert exported(ws) == expected


@pytest.mark.parametrize("form,role", [("samtaleskema", "borger"), ("opfoelgning", "mentor"),
                                       ("kompetencekort", "mentor"), ("bip-inspireret", "konsulent")])
def test_round_trip_after_libreoffice_resave_strips_the_tags(ws, tmp_path, form, role):
    path = one(ws, form, role)
    typed, expected = answers_for(form, role, multiline=False)  # LO 7.4 moves line breaks out of controls
    fill_docx(path, typed)
    resaved = soffice_convert(path, "docx", tmp_path / "lo")
    assert b"fg:" not in zipfile.ZipFile(resaved).read("word/document.xml")  # LO 7.4 dropped every tag
    drop(ws, resaved)
    r = formgen(ws, "intake")
    assert r.returncode == 0, r.stdout + r.stderr
    assert exported(ws) == expected


def test_deleted_control_with_the_number_typed_into_the_cell(ws):
    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:fysik_helbred:goal": "7"})
    type_over_control_docx(path, "fg:fysik_helbred:now", " 5 ")
    drop(ws, path)
    assert formgen(ws, "intake").returncode == 0
    assert exported(ws) == {("fysik_helbred", "now"): "5", ("fysik_helbred", "goal"): "7"}


def test_what_people_type_is_tolerated(ws):
    path = one(ws, "samtaleskema", "konsulent")
    fill_docx(path, {"fg:faglige_kompetencer:now": "4/10", "fg:faglige_kompetencer:goal": "\u00a06\u00a0",
                     "fg:sociale_kompetencer:now": "ved ikke", "fg:aftaler:naeste_samtale": "1.2.2027"})
    track_changes_docx(path, "fg:sociale_kompetencer:goal", "3", "8")
    drop(ws, path)
    assert formgen(ws, "intake").returncode == 0
    assert exported(ws) == {("faglige_kompetencer", "now"): "4", ("faglige_kompetencer", "goal"): "6",
                            ("sociale_kompetencer", "now"): "ved ikke", ("sociale_kompetencer", "goal"): "8",
                            ("aftaler", "naeste_samtale"): "2027-02-01"}


@pytest.mark.parametrize("value,code,phrase", [
    ("4,5", "FG221", "between two steps"), ("fire", "FG220", "written in words"),
    ("3 4", "FG222", "more than one value"), ("11", "FG223", "outside the scale 1-10"),
    ("4/5", "FG223", "uses a 1-5 scale"),
])
def test_undecidable_values_send_the_file_to_review_with_the_reason(ws, value, code, phrase):
    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:psykisk_styrke:now": value, "fg:psykisk_styrke:goal": "6"})
    drop(ws, path)
    r = formgen(ws, "intake")
    assert r.returncode == 1
    assert "needs review 1" in r.stdout and code in r.stderr and phrase in r.stderr
    assert "Psykisk styrke og trivsel › Nu" in r.stderr  # where: the indicator and the field
    q = ws.intake / "quarantine"
    assert (q / path.name).is_file()
    note = (q / (path.name + ".problems.txt")).read_text()
    assert code in note and "Fix:" in note
    assert exported(ws) == {}  # a file imports fully or not at all


def test_copied_row_with_different_values_is_flagged(ws):
    path = one(ws, "samtaleskema", "borger")
    copy_row_docx(path, "Fysik og helbred")
    from lxml import etree  # give the copy a different value
    import filling
    def edit(root):
        sdts = filling._sdts(root)["fg:fysik_helbred:now"]
        filling._set_content(sdts[0], "3")
        filling._set_content(sdts[1], "6")
    filling._rewrite(path, "word/document.xml", edit)
    drop(ws, path)
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "FG224" in r.stderr and "copied row" in r.stderr


def test_lost_properties_fall_back_to_the_visible_code(ws):
    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:netvaerk_hverdagsliv:now": "2"})
    strip_properties(path)
    drop(ws, path)
    assert formgen(ws, "intake").returncode == 0
    assert exported(ws) == {("netvaerk_hverdagsliv", "now"): "2"}


def test_same_folder_twice_adds_nothing_and_renamed_copy_is_a_duplicate(dbws, tmp_path):
    ws = dbws  # on SQLite, then on PostgreSQL
    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:faglige_kompetencer:now": "3"})
    drop(ws, path)
    first = intake(ws)
    assert first.counts["imported"] == 1
    shutil.copy(ws.intake / "processed" / path.name, ws.intake / "kopi af skema.docx")
    second = intake(ws)
    assert second.counts == {"imported": 0, "duplicate": 1, "review": 0, "rejected": 0, "skipped": 0}
    assert exported(ws) == {("faglige_kompetencer", "now"): "3"}
    assert len(list((ws.intake / "processed").iterdir())) == 2  # the copy is kept, not deleted


def test_a_different_second_return_is_a_conflict_not_an_overwrite(dbws, tmp_path):
    ws = dbws  # on SQLite, then on PostgreSQL
    path = one(ws, "samtaleskema", "borger")
    second = tmp_path / "igen.docx"
    shutil.copy(path, second)
    fill_docx(path, {"fg:faglige_kompetencer:now": "3"})
    fill_docx(second, {"fg:faglige_kompetencer:now": "5"})
    drop(ws, path)
    assert intake(ws).counts["imported"] == 1
    drop(ws, second)
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "FG230" in r.stderr
    assert exported(ws) == {("faglige_kompetencer", "now"): "3"}  # the first still counts
    listing = formgen(ws, "review").stdout
    assert "counted now: " + path.name in listing and "also returned: igen.docx" in listing
    assert formgen(ws, "review", "--keep", "igen.docx").returncode == 0
    assert exported(ws) == {("faglige_kompetencer", "now"): "5"}
    assert "No open conflicts." in formgen(ws, "review").stdout


def word_and_excel(ws, form="opfoelgning", role="konsulent", change=None):
    """The same form for one citizen, respondent and round as .docx and .xlsx (two form codes), filled
    alike (change: {Excel name: other value} for the Excel one); (docx, xlsx, the answers expected)."""
    docx, xlsx = one(ws, form, role), one(ws, form, role, fmt="xlsx")
    typed, expected = answers_for(form, role)
    fill_docx(docx, typed)
    named, _ = answers_for(form, role, names=True)
    fill_xlsx(xlsx, named | (change or {}))
    return docx, xlsx, expected


def text_export(ws, *options) -> list[dict]:
    path = ws.root / "texts.csv"
    r = formgen(ws, "export", "--what", "texts", "--format", "csv", "--out", str(path), *options)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def import_report(path) -> list[dict]:
    import openpyxl

    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_one_form_returned_filled_alike_in_word_and_in_excel_counts_once(dbws):
    ws = dbws  # on SQLite, then on PostgreSQL
    docx, xlsx, expected = word_and_excel(ws)
    drop(ws, docx)
    assert formgen(ws, "intake").returncode == 0
    first = text_export(ws)
    drop(ws, xlsx)
    r = formgen(ws, "intake")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Imported 0, already imported 1, needs review 0" in r.stdout
    assert f"[FG231] {xlsx.name}: the same answers as '{docx.name}' (form code " in r.stderr
    assert exported(ws) == expected
    assert text_export(ws) == first  # counted once: no text twice
    [row] = import_report(sorted((ws.output / "import").glob("*.xlsx"))[-1])
    assert row["status"] == "duplicate" and "[FG231]" in row["problems"] and "recorded as a duplicate" in row["problems"]
    assert {docx.name, xlsx.name} <= {p.name for p in (ws.intake / "processed").iterdir()}  # both kept
    assert "No open conflicts." in formgen(ws, "review").stdout
    status = formgen(ws, "status").stdout  # the form came back: neither code is chased
    assert "Runde 1: 2 of 2 returned, 0 missing" in status and "MISSING" not in status


def test_one_form_returned_filled_differently_in_word_and_in_excel_is_a_conflict(dbws):
    ws = dbws  # on SQLite, then on PostgreSQL
    docx, xlsx, expected = word_and_excel(ws, change={"fg.faglige_kompetencer.now": "5"})
    assert expected[("faglige_kompetencer", "now")] != "5"
    drop(ws, docx)
    assert formgen(ws, "intake").returncode == 0
    drop(ws, xlsx)
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "needs review 1" in r.stdout
    assert "[FG230]" in r.stderr and f"the opfoelgning of S-0001 (konsulent, round 1) was already imported from '{docx.name}'" in r.stderr
    assert exported(ws) == expected  # the first still counts
    listing = formgen(ws, "review").stdout
    assert "counted now: " + docx.name in listing and "also returned: " + xlsx.name in listing
    assert formgen(ws, "review", "--keep", xlsx.name).returncode == 0
    assert exported(ws) == expected | {("faglige_kompetencer", "now"): "5"}
    assert "No open conflicts." in formgen(ws, "review").stdout


@pytest.mark.parametrize("workers", [1, 2])
def test_word_and_excel_of_one_form_in_one_batch_count_once(dbws, workers):
    ws = dbws  # on SQLite, then on PostgreSQL
    docx, xlsx, expected = word_and_excel(ws)
    drop(ws, docx, xlsx)
    r = intake(ws, workers=workers)  # stored in one transaction: the second sees the first
    assert r.counts["imported"] == 1 and r.counts["duplicate"] == 1 and r.ok
    assert [p.code for f in r.files for p in f.problems] == ["FG231"]
    assert exported(ws) == expected


def test_a_copy_with_other_bytes_but_the_same_answers_is_a_duplicate_not_a_conflict(ws, tmp_path):
    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:faglige_kompetencer:now": "3"})
    drop(ws, path)
    assert intake(ws).counts["imported"] == 1
    copy = tmp_path / "gemt igen.docx"
    shutil.copy(ws.intake / "processed" / path.name, copy)
    with zipfile.ZipFile(copy, "a") as zf:  # as a program that saves it again: other bytes, the same answers
        zf.comment = b"saved again"
    drop(ws, copy)
    r = intake(ws)
    assert r.counts["duplicate"] == 1 and r.ok
    assert f"the same answers as '{path.name}', which is already imported" in r.files[0].problems[0].what
    assert "No open conflicts." in formgen(ws, "review").stdout


def test_texts_export_names_the_file_and_code_and_keeps_what_was_typed(ws):
    path = one(ws, "opfoelgning", "konsulent")
    fill_docx(path, {"fg:arbejdsaftale:timer_nu": "22,5", "fg:arbejdsaftale:naeste_opfoelgning": "28-02-2027",
                     "fg:arbejdsaftale:opgaver": "-opvask, =SUM(A1)"})
    drop(ws, path)
    r = intake(ws)
    assert r.counts["imported"] == 1
    rows = text_export(ws)
    assert list(rows[0]) == ["citizen_ref", "round", "respondent", "form", "item", "field", "text",
                             "source_file", "form_code", "raw"]  # the first seven as before, new ones at the end
    by_field = {row["field"]: row for row in rows}
    assert (by_field["timer_nu"]["text"], by_field["timer_nu"]["raw"]) == ("22.5", "22,5")
    assert (by_field["naeste_opfoelgning"]["text"], by_field["naeste_opfoelgning"]["raw"]) == ("2027-02-28", "28-02-2027")
    # CSV: a leading - = + @ is guarded with ' (never a live formula), in the text and in the raw column
    assert by_field["opgaver"]["text"] == by_field["opgaver"]["raw"] == "'-opvask, =SUM(A1)"
    assert {(row["source_file"], row["form_code"]) for row in rows} == {(path.name, r.files[0].code)}
    hidden = text_export(ws, "--pseudonymise")  # the file name carries the ref, the code leads to it
    assert {(row["source_file"], row["form_code"]) for row in hidden} == {("", "")}
    assert {row["field"]: row["raw"] for row in hidden}["timer_nu"] == "22,5"


def test_zip_archive_of_returns(ws, tmp_path):
    a, b = one(ws, "samtaleskema", "borger"), one(ws, "samtaleskema", "konsulent")
    fill_docx(a, {"fg:faglige_kompetencer:now": "2"})
    fill_docx(b, {"fg:faglige_kompetencer:now": "4"})
    archive = tmp_path / "runde-1.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(a, "mail/" + a.name)
        zf.write(b, "mail/" + b.name)
        zf.writestr("mail/noter.txt", "ikke et skema")
    r = formgen(ws, "intake", str(archive))
    assert "Imported 2, already imported 0, needs review 0, rejected 1" in r.stdout
    assert (ws.intake / "processed" / "runde-1.zip").is_file()
    assert (ws.intake / "quarantine" / "runde-1__noter.txt").is_file()


def test_status_lists_the_missing_returns(dbws):
    ws = dbws  # on SQLite, then on PostgreSQL
    d = available()["samtaleskema"].definition
    files = generate(ws, d, "docx", [IDA, Citizen("S-0002", "Bo Berg")], None, round_no=2).files
    fill_docx(files[0], {"fg:faglige_kompetencer:now": "2"})
    drop(ws, files[0])
    intake(ws)
    out = formgen(ws, "status", "--round", "2").stdout
    assert "Runde 2: 1 of 4 returned, 3 missing" in out
    missing = formgen(ws, "status", "--missing").stdout
    assert "S-0002" in missing and "Bo Berg" in missing and files[0].name.split("_")[0] in out


def test_import_report_has_one_row_per_file(ws):
    from openpyxl import load_workbook

    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:faglige_kompetencer:now": "=HYPERLINK(\"http://x\")"})
    drop(ws, path)
    (ws.intake / "tom.docx").write_bytes(b"")
    result = intake(ws)
    rows = list(load_workbook(result.report).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("file", "status") and len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"review", "rejected"}


def test_free_text_never_becomes_a_formula_in_exports(ws, tmp_path):
    from openpyxl import load_workbook

    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:aftaler:handlinger": "=HYPERLINK(\"http://evil\",\"klik\")"})
    drop(ws, path)
    intake(ws)
    out = tmp_path / "t.xlsx"
    assert formgen(ws, "export", "--what", "texts", "--format", "xlsx", "--out", str(out)).returncode == 0
    cell = load_workbook(out).active["G2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    csv_out = tmp_path / "t.csv"
    formgen(ws, "export", "--what", "texts", "--out", str(csv_out))
    assert "'=HYPERLINK" in csv_out.read_text(encoding="utf-8-sig")


def test_export_score_columns_are_the_documented_interface(ws, tmp_path):
    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:faglige_kompetencer:now": "3", "fg:faglige_kompetencer:goal": "5"})
    drop(ws, path)
    intake(ws)
    out = tmp_path / "s.csv"
    formgen(ws, "export", "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["citizen_ref", "round", "respondent", "form", "form_version", "item", "now", "goal",
                       "scale_steps", "submitted_at", "source_file"]
    first = dict(zip(rows[0], rows[1]))
    assert (first["citizen_ref"], first["round"], first["respondent"], first["item"], first["now"], first["goal"],
            first["scale_steps"], first["source_file"]) == ("S-0001", "1", "borger", "faglige_kompetencer", "3", "5",
                                                            "10", path.name)


def test_a_file_claiming_another_form_version_goes_to_review(ws):
    from filling import _rewrite

    path = one(ws, "samtaleskema", "borger")
    fill_docx(path, {"fg:faglige_kompetencer:now": "3"})

    def older(root):
        for prop in root:
            if prop.get("name") == "fg_version":
                prop[0].text = "0.9"
    _rewrite(path, "docProps/custom.xml", older)
    drop(ws, path)
    r = formgen(ws, "intake")
    assert r.returncode == 1 and "FG212" in r.stderr and "version 0.9" in r.stderr
    assert exported(ws) == {}
