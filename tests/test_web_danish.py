"""The pages speak Danish: each problem a page user meets has a Danish headline and fix; English stays in the API.

The intake runs for real through the page (Starlette's TestClient); the codes are read from the library's own
source, so a new code that intake, review, generate or forms check can produce needs its Danish text here.
"""
from __future__ import annotations

import re
from pathlib import Path

import formgen
from web_client import client, finished, upload
from formgen.core.errors import CATALOGUE, Problem
from formgen.web.danish import DANISH, danish
from formgen.web.render import Renderer

PACKAGE = Path(formgen.__file__).parent
# The floors a page user's problems come from: intake and what it reads, review, generate, the forms and check.
PAGE_SOURCES = ("intake", "formats", "generate", "forms", "store", "core", "web", "api")


def _codes_in(*parts: str) -> set[str]:
    found = set()
    for part in parts:
        root = PACKAGE / part
        for path in ([root] if root.is_file() else root.rglob("*.py")):
            found |= set(re.findall(r'"(FG\d{3})"', path.read_text(encoding="utf-8")))
    return found


def test_every_code_intake_review_generate_and_forms_check_can_produce_has_a_danish_text():
    codes = _codes_in(*PAGE_SOURCES) & set(CATALOGUE)
    assert {"FG201", "FG220", "FG230", "FG111", "FG121"} <= codes  # the scan finds the codes it is meant to
    assert sorted(codes - set(DANISH)) == []
    assert sorted(c for c in CATALOGUE if c.startswith("FG2") and c not in DANISH) == []


def test_danish_texts_are_headlines_and_fixes_for_codes_in_the_catalogue():
    assert set(DANISH) <= set(CATALOGUE)
    for code, (headline, fix) in DANISH.items():
        assert headline and fix.endswith("."), code
        assert headline != CATALOGUE[code], code  # translated, not copied


def test_a_rejected_upload_shows_the_danish_problem_with_the_english_details_marked(ws, tmp_path):
    c = client(ws)
    empty = tmp_path / "tom.xlsx"
    empty.write_bytes(b"")
    job = finished(c, upload(c, [empty]).json()["job"])
    problem = job["files"][0]["problems"][0]
    assert problem["code"] == "FG201" and problem["what"] == "the file is empty (0 bytes)"  # English in the API
    assert problem["da"] == {"headline": "Tom fil", "fix": "Bed afsenderen om at sende den udfyldte fil igen."}
    page = c.get(f"/indlaes?job={job['id']}").text
    assert "FG201" in page and "Tom fil" in page and "Bed afsenderen om at sende den udfyldte fil igen." in page
    assert '<span lang="en">the file is empty (0 bytes)</span>' in page
    assert "ask the sender for the filled-in file again" not in page  # the English fix stays off the page


def test_a_code_without_a_danish_text_falls_back_to_the_english_text_with_its_code(ws):
    stranger = Problem("FG777", "somewhere", "something new went wrong", "do the new thing")
    assert not danish(stranger).danish
    html = Renderer({"colour": "#1F4E79", "logo": None, "name": "x"}).env.get_template("_problems.html").render(
        problems=[stranger])
    assert "FG777" in html and '<span lang="en">something new went wrong</span>' in html
    assert '<span lang="en">do the new thing</span>' in html and "Detaljer" not in html


def test_the_quarantine_on_til_behandling_shows_its_notes_problems_in_danish(ws, tmp_path):
    c = client(ws)
    bad = tmp_path / "noter.docx"
    bad.write_bytes(b"not a form at all")
    finished(c, upload(c, [bad]).json()["job"])
    note = (ws.quarantine / "noter.docx.problems.txt").read_text(encoding="utf-8")
    assert "[FG202]" in note and "What: this is not a Word or Excel file" in note  # the note itself stays English
    page = c.get("/behandling").text
    assert "FG202" in page and "Ikke et Word- eller Excel-skema" in page
    assert '<span lang="en">this is not a Word or Excel file</span>' in page
