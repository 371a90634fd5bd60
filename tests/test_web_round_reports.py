"""Rapporter: every citizen's progression report for a round in one PDF for printing, written by a job (real LibreOffice)."""
from __future__ import annotations

import io

from pypdf import PdfReader

from conftest import needs_soffice
from web_client import client, csrf, finished, returns, upload
from formgen import api


def test_a_rounds_reports_are_one_pdf_with_a_bookmark_per_citizen_and_the_download_is_audited(ws, tmp_path):
    needs_soffice()
    c = client(ws)
    finished(c, upload(c, returns(ws, tmp_path)).json()["job"])
    r = c.post("/rapporter/runde", data={"round": "1", "csrf": csrf(c, "/rapporter")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/rapporter?job=")
    job_id = r.headers["location"].split("=")[1].split("#")[0]
    job = c.app.state.jobs.wait(c.app.state.jobs.get(job_id))
    assert job.state == "done", job.problems
    page = c.get(r.headers["location"]).text
    assert "2 progressionsrapporter til runde 1 er samlet i én PDF." in page
    pdf = c.get(f"/rapporter/job/{job_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["Ida Holm (S-0001)", "Bo Berg (S-0002)"]
    downloads = [e for e in api.audit(ws) if e.action == "download" and "progressionsrapporter" in e.detail]
    assert {e.citizen_ref for e in downloads} == {"S-0001", "S-0002"}


def test_without_answers_the_job_fails_with_the_catalogues_problem_in_danish(ws):
    needs_soffice()
    c = client(ws)
    r = c.post("/rapporter/runde", data={"round": "", "csrf": csrf(c, "/rapporter")}, follow_redirects=False)
    job_id = r.headers["location"].split("=")[1].split("#")[0]
    job = c.app.state.jobs.wait(c.app.state.jobs.get(job_id))
    assert job.state == "failed" and job.problems[0].code == "FG160"
    assert "Ingen data til rapporten" in c.get(f"/rapporter/job/{job_id}").text


def test_a_round_that_is_not_a_number_is_refused(ws):
    c = client(ws)
    bad = c.post("/rapporter/runde", data={"round": "tre", "csrf": csrf(c, "/rapporter")})
    assert bad.status_code == 400 and "FG130" in bad.text
