"""The one table writer every xlsx table goes through: streamed, formula-safe, numbers as numbers."""
import io

from openpyxl import load_workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from formgen.formats import tables
from formgen.formats.tables import table_xlsx

HEADER = ["citizen_ref", "round", "score", "text"]


def rows(n):
    return [[f"S-{i:05d}", i % 7, i / 4, "=HYPERLINK(\"http://x\")" if i % 3 == 0 else f"tekst {i}"] for i in range(n)]


def test_a_20000_row_table_is_streamed_row_by_row_not_kept_as_cells(monkeypatch):
    appended = []
    original = WriteOnlyWorksheet.append
    monkeypatch.setattr(WriteOnlyWorksheet, "append", lambda self, row: (appended.append(1), original(self, row))[1])
    wb = tables.workbook()
    ws = tables.add_table(wb, "scores", HEADER, rows(20_000))
    assert wb.write_only and isinstance(ws, WriteOnlyWorksheet)  # no cell is looked up again once written
    assert not getattr(ws, "_cells", None) and len(appended) == 20_001  # the header, then one append per row
    data = tables.to_bytes(wb)
    assert sum(1 for _ in load_workbook(io.BytesIO(data), read_only=True)["scores"].iter_rows(values_only=True)) == 20_001


def test_what_is_written_reads_back_identically_with_openpyxl():
    body = rows(50) + [["S-x", None, 3, ""], ["S-y", 1, 2.5, "linje 1\nlinje 2\x07"], ["S-z", True, -4, "+45 12"]]
    wb = load_workbook(io.BytesIO(table_xlsx("Import", HEADER, body)))
    ws = wb["Import"]
    got = [list(r) for r in ws.iter_rows(values_only=True)]
    expected = [[None if v == "" else v.replace("\x07", "") if isinstance(v, str) else v for v in r] for r in body]
    assert got == [HEADER] + expected
    assert ws["D2"].data_type == "s" and ws["D2"].value.startswith("=HYPERLINK")  # text, never a live formula
    assert isinstance(ws["C3"].value, float) and isinstance(ws["B3"].value, int)  # numbers stay numbers
    assert ws["A1"].font.b and ws.freeze_panes == "A2"


def test_a_note_follows_the_table_in_italics_and_long_text_wraps():
    wb = tables.workbook()
    tables.add_table(wb, "Om: tallene?", ["Tekst"], [["x" * 80], ["kort"]], note="=en note")
    ws = load_workbook(io.BytesIO(tables.to_bytes(wb)))["Om- tallene-"]
    assert [c.value for c in ws["A"]] == ["Tekst", "x" * 80, "kort", None, "=en note"]
    assert ws["A5"].data_type == "s" and ws["A5"].font.i
    assert ws["A2"].alignment.wrap_text and ws.column_dimensions["A"].width == 60


def test_csv_rows_are_formula_safe_and_dropped_rows_leave_the_others():
    buf = io.StringIO()
    tables.write_csv(buf, ["a", "b"], [["=1+1", None], ["S-1", 2], ["S-10", 3]])
    data = buf.getvalue().encode("utf-8-sig")
    assert buf.getvalue().splitlines() == ["a,b", "'=1+1,", "S-1,2", "S-10,3"]
    assert tables.drop_csv_rows(data, lambda v: v == "S-1").decode("utf-8-sig").splitlines() == ["a,b", "'=1+1,", "S-10,3"]
    assert tables.drop_csv_rows(data, lambda v: v == "S-2") is None
