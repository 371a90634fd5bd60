"""The page with accounts: sign-in, lockout, idle sessions, disabled accounts, sign-out, and every route × every role.

Real HTTP through Starlette's TestClient on the real app; the only thing the tests set is the clock.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accounts_setup import PASSWORDS
from formgen import api
from formgen.core.access import Person
from starlette.routing import Mount
from web_accounts import accounts_app, signed_in

ADMIN = Person("admin", "administrator")



def test_without_a_session_pages_go_to_the_danish_sign_in_page_and_the_api_answers_403(shared):
    c = signed_in(accounts_app(shared), None)
    r = c.get("/borgere?q=ida")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fborgere%3Fq%3Dida"
    page = c.get("/login")
    assert page.status_code == 200 and 'lang="da"' in page.text and "Log ind" in page.text
    assert "Brugernavn" in page.text and "Adgangskode" in page.text and "Hovedmenu" not in page.text
    assert c.get("/api/citizens").status_code == 403
    assert c.get("/?token=anything").status_code == 303  # no token mode once accounts exist


def test_signing_in_leads_back_to_the_page_asked_for_with_a_new_httponly_session(shared):
    c = signed_in(accounts_app(shared), None)
    c.cookies.set("formgen_session", "planted-by-someone-else")
    r = c.post("/login", data={"name": "kanr", "password": PASSWORDS["kanr"], "next": "/borgere?q=ida"})
    assert r.status_code == 303 and r.headers["location"] == "/borgere?q=ida"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "planted" not in cookie
    page = c.get("/borgere")
    assert "Logget ind som <strong>Karl Nørgaard</strong>" in page.text and "Log ud" in page.text
    assert c.post("/login", data={"name": "kanr", "password": PASSWORDS["kanr"],
                                  "next": "//evil.example/"}).headers["location"] == "/"
    leder = signed_in(accounts_app(shared), None).post("/login", data={"name": "leder", "password": PASSWORDS["leder"]})
    assert leder.headers["location"] == "/rapporter"


def test_a_wrong_password_shows_the_danish_reason_and_five_lock_the_account_for_15_minutes(shared):
    now = [dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)]
    app = accounts_app(shared, wall=lambda: now[0])
    c = signed_in(app, None)
    for attempt in range(5):
        r = c.post("/login", data={"name": "kanr", "password": f"forkert-{attempt}"})
        assert r.status_code == 403 and "Login afvist" in r.text and 'value="kanr"' in r.text
        assert f"forkert-{attempt}" not in r.text  # the password typed is never shown again
    r = c.post("/login", data={"name": "kanr", "password": PASSWORDS["kanr"]})
    assert r.status_code == 403 and "locked" in r.text
    now[0] += dt.timedelta(minutes=16)
    assert c.post("/login", data={"name": "kanr", "password": PASSWORDS["kanr"]}).status_code == 303
    log = [e.action for e in api.audit(shared, person=ADMIN) if '"kanr"' in e.detail]
    assert log.count("sign-in-failed") == 5 and "sign-in-locked" in log and log[-1] == "sign-in"


def test_a_session_ends_after_30_minutes_without_use(shared):
    now = [1000.0]
    c = signed_in(accounts_app(shared, clock=lambda: now[0]), "kanr")
    now[0] += 29 * 60
    assert c.get("/borgere").status_code == 200  # used: the 30 minutes start again
    now[0] += 29 * 60
    assert c.get("/borgere").status_code == 200
    now[0] += 31 * 60
    r = c.get("/borgere")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fborgere&udloebet=1"
    assert "logget ud, fordi siden ikke har været brugt i 30 minutter" in c.get(r.headers["location"]).text
    assert c.get("/api/citizens").status_code == 403


def test_a_disabled_account_loses_its_open_session_at_the_next_request(shared):
    c = signed_in(accounts_app(shared), "kanr")
    assert c.get("/borgere").status_code == 200
    api.disable_user(shared, "kanr", person=ADMIN)
    assert c.get("/borgere").status_code == 303
    again = c.post("/login", data={"name": "kanr", "password": PASSWORDS["kanr"]})
    assert again.status_code == 403 and "Login afvist" in again.text


def test_signing_out_ends_the_session_and_is_logged(shared):
    c = signed_in(accounts_app(shared), "kanr")
    r = c.post("/logout", data={"csrf": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert c.get("/borgere").status_code == 303
    assert any(e.action == "sign-out" and e.actor == "kanr" for e in api.audit(shared, person=ADMIN))
    assert signed_in(accounts_app(shared), None).post("/logout").status_code == 403  # no session: nothing to end


def test_a_konsulent_sees_only_their_citizens_and_the_menu_only_what_the_role_may_use(shared):
    c = signed_in(accounts_app(shared), "kanr")
    page = c.get("/borgere").text
    assert "S-0001" in page and "S-0002" in page and "S-0003" not in page and "Sofie" not in page
    menu = page.split('aria-label="Hovedmenu"', 1)[1].split("</nav>", 1)[0]
    assert "Borgere" in menu and "Overblik" in menu and "Indlæs" not in menu and "Logbog" not in menu
    assert "S-0003" not in c.get("/").text and "S-0003" not in c.get("/api/status").text
    assert [x["ref"] for x in c.get("/api/citizens").json()["citizens"]] == ["S-0001", "S-0002"]
    other, unknown = c.get("/api/citizens/S-0003"), c.get("/api/citizens/S-9999")
    assert other.status_code == unknown.status_code == 404
    assert other.json()["problems"][0]["what"] == unknown.json()["problems"][0]["what"]
    entries = [e for e in api.audit(shared, "S-0001", person=ADMIN) if e.actor == "kanr"]
    assert entries  # reads are logged under the account


def test_a_leder_sees_the_overview_never_a_name_and_exports_only_pseudonyms(shared):
    c = signed_in(accounts_app(shared), "leder")
    page = c.get("/rapporter")
    assert page.status_code == 200 and "Ida" not in page.text and "S-0001" not in page.text
    assert "Jensen" not in page.text  # no company sheets: they name citizens
    named = c.post("/rapporter/udtraek", data={"what": "scores", "format": "csv"})
    assert named.status_code == 403 and "FG183" in named.text
    ok = c.post("/rapporter/udtraek", data={"what": "scores", "format": "csv", "pseudonymise": "1"})
    assert ok.status_code == 200 and b"S-000" not in ok.content


def test_the_administrators_logbog_shows_who_read_a_citizen(shared):
    signed_in(accounts_app(shared), "kanr").get("/borgere/S-0001")
    c = signed_in(accounts_app(shared), "admin")
    page = c.get("/logbog?borger=S-0001")
    assert page.status_code == 200 and "Logbog for S-0001" in page.text
    assert "<td>kanr</td><td>view</td>" in page.text
    assert signed_in(accounts_app(shared), "kanr").get("/logbog").status_code == 403
