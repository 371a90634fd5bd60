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
