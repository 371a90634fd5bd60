"""Borgere: the list and search, a citizen's page with the report's content, report downloads, and the API."""
from __future__ import annotations

import io

from docx import Document

from web_client import client, csrf, finished, returns, upload
from formgen.api import audit


def imported(ws, tmp_path):
    c = client(ws)
    finished(c, upload(c, returns(ws, tmp_path)[:1]).json()["job"])  # Ida's return; Bo's is still missing
    return c


def test_the_list_shows_every_citizen_and_the_search_narrows_it(ws, tmp_path):
    c = imported(ws, tmp_path)
    page = c.get("/borgere").text
    assert 'href="/borgere/S-0001"' in page and 'href="/borgere/S-0002"' in page
    assert "✓ 1 af 1" in page and "0 af 1" in page  # Ida's form came back, Bo's did not
    found = c.get("/borgere?q=café").text
    assert "S-0002" in found and "S-0001" not in found
    partial = c.get("/borgere?q=ida", headers={"HX-Request": "true"}).text
    assert partial.lstrip().startswith("<tr>") and "S-0001" in partial and "S-0002" not in partial
    assert "Ingen borgere passer til »xyz«" in c.get("/borgere?q=xyz").text


def test_a_citizens_page_shows_the_reports_content_and_is_audited_with_the_ref(ws, tmp_path):
    c = imported(ws, tmp_path)
    page = c.get("/borgere/S-0001").text
    assert "<h1>Ida Holm" in page and "Vurderinger" in page and "Udkast til journalnotat" in page
    assert 'src="data:image/png;base64,' in page  # the spider chart, as in the report
    assert "Hent progressionsrapport (PDF)" in page
    entries = [e for e in audit(ws) if e.action == "view" and e.citizen_ref == "S-0001"]
    assert entries and '"page": "borger"' in entries[-1].detail
    waiting = c.get("/borgere/S-0002").text  # on the roster, nothing imported
    assert "Der er endnu ikke indlæst besvarelser" in waiting and "FG160" in waiting


def test_an_unknown_ref_is_404_and_never_reaches_a_path(ws, tmp_path):
    c = imported(ws, tmp_path)
    assert c.get("/borgere/S-9999").status_code == 404
    r = c.post("/borgere/..%2F..%2Fx/rapport", data={"format": "docx", "csrf": csrf(c)})
    assert r.status_code == 404 and "FG182" in r.text
    assert not (ws.root.parent / "x").exists()


def test_the_word_report_is_written_as_on_the_cli_and_handed_over(ws, tmp_path):
    c = imported(ws, tmp_path)
    r = c.post("/borgere/S-0001/rapport", data={"format": "docx", "csrf": csrf(c, "/borgere/S-0001")})
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('progressionsrapport_S-0001_runde-1.docx"')
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "Ida Holm" in text
    assert (ws.reports / "S-0001" / "progressionsrapport_S-0001_runde-1.docx").is_file()
    bad = c.post("/borgere/S-0001/rapport", data={"format": "exe", "csrf": csrf(c)})
    assert bad.status_code == 400 and "FG130" in bad.text


def test_the_citizen_api_answers_the_list_one_citizen_and_the_report(ws, tmp_path):
    c = imported(ws, tmp_path)
    listing = c.get("/api/citizens").json()["citizens"]
    assert [r["ref"] for r in listing] == ["S-0001", "S-0002"]
    assert set(listing[0]) == {"ref", "name", "company", "mentor", "consultant", "programme", "latest_round",
                               "returned", "expected"}
    one = c.get("/api/citizens/S-0001").json()
    assert one["citizen"]["name"] == "Ida Holm" and one["rounds"] == [1]
    assert {"label", "borger", "mentor", "konsulent"} <= set(one["score_rows"][0])
    assert all(set(a) == {"large_difference", "text"} for a in one["agreement"])
    report = c.get("/api/citizens/S-0001/report?format=docx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert c.get("/api/citizens/S-0002").json()["problems"][0]["code"] == "FG160"


def test_the_kompetencekort_button_explains_when_there_is_no_kompetencekort_return(ws, tmp_path):
    c = imported(ws, tmp_path)
    assert "Hent kompetencekort (Word)" in c.get("/borgere/S-0001").text
    r = c.post("/borgere/S-0001/kompetencekort", data={"format": "docx", "csrf": csrf(c)})
    assert r.status_code == 404 and "FG160" in r.text and "Traceback" not in r.text
