"""The indicator library sheet: an author picks built-in indicators, which keep the library's key, label and question."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from formgen.api import add_form, check_form, generate_forms, new_form_workbook
from formgen.core.errors import FormgenError
from formgen.forms.catalogue import available
from formgen.forms.library import SHEET, entries


def library_row(wb, key: str) -> int:
    return next(n for n in range(2, wb[SHEET].max_row + 1) if wb[SHEET].cell(n, 2).value == key)


def picking(tmp_path: Path, picks: dict[str, str], edit=None) -> Path:
    """The starter workbook with library rows given a section in Brug (key → section title)."""
    path = new_form_workbook(tmp_path / "MIT-SKEMA.xlsx")
    wb = load_workbook(path)
    for key, section in picks.items():
        wb[SHEET].cell(library_row(wb, key), 1).value = section
    if edit:
        edit(wb)
    wb.save(path)
    return path


def test_the_library_offers_every_built_in_indicator_once_with_its_evidence_and_only_brug_is_open(tmp_path):
    wb = load_workbook(new_form_workbook(tmp_path / "MIT-SKEMA.xlsx"))
    sheet = wb[SHEET]
    keys = [sheet.cell(n, 2).value for n in range(2, sheet.max_row + 1)]
    built_in = {i.key for f in available().values() for i in f.definition.items}
    assert sorted(keys) == sorted(built_in) and len(keys) == len(set(keys)) == 24
    row = library_row(wb, "jobsoegning")
    assert "BIP" in sheet.cell(row, 10).value and sheet.cell(row, 11).value == "bip-inspireret"
    assert sheet.cell(library_row(wb, "sociale_kompetencer"), 11).value == "opfoelgning, samtaleskema"
    assert sheet.protection.sheet and not sheet.cell(row, 1).protection.locked and sheet.cell(row, 3).protection.locked


def test_a_picked_indicator_is_the_librarys_and_the_form_generates_it(ws, tmp_path):
    path = picking(tmp_path, {"jobsoegning": "Hovedområder", "tro_paa_job_12_mdr": "Hovedområder"})
    d = add_form(ws, path)
    assert [i.key for i in d.items] == ["sociale_kompetencer", "jobsoegning", "tro_paa_job_12_mdr"]
    bip = {i.key: i for i in available()["bip-inspireret"].definition.items}
    for item in d.items[1:]:
        assert (item.label, item.question, item.evidence, item.help) == (
            bip[item.key].label, bip[item.key].question, bip[item.key].evidence, bip[item.key].help)
        assert item.anchors is None  # the library's anchors are for 5 steps, this form has 10
    assert d.items[2].respondents == bip["tro_paa_job_12_mdr"].respondents == ("konsulent",)
    result = generate_forms(ws, "mit-skema", citizen="S-1", name="Test Testesen", roles=["konsulent"])
    xml = zipfile.ZipFile(result.files[0]).read("word/document.xml").decode()
    assert "fg:jobsoegning:now" in xml and bip["jobsoegning"].label in xml


def test_on_the_librarys_own_scale_a_pick_keeps_its_anchors(tmp_path):
    def five_steps(wb):
        wb["Indstillinger"]["B10"] = 5
        for n in range(2, 7):
            wb["Skala"].cell(n, 2).value = str(n - 1)

    d = check_form(picking(tmp_path, {"helbred": "Hovedområder"}, five_steps))
    assert d.items[1].anchors == next(e.item.anchors for e in entries() if e.item.key == "helbred")


@pytest.mark.parametrize("picks, edit, message", [
    ({"jobsoegning": "Andet"}, None, "Indikatorbibliotek!A{row}: 'Andet' is not a section in the sheet Afsnit"),
    ({"sociale_kompetencer": "Hovedområder"}, None,
     "Indikatorbibliotek!A{row}: 'sociale_kompetencer' is used twice as a key (also in Indikatorer row 2)"),
    ({"jobsoegning": "Hovedområder"}, lambda wb: wb[SHEET].cell(library_row(wb, "jobsoegning"), 2).__setattr__(
        "value", "min_jobsoegning"), "Indikatorbibliotek!B{row}: 'min_jobsoegning' is not an indicator in the library"),
    ({"tro_paa_job_12_mdr": "Hovedområder"}, lambda wb: wb["Indstillinger"].__setitem__("B9", "Nej"),
     "Indikatorbibliotek!A{row}: in the library only konsulent answer 'tro_paa_job_12_mdr', and the form has none"),
], ids=["an unknown section", "a key the form has", "an edited library key", "a respondent the form lacks"])
def test_a_wrong_pick_is_reported_at_its_cell(tmp_path, picks, edit, message):
    path = picking(tmp_path, picks, edit)
    row = library_row(load_workbook(path), next(iter(picks))) if "min_" not in message else None
    row = row or next(n for n in range(2, 40) if load_workbook(path)[SHEET].cell(n, 2).value == "min_jobsoegning")
    with pytest.raises(FormgenError) as exc:
        check_form(path)
    found = [f"{p.where.removeprefix('MIT-SKEMA.xlsx, ')}: {p.what}" for p in exc.value.problems]
    assert any(f.startswith(message.format(row=row)) for f in found), found
