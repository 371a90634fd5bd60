"""Build the README's previews: docs/preview-*.png.

Runs the demo (fictional data) in a temporary folder, adds an earlier kompetencekort for S-0001 so
its development shows, writes the documents as PDF and renders them: the samtaleskema (S-0001,
borger) and S-0003's progression report at 70 dpi, the overview, the company sheet and the
kompetencekort at 60 dpi (page 1). Needs LibreOffice, poppler (pdftoppm) and the Carlito font, so
that the pictures show Word's layout (formgen warns when Carlito is missing).
Usage: python tools/make_audience_previews.py
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def earlier_card(ws) -> None:
    """S-0001's mentor filled a first kompetencekort in round 2: the same competences, lower levels."""
    from formgen.demo import ROSTER, START, WEEKS
    from formgen.formats.docx import fill_answers
    from formgen.forms.catalogue import get
    from formgen.generate.run import generate
    from formgen.intake.run import intake

    d = get("kompetencekort").definition
    date = START + dt.timedelta(weeks=WEEKS)
    path = generate(ws, d, "docx", [ROSTER[0]], None, round_no=2, date=date).files[0]
    values = {"fg:vurdering:assessor_navn": "Mette Berg", "fg:vurdering:assessor_virksomhed": ROSTER[0].company,
              "fg:vurdering:assessor_rolle": "Butiksleder"}
    for g in d.groups:
        for n, example in enumerate(g.examples[:2], start=1):
            values |= {f"fg:{g.key}_{n}:kompetence": example, f"fg:{g.key}_{n}:now": "2",
                       f"fg:{g.key}_{n}:sted": "I butikken", f"fg:{g.key}_{n}:dato": date.strftime("%d-%m-%Y")}
    (ws.intake / path.name).write_bytes(fill_answers(path.read_bytes(), values))
    intake(ws)


def page_one(pdf: Path, png: Path, page: int = 1, dpi: int = 60) -> None:
    """Render one page of a PDF as PNG (page 1 at 60 dpi unless told)."""
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(png.with_suffix(""))], check=True)


def main() -> None:
    from formgen.reports.company import company_sheet
    from formgen.demo import run_demo
    from formgen.reports.kompetencekort import kompetencekort_doc
    from formgen.reports.overview import overview_report
    from formgen.core.workspace import find
    from formgen.formats.convert import to_pdf

    folder = Path(tempfile.mkdtemp(prefix="formgen-previews-"))
    try:
        for line in run_demo(folder / "demo"):
            print(line, file=sys.stderr)
        ws = find(folder / "demo")
        form = ws.output / "forms" / "samtaleskema" / "runde-1" / "S-0001_borger_samtaleskema.docx"
        page_one(to_pdf([form], folder / "pdf")[0], DOCS / "preview-samtaleskema-borger.png", dpi=70)
        report = next((ws.reports / "S-0003").glob("progressionsrapport_*.pdf"))
        for n in (1, 2):
            page_one(report, DOCS / f"preview-report-page{n}.png", page=n, dpi=70)
        earlier_card(ws)
        page_one(overview_report(ws, by="company", fmt="pdf").pdf, DOCS / "preview-overview.png")
        page_one(company_sheet(ws, "Jensen & Søn ApS", fmt="pdf").pdf, DOCS / "preview-company.png")
        page_one(kompetencekort_doc(ws, "S-0001", fmt="pdf").pdf, DOCS / "preview-kompetencekort.png")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote previews in {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
