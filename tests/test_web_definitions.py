"""Skemaer's workbook: download, upload an edited one, its errors at their cell, a picture of page 1, 'Brug skemaet'."""
from __future__ import annotations

import io
import shutil

from conftest import needs_soffice
from filling import fill_docx
from openpyxl import load_workbook
from web_client import client, csrf

from formgen import api
from formgen.forms.catalogue import available
from formgen.web.definitions import MAX_WORKBOOK_BYTES, PENDING


def downloaded(c, form_id: str = "opfoelgning"):
    r = c.get(f"/skemaer/{form_id}/regneark.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{form_id}.xlsx"' in r.headers["content-disposition"]
    return load_workbook(io.BytesIO(r.content))


def send(c, wb, name: str = "mit-skema.xlsx"):
    buf = io.BytesIO()
    wb.save(buf)
    return c.post(f"/skemaer/regneark?csrf={csrf(c, '/skemaer')}", files=[("files", (name, buf.getvalue()))])


def token_of(page: str) -> str:
    return page.split("/skemaer/regneark/", 1)[1].split("/", 1)[0]


def test_a_forms_workbook_is_downloaded_and_nothing_is_left_behind(ws, tmp_path):
    c = client(ws)
    assert 'href="/skemaer/opfoelgning/regneark.xlsx"' in c.get("/skemaer").text
    wb = downloaded(c)
    wb.save(tmp_path / "opfoelgning.xlsx")
    assert api.check_form(tmp_path / "opfoelgning.xlsx") == available()["opfoelgning"].definition
    assert not any(p.is_file() for p in (ws.root / ".formgen-web").rglob("*"))
    assert c.get("/skemaer/findes-ikke/regneark.xlsx").status_code == 404


def test_an_edited_workbook_is_checked_shown_and_used(ws):
    c = client(ws)
    wb = downloaded(c)
    wb["Indstillinger"]["B2"] = "mit-skema"
    wb["Indikatorer"]["C2"] = "Faglige kompetencer og dansk"
    page = send(c, wb)
    assert page.status_code == 200 and "✓ mit-skema.xlsx er i orden" in page.text and "version 1.0" in page.text
    assert "Det er et nyt skema i arbejdsområdet." in page.text and ">Brug skemaet</button>" in page.text
    token = token_of(page.text)
    assert f'src="/skemaer/regneark/{token}/forhaandsvisning.png"' in page.text
    assert "mit-skema" not in [r[0] for r in api.list_forms(ws.root)]  # nothing is used before 'Brug skemaet'
    assert c.post(f"/skemaer/regneark/{token}/brug").status_code == 403  # CSRF, as every POST
    used = c.post(f"/skemaer/regneark/{token}/brug", data={"csrf": csrf(c)}, follow_redirects=False)
    assert used.status_code == 303 and used.headers["location"] == "/skemaer/mit-skema?brugt=1.0"
    assert "Skemaet er taget i brug: version 1.0" in c.get(used.headers["location"]).text
    assert ("mit-skema", "1.0") == api.list_forms(ws.root)[-1][:2] and (ws.forms_dir / "mit-skema.xlsx").is_file()
    assert not (ws.root / PENDING / token).exists()
    assert c.post(f"/skemaer/regneark/{token}/brug", data={"csrf": csrf(c)}).status_code == 404  # used once

    wb = downloaded(c, "mit-skema")  # again, as the administrator edits it next time
    wb["Indikatorer"]["C3"] = "Sociale kompetencer"
    page = send(c, wb, "mit-skema (1).xlsx")
    assert "version 1.1 (regnearket siger 1.0; skemaet er ændret" in page.text and "afløser mit-skema.xlsx" in page.text
    c.post(f"/skemaer/regneark/{token_of(page.text)}/brug", data={"csrf": csrf(c)})
    assert [r[:2] for r in api.list_forms(ws.root) if r[0] == "mit-skema"] == [("mit-skema", "1.1")]


def test_a_broken_workbook_shows_each_error_at_its_cell_and_nothing_is_kept(ws):
    c = client(ws)
    wb = downloaded(c)
    wb["Indstillinger"]["B2"] = "mit-skema"
    wb["Indikatorer"]["C6"] = "Sociale kompetencer og samarbejde"
    wb["Indstillinger"]["B10"] = 7000
    page = send(c, wb).text
    assert "✗ mit-skema.xlsx kan ikke bruges endnu. Skemaets regneark har en fejl." in page
    assert "<th scope=\"col\">Ark!Celle</th><th scope=\"col\">Hvad</th><th scope=\"col\">Hvordan rettes</th>" in page
    assert ("<tr><td><code>Indikatorer!C6</code></td><td lang=\"en\">&#39;Sociale kompetencer og samarbejde&#39; is "
            "used twice as a label (also in row 3)</td><td lang=\"en\">give every row its own label</td></tr>") in page
    assert "<code>Indstillinger!B10</code>" in page and "Brug skemaet" not in page
    assert not any(p.is_file() for p in (ws.root / ".formgen-web").rglob("*"))
    old = send(c, wb, "mit-skema.xls").text  # not a workbook formgen reads: said at the file
    assert "<code>–</code>" in old and "not an .xlsx workbook" in old and ".formgen-web" not in old


def test_a_renamed_key_with_stored_answers_is_refused_on_the_page(ws, tmp_path):
    c = client(ws)
    wb = downloaded(c)
    wb["Indstillinger"]["B2"] = "mit-skema"
    c.post(f"/skemaer/regneark/{token_of(send(c, wb).text)}/brug", data={"csrf": csrf(c)})
    result = api.generate_forms(ws, "mit-skema", citizen="S-0001", name="Test Testesen", roles=["borger"])
    fill_docx(result.files[0], {"fg:faglige_kompetencer:now": "4"})
    shutil.copy(result.files[0], ws.intake / result.files[0].name)
    api.intake_returns(ws)
    wb = downloaded(c, "mit-skema")
    wb["Indikatorer"]["B2"] = "faglighed"
    wb["Tekstsvar"]["A2"] = "faglighed"
    for n in range(2, wb["Skala"].max_row + 1):
        if wb["Skala"].cell(n, 1).value == "faglige_kompetencer":
            wb["Skala"].cell(n, 1).value = "faglighed"
    page = send(c, wb).text
    assert "Ændringen ville ændre betydningen af gemte svar" in page and "<code>Indikatorer!B2</code>" in page
    assert "&#39;faglige_kompetencer&#39; has answers in 1 stored return(s)" in page
    wb["Indikatorer"]["O2"] = "faglige_kompetencer"
    page = send(c, wb).text
    assert "er i orden" in page and "version 1.1" in page


def test_an_upload_over_the_definition_limit_is_refused_and_not_kept(ws):
    c = client(ws)
    big = b"\0" * (MAX_WORKBOOK_BYTES + 1)
    r = c.post(f"/skemaer/regneark?csrf={csrf(c, '/skemaer')}", files=[("files", ("stor.xlsx", big))])
    assert r.status_code == 413 and "FG181" in r.text
    assert not any(p.is_file() for p in (ws.root / ".formgen-web").rglob("*"))


def test_the_waiting_forms_first_page_is_drawn(ws):
    needs_soffice()
    c = client(ws)
    wb = downloaded(c)
    wb["Indstillinger"]["B2"], wb["Indstillinger"]["B4"] = "mit-skema", "Vores eget skema"
    token = token_of(send(c, wb).text)
    picture = c.get(f"/skemaer/regneark/{token}/forhaandsvisning.png")
    assert picture.status_code == 200 and picture.content[:8] == b"\x89PNG\r\n\x1a\n" and len(picture.content) > 20_000
    assert c.get("/skemaer/regneark/ikke-et-token-men-langt/forhaandsvisning.png").status_code == 404
    assert api.status(ws) == []  # a preview is sent to no one
