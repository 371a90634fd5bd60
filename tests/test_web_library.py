"""Rapporter and Skemaer: the reports and exports as on the CLI, the forms' outlines, a definition checked on upload."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from web_client import client, csrf, finished, returns, upload


def imported(ws, tmp_path):
    c = client(ws)
    finished(c, upload(c, returns(ws, tmp_path)).json()["job"])
    return c


def test_the_management_overview_downloads_as_excel_and_word(ws, tmp_path):
    c = imported(ws, tmp_path)
    page = c.get("/rapporter?by=company").text
    assert "Grupper med under 5 borgere vises ikke" in page
    assert "færre end 5" in page and "Ida Holm" not in page and "S-0001" not in page  # 2 citizens: suppressed
    xlsx = c.post("/rapporter/overblik", data={"by": "company", "format": "xlsx", "csrf": csrf(c)})
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).sheetnames
    docx = c.post("/rapporter/overblik", data={"by": "programme", "format": "docx", "csrf": csrf(c)})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    bad = c.post("/rapporter/overblik", data={"by": "cpr", "format": "docx", "csrf": csrf(c)})
    assert bad.status_code == 400 and "FG130" in bad.text


def test_a_pseudonymised_export_names_no_one(ws, tmp_path):
    c = imported(ws, tmp_path)
    r = c.post("/rapporter/udtraek", data={"what": "scores", "format": "csv", "pseudonymise": "1", "csrf": csrf(c)})
    assert r.status_code == 200 and "citizen_ref" in r.text
    assert "S-0001" not in r.text and "Ida Holm" not in r.text
    plain = c.post("/rapporter/udtraek", data={"what": "scores", "format": "csv", "csrf": csrf(c)})
    assert "S-0001" in plain.text


def test_a_company_sheet_is_only_for_a_company_on_the_roster_and_needs_mentor_forms(ws, tmp_path):
    c = imported(ws, tmp_path)
    page = c.get("/rapporter").text
    assert "<option>Café Åen</option>" in page
    # only borger forms are imported: the sheet (the mentors' view) explains what is missing, as on the CLI
    none = c.post("/rapporter/virksomhed", data={"company": "Jensen & Søn", "format": "docx", "csrf": csrf(c)})
    assert none.status_code == 404 and "FG160" in none.text and "mentor" in none.text
    assert c.post("/rapporter/virksomhed", data={"company": "../x", "format": "docx", "csrf": csrf(c)}).status_code == 400


def test_skemaer_lists_the_forms_with_their_outline(ws):
    c = client(ws)
    page = c.get("/skemaer").text
    assert 'href="/skemaer/samtaleskema"' in page and "indbygget" in page
    outline = c.get("/skemaer/samtaleskema")
    assert outline.status_code == 200 and "Samtaleskema" in outline.text
    assert c.get("/skemaer/findes-ikke").status_code == 404


def test_an_uploaded_definition_is_checked_and_its_errors_shown_where_they_are(ws, tmp_path):
    c = client(ws)
    token = csrf(c, "/skemaer")
    bad = c.post(f"/skemaer/tjek?csrf={token}", files=[("files", ("mit.yaml", b"id: mit\nversion: 1\n"))])
    assert bad.status_code == 200 and "har fejl" in bad.text and "FG111" in bad.text
    assert "<strong>mit.yaml, kind (line 1)</strong>" in bad.text and ".formgen-web" not in bad.text
    from formgen.forms.catalogue import available

    preset = available()["samtaleskema"].source.read_bytes().replace(b"id: samtaleskema", b"id: mit-skema")
    good = c.post(f"/skemaer/tjek?csrf={token}", files=[("files", ("mit-skema.yaml", preset))])
    assert "er i orden" in good.text and "(mit-skema)" in good.text
    assert not any(p.is_file() for p in (ws.root / ".formgen-web").rglob("*"))  # the upload is not kept
