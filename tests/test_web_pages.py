"""The pages and the JSON API on a real workspace: intake of uploads as a job, the overview, review.

Returns are generated and filled as in the intake tests, uploaded through the real app, and read by
intake in the app's worker thread; decisions land in the same audit log `formgen audit` reads.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from openpyxl import load_workbook

from web_client import BO, IDA, TOKEN, client, csrf, finished, returns, upload
from formgen.api import audit, review
from formgen.web.server import actor_for


def test_an_upload_of_good_and_bad_files_is_read_by_a_job_and_reported_per_file(ws, tmp_path):
    c = client(ws)
    good = returns(ws, tmp_path)
    bad = tmp_path / "noter.docx"
    bad.write_bytes(b"not a form at all")
    r = upload(c, [*good, bad])
    assert r.status_code == 202 and set(r.json()) == {"job", "url"}
    job = finished(c, r.json()["job"])
    assert job["state"] == "done" and job["files_uploaded"] == 3
    assert job["counts"]["imported"] == 2 and job["counts"]["rejected"] == 1
    assert job["progress"] == {"done": 3, "total": 3, "percent": 100}
    [rejected] = [f for f in job["files"] if f["status"] == "rejected"]
    assert rejected["name"] == "noter.docx" and rejected["problems"][0]["code"] == "FG202"
    assert set(rejected["problems"][0]) == {"code", "where", "what", "fix", "da"}
    # nothing handed in is lost: the good ones in processed/, the bad one in quarantine/, the upload folder gone
    assert (ws.quarantine / "noter.docx").is_file() and len(list(ws.processed.glob("*.docx"))) == 2
    assert not (ws.root / ".formgen-web" / "uploads" / job["id"]).exists()
    report = c.get(job["report"])
    assert report.status_code == 200 and report.headers["cache-control"] == "no-store"
    assert load_workbook(io.BytesIO(report.content)).sheetnames


def test_the_intake_page_shows_the_job_after_a_reload_with_each_files_problems(ws, tmp_path):
    c = client(ws)
    bad = tmp_path / "tom.xlsx"
    bad.write_bytes(b"")
    r = upload(c, [*returns(ws, tmp_path, citizens=(IDA,)), bad], url="/indlaes", **{"HX-Request": "true"})
    assert r.status_code == 200 and r.headers["hx-push-url"].startswith("/indlaes?job=")
    job_id = r.headers["hx-push-url"].split("=")[1]
    finished(c, job_id)
    page = c.get(f"/indlaes?job={job_id}").text  # what a reload shows
    assert "Indlæst: <strong>1</strong>" in page and "Afvist: <strong>1</strong>" in page
    assert "tom.xlsx" in page and "FG201" in page and "Sådan retter du det:" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling
    assert f"/indlaes/job/{job_id}/rapport" in page


def test_the_plain_form_without_javascript_uploads_and_redirects_to_the_job(ws, tmp_path):
    c = client(ws)
    [path] = returns(ws, tmp_path, citizens=(IDA,))
    token = csrf(c, "/indlaes")
    r = c.post(f"/indlaes?csrf={token}", files=[("files", (path.name, path.read_bytes()))], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/indlaes?job=")
    assert finished(c, r.headers["location"].split("=")[1])["counts"]["imported"] == 1


def test_overblik_shows_the_round_as_a_grid_with_rates_and_what_needs_a_person(ws, tmp_path):
    c = client(ws)
    [ida, _] = returns(ws, tmp_path)
    finished(c, upload(c, [ida]).json()["job"])
    page = c.get("/").text
    assert 'lang="da"' in page and "<h1>Overblik</h1>" in page and "Jobcenter Testby" in page
    assert "1 af 2</span> skemaer modtaget i runde 1" in page
    ida_row = re.search(r"S-0001</span> Ida Holm</th>(.*?)</tr>", page, re.S).group(1)
    bo_row = re.search(r"S-0002</span> Bo Berg</th>(.*?)</tr>", page, re.S).group(1)
    assert "✓ Modtaget" in ida_row and "Mangler" in bo_row  # state in words, not by colour alone
    assert re.search(r"<th scope=\"row\">borger</th><td>1 af 2</td>", page)
    entries = [e for e in audit(ws) if e.action == "view"]
    assert entries and '"page": "overblik"' in entries[-1].detail


def test_a_conflict_is_shown_side_by_side_and_resolved_on_the_page_with_who_and_when(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMGEN_ACTOR", actor_for(TOKEN))  # as formgen serve sets it
    c = client(ws)
    [first] = returns(ws, tmp_path, citizens=(IDA,), score="3")
    second = tmp_path / "igen.docx"
    shutil.copy(first, second)
    from filling import fill_docx

    fill_docx(second, {"fg:faglige_kompetencer:now": "5"})
    finished(c, upload(c, [first]).json()["job"])
    job = finished(c, upload(c, [second]).json()["job"])
    assert job["counts"]["review"] == 1 and job["files"][0]["problems"][0]["code"] == "FG230"
    page = c.get("/behandling").text
    row = re.search(r'<tr class="differs"><th scope="row">faglige_kompetencer/now.*?</tr>', page, re.S).group(0)
    assert "<td>3</td><td>5</td>" in row and "forskellig" in row
    assert page.count("Behold denne") == 2
    r = c.post("/behandling/behold", data={"file": "igen.docx", "csrf": csrf(c, "/behandling")}, follow_redirects=False)
    assert r.status_code == 303 and review(ws) == []
    assert "Konflikten for" in c.get(r.headers["location"]).text
    [decision] = [e for e in audit(ws) if e.action == "review"]
    assert decision.actor == actor_for(TOKEN) and decision.actor.startswith("web:") and TOKEN not in decision.actor
    assert decision.citizen_ref == "S-0001" and '"kept": "igen.docx"' in decision.detail and decision.at


def test_quarantined_files_are_listed_with_their_problems_and_downloadable(ws, tmp_path):
    c = client(ws)
    bad = tmp_path / "noter.docx"
    bad.write_bytes(b"not a form at all")
    finished(c, upload(c, [bad]).json()["job"])
    page = c.get("/behandling").text
    assert "Karantæne (1)" in page and "FG202" in page and 'href="/behandling/karantaene/noter.docx"' in page
    original = c.get("/behandling/karantaene/noter.docx")
    assert original.status_code == 200 and original.content == b"not a form at all"


def test_the_status_api_answers_the_rows_of_a_round(ws, tmp_path):
    c = client(ws)
    returns(ws, tmp_path)
    rows = c.get("/api/status?round=1").json()["rows"]
    assert {r["citizen_ref"] for r in rows} == {"S-0001", "S-0002"}
    assert set(rows[0]) == {"round", "citizen_ref", "name", "role", "form", "code", "returned"}
    assert c.get("/api/status?round=2").json() == {"rows": []}
    bad = c.get("/api/status?round=to")
    assert bad.status_code == 400 and bad.json()["problems"][0]["code"] == "FG130"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_formgen_serve_prints_the_address_and_serves_it_over_http(ws):
    port = _free_port()
    exe = Path(sys.executable).parent / "formgen"
    proc = subprocess.Popen([str(exe), "-w", str(ws.root), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = iter(proc.stdout.readline, "")
        url = next(line.strip() for line in lines if "?token=" in line)
        assert url.startswith(f"http://127.0.0.1:{port}/?token=")
        with httpx.Client() as http:
            assert http.get(f"http://127.0.0.1:{port}/").status_code == 403
            page = http.get(url, follow_redirects=True)
            assert page.status_code == 200 and "<h1>Overblik</h1>" in page.text and "formgen_session" in http.cookies

            def endless():  # 2 GB if the server read it all: it stops at the per-file limit and closes
                yield b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.docx\"\r\n\r\n"
                for _ in range(2048):
                    yield b"\0" * 2**20
            token = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text).group(1)
            try:
                big = http.post(f"http://127.0.0.1:{port}/api/intake", content=endless(),
                                headers={"X-CSRF-Token": token, "Content-Type": "multipart/form-data; boundary=x"})
                assert big.status_code == 413
            except httpx.TransportError:  # the server answered 413 and closed while the client was still sending
                pass
        assert not any(p.is_file() for p in (ws.root / ".formgen-web").rglob("*"))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert "Traceback" not in proc.stderr.read()


def test_a_quarantined_file_is_imported_again_after_a_fix_and_is_never_lost(ws, tmp_path):
    c = client(ws)
    [path] = returns(ws, tmp_path, citizens=(IDA,))
    broken = tmp_path / path.name
    good = path.read_bytes()
    broken.write_bytes(good[: len(good) // 2])  # a truncated copy: rejected
    finished(c, upload(c, [broken]).json()["job"])
    assert [p.name for p in ws.quarantine.glob("*.docx")] == [path.name]
    (ws.quarantine / path.name).write_bytes(good)  # the fix: the sender's good copy in its place
    r = c.post("/behandling/indlaes-igen", data={"file": path.name, "csrf": csrf(c, "/behandling")},
               follow_redirects=False)
    assert r.status_code == 303
    job = finished(c, r.headers["location"].split("=")[1])
    assert job["counts"]["imported"] == 1
    assert not list(ws.quarantine.glob("*")) and (ws.processed / path.name).is_file()
    assert c.post("/behandling/indlaes-igen", data={"file": "../formgen.toml", "csrf": csrf(c)}).status_code == 404


def test_the_finished_result_names_citizens_and_is_audited_with_their_refs(ws, tmp_path):
    c = client(ws)
    job = finished(c, upload(c, returns(ws, tmp_path)).json()["job"])
    part = c.get(f"/indlaes/job/{job['id']}", headers={"HX-Request": "true"})
    assert "S-0001" in part.text and "<html" not in part.text  # the part htmx swaps in, not a page
    refs = {e.citizen_ref for e in audit(ws) if e.action == "view" and job["id"] in e.detail and "indlaes" in e.detail}
    assert {"S-0001", "S-0002"} <= refs


def test_formgen_serve_takes_the_workspace_as_make_demo_prints_it(ws, tmp_path):
    port = _free_port()
    exe = Path(sys.executable).parent / "formgen"
    proc = subprocess.Popen([str(exe), "serve", "--workspace", str(ws.root), "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = next(line.strip() for line in iter(proc.stdout.readline, "") if "?token=" in line)
        with httpx.Client() as http:
            assert ws.config.organisation.name in http.get(url, follow_redirects=True).text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
