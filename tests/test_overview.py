"""The management overview: numbers worked by hand from tests/cohort.py, suppression, no names, safe Excel."""
import datetime as dt
import zipfile

import pytest
from openpyxl import load_workbook

import cohort
from conftest import needs_soffice, pdf_pages
from formgen.store import db as store
from formgen.consolidate.overview import SUPPRESSED, build, suppressed
from formgen.reports.overview import overview_report
from formgen.core.workspace import init


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = init(tmp_path_factory.mktemp("overview") / "ws", "Jobcenter Testby", unit="Virksomhedsservice")
    cohort.build(ws)
    return ws


@pytest.fixture(scope="module")
def by_company(ws):
    engine = store.connect(ws.db, ws.unit)
    yield build(engine, by="company")
    engine.dispose()


def by_label(rows, label, key="label"):
    return next(r for r in rows if r[key] == label)


def test_counts_citizens_rounds_and_returns_per_respondent(by_company):
    ov = by_company
    assert (ov.citizens, ov.rounds, ov.conversations) == (12, [1, 2], 24)
    assert ov.period == "05-01-2026 – 02-03-2026 (runde 1–2)"
    # 12 citizens × 2 rounds per respondent; S-0012's konsulent form in round 2 never came back
    assert ov.returns == [dict(respondent="borger", sent=24, returned=24), dict(respondent="mentor", sent=24, returned=24),
                          dict(respondent="konsulent", sent=23 + 1, returned=23)]


def test_progression_per_indicator_is_worked_by_hand(by_company):
    s = by_label(by_company.indicators, "Samarbejde")
    # a citizen's change = mean over respondents with two scores (0-100):
    #   Jensen (6): borger 25→75, mentor 25→50, konsulent 25→50 → first 25, latest 58.33, change 33.33
    #   Café (5): 25→25 → change 0;  Genbrug (1): borger 25→75, mentor 25→25 (no konsulent) → latest 50, change 25
    assert s["n"] == 12 and s["first"] == pytest.approx(25)
    assert s["latest"] == pytest.approx((6 * 175 / 3 + 5 * 25 + 50) / 12) == pytest.approx(43.75)
    assert s["change"] == pytest.approx((6 * 100 / 3 + 0 + 25) / 12) == pytest.approx(18.75)
    assert s["improved"] == 7  # Jensen 6 + Genbrug 1
    # delmål 3 (50) set in round 1: Jensen 3 × 6 reached, Café 0 of 3 × 5, Genbrug borger yes, mentor no
    assert (s["dm_reached"], s["dm_total"]) == (18 + 1, 18 + 15 + 2)
    m = by_label(by_company.indicators, "Mødestabilitet")
    assert (m["first"], m["latest"], m["change"], m["improved"]) == (50, 50, 0, 0)
    assert (m["dm_reached"], m["dm_total"]) == (0, 35)  # goal 4, stayed at 3
    f = by_label(by_company.indicators, "Faglige kompetencer")
    assert f["change"] == 0 and f["dm_total"] is None  # scored 'now' only: no delmål


def test_groups_under_five_are_suppressed_and_cannot_be_worked_out_from_the_total(by_company):
    groups = {g["group"]: g for g in by_company.groups}
    assert list(groups) == ["Jensen & Søn ApS", "Café Åen", "Genbrug"]  # largest first
    jensen = groups["Jensen & Søn ApS"]
    # per citizen: (33.33 + 0 + 0) / 3 indicators = 11.11; delmål 18 of 36 (samarbejde all, mødestabilitet none)
    assert (jensen["n"], jensen["suppressed"]) == (6, False)
    assert jensen["change"] == pytest.approx(100 / 9) and (jensen["dm_reached"], jensen["dm_total"]) == (18, 36)
    # Genbrug has 1 citizen; Café (5) is hidden too, or total minus Jensen would reveal Genbrug
    for name in ("Café Åen", "Genbrug"):
        assert groups[name]["suppressed"] and groups[name]["change"] is None and groups[name]["dm_total"] is None


def test_grouping_by_consultant_shows_both_groups_of_five_or_more(ws):
    engine = store.connect(ws.db, ws.unit)
    ov = build(engine, by="consultant")
    engine.dispose()
    karl, lise = (by_label(ov.groups, n, "group") for n in ("Karl Nørgaard", "Lise Dam"))
    assert (karl["n"], lise["n"]) == (7, 5) and not karl["suppressed"] and not lise["suppressed"]
    assert karl["change"] == pytest.approx(6 * (100 / 9) / 7)  # six Jensen citizens and one from Café (0)
    assert lise["change"] == pytest.approx((25 / 3) / 5)  # Genbrug (25 + 0 + 0) / 3, four Café citizens 0
    assert (karl["dm_reached"], karl["dm_total"]) == (18, 42)
    assert (lise["dm_reached"], lise["dm_total"]) == (1, 28)


@pytest.mark.parametrize("sizes,hidden", [
    ({"A": 6, "B": 5, "C": 1}, {"B", "C"}),  # C alone (1) would follow from the total: B goes too
    ({"A": 10, "B": 2}, {"A", "B"}),          # two groups: hiding one means hiding both
    ({"A": 6, "B": 3, "C": 2}, {"B", "C"}),  # the hidden ones add up to 5: enough
    ({"A": 5, "B": 5}, set()),
    ({"A": 4}, {"A"}),
])
def test_suppression_rule(sizes, hidden):
    assert suppressed(sizes) == hidden


def test_agreement_counts_large_differences_and_their_direction(by_company):
    s = by_label(by_company.agreement, "Samarbejde")
    # 12 comparisons in round 1 (all equal) + 12 in round 2; large: Jensen 4 vs 3 (25 points) × 6, Genbrug 4 vs 2
    assert (s["comparisons"], s["large"]) == (24, 7)
    assert s["directions"] == [("borger", "mentor", 7)]
    assert by_label(by_company.agreement, "Mødestabilitet")["large"] == 0


def test_cohort_spider_compares_first_and_latest_per_respondent(by_company):
    sp = by_company.spider
    assert sp["labels"] == ["Samarbejde", "Mødestabilitet", "Faglige kompetencer"]
    assert sp["n"] == {"borger": 12, "mentor": 12, "konsulent": 11}
    assert sp["first"]["borger"] == pytest.approx([25, 50, 75])
    assert sp["latest"]["borger"] == pytest.approx([(7 * 75 + 5 * 25) / 12, 50, 75])
    assert sp["latest"]["konsulent"][0] == pytest.approx((6 * 50 + 5 * 25) / 11)


def test_a_period_with_one_round_has_no_progression_to_show(ws):
    engine = store.connect(ws.db, ws.unit)
    ov = build(engine, date_to=dt.date(2026, 1, 31))
    engine.dispose()
    assert (ov.citizens, ov.rounds) == (12, [1])
    assert ov.returns[0] == dict(respondent="borger", sent=12, returned=12)
    assert all(r["suppressed"] and r["change"] is None for r in ov.indicators)


def docx_text(path) -> str:
    with zipfile.ZipFile(path) as zf:
        xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("word/") and n.endswith(".xml"))
    import re

    return re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n"))


def test_report_shows_numbers_and_suppression_and_never_a_name_or_ref(ws):
    r = overview_report(ws, by="company")
    assert r.docx.parent == ws.output / "reports" / "overview" and r.xlsx.is_file()
    text = docx_text(r.docx)
    assert "+18,8" in text and "43,8" in text and "7 af 12" in text and "19 af 35 (54 %)" in text
    assert "Jensen &amp; Søn ApS" in text and "+11,1" in text  # XML-escaped & in the document
    assert text.count(SUPPRESSED) >= 2 and "Borger højere end mentor (7)" in text
    for name in cohort.NAMES:
        assert name not in text and name.split()[1] not in text
    assert "S-00" not in text
    with zipfile.ZipFile(r.docx) as zf:
        assert zf.read("word/document.xml").count(b"<pic:pic") == 1  # the cohort spider


def test_workbook_holds_the_tables_formula_safe_with_native_charts(ws):
    r = overview_report(ws, by="programme")
    wb = load_workbook(r.xlsx)
    assert {"Nøgletal", "Returnering", "Progression", "Efter indsats", "Enighed", "Spindelvæv", "Om tallene"} <= set(wb.sheetnames)
    prog = {row[0]: row for row in wb["Progression"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert prog["Samarbejde"][1:5] == (12, 25.0, 43.8, 18.8)
    groups = list(wb["Efter indsats"].iter_rows(min_row=2, values_only=True))
    # Virksomhedspraktik (10) is hidden with the 2-citizen group: the total would give it away
    assert [g[1] for g in groups] == [SUPPRESSED, SUPPRESSED]
    cell = next(c for row in wb["Efter indsats"].iter_rows() for c in row if c.value == cohort.FORMULA)
    assert cell.data_type == "s"  # a roster value starting with '=' is text, never a live formula
    assert wb["Progression"]._charts and wb["Spindelvæv"]._charts
    with zipfile.ZipFile(r.xlsx) as zf:
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_a_selection_under_five_citizens_shows_no_numbers(tmp_path):
    small = init(tmp_path / "small", "Jobcenter Lille")
    cohort.build(small, cohort.citizens()[:4])
    r = overview_report(small)
    assert r.overview.too_few
    text = docx_text(r.docx)
    assert "færre end 5 borgere, så tallene vises ikke" in text and "Returnering" not in text
    assert load_workbook(r.xlsx).sheetnames == ["Nøgletal", "Om tallene"]


def test_overview_pdf_opens(ws):
    needs_soffice()
    r = overview_report(ws, by="consultant", fmt="pdf")
    assert 1 <= pdf_pages(r.pdf) <= 3
