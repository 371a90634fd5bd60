"""The web page's guard: token then cookie, Host, CSRF, security headers, upload limits, file names.

Every request goes through the real app in process (Starlette's TestClient); nothing is mocked.
"""
from __future__ import annotations

import re

import pytest

from web_client import BASE, TOKEN, client, csrf, finished, returns, upload
from formgen.web import uploads
from formgen.web.app import create_app
from formgen.web.security import Access
from starlette.testclient import TestClient


def test_without_the_token_every_page_and_the_api_answer_403_with_the_problem(ws):
    c = client(ws, signed_in=False)
    page = c.get("/")
    assert page.status_code == 403 and "FG180" in page.text and 'lang="da"' in page.text
    assert "Traceback" not in page.text
    answer = c.get("/api/status")
    assert answer.status_code == 403
    assert answer.json()["problems"][0]["code"] == "FG180"
    assert set(answer.json()["problems"][0]) == {"code", "where", "what", "fix", "da"}
    assert c.get(f"/?token=wrong-{TOKEN}").status_code == 403


def test_the_token_is_traded_once_for_an_httponly_strict_cookie_and_leaves_the_address(ws):
    c = client(ws, signed_in=False)
    first = c.get(f"/indlaes?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/indlaes"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert TOKEN not in cookie
    assert c.get("/indlaes").status_code == 200  # the cookie alone now
    assert c.get("/api/status").status_code == 200


def test_scripts_use_the_token_as_a_bearer_header(ws):
    c = client(ws, signed_in=False)
    assert c.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"}).json() == {"rows": []}
    assert c.get("/api/status", headers={"Authorization": "Bearer nope"}).status_code == 403


def test_a_host_header_other_than_the_served_address_is_refused(ws):
    c = client(ws)
    assert c.get("/", headers={"Host": "evil.example:8765"}).status_code == 403
    assert c.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    other = TestClient(create_app(ws, Access.for_address(TOKEN, "127.0.0.1", 8765)), base_url="http://testserver")
    assert other.get(f"/?token={TOKEN}").status_code == 403


def test_a_change_without_the_csrf_token_or_from_another_site_is_refused(ws):
    c = client(ws)
    token = csrf(c)
    assert c.post("/behandling/behold", data={"file": "x.docx"}).status_code == 403
    assert c.post("/behandling/behold", data={"file": "x.docx", "csrf": "wrong"}).status_code == 403
    cross = c.post("/behandling/behold", data={"file": "x.docx", "csrf": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and "FG180" in cross.text
    foreign = c.post("/behandling/behold", data={"file": "x.docx", "csrf": token}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    # a browser's own form post may say Origin: null (privacy settings); Sec-Fetch-Site then vouches for it
    null = c.post("/behandling/behold", data={"file": "x.docx", "csrf": token},
                  headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert null.status_code == 400 and "FG130" in null.text
    assert c.post("/behandling/behold", data={"file": "x.docx", "csrf": token}, headers={"Origin": "null"}).status_code == 403
    # with the token from the page, the request reaches the route (which explains the unknown file)
    ok = c.post("/behandling/behold", data={"file": "x.docx", "csrf": token}, headers={"Origin": BASE})
    assert ok.status_code == 400 and "FG130" in ok.text


def test_every_answer_carries_the_security_headers_and_pages_are_not_cached(ws):
    c = client(ws)
    for path in ("/", "/indlaes", "/behandling", "/borgere", "/api/status", "/api/citizens", "/nope"):
        r = c.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store", path
    assert "<script>" not in c.get("/").text and " style=" not in c.get("/").text  # nothing inline for the CSP to block


def test_an_upload_declared_over_the_limit_gets_413_before_anything_is_read(ws):
    c = client(ws)
    r = c.post("/api/intake", content=b"", headers={"X-CSRF-Token": csrf(c), "Content-Length": str(2 * 1024 ** 3),
                                                    "Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413 and r.json()["problems"][0]["code"] == "FG181"


def test_a_file_over_intakes_limit_is_stopped_at_the_limit_and_nothing_is_kept(ws, tmp_path):
    c = client(ws)
    big = tmp_path / "stor.docx"
    big.write_bytes(b"\0" * (uploads.MAX_FILE_BYTES + 1))
    r = upload(c, [big])
    assert r.status_code == 413 and "50 MB" in r.json()["problems"][0]["what"]
    folder = ws.root / ".formgen-web" / "uploads"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_a_streamed_upload_without_a_length_stops_at_the_request_limit(ws, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_REQUEST_BYTES", 1_000_000)
    c = client(ws)

    def body():  # no Content-Length: only counting the stream can stop it (TestClient buffers it, so keep it small)
        yield b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.zip\"\r\n\r\n"
        for _ in range(3):
            yield b"\0" * 1_000_000
    r = c.post("/api/intake", content=body(), headers={"X-CSRF-Token": csrf(c),
                                                       "Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413
    assert not any(p.is_file() for p in (ws.root / ".formgen-web").rglob("*"))


def test_uploaded_names_never_reach_the_file_system_unchecked(ws, tmp_path):
    assert uploads.safe_name("../../etc/passwd") == "passwd"
    assert uploads.safe_name("C:\\Users\\x\\..\\skema.docx") == "skema.docx"
    assert uploads.safe_name(".hidden.docx") == "hidden.docx"
    assert uploads.safe_name("..") == "upload" and uploads.safe_name("a\0b\n.docx") == "a_b_.docx"
    c = client(ws)
    [path] = returns(ws, tmp_path, citizens=returns.__defaults__[0][:1])
    files = [("files", ("../../../escaped.docx", path.read_bytes(), "application/octet-stream"))]
    r = c.post("/api/intake", files=files, headers={"X-CSRF-Token": csrf(c)})
    job = finished(c, r.json()["job"])
    assert [f["name"] for f in job["files"]] == ["escaped.docx"] and job["counts"]["imported"] == 1
    assert not (ws.root.parent / "escaped.docx").exists() and not (ws.root / "escaped.docx").exists()


def test_an_unforeseen_error_is_the_catalogues_problem_never_a_traceback(ws):
    c = client(ws)
    ws.db_path.write_bytes(b"this is not a database" * 100)
    page = c.get("/")
    assert page.status_code == 500 and "FG150" in page.text and "Traceback" not in page.text
    answer = c.get("/api/status")
    assert answer.status_code == 500 and answer.json()["problems"][0]["code"] == "FG150"


def test_unknown_pages_and_jobs_are_404_problems(ws):
    c = client(ws)
    assert c.get("/findes-ikke").status_code == 404
    r = c.get("/api/jobs/0123456789abcdef")
    assert r.status_code == 404 and r.json() == {"problems": [
        {"code": "FG182", "where": "job", "what": "there is no such job (a finished job is shown for 2 hours)",
         "fix": "upload the files again on Indlæs",
         "da": {"headline": "Siden eller elementet findes ikke",
                "fix": "Følg et link på siden i stedet for at skrive adressen."}}]}
    assert c.get("/behandling/karantaene/..%2F..%2Fformgen.toml").status_code == 404
    assert re.search("FG182", c.get("/behandling/karantaene/formgen.toml").text)


def test_a_session_left_alone_for_12_hours_ends_and_the_token_opens_a_new_one(ws):
    now = [1000.0]
    access = Access.for_address(TOKEN, "127.0.0.1", 8765)
    access.clock = lambda: now[0]  # the server's own clock, set by the test instead of waiting 12 hours
    c = TestClient(create_app(ws, access), base_url=BASE, raise_server_exceptions=False)
    assert c.get(f"/?token={TOKEN}").status_code == 200
    now[0] += 11 * 3600
    assert c.get("/borgere").status_code == 200  # in use: each request starts the 12 hours again
    now[0] += 11 * 3600
    assert c.get("/borgere").status_code == 200
    now[0] += 12 * 3600 + 1
    ended = c.get("/borgere")
    assert ended.status_code == 403 and "FG180" in ended.text and "12 hours without use" in ended.text
    assert c.get("/borgere").status_code == 403  # ended for good, not just this once
    assert access.sessions == {} and access.last_used == {}
    assert c.get(f"/borgere?token={TOKEN}").status_code == 200 and c.get("/").status_code == 200


def test_idle_sessions_are_dropped_when_someone_signs_in(ws):
    now = [0.0]
    access = Access.for_address(TOKEN, "127.0.0.1", 8765)
    access.clock = lambda: now[0]
    old = access.new_session()
    now[0] += 12 * 3600 + 1
    access.new_session()
    assert old not in access.sessions and len(access.sessions) == 1


def test_a_finished_jobs_result_is_forgotten_after_two_hours():
    from formgen.web.jobs import KEEP_SECONDS, Job, Jobs

    now = [1000.0]
    jobs = Jobs(lambda exc: None, clock=lambda: now[0])
    job = jobs.wait(jobs.submit(Job(jobs.new_id(), "intake"), lambda j: "the citizens' result"))
    assert job.state == "done" and KEEP_SECONDS == 2 * 3600
    now[0] += KEEP_SECONDS - 1
    assert jobs.get(job.id) is job
    now[0] += 2
    assert jobs.get(job.id) is None  # the result names citizens: not kept for as long as the server runs
    running = jobs.submit(Job(jobs.new_id(), "intake"), lambda j: jobs.wait(Job("x", "y"), timeout=0.2))
    now[0] += 10 * KEEP_SECONDS
    assert jobs.get(running.id) is running  # an unfinished job is never dropped
