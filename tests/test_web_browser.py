"""The web page in a real browser (Debian's Chromium driven by Playwright), as a person would use it.

`formgen serve` runs as its own process; the test opens the address it prints, makes a round on
Ny runde and downloads the .zip, fills the forms, uploads them on Indlæs, watches the job finish,
settles a conflict on Til behandling, opens a citizen, downloads the PDF report, and checks every
page with axe-core (WCAG 2.1 AA: zero violations). Screenshots go to output/web-screenshots/ (the
README's pictures in docs/ are copies of them). Without Chromium the tests skip with the install
command; FORMGEN_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from filling import fill_docx
from formgen.generate.roster import Citizen

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=da"]
SHOTS = Path(__file__).resolve().parent.parent / "output" / "web-screenshots"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PEOPLE = [Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard"),
          Citizen("S-0002", "Ahmad Rahimi", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard"),
          Citizen("S-0003", "Sofie Lund", "Café Åen I/S", "Jonas Vestergaard", "Lise Dam"),
          Citizen("S-0004", "Mikkel Østergaard", "Café Åen I/S", "Jonas Vestergaard", "Lise Dam")]


def _browser_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = "Chromium is missing: install it with `apt-get install -y chromium` (the browser tests drive it)"
    if os.environ.get("FORMGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(ws, printed: str = "?token="):
    """`formgen serve` on the workspace, as its own process; yields the address it printed (the line with `printed`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "formgen"
    proc = subprocess.Popen([str(exe), "-w", str(ws.root), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = next((line.strip() for line in iter(proc.stdout.readline, "") if printed in line), None)
        assert url, f"formgen serve printed no address with {printed!r}: {proc.stderr.read()}"
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


@pytest.fixture
def served(ws):
    """`formgen serve` on the workspace (token mode); yields the address it printed."""
    _browser_or_skip()
    with serving(ws) as url:
        yield url


@pytest.fixture
def page():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="da-DK", accept_downloads=True)
        yield context.new_page()
        browser.close()


def no_axe_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def people_roster(path: Path) -> Path:
    """PEOPLE as the roster a jobcentre exports (Danish headers, semicolons)."""
    path.write_text("borger_id;navn;virksomhed;mentor;konsulent\n" + "".join(
        f"{p.citizen_ref};{p.name};{p.company};{p.mentor};{p.consultant}\n" for p in PEOPLE), encoding="utf-8")
    return path


def round_from_the_page(page, tmp: Path) -> list[Path]:
    """Ny runde on the page: the roster uploaded, the .zip downloaded and unpacked, each form filled."""
    import zipfile

    roster = people_roster(tmp / "liste.csv")
    page.get_by_role("navigation").get_by_role("link", name="Ny runde").click()
    page.get_by_label("Borgerliste (CSV eller XLSX)").set_input_files(str(roster))
    page.get_by_role("button", name="Lav skemaerne").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent skemaerne (.zip)").click()  # waits for the job's link
    out = tmp / "runde"
    with zipfile.ZipFile(download.value.path()) as zf:
        zf.extractall(out)
    files = sorted(out.rglob("*.docx"))
    for n, path in enumerate(files):
        fill_docx(path, {"fg:faglige_kompetencer:now": str(2 + n % 3)})
    return files


def test_a_round_on_the_page_upload_watch_the_job_and_settle_a_conflict(ws, tmp_path, served, page):
    page.goto(served)  # the printed address: the token becomes a cookie and leaves the address
    assert "token=" not in page.url and page.locator("h1").inner_text() == "Overblik"
    files = round_from_the_page(page, tmp_path)
    assert len(files) == 8  # 4 citizens × borger, konsulent
    conflicting = tmp_path / "igen.docx"
    shutil.copy(files[0], conflicting)
    fill_docx(conflicting, {"fg:faglige_kompetencer:now": "5"})
    broken = tmp_path / "noter.docx"
    broken.write_bytes(b"not a form")
    page.get_by_role("navigation").get_by_role("link", name="Overblik").click()
    no_axe_violations(page)

    page.get_by_role("navigation").get_by_role("link", name="Indlæs").click()
    page.get_by_label("Filer", exact=True).set_input_files([str(p) for p in files[:6]] + [str(broken)])
    page.get_by_role("button", name="Indlæs filerne").click()
    page.get_by_text("Resultat pr. fil").wait_for(timeout=120_000)  # the job finished; the page polled it
    assert "job=" in page.url
    assert page.locator(".counts").inner_text().split("\n")[0] == "✓ Indlæst: 6"
    assert "FG202" in page.locator("table.files").inner_text()
    assert "Ikke et Word- eller Excel-skema" in page.locator("table.files").inner_text()  # in Danish on the page
    no_axe_violations(page)
    shot(page, "indlaes")

    page.reload()  # the result survives a reload
    page.get_by_text("Resultat pr. fil").wait_for()
    page.get_by_label("Filer", exact=True).set_input_files([str(p) for p in files[6:]] + [str(conflicting)])
    first_job = page.url
    page.get_by_role("button", name="Indlæs filerne").click()
    page.wait_for_url(lambda url: url != first_job)  # the new job replaced the first one's result (not its counts)
    page.locator(".counts").wait_for(timeout=120_000)
    assert "Til behandling: 1" in page.locator(".counts").inner_text()

    page.get_by_role("navigation").get_by_role("link", name="Overblik").click()
    assert "8 af 8" in page.locator(".cards").inner_text()
    no_axe_violations(page)
    shot(page, "overblik")

    page.get_by_role("navigation").get_by_role("link", name="Til behandling").click()
    assert page.locator("tr.differs").count() == 1
    assert "Ikke et Word- eller Excel-skema" in page.locator("section[aria-labelledby=karantaene]").inner_text()
    no_axe_violations(page)
    shot(page, "behandling")
    page.get_by_role("button", name="Behold igen.docx").click()
    assert "er løst" in page.get_by_role("status").inner_text()
    assert "Ingen åbne konflikter." in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent noter.docx").click()
    assert Path(download.value.path()).read_bytes() == b"not a form"

    page.get_by_role("navigation").get_by_role("link", name="Borgere").click()
    page.get_by_label("Søg").fill("café")
    page.get_by_role("button", name="Søg").click()
    assert page.locator("#borgere-rows tr").count() == 2  # Sofie and Mikkel work at Café Åen
    no_axe_violations(page)
    shot(page, "borgere")
    page.get_by_role("link", name="S-0003").click()
    assert page.locator("h1").inner_text().startswith("Sofie Lund")
    no_axe_violations(page)
    shot(page, "borger")
    with page.expect_download(timeout=180_000) as download:  # LibreOffice converts the report
        page.get_by_role("button", name="Hent progressionsrapport (PDF)").click()
    assert download.value.suggested_filename == "progressionsrapport_S-0003_runde-1.pdf"
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

    page.get_by_role("navigation").get_by_role("link", name="Rapporter").click()
    page.get_by_label("Runde (tom: den seneste)").fill("1")
    page.get_by_role("button", name="Lav rapporterne").click()
    printed = page.get_by_role("link", name="Hent progressionsrapporterne til print (PDF)")
    printed.wait_for(timeout=300_000)  # LibreOffice writes the four reports
    assert "4 progressionsrapporter til runde 1" in page.locator("section[aria-labelledby=runde]").inner_text()
    no_axe_violations(page)
    with page.expect_download() as download:
        printed.click()
    assert download.value.suggested_filename == "progressionsrapporter_runde-1.pdf"


def test_the_pages_work_from_the_keyboard_with_visible_focus(ws, served, page):
    page.goto(served)
    assert page.locator("footer").inner_text().endswith("siden kører kun på denne computer")  # token mode: 127.0.0.1 only
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Gå til indholdet"
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"
    for _ in range(2):  # the skip link, then the menu: Overblik, Indlæs
        page.keyboard.press("Tab")
    assert page.locator(":focus").inner_text() == "Indlæs"
    page.keyboard.press("Enter")
    page.wait_for_url("**/indlaes")
    assert page.locator("h1").inner_text() == "Indlæs udfyldte skemaer"
    no_axe_violations(page)


def test_ny_runde_makes_the_forms_and_hands_over_the_zip(ws, tmp_path, served, page):
    roster = tmp_path / "liste.csv"
    roster.write_text("borger_id;navn;virksomhed\nS-1;Ida Holm;Jensen & Søn\nS-2;Bo Berg;Café Åen\n", encoding="utf-8")
    page.goto(served)
    page.get_by_role("navigation").get_by_role("link", name="Ny runde").click()
    no_axe_violations(page)
    page.get_by_label("Runde").fill("2")
    page.get_by_label("PDF til print og udfyldning (.pdf)").check()
    page.get_by_label("Borgerliste (CSV eller XLSX)").set_input_files(str(roster))
    page.get_by_role("button", name="Lav skemaerne").click()
    page.get_by_role("link", name="Hent skemaerne (.zip)").wait_for(timeout=120_000)
    no_axe_violations(page)
    shot(page, "ny-runde")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent skemaerne (.zip)").click()
    import zipfile

    assert len(zipfile.ZipFile(download.value.path()).namelist()) == 8  # 2 citizens × borger, konsulent × docx, pdf
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent samlet PDF til print").click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"


def test_rapporter_and_skemaer_pass_axe_and_a_definition_is_checked_in_the_browser(ws, tmp_path, served, page):
    page.goto(served)
    page.get_by_role("navigation").get_by_role("link", name="Rapporter").click()
    assert page.locator("h1").inner_text() == "Rapporter"
    no_axe_violations(page)
    shot(page, "rapporter")
    page.get_by_role("button", name="Lav rapporterne").click()  # nothing imported yet: the job says so in Danish
    page.get_by_text("Rapporterne blev ikke lavet.").wait_for(timeout=120_000)
    assert "Ingen data til rapporten" in page.locator("section[aria-labelledby=runde]").inner_text()
    no_axe_violations(page)
    page.get_by_role("navigation").get_by_role("link", name="Skemaer").click()
    no_axe_violations(page)
    broken = tmp_path / "mit.yaml"
    broken.write_text("id: mit\nversion: 1\n", encoding="utf-8")
    page.get_by_label("Skemadefinition (.yaml)").set_input_files(str(broken))
    page.get_by_role("button", name="Tjek skemaet").click()
    assert "har fejl" in page.get_by_role("alert").inner_text() and "FG111" in page.get_by_role("alert").inner_text()
    assert "Skemadefinitionen er ugyldig" in page.get_by_role("alert").inner_text()
    no_axe_violations(page)
    shot(page, "skemaer")
    page.get_by_role("link", name="samtaleskema", exact=True).click()
    assert page.locator("h1").inner_text() == "samtaleskema"
    preview = page.get_by_role("img", name="Første side af skemaet samtaleskema", exact=False)
    preview.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle(), timeout=120_000)
    no_axe_violations(page)
    shot(page, "skema")
