"""The web page with accounts in a real browser: a konsulent signs in on /login and sees only their own citizens.

The workspace is made as an operator would make it: the roster's forms generated with `formgen generate`,
filled, read back with `formgen intake` (one conflict for another konsulent's citizen), the accounts
added with `formgen users add … --password-stdin`; then `formgen serve` runs as its own process and
Chromium (Playwright) opens the address it prints. The sign-in page and the konsulent's list pass
axe-core (WCAG 2.1 AA); screenshots go to output/web-screenshots/ (docs/web-login.png is a copy).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from filling import fill_docx
from test_web_browser import _browser_or_skip, no_axe_violations, page, people_roster, serving, shot  # noqa: F401

PASSWORDS = {"admin": "admin-kodeord-1234", "kanr": "karls-kodeord-1234", "lida": "lises-kodeord-1234"}
KARLS = ("S-0001", "Ida Holm", "S-0002", "Ahmad Rahimi")
OTHERS = ("S-0003", "Sofie Lund", "S-0004", "Mikkel Østergaard")  # Lise Dam's citizens
ACCOUNTS_FOOTER = "formgen · progressionsmåling · log ud efter brug på fælles computere"


def formgen(ws, *args: str, stdin: str = "", user: str = "") -> subprocess.CompletedProcess:
    """The formgen command on the workspace, as its own process (as --user with that account's password)."""
    env = dict(os.environ, FORMGEN_USER=user, FORMGEN_PASSWORD=PASSWORDS.get(user, "")) if user else None
    exe = Path(sys.executable).parent / "formgen"
    return subprocess.run([str(exe), "-w", str(ws.root), *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture
def accounts_served(ws, tmp_path):
    """PEOPLE's round generated, filled and imported, a conflict for S-0003, three accounts; the /login address."""
    _browser_or_skip()
    out = tmp_path / "runde"
    made = formgen(ws, "generate", "samtaleskema", "--roster", str(people_roster(tmp_path / "liste.csv")),
                   "--out", str(out))
    assert made.returncode == 0, made.stderr
    files = sorted(out.rglob("*.docx"))
    assert len(files) == 8  # 4 citizens × borger, konsulent
    for n, path in enumerate(files):
        fill_docx(path, {"fg:faglige_kompetencer:now": str(2 + n % 3)})
    conflicting = tmp_path / "igen.docx"
    shutil.copy(next(p for p in files if p.name.startswith("S-0003_borger")), conflicting)
    fill_docx(conflicting, {"fg:faglige_kompetencer:now": "5"})
    first = formgen(ws, "intake", str(out))
    assert first.returncode == 0 and "Imported 8" in first.stdout, first.stdout + first.stderr
    second = formgen(ws, "intake", str(conflicting))
    assert "needs review 1" in second.stdout, second.stdout + second.stderr
    for args, user in ((["admin", "--role", "administrator"], ""),
                       (["kanr", "--role", "konsulent", "--full-name", "Karl Nørgaard"], "admin"),
                       (["lida", "--role", "konsulent", "--full-name", "Lise Dam"], "admin")):
        added = formgen(ws, "users", "add", *args, "--password-stdin", stdin=PASSWORDS[args[0]] + "\n", user=user)
        assert added.returncode == 0, added.stderr
    with serving(ws, "/login") as url:
        yield url


def sign_in(page, name: str) -> None:
    """Type the name and password into the sign-in form as a person would, then press Log ind."""
    page.get_by_label("Brugernavn").press_sequentially(name)
    page.get_by_label("Adgangskode").press_sequentially(PASSWORDS[name])
    page.get_by_role("button", name="Log ind").click()


def shows_none_of_the_others(page) -> None:
    text = page.locator("body").inner_text()
    assert not [o for o in OTHERS if o in text], text


def test_a_konsulent_signs_in_and_sees_only_their_own_citizens(accounts_served, page):
    url = accounts_served
    assert url.endswith("/login") and "token=" not in url  # accounts mode prints the sign-in page, no key
    base = url.removesuffix("/login")
    page.goto(url)
    assert page.locator("h1").inner_text() == "Log ind"
    assert page.get_by_role("navigation", name="Hovedmenu").count() == 0  # nothing to use before signing in
    footer = page.locator("footer").inner_text()
    assert footer == ACCOUNTS_FOOTER and "denne computer" not in footer  # a shared server: not "this computer only"
    no_axe_violations(page)
    shot(page, "login")

    page.get_by_label("Brugernavn").press_sequentially("kanr")
    page.get_by_label("Adgangskode").press_sequentially("forkert-kodeord-1")
    page.get_by_role("button", name="Log ind").click()
    assert "Login afvist" in page.get_by_role("alert").inner_text()  # the reason in Danish, the name kept
    assert page.get_by_label("Brugernavn").input_value() == "kanr" and page.get_by_label("Adgangskode").input_value() == ""
    page.get_by_label("Brugernavn").fill("")
    sign_in(page, "kanr")
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").inner_text() == "Overblik"
    assert "Logget ind som Karl Nørgaard (konsulent)" in page.locator("header").inner_text()
    assert page.locator("footer").inner_text() == ACCOUNTS_FOOTER
    menu = page.get_by_role("navigation", name="Hovedmenu").inner_text()
    assert "Borgere" in menu and "Til behandling" not in menu and "Indlæs" not in menu and "Rapporter" not in menu
    assert "4 af 4" in page.locator(".cards").inner_text()  # Ida's and Ahmad's forms, not Lise Dam's citizens'
    assert "til behandling" not in page.locator(".cards").inner_text()  # no card leading to a page refused to his role
    shot(page, "overblik-konsulent")
    assert all(k in page.locator("main").inner_text() for k in KARLS)
    shows_none_of_the_others(page)

    page.get_by_role("navigation").get_by_role("link", name="Borgere").click()
    rows = page.locator("#borgere-rows tr")
    assert rows.count() == 2 and "Ida Holm" in rows.nth(0).inner_text() and "Ahmad Rahimi" in rows.nth(1).inner_text()
    shows_none_of_the_others(page)
    page.get_by_label("Søg").fill("café")  # Lise Dam's citizens work at Café Åen: a search does not find them either
    page.get_by_role("button", name="Søg").click()
    assert rows.count() == 1 and rows.inner_text() == "Ingen borgere passer til »café«."
    shows_none_of_the_others(page)
    page.get_by_label("Søg").fill("")
    page.get_by_role("button", name="Søg").click()
    assert rows.count() == 2
    no_axe_violations(page)
    shot(page, "borgere-konsulent")

    page.get_by_role("link", name="S-0001").click()
    assert page.locator("h1").inner_text().startswith("Ida Holm")
    scores = page.locator("section[aria-labelledby=scores] tbody").inner_text()
    assert any(d in scores for d in "234")  # her borger and konsulent answers, read back by intake
    assert page.get_by_role("button", name="Hent progressionsrapport (PDF)").is_visible()
    shows_none_of_the_others(page)

    for ref in ("S-0003", "S-0004"):  # another konsulent's citizen, by address: unknown here
        answer = page.goto(f"{base}/borgere/{ref}")
        assert answer.status == 404
        assert page.locator("h1").inner_text() == "Det kunne ikke lade sig gøre"
        assert "FG182" in page.get_by_role("alert").inner_text()
        assert not [n for n in ("Sofie", "Mikkel", "Lise Dam", "Café") if n in page.locator("body").inner_text()]
    shot(page, "borger-anden-konsulent")
    other = page.locator("main").inner_text().replace("S-0004", "?")
    assert page.goto(f"{base}/borgere/S-9999").status == 404
    assert page.locator("main").inner_text().replace("S-9999", "?") == other  # the same as a ref nobody has

    for path in ("/behandling", "/rapporter", "/indlaes"):  # not the konsulent's: refused, and nobody named
        answer = page.goto(base + path)
        assert answer.status == 403 and page.locator("h1").inner_text() == "Det kunne ikke lade sig gøre", path
        shows_none_of_the_others(page)
    page.goto(base + "/")
    shows_none_of_the_others(page)

    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(f"{base}/login")
    assert page.goto(f"{base}/borgere").url.startswith(f"{base}/login?next=")  # the session ended


def test_the_administrator_sees_the_citizens_the_konsulent_does_not(accounts_served, page):
    """The control for the test above: the other konsulent's citizens and their conflict are there."""
    base = accounts_served.removesuffix("/login")
    page.goto(f"{base}/borgere/S-0003")
    assert page.url == f"{base}/login?next=%2Fborgere%2FS-0003"
    sign_in(page, "admin")
    page.wait_for_url(f"{base}/borgere/S-0003")
    assert page.locator("h1").inner_text().startswith("Sofie Lund")
    page.get_by_role("navigation").get_by_role("link", name="Borgere").click()
    assert page.locator("#borgere-rows tr").count() == 4
    assert all(o in page.locator("main").inner_text() for o in OTHERS)
    page.get_by_role("navigation").get_by_role("link", name="Til behandling").click()
    assert page.locator("tr.differs").count() == 1 and "S-0003" in page.locator("main").inner_text()
    assert page.locator("footer").inner_text() == ACCOUNTS_FOOTER
