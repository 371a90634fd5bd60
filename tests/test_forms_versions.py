"""A changed form definition protects the answers its earlier versions have in the workspace's database."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from filling import fill_docx
from openpyxl import load_workbook

from formgen.api import add_form, check_form, export, generate_forms, intake_returns, new_form_workbook
from formgen.consolidate.scores import load_scores, progression
from formgen.core.errors import FormgenError
from formgen.forms.versions import next_version
from formgen.store.db import connect

OLD, NEW = "sociale_kompetencer", "samarbejde"


def workbook(tmp_path: Path, edit=None, name: str = "MIT-SKEMA.xlsx") -> Path:
    """The starter workbook (mit-skema, one indicator, 10 steps), edited with openpyxl as a person would."""
    path = tmp_path / "edits" / name
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    new_form_workbook(path)
    if edit:
        wb = load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def answered(ws, round_no: int = 1, now: str = "3", goal: str = "6", key: str = OLD) -> None:
    """Generate the form for one citizen, fill it in as the citizen, and read it back in."""
    result = generate_forms(ws, "mit-skema", citizen="S-0001", name="Test Testesen", roles=["borger"], round_no=round_no)
    fill_docx(result.files[0], {f"fg:{key}:now": now, f"fg:{key}:goal": goal, f"fg:{key}:kommentar": "Godt samarbejde"})
    shutil.copy(result.files[0], ws.intake / result.files[0].name)
    assert intake_returns(ws).counts.get("imported") == 1


def refused(ws, path: Path) -> list[str]:
    with pytest.raises(FormgenError) as exc:
        add_form(ws, path)
    assert {p.code for p in exc.value.problems} == {"FG115"}, exc.value.problems
    return [f"{p.where}: {p.what} → {p.fix}" for p in exc.value.problems]


def rename(wb, previous: str | None = None) -> None:
    ind = wb["Indikatorer"]
    ind["B2"] = NEW
    wb["Tekstsvar"]["A2"] = NEW  # the text answer belongs to the indicator by its key
    if previous:
        ind["O2"] = previous


def scores_csv(ws, tmp_path: Path, what: str = "scores") -> list[dict]:
    export(ws, what, "csv", tmp_path / f"{what}.csv")
    return list(csv.DictReader((tmp_path / f"{what}.csv").open(encoding="utf-8-sig")))


@pytest.fixture
def answered_ws(ws, tmp_path):
    """A workspace whose mit-skema (version 1.0) has one citizen's answers stored."""
    add_form(ws, workbook(tmp_path))
    answered(ws)
    return ws


def test_a_renamed_key_with_stored_answers_is_refused_at_its_cell(answered_ws, tmp_path):
    found = refused(answered_ws, workbook(tmp_path, rename))
    assert len(found) == 1
    assert found[0].startswith("MIT-SKEMA.xlsx, Indikatorer!B2: 'sociale_kompetencer' has answers in 1 stored "
                               "return(s) (version 1.0) and is no longer in the form; 'samarbejde' is new")
    assert "write sociale_kompetencer in tidligere_nøgle (Indikatorer!O2)" in found[0]
    assert (answered_ws.forms_dir / "MIT-SKEMA.xlsx").is_file() and check_form(
        answered_ws.forms_dir / "MIT-SKEMA.xlsx").items[0].key == OLD  # the copy in use is untouched


def test_with_tidligere_noegle_the_old_answers_are_the_renamed_indicators_in_exports_and_reports(answered_ws, tmp_path):
    ws = answered_ws
    d = add_form(ws, workbook(tmp_path, lambda wb: rename(wb, OLD)))
    assert d.items[0].key == NEW and d.items[0].previous_keys == (OLD,)
    assert d.version == "1.1" and check_form(ws.forms_dir / "MIT-SKEMA.xlsx").version == "1.1"  # a new version
    rows = scores_csv(ws, tmp_path)
    assert [(r["item"], r["form_version"], r["now"], r["goal"]) for r in rows] == [(NEW, "1.0", "3", "6")]
    texts = scores_csv(ws, tmp_path, "texts")
    assert [(r["item"], r["field"], r["text"]) for r in texts] == [(NEW, "kommentar", "Godt samarbejde")]
    answered(ws, round_no=2, now="5", goal="7", key=NEW)  # round 2 on version 1.1
    prog = progression(load_scores(connect(ws.db, ws.unit)))
    assert prog[["item", "round", "now"]].values.tolist() == [[NEW, 1, 3.0], [NEW, 2, 5.0]]
    assert prog["change_first"].tolist()[1] == 2.0  # the two versions' answers are one indicator's course


def test_a_changed_scale_with_stored_answers_is_refused_unless_tidligere_trin_says_so(answered_ws, tmp_path):
    def twenty(wb, previous=None):
        wb["Indstillinger"]["B10"] = 20
        skala = wb["Skala"]
        for n, steps in enumerate(("1-4", "5-8", "9-12", "13-16", "17-20"), start=2):
            skala.cell(n, 2).value = steps
        if previous:
            wb["Indstillinger"]["B13"] = previous

    found = refused(answered_ws, workbook(tmp_path, twenty))
    assert found == [found[0]] and found[0].startswith(
        "MIT-SKEMA.xlsx, Indstillinger!B10: the scale has 20 steps, but stored answers were given on 10 steps")
    assert "write 10 in Tidligere trin (Indstillinger!B13)" in found[0] and "common bands" in found[0]
    d = add_form(answered_ws, workbook(tmp_path, lambda wb: twenty(wb, 10)))
    assert (d.scale.steps, d.scale.previous_steps, d.version) == (20, 10, "1.1")


def test_a_removed_indicator_with_answers_is_refused_unless_it_is_retired(answered_ws, tmp_path):
    def replace(wb, retire=False):
        ind = wb["Indikatorer"]
        ind["B2"], ind["C2"] = "moedestabilitet", "Mødestabilitet"
        wb["Tekstsvar"]["A2"] = "moedestabilitet"
        if retire:
            wb["Indstillinger"]["B14"] = OLD

    found = refused(answered_ws, workbook(tmp_path, replace))
    assert found[0].startswith("MIT-SKEMA.xlsx, Indikatorer!B2: 'sociale_kompetencer' has answers")
    assert "write sociale_kompetencer in Udgåede nøgler (Indstillinger!B14)" in found[0]
    d = add_form(answered_ws, workbook(tmp_path, lambda wb: replace(wb, True)))
    assert d.retired_keys == (OLD,) and [i.key for i in d.items] == ["moedestabilitet"]
    assert [r["item"] for r in scores_csv(answered_ws, tmp_path)] == [OLD]  # old answers stay as they were


def test_an_earlier_key_no_version_had_is_refused_at_its_cell(answered_ws, tmp_path):
    found = refused(answered_ws, workbook(tmp_path, lambda wb: rename(wb, "sociale_kompetence")))
    assert found[0].startswith("MIT-SKEMA.xlsx, Indikatorer!O2: 'sociale_kompetence' is not a key in any stored "
                               "version of mit-skema (1.0)")


def test_an_earlier_key_the_form_still_uses_is_refused_by_the_check(tmp_path):
    def both(wb):
        wb["Indikatorer"].append(["Hovedområder", NEW, "Samarbejde", "", "Hvordan går samarbejdet?", "", "", "", "",
                                  "", "", "", "", "", OLD])

    with pytest.raises(FormgenError) as exc:
        check_form(workbook(tmp_path, both))
    assert [(p.where, p.what.split(":")[0]) for p in exc.value.problems] == [
        ("MIT-SKEMA.xlsx, Indikatorer!B2", "key 'sociale_kompetencer' is used in the form and as an earlier key of "
                                           "'samarbejde'")]


def test_a_changed_definition_gets_a_new_version_also_without_answers(ws, tmp_path):
    assert add_form(ws, workbook(tmp_path)).version == "1.0"
    assert add_form(ws, workbook(tmp_path)).version == "1.0"  # the same again: nothing changed
    reworded = workbook(tmp_path, lambda wb: wb["Indikatorer"].__setitem__("E2", "Hvordan går det med kollegerne?"))
    assert add_form(ws, reworded).version == "1.1"
    assert check_form(ws.forms_dir / "MIT-SKEMA.xlsx").version == "1.1"
    assert add_form(ws, reworded).version == "1.1"  # the author's file still says 1.0: it is the copy in use
    kept = sorted((ws.forms_dir / "replaced").iterdir())  # every copy replaced, also two in one second
    assert {check_form(p).version for p in kept} == {"1.0", "1.1"}


def test_a_yaml_definition_is_protected_the_same_way(ws, tmp_path, small_form):
    import yaml

    data = small_form.model_dump(mode="json", exclude_defaults=True)
    path = tmp_path / "lille-skema.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    add_form(ws, path)
    first = data["sections"][0]["items"][0]["key"]
    result = generate_forms(ws, "lille-skema", citizen="S-0002", name="Test Testesen", roles=["borger"])
    fill_docx(result.files[0], {f"fg:{first}:now": "2"})
    shutil.copy(result.files[0], ws.intake / result.files[0].name)
    assert intake_returns(ws).counts.get("imported") == 1
    data["sections"][0]["items"][0]["key"] = "nyt_navn"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = refused(ws, path)
    assert found[0].startswith(f"lille-skema.yaml, items key 'nyt_navn': '{first}' has answers in 1 stored return(s)")
    data["sections"][0]["items"][0]["previous_keys"] = [first]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    d = add_form(ws, path)
    assert d.version == "3" and 'version: "3"' in (ws.forms_dir / "lille-skema.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("version, taken, expected", [("1.0", ["1.0"], "1.1"), ("2", ["2"], "3"), ("1.9", ["1.9"], "1.10"),
                                                      ("1.0", ["1.0", "1.4"], "1.5"), ("utkast", ["utkast"], "utkast.1")])
def test_the_next_version_raises_the_last_number_of_the_highest(version, taken, expected):
    assert next_version(version, taken) == expected


def test_the_command_says_when_the_version_was_raised(ws, tmp_path):
    from click.testing import CliRunner

    from formgen.cli import cli

    add_form(ws, workbook(tmp_path))
    changed = workbook(tmp_path, lambda wb: wb["Indikatorer"].__setitem__("C2", "Samarbejde med kolleger"))
    result = CliRunner().invoke(cli, ["-w", str(ws.root), "forms", "add", str(changed)])
    assert result.exit_code == 0, result.output
    assert "version 1.0 was taken: it is version 1.1 now" in result.output and "Added mit-skema version 1.1" in result.output


def test_on_postgresql_a_rename_is_refused_then_mapped(ws, postgres, tmp_path):
    from dataclasses import replace

    pg = replace(ws, db_url=postgres.new_database("versions"))
    add_form(pg, workbook(tmp_path))
    answered(pg)
    assert "Indikatorer!B2" in refused(pg, workbook(tmp_path, rename))[0]
    assert add_form(pg, workbook(tmp_path, lambda wb: rename(wb, OLD))).version == "1.1"
    assert [(r["item"], r["now"]) for r in scores_csv(pg, tmp_path)] == [(NEW, "3")]
