"""Layout that does not depend on the installed fonts: with Carlito (Calibri's metrics, as in Word) and
on a machine that has only DejaVu Sans, every form and report keeps its page count, no label breaks
inside a word, and formgen warns, once, when it has to lay out a PDF without Calibri or Carlito."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import needs_soffice, pdf_pages
from formgen.core.workspace import find, init
from formgen.demo import ROSTER
from formgen.formats.convert import to_pdf
from formgen.forms.catalogue import available
from formgen.generate.run import generate

INSTALL_CARLITO = "apt-get install fonts-crosextra-carlito"
FONTS = {"carlito": ("Carlito", "DejaVu Sans"), "dejavu": ("DejaVu Sans",)}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WORD = re.compile(r"[\w-]+")


@dataclass
class Rendered:
    """The demo's reports and one form of every built-in definition, as PDF under one font setup."""

    fonts: str
    pdfs: dict[str, Path]  # name → PDF
    sources: dict[str, Path]  # name → the .docx it was made from
    stderr: str  # what `formgen demo` said on stderr


@pytest.fixture(scope="module", params=sorted(FONTS))
def rendered(request, fonts_only, tmp_path_factory) -> Rendered:
    needs_soffice()
    conf = fonts_only(*FONTS[request.param])
    folder = tmp_path_factory.mktemp(f"fonts-{request.param}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FONTCONFIG_FILE", str(conf))  # LibreOffice sees only these fonts
        # The demo writes its reports as PDF through formgen's own conversion.
        demo = subprocess.run([str(Path(sys.executable).parent / "formgen"), "demo", "--dir", str(folder / "demo")],
                              capture_output=True, text=True, env=os.environ | {"FONTCONFIG_FILE": str(conf)})
        assert demo.returncode == 0, demo.stderr
        forms = init(folder / "forms", "Jobcenter Eksempelby", unit="Virksomhedsservice")
        docx = [generate(forms, lf.definition, "docx", [ROSTER[0]], [lf.definition.respondents[0]],
                         date=dt.date(2026, 11, 2)).files[0] for _, lf in sorted(available().items())]
        to_pdf(docx, folder / "pdf")
    reports = find(folder / "demo").output / "reports"
    pdfs = {p.stem: p for p in sorted(reports.rglob("*.pdf"))} | {p.stem: folder / "pdf" / f"{p.stem}.pdf" for p in docx}
    sources = {p.stem: p for p in sorted(reports.rglob("*.docx"))} | {p.stem: p for p in docx}
    return Rendered(request.param, pdfs, sources, demo.stderr)


def fonts_used(pdf: Path) -> set[str]:
    """The base font names in a PDF, without the subset prefix (ABCDEF+)."""
    names = set()
    for page in PdfReader(str(pdf)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def words_of(docx: Path) -> set[str]:
    """Every word a .docx holds (body, header, footer), a tab or line break between words."""
    words = set()
    with zipfile.ZipFile(docx) as zf:
        for name in zf.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                for par in etree.fromstring(zf.read(name)).iter(W + "p"):
                    text = "".join(el.text or "" if el.tag == W + "t" else " " for el in par.iter(W + "t", W + "tab", W + "br"))
                    words |= set(WORD.findall(text))
    return words


def broken_words(pdf: Path, docx: Path) -> list[str]:
    """Pieces of words on the PDF's lines: a word of the document cut short ("Virksomhe" for "Virksomhed")."""
    words = words_of(docx)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [f"{piece!r} in {line.strip()!r}" for line in text.splitlines() for piece in WORD.findall(line)
            if piece not in words and not piece.isdigit() and any(w.startswith(piece) and len(w) > len(piece) for w in words)]


def test_the_pdfs_are_laid_out_with_the_given_fonts_only(rendered):
    """The check below means something only if LibreOffice really used the isolated fonts."""
    for name, pdf in rendered.pdfs.items():
        used = fonts_used(pdf)
        if rendered.fonts == "dejavu":
            assert used and all(f.startswith("DejaVu") for f in used), (name, used)
        else:
            assert any(f.startswith("Carlito") for f in used) and not any(f.startswith("Liberation") for f in used), (name, used)


def test_no_label_breaks_inside_a_word(rendered):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) not installed")
    broken = {name: broken_words(pdf, rendered.sources[name]) for name, pdf in rendered.pdfs.items()}
    assert {name: b for name, b in broken.items() if b} == {}


def test_page_counts_hold(rendered):
    pages = {name: pdf_pages(pdf) for name, pdf in rendered.pdfs.items()}
    counts = {kind: [n for name, n in pages.items() if name.startswith(kind)]
              for kind in ("progressionsrapport", "ledelsesoverblik", "virksomhedsark", "kompetencekort_S", "S-0001_")}
    assert len(counts["progressionsrapport"]) == len(ROSTER) and all(3 <= n <= 5 for n in counts["progressionsrapport"])
    assert counts["ledelsesoverblik"][0] <= 3
    assert counts["virksomhedsark"] == [1]  # a company's sheet is one sheet of paper
    assert counts["kompetencekort_S"][0] <= 2
    assert len(counts["S-0001_"]) == len(available()) and all(1 <= n <= 6 for n in counts["S-0001_"])
    assert pages["S-0001_borger_samtaleskema"] <= 3


def test_a_run_without_calibri_or_carlito_warns_once_with_the_install_command(rendered):
    """The demo converts four times (reports, overview, company sheet, kompetencekort): one warning."""
    assert "Traceback" not in rendered.stderr
    if rendered.fonts == "dejavu":
        assert rendered.stderr.count("warning: neither Calibri nor Carlito is installed") == 1
        assert rendered.stderr.count(INSTALL_CARLITO) == 1 and "with DejaVu Sans" in rendered.stderr
    else:
        assert "Calibri" not in rendered.stderr and INSTALL_CARLITO not in rendered.stderr
