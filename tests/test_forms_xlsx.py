"""The definition workbook: a jobcentre designs its own form in Excel (formgen forms new/check/add)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import soffice_convert
from openpyxl import load_workbook

from formgen.api import add_form, check_form, generate_forms, list_forms, new_form_workbook
from formgen.cli import cli
from formgen.core.errors import FormgenError
from formgen.forms.catalogue import PRESET_DIR, available

PRESETS = sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def problems(path: Path) -> list[str]:
    """'where: what' of every problem checking the workbook reports (it must not be valid)."""
    with pytest.raises(FormgenError) as exc:
        check_form(path)
    assert all(p.code == "FG114" for p in exc.value.problems), exc.value.problems
    return [f"{p.where.removeprefix(path.name + ', ')}: {p.what}" for p in exc.value.problems]


def edited(tmp_path: Path, edit, from_id: str = "opfoelgning") -> Path:
    """A workbook written from a built-in form, then changed with openpyxl the way a person would."""
    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx", from_id)
    wb = load_workbook(path)
    wb["Indstillinger"]["B2"] = "mit-skema"
    edit(wb)
    wb.save(path)
    return path


@pytest.mark.parametrize("form_id", PRESETS)
def test_every_built_in_form_round_trips_through_its_workbook(tmp_path, form_id):
    path = tmp_path / f"{form_id}.xlsx"
    result = CliRunner().invoke(cli, ["forms", "new", str(path), "--from", form_id])
    assert result.exit_code == 0, result.output
    preset = available()[form_id].definition
    back = check_form(path)
    assert back.model_dump() == preset.model_dump()
    assert back.fingerprint == preset.fingerprint


def test_the_workbook_has_instructions_sheets_and_dropdowns(tmp_path):
    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx", "opfoelgning")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Vejledning", "Indstillinger", "Afsnit", "Indikatorer", "Skala", "Tekstsvar",
                             "Tekstafsnit", "Grupper", "Indikatorbibliotek"]
    assert "Eksempel" in "\n".join(str(c.value) for c in wb["Vejledning"]["A"])
    lists = {(ws.title, str(dv.sqref)): dv.formula1 for ws in wb for dv in ws.data_validations.dataValidation}
    assert lists[("Indstillinger", "B10")] == '"5,10,20"'
    assert lists[("Indstillinger", "B5")] == '"opfoelgning,samtaleskema,survey,kompetencekort"'
    assert lists[("Indikatorer", "J2:L300")] == '"Ja,Nej"'
    assert lists[("Indikatorer", "A2:A300")] == lists[("Indikatorbibliotek", "A2:A300")] == "Afsnit!$A$2:$A$300"
    assert lists[("Tekstsvar", "D2:D300")] == '"text,number,date"'


def test_a_new_workbook_without_from_is_a_valid_example_and_is_never_written_over(tmp_path):
    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx")
    assert check_form(path).id == "mit-skema"
    with pytest.raises(FormgenError) as exc:
        new_form_workbook(path)
    assert exc.value.problems[0].code == "FG130"


def test_an_edited_workbook_generates_the_form_it_describes(ws, tmp_path):
    def edit(wb):
        wb["Indikatorer"]["C2"] = "Faglige kompetencer og sprog"
        wb["Indikatorer"].append(["Hovedområder", "mødestabilitet", "Mødestabilitet", "", "Kommer du til tiden?"])
        wb["Indikatorer"]["B7"] = "moedestabilitet"
        wb["Indstillinger"]["B3"] = "2.0"

    path = edited(tmp_path, edit)
    d = add_form(ws, path)
    assert (ws.forms_dir / "MIT-SKEMA.xlsx").is_file() and d.version == "2.0"
    assert [i.key for i in d.items][-1] == "moedestabilitet" and d.items[0].label == "Faglige kompetencer og sprog"
    assert ("mit-skema", "2.0") == list_forms(ws.root)[-1][:2] and list_forms(ws.root)[-1][-1] == "MIT-SKEMA.xlsx"
    result = generate_forms(ws, "mit-skema", citizen="S-1", name="Test Testesen", roles=["borger"])
    xml = zipfile.ZipFile(result.files[0]).read("word/document.xml").decode()
    assert "fg:moedestabilitet:now" in xml and "Faglige kompetencer og sprog" in xml and "Kommer du til tiden?" in xml


def test_adding_a_workbook_again_keeps_the_previous_one(ws, tmp_path):
    path = edited(tmp_path, lambda wb: None)
    add_form(ws, path)
    wb = load_workbook(path)
    wb["Indstillinger"]["B3"] = "1.1"
    wb.save(path)
    assert add_form(ws, path).version == "1.1"
    assert [p.suffix for p in (ws.forms_dir / "replaced").iterdir()] == [".xlsx"]


def test_a_workbook_may_not_take_a_built_in_forms_id(ws, tmp_path):
    path = new_form_workbook(tmp_path / "OP.xlsx", "opfoelgning")
    with pytest.raises(FormgenError) as exc:
        add_form(ws, path)
    assert exc.value.problems[0].code == "FG113" and not (ws.forms_dir / "OP.xlsx").exists()


def test_excels_lock_file_in_forms_is_not_a_definition(ws, tmp_path):
    (ws.forms_dir / "~$MIT-SKEMA.xlsx").write_bytes(b"lock")
    assert [r[0] for r in list_forms(ws.root)] == PRESETS


def test_a_workbook_resaved_by_libreoffice_reads_the_same(tmp_path):
    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx", "opfoelgning")
    again = soffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    assert check_form(again).model_dump() == check_form(path).model_dump()


MISTAKES = [
    ("the same label twice", lambda wb: wb["Indikatorer"].__setitem__("C6", "Sociale kompetencer og samarbejde"),
     "Indikatorer!C6: 'Sociale kompetencer og samarbejde' is used twice as a label (also in row 3)"),
    ("the same key twice", lambda wb: wb["Indikatorer"].__setitem__("B4", "faglige_kompetencer"),
     "Indikatorer!B4: 'faglige_kompetencer' is used twice as a key (also in row 2)"),
    ("a key that is not snake_case", lambda wb: wb["Indikatorer"].__setitem__("B5", "Psykisk Styrke"),
     "Indikatorer!B5: 'Psykisk Styrke' is not a valid key"),
    ("a missing label", lambda wb: wb["Indikatorer"].__setitem__("C3", None), "Indikatorer!C3: the Etiket is missing"),
    ("an unknown section", lambda wb: wb["Indikatorer"].__setitem__("A3", "Andet"),
     "Indikatorer!A3: 'Andet' is not a section in the sheet Afsnit"),
    ("not Ja or Nej", lambda wb: wb["Tekstafsnit"].__setitem__("D3", "måske"), "Tekstafsnit!D3: 'måske' is not Ja or Nej"),
    ("a scale of 7000 steps", lambda wb: wb["Indstillinger"].__setitem__("B10", 7000),
     "Indstillinger!B10: Input should be less than or equal to 20"),
    ("an anchor for a step that does not exist", lambda wb: wb["Skala"].__setitem__("B6", "9-11"),
     "Skala!B6: band '9-11' is outside the scale 1-10"),
    ("a text answer for no indicator", lambda wb: wb["Tekstsvar"].__setitem__("A2", "ukendt"),
     "Tekstsvar!A2: 'ukendt' is not an indicator's or text section's key"),
    ("a text type that does not exist", lambda wb: wb["Tekstsvar"].__setitem__("D8", "tal"), "Tekstsvar!D8: Input should be"),
    ("a formula in a label", lambda wb: wb["Indikatorer"].__setitem__("C2", "=A1&A2"),
     "Indikatorer!C2: a formula, not a value"),
    ("merged cells", lambda wb: wb["Indikatorer"].merge_cells("D2:E2"), "Indikatorer!D2:E2: merged cells"),
    ("an indicator without a question", lambda wb: [wb["Indikatorer"].__setitem__(c, None) for c in ("E4", "F4")],
     "Indikatorer!B4: item 'fysik_helbred' has no question for borger"),
    ("a text section with an indicator's key", lambda wb: wb["Tekstafsnit"].__setitem__("A2", "fysik_helbred"),
     "Indikatorer!B4: key 'fysik_helbred' is used twice"),
    ("a missing sheet", lambda wb: wb.remove(wb["Afsnit"]), "Afsnit: the sheet 'Afsnit' is missing"),
    ("a changed header row", lambda wb: wb["Skala"].__setitem__("B1", "Step"),
     "Skala!A1: the header row of 'Skala' is changed"),
    ("a respondent the form does not have", lambda wb: [wb["Indstillinger"].__setitem__("B8", "Nej"),
                                                       wb["Indikatorer"].__setitem__("K3", "Ja")],
     "Indikatorer!K3: item 'sociale_kompetencer' names respondents the form does not have"),
    ("an empty sheet", lambda wb: wb["Skala"].delete_rows(1, 100), "Skala!A1: the sheet 'Skala' is empty"),
    ("a missing version", lambda wb: wb["Indstillinger"].__setitem__("B3", None), "Indstillinger!B3: the Version is missing"),
    ("a missing setting", lambda wb: wb["Indstillinger"].delete_rows(4), "Indstillinger!A: the setting 'Titel' is missing"),
    ("a form type that does not exist", lambda wb: wb["Indstillinger"].__setitem__("B5", "spørgeskema"),
     "Indstillinger!B5: Input should be 'samtaleskema', 'opfoelgning', 'kompetencekort' or 'survey'"),
    ("steps that are not a number", lambda wb: wb["Indstillinger"].__setitem__("B10", "ti"),
     "Indstillinger!B10: Input should be a valid integer"),
    ("a marking that is not a choice", lambda wb: wb["Indikatorer"].__setitem__("M2", "begge"),
     "Indikatorer!M2: 'begge' is not a choice"),
    ("lines that are not a number", lambda wb: wb["Tekstsvar"].__setitem__("E2", "mange"),
     "Tekstsvar!E2: Input should be a valid integer"),
    ("two anchors for one step", lambda wb: wb["Skala"].__setitem__("B3", "1-2"),
     "Skala!A2: bands must cover steps 1-10 exactly once (missing: [3, 4], covered twice: [1, 2])"),
    ("an earlier key that is not a key", lambda wb: wb["Indikatorer"].__setitem__("O2", "Gammel nøgle"),
     "Indikatorer!O2: 'Gammel' is not a valid key"),
]


@pytest.mark.parametrize("what, edit, message", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_reported_at_its_cell(tmp_path, what, edit, message):
    found = problems(edited(tmp_path, edit))
    assert any(p.startswith(message) for p in found), found


def test_an_empty_indicator_sheet_asks_for_indicators(tmp_path):
    def edit(wb):
        wb["Indikatorer"].delete_rows(2, 10)
        wb["Tekstsvar"].delete_rows(2, 20)
        wb["Tekstafsnit"].delete_rows(2, 10)
        wb["Skala"].delete_rows(7, 60)

    assert "Afsnit!A2: the section 'Hovedområder' has no indicators" in problems(edited(tmp_path, edit))


def test_an_old_xls_or_unreadable_file_is_refused_with_how_to_fix(tmp_path):
    xls, broken = tmp_path / "MIT-SKEMA.xls", tmp_path / "MIT-SKEMA.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0old")
    broken.write_bytes(b"not a workbook")
    assert problems(xls) == [f"{xls}: not an .xlsx workbook"]
    assert problems(broken) == [f"{broken}: cannot read the workbook (BadZipFile)"]


def test_the_command_prints_the_cell_and_the_fix(tmp_path):
    path = edited(tmp_path, MISTAKES[0][1])
    exe = Path(sys.executable).parent / "formgen"
    result = subprocess.run([str(exe), "forms", "check", str(path)], capture_output=True, text=True)
    out = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in out
    assert "[FG114] MIT-SKEMA.xlsx, Indikatorer!C6: 'Sociale kompetencer og samarbejde' is used twice" in out
    assert "give every row its own label" in out


def test_a_workbook_form_with_a_new_indicator_and_20_steps_is_filled_imported_and_exported(ws, tmp_path):
    import csv
    import shutil

    from filling import fill_docx

    from formgen.api import export, intake_returns

    def edit(wb):
        wb["Indstillinger"]["B10"] = 20
        skala = wb["Skala"]
        skala.delete_rows(2, 10)
        for n, steps in enumerate(("1-4", "5-8", "9-12", "13-16", "17-20"), start=2):
            skala.append(["", steps, f"Tekst {n - 1}"])
        wb["Indikatorer"].append(["Hovedområder", "moedestabilitet", "Mødestabilitet", "", "Kommer du til tiden?"])

    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx")
    wb = load_workbook(path)
    edit(wb)
    wb.save(path)
    assert add_form(ws, path).scale.steps == 20
    result = generate_forms(ws, "mit-skema", citizen="S-0001", name="Test Testesen", roles=["borger"])
    fill_docx(result.files[0], {"fg:moedestabilitet:now": "17", "fg:moedestabilitet:goal": "20",
                                "fg:sociale_kompetencer:now": "3"})
    shutil.copy(result.files[0], ws.intake / result.files[0].name)
    intake_returns(ws)
    out = export(ws, "scores", "csv", tmp_path / "scores.csv")
    rows = list(csv.DictReader((tmp_path / "scores.csv").open(encoding="utf-8-sig")))
    assert {(r["item"], r["now"], r["goal"]) for r in rows} >= {("moedestabilitet", "17", "20")}, (out, rows)


@pytest.mark.parametrize("typed, number_format", [(2.0, "General"), (2, "General"), (2.0, "0.0"), (2.5, "General"),
                                                  ("2.0", "@"), ("2.10", "@")])
def test_a_version_typed_as_a_number_or_as_text_reads_as_the_version(tmp_path, typed, number_format):
    def edit(wb):
        wb["Indstillinger"]["B3"] = typed
        wb["Indstillinger"]["B3"].number_format = number_format

    expected = {2.5: "2.5", "2.10": "2.10"}.get(typed, "2.0")
    assert check_form(edited(tmp_path, edit)).version == expected


def test_the_version_cell_is_text_and_a_number_resaved_by_libreoffice_reads_the_same(tmp_path):
    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx")
    assert load_workbook(path)["Indstillinger"]["B3"].number_format == "@"
    wb = load_workbook(path)
    wb["Indstillinger"]["B3"], wb["Indstillinger"]["B3"].number_format = 2.0, "General"  # as Excel stores 2.0
    wb.save(path)
    again = soffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    assert load_workbook(again)["Indstillinger"]["B3"].data_type == "n"
    assert check_form(again).version == "2.0"


def test_no_mistake_gives_a_traceback_on_the_command_line(tmp_path, monkeypatch, capsys):
    from formgen.cli import main

    for n, (what, edit, message) in enumerate(MISTAKES):
        (tmp_path / str(n)).mkdir()
        monkeypatch.setattr(sys, "argv", ["formgen", "forms", "check", str(edited(tmp_path / str(n), edit))])
        with pytest.raises(SystemExit) as exc:
            main()
        out = capsys.readouterr()
        assert exc.value.code == 1 and "Traceback" not in out.out + out.err, (what, out)
        assert f"[FG114] MIT-SKEMA.xlsx, {message}" in out.out + out.err, (what, out)
    assert len(MISTAKES) >= 20
