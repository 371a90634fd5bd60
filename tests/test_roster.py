"""Rosters: English or Danish headers, CSV or XLSX; bad rows reported by row number; no CPR numbers."""
import pytest
from openpyxl import Workbook

from formgen.core.errors import FormgenError
from formgen.generate.roster import looks_like_cpr, read


def problems(path) -> str:
    with pytest.raises(FormgenError) as exc:
        read(path)
    return str(exc.value)


def test_danish_headers_and_semicolons(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("borger_id;navn;virksomhed;mentor;konsulent;indsats\nS-1;Ida Holm;Jensen & Søn;Mette;Karl;Praktik\n",
                 encoding="utf-8")
    [c] = read(p)
    assert (c.citizen_ref, c.name, c.company, c.consultant, c.programme) == ("S-1", "Ida Holm", "Jensen & Søn", "Karl", "Praktik")


def test_cp1252_csv_from_danish_excel(tmp_path):
    p = tmp_path / "r.csv"
    p.write_bytes("citizen_ref,name\nS-1,Søren Ærø\n".encode("cp1252"))
    assert read(p)[0].name == "Søren Ærø"


def test_xlsx_roster(tmp_path):
    wb = Workbook()
    wb.active.append(["citizen_ref", "name", "company"])
    wb.active.append(["S-1", "Ida", "Café Åen"])
    wb.save(tmp_path / "r.xlsx")
    assert read(tmp_path / "r.xlsx")[0].company == "Café Åen"


def test_bad_rows_are_reported_by_row_number(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("citizen_ref,name\nS-1,Ida\n,Uden ref\nS-1,Dublet\n")
    text = problems(p)
    assert "row 3: citizen_ref is empty" in text
    assert "row 4: citizen_ref 'S-1' also appears in row 2" in text


def test_unknown_column_is_named(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("citizen_ref,navn,telefon\nS-1,Ida,12345678\n")
    assert "row 1, column 3: unknown column 'telefon'" in problems(p)


def test_cpr_numbers_are_refused_with_advice(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("citizen_ref,name\n010190-1234,Ida\n")
    text = problems(p)
    assert "row 2" in text and "CPR" in text and "sagsnummer" in text


@pytest.mark.parametrize("text,expected", [
    ("010190-1234", True), ("0101901234", True), ("3112999999", True),  # modulus-11 is not checked
    ("S-0042", False), ("2024-00123", False), ("123456", False), ("3213901234", False),
])
def test_cpr_shapes(text, expected):
    assert looks_like_cpr(text) is expected


# --- what generate remembers: given values update, blanks never erase, changes are audited ---------

import json  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

from lxml import etree  # noqa: E402

from formgen.api import generate_forms  # noqa: E402

EXE = str(Path(sys.executable).parent / "formgen")
FULL = ("citizen_ref,name,company,mentor,consultant,programme\n"
        "K1,Ida Holm,Jensen ApS,Mette,Karl,virksomhedspraktik\n")
KNOWN = ("Ida Holm", "Jensen ApS", "Mette", "Karl", "virksomhedspraktik")


def stored(ws, ref="K1") -> tuple:
    return sqlite3.connect(ws.db_path).execute(
        "SELECT name, company, mentor, consultant, programme FROM citizens WHERE citizen_ref=?", (ref,)).fetchone()


def roster_log(ws) -> list[tuple]:
    return [(ref, json.loads(detail)) for ref, detail in sqlite3.connect(ws.db_path).execute(
        "SELECT citizen_ref, detail FROM log WHERE action='roster' ORDER BY id")]


def printed(path) -> dict[str, str]:
    """The metadata a Word form was prefilled with, by tag, read without formgen (an empty field holds spaces)."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    return {sdt.find(f"{w}sdtPr/{w}tag").get(w + "val")[8:]: "".join(t.text or "" for t in sdt.iter(w + "t")).strip()
            for sdt in root.iter(w + "sdt") if sdt.find(f"{w}sdtPr/{w}tag").get(w + "val").startswith("fg:meta:")}


def cli(ws, *args) -> subprocess.CompletedProcess:
    r = subprocess.run([EXE, "-w", str(ws.root), *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_generating_one_form_keeps_the_roster_and_is_prefilled_from_it(ws, tmp_path):
    (tmp_path / "r.csv").write_text(FULL)
    cli(ws, "generate", "opfoelgning", "--roster", str(tmp_path / "r.csv"), "--round", "1")
    cli(ws, "generate", "kompetencekort", "--citizen", "K1", "--name", "Ida Holm", "--role", "mentor", "--round", "2")
    assert stored(ws) == KNOWN
    meta = printed(ws.forms_out / "kompetencekort" / "runde-2" / "K1_mentor_kompetencekort.docx")
    assert (meta["company"], meta["mentor"], meta["consultant"]) == ("Jensen ApS", "Mette", "Karl")
    assert roster_log(ws) == []  # nothing changed, nothing to log


def test_options_given_update_those_fields_only(ws, tmp_path):
    (tmp_path / "r.csv").write_text(FULL)
    generate_forms(ws, "opfoelgning", roster=tmp_path / "r.csv", roles=["borger"])
    generate_forms(ws, "kompetencekort", citizen="K1", company="Hansen A/S", roles=["mentor"])
    assert stored(ws) == ("Ida Holm", "Hansen A/S", "Mette", "Karl", "virksomhedspraktik")


def test_a_second_roster_with_fewer_columns_keeps_what_it_does_not_name(ws, tmp_path):
    (tmp_path / "r.csv").write_text(FULL)
    (tmp_path / "names.csv").write_text("borger_id;navn\nK1;Ida Marie Holm\n")
    generate_forms(ws, "opfoelgning", roster=tmp_path / "r.csv", roles=["borger"])
    generate_forms(ws, "opfoelgning", roster=tmp_path / "names.csv", roles=["borger"], round_no=2)
    assert stored(ws) == ("Ida Marie Holm", *KNOWN[1:])


def test_empty_cells_in_an_xlsx_roster_keep_known_values(ws, tmp_path):
    (tmp_path / "r.csv").write_text(FULL)
    wb = Workbook()
    wb.active.append(["citizen_ref", "name", "company", "mentor", "consultant", "programme"])
    wb.active.append(["K1", "Ida Holm", None, "", "Lone", None])
    wb.save(tmp_path / "r.xlsx")
    generate_forms(ws, "opfoelgning", roster=tmp_path / "r.csv", roles=["borger"])
    generate_forms(ws, "opfoelgning", roster=tmp_path / "r.xlsx", roles=["borger"], round_no=2)
    assert stored(ws) == ("Ida Holm", "Jensen ApS", "Mette", "Lone", "virksomhedspraktik")


def test_replace_roster_blanks_on_purpose(ws, tmp_path):
    (tmp_path / "r.csv").write_text(FULL)
    (tmp_path / "moved.csv").write_text("citizen_ref,name,company,mentor\nK1,Ida Holm,Hansen A/S,\n")
    generate_forms(ws, "opfoelgning", roster=tmp_path / "r.csv", roles=["borger"])
    cli(ws, "generate", "opfoelgning", "--roster", str(tmp_path / "moved.csv"), "--round", "2", "--replace-roster")
    assert stored(ws) == ("Ida Holm", "Hansen A/S", "", "", "")
    meta = printed(ws.forms_out / "opfoelgning" / "runde-2" / "K1_mentor_opfoelgning.docx")
    assert (meta["company"], meta["mentor"]) == ("Hansen A/S", "")
    cli(ws, "generate", "kompetencekort", "--citizen", "K1", "--role", "mentor", "--replace-roster")
    assert stored(ws) == ("", "", "", "", "")


def test_changes_of_company_mentor_and_consultant_are_audited_old_to_new(ws, tmp_path):
    (tmp_path / "r.csv").write_text(FULL)
    generate_forms(ws, "opfoelgning", roster=tmp_path / "r.csv", roles=["borger"])
    assert roster_log(ws) == []  # a new citizen is no change
    generate_forms(ws, "kompetencekort", citizen="K1", name="Ida M. Holm", company="Hansen A/S", mentor="Per",
                   roles=["mentor"])
    generate_forms(ws, "kompetencekort", citizen="K1", consultant="Lone", roles=["mentor"], replace_roster=True)
    assert roster_log(ws) == [
        ("K1", {"changed": {"company": {"old": "Jensen ApS", "new": "Hansen A/S"}, "mentor": {"old": "Mette", "new": "Per"}}}),
        ("K1", {"changed": {"company": {"old": "Hansen A/S", "new": ""}, "mentor": {"old": "Per", "new": ""},
                            "consultant": {"old": "Karl", "new": "Lone"}}}),
    ]
    detail = " ".join(d for (d,) in sqlite3.connect(ws.db_path).execute("SELECT detail FROM log"))
    assert "Ida" not in detail  # the citizen's name is not copied into the log
