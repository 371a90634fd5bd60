"""Skemaer's preview: a picture of each form's first page, drawn by the real LibreOffice and poppler, kept privately.

Without LibreOffice the form's page says so in Danish instead of showing a broken picture.
"""
from __future__ import annotations

import shutil
import stat

import pytest

from conftest import needs_soffice
from web_client import client
from formgen import api
from formgen.web.preview import CACHE


def test_a_forms_page_shows_a_picture_of_its_first_page_drawn_once_and_kept_privately(ws):
    needs_soffice()
    c = client(ws)
    page = c.get("/skemaer/samtaleskema").text
    assert 'src="/skemaer/samtaleskema/forhaandsvisning.png"' in page and 'alt="Første side af skemaet samtaleskema' in page
    picture = c.get("/skemaer/samtaleskema/forhaandsvisning.png")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content[:8] == b"\x89PNG\r\n\x1a\n" and len(picture.content) > 20_000  # a drawn page, not a blank
    kept = list((ws.root / CACHE).glob("samtaleskema-*.png"))
    assert len(kept) == 1 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((ws.root / CACHE).stat().st_mode) == 0o700
    assert [p.name for p in (ws.root / CACHE).iterdir()] == [kept[0].name]  # the Word and PDF copies are gone
    drawn = kept[0].stat().st_mtime_ns
    assert c.get("/skemaer/samtaleskema/forhaandsvisning.png").content == picture.content
    assert kept[0].stat().st_mtime_ns == drawn  # served from the workspace, not drawn again
    assert api.status(ws) == [] and not any(ws.forms_out.rglob("*.docx"))  # a preview is sent to no one


def test_the_kompetencekort_has_a_preview_too(ws):
    needs_soffice()
    picture = client(ws).get("/skemaer/kompetencekort/forhaandsvisning.png")
    assert picture.status_code == 200 and picture.content[:4] == b"\x89PNG"


def test_an_unknown_form_has_no_preview(ws):
    assert client(ws).get("/skemaer/findes-ikke/forhaandsvisning.png").status_code == 404


@pytest.fixture
def without_libreoffice(monkeypatch, tmp_path):
    """A PATH on which only poppler's pdftoppm is found, as on a machine without LibreOffice."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pdftoppm").symlink_to(shutil.which("pdftoppm"))
    monkeypatch.setenv("PATH", str(bin_dir))


def test_without_libreoffice_the_page_says_so_in_danish_instead_of_a_picture(ws, without_libreoffice):
    c = client(ws)
    page = c.get("/skemaer/samtaleskema").text
    assert "forhaandsvisning.png" not in page
    assert "fordi LibreOffice ikke er installeret på denne computer" in page
    picture = c.get("/skemaer/samtaleskema/forhaandsvisning.png")
    assert picture.status_code == 503 and "FG170" in picture.text and "LibreOffice mangler" in picture.text
