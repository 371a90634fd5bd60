"""Build docs/preview-overview.png, docs/preview-company.png and docs/preview-kompetencekort.png.

Runs the demo (fictional data) in a temporary folder, adds an earlier kompetencekort for S-0001 so
its development shows, writes the three documents as PDF and renders page 1 of each at 60 dpi.
Needs LibreOffice and poppler (pdftoppm). Usage: python tools/make_audience_previews.py
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


def page_one(pdf: Path, png: Path) -> None:
    """Render page 1 of a PDF as PNG at 60 dpi."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png.with_suffix(""))],
                   check=True)


def main() -> None:
    from formgen.reports.company import company_sheet
    from formgen.demo import run_demo
    from formgen.reports.kompetencekort import kompetencekort_doc
    from formgen.reports.overview import overview_report
    from formgen.core.workspace import find

    folder = Path(tempfile.mkdtemp(prefix="formgen-previews-"))
    try:
        for line in run_demo(folder / "demo"):
            print(line, file=sys.stderr)
        ws = find(folder / "demo")
        earlier_card(ws)
        page_one(overview_report(ws, by="company", fmt="pdf").pdf, DOCS / "preview-overview.png")
        page_one(company_sheet(ws, "Jensen & Søn ApS", fmt="pdf").pdf, DOCS / "preview-company.png")
        page_one(kompetencekort_doc(ws, "S-0001", fmt="pdf").pdf, DOCS / "preview-kompetencekort.png")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote previews in {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
