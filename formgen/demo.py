"""The demo: a fictional jobcentre, a roster of six citizens at three companies, a round of forms."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Iterator

from .errors import fail
from .roster import Citizen

ORG = "Jobcenter Eksempelby"
ROSTER = (
    Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik"),
    Citizen("S-0002", "Ahmad Rahimi", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik"),
    Citizen("S-0003", "Sofie Lund", "Café Åen I/S", "Jonas Vestergaard", "Lise Dam", "Virksomhedspraktik"),
    Citizen("S-0004", "Mikkel Østergaard", "Café Åen I/S", "Jonas Vestergaard", "Lise Dam", "Løntilskud"),
    Citizen("S-0005", "Hanne Kjær", "Eksempelby Genbrug", "Pia Holst", "Karl Nørgaard", "Virksomhedspraktik"),
    Citizen("S-0006", "Jamal Yusuf", "Eksempelby Genbrug", "Pia Holst", "Lise Dam", "Løntilskud"),
)
START = dt.date(2026, 9, 7)
MARKER = ".formgen-demo"


def run_demo(directory: Path) -> Iterator[str]:
    """Build the demo workspace and yield lines telling what was made and where to look."""
    from .forms import get
    from .generate import generate
    from .workspace import init

    directory = Path(directory).resolve()
    if directory.exists():
        if not (directory / MARKER).exists():
            raise fail("FG130", str(directory), "the folder exists and is not a previous demo",
                       "choose another folder with --dir, or remove this one yourself")
        shutil.rmtree(directory)
    ws = init(directory, ORG, unit="Virksomhedsservice",
              contact="Jobcenter Eksempelby · Torvet 1 · 9999 Eksempelby · tlf. 99 99 99 99")
    (directory / MARKER).write_text("This folder is rebuilt by 'formgen demo'.\n")
    roster = directory / "roster.csv"
    roster.write_text("citizen_ref;name;company;mentor;consultant;programme\n" + "".join(
        f"{c.citizen_ref};{c.name};{c.company};{c.mentor};{c.consultant};{c.programme}\n" for c in ROSTER),
        encoding="utf-8")
    yield f"Demo workspace for {ORG}: {ws.root}"
    yield f"Roster of {len(ROSTER)} fictional citizens at 3 companies: {roster}"
    for form_id, fmt in (("samtaleskema", "docx"), ("opfoelgning", "docx"), ("kompetencekort", "docx")):
        d = get(form_id).definition
        result = generate(ws, d, fmt, list(ROSTER), None, round_no=1, date=START)
        yield f"Round 1 {form_id} ({fmt}): {len(result.files)} files in {result.out_dir}"
    blank = generate(ws, get("praktik-trivsel").definition, "docx", None, ["borger"], round_no=1, date=START)
    yield f"A blank form to print: {blank.files[0]}"
    yield "Open the .docx files in Word or LibreOffice to fill them in."
