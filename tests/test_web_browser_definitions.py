"""Skemaer's workbook in a real browser: download it, edit it, upload it, read the errors, look at page 1, use it."""
from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from test_web_browser import no_axe_violations, page, served, shot  # noqa: F401  (fixtures)


def upload(page, path: Path) -> None:
    page.get_by_label("Regneark med skemaet (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Tjek regnearket").click()


def test_an_administrator_edits_a_form_in_its_workbook_and_uses_it(ws, tmp_path, served, page):
    page.goto(served)
    page.get_by_role("navigation").get_by_role("link", name="Skemaer").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent regnearket for opfoelgning (.xlsx)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "opfoelgning.xlsx"

    wb = load_workbook(path)  # a mistake first: the same label twice, and a scale of 7000 steps
    wb["Indstillinger"]["B2"], wb["Indstillinger"]["B4"] = "vores-opfoelgning", "Vores opfølgning i praktikken"
    wb["Indikatorer"]["C6"] = "Sociale kompetencer og samarbejde"
    wb["Indstillinger"]["B10"] = 7000
    wb.save(path)
    upload(page, path)
    alert = page.get_by_role("alert").inner_text()
    assert "kan ikke bruges endnu" in alert and "Skemaets regneark har en fejl" in alert
    table = page.locator("table.cells")
    assert "Indikatorer!C6" in table.inner_text() and "Indstillinger!B10" in table.inner_text()
    no_axe_violations(page)
    table.scroll_into_view_if_needed()
    shot(page, "skemaer-regneark-fejl")

    wb["Indikatorer"]["C6"], wb["Indstillinger"]["B10"] = "Netværk og hverdagsliv i praktikken", 10
    wb.save(path)
    upload(page, path)
    assert "er i orden" in page.get_by_role("status").first.inner_text()
    picture = page.get_by_role("img", name="Første side af det nye skema vores-opfoelgning", exact=False)
    picture.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle(), timeout=180_000)
    no_axe_violations(page)
    shot(page, "skemaer-regneark")
    page.get_by_role("button", name="Brug skemaet").click()
    assert page.locator("h1").inner_text() == "vores-opfoelgning"
    assert "Skemaet er taget i brug: version 1.0" in page.get_by_role("status").first.inner_text()
    assert "Netværk og hverdagsliv i praktikken" in page.locator("pre.outline").inner_text()
    no_axe_violations(page)
