"""The demo: a fictional jobcentre, six citizens at three companies, three rounds 8 weeks apart.

All data is generated here from a fixed seed: forms are generated, filled as the respondents
would (with varied, plausible progress), returned, imported and exported.
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from formgen.core.errors import fail
from formgen.generate.roster import Citizen

__all__ = ["run_demo"]

ORG = "Jobcenter Eksempelby"
ROSTER = (
    Citizen("S-0001", "Ida Holm", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik"),
    Citizen("S-0002", "Ahmad Rahimi", "Jensen & Søn ApS", "Mette Berg", "Karl Nørgaard", "Virksomhedspraktik"),
    Citizen("S-0003", "Sofie Lund", "Café Åen I/S", "Jonas Vestergaard", "Lise Dam", "Virksomhedspraktik"),
    Citizen("S-0004", "Mikkel Østergaard", "Café Åen I/S", "Jonas Vestergaard", "Lise Dam", "Løntilskud"),
    Citizen("S-0005", "Hanne Kjær", "Eksempelby Genbrug", "Pia Holst", "Karl Nørgaard", "Virksomhedspraktik"),
    Citizen("S-0006", "Jamal Yusuf", "Eksempelby Genbrug", "Pia Holst", "Lise Dam", "Løntilskud"),
)
START = dt.date(2026, 6, 1)
WEEKS = 8
MARKER = ".formgen-demo"
# Level on the 1-10 scale per round: steady, stalling, disagreeing (borger high, mentor low), ...
PATHS = {
    "S-0001": {"*": (3, 5, 7)},
    "S-0002": {"*": (4, 4, 5)},
    "S-0003": {"borger": (7, 8, 8), "mentor": (4, 4, 4), "konsulent": (5, 5, 6)},
    "S-0004": {"*": (5, 6, 6)},
    "S-0005": {"*": (2, 4, 5)},
    "S-0006": {"*": (4, 5, 6)},
}
MISSING = {("S-0004", "mentor", 3)}  # one return never comes back
RESAVED = ("S-0005", "borger", 2)  # re-saved in LibreOffice (strips the tags) when it is installed
BROKEN = ("S-0006", "konsulent", 2)  # truncated in transit: lands in quarantine
TEXTS = ["Møder stabilt og til tiden.", "Har selv bedt om flere opgaver.", "Trives med kollegerne i frokostpausen.",
         "Skal øve sig i at sige til, når noget er svært.", "Flere timer, når det går godt i fire uger.",
         "Har lært at betjene kassen.", "Træthed om eftermiddagen fylder stadig."]


def run_demo(directory: Path) -> Iterator[str]:
    """Build the demo workspace and yield lines telling what was made and where to look."""
    from formgen.core.workspace import init

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
    rng = random.Random(2026)
    for round_no, form_id in ((1, "samtaleskema"), (2, "opfoelgning"), (3, "opfoelgning")):
        yield from _round(ws, round_no, form_id, rng)
    yield from _kompetencekort(ws, rng)
    yield from _after(ws)


def _round(ws, round_no: int, form_id: str, rng: random.Random) -> Iterator[str]:
    from formgen.forms.catalogue import get
    from formgen.generate.run import generate

    d = get(form_id).definition
    date = START + dt.timedelta(weeks=WEEKS * (round_no - 1))
    result = generate(ws, d, "docx", list(ROSTER), None, round_no=round_no, date=date)
    yield f"Runde {round_no} ({date:%d-%m-%Y}): {len(result.files)} {form_id} forms generated in {result.out_dir}"
    returned = 0
    for path in result.files:
        ref, role = path.name.split("_")[:2]
        if (ref, role, round_no) in MISSING:
            continue
        data = _filled(path.read_bytes(), d, ref, role, round_no, rng)
        target = ws.intake / path.name
        target.write_bytes(data)
        if (ref, role, round_no) == BROKEN:
            target.write_bytes(data[: len(data) // 3])
        elif (ref, role, round_no) == RESAVED:
            _resave(target)
        returned += 1
    yield f"  {returned} filled forms returned to {ws.intake}"
    yield _intake(ws, f"Runde {round_no}")


def _intake(ws, label: str) -> str:
    from formgen.intake.run import intake

    c = intake(ws).counts
    return (f"  Intake {label}: imported {c['imported']}, needs review {c['review']}, rejected {c['rejected']}"
            + (f" (see {ws.intake / 'quarantine'})" if c["review"] or c["rejected"] else ""))


def _filled(data: bytes, d, ref: str, role: str, round_no: int, rng: random.Random) -> bytes:
    """Answers as this respondent would give them in this round."""
    from formgen.formats.docx import fill_answers

    path = PATHS[ref].get(role) or PATHS[ref]["*"]
    values = {}
    for n, f in enumerate(d.fields(role)):
        if f.type == "score":
            base = path[round_no - 1] + rng.choice((-1, 0, 0, 1))
            now = max(1, min(d.scale.steps, base))
            values[f.tag] = str(now if f.field == "now" else min(d.scale.steps, now + rng.choice((1, 2))))
        elif f.type == "number":
            values[f.tag] = str(8 + 6 * round_no + (4 if f.field.endswith("naeste") else 0))
        elif f.type == "date":
            values[f.tag] = (START + dt.timedelta(weeks=WEEKS * round_no)).strftime("%d-%m-%Y")
        elif rng.random() < 0.6:
            values[f.tag] = rng.choice(TEXTS)
    if ref == "S-0002" and role == "borger" and round_no == 2:
        values["fg:psykisk_styrke:now"] = "Ved ikke"
    return fill_answers(data, values)


def _kompetencekort(ws, rng: random.Random) -> Iterator[str]:
    from formgen.formats import xlsx
    from formgen.forms.definition import later_field
    from formgen.formats.docx import fill_answers
    from formgen.forms.catalogue import get
    from formgen.generate.run import generate

    d = get("kompetencekort").definition
    when = START + dt.timedelta(weeks=16)
    examples = {g.key: g.examples for g in d.groups}
    # The first citizen's mentor keeps an Excel card and assesses three times in it (weeks 4, 10, 16).
    [path] = generate(ws, d, "xlsx", list(ROSTER[:1]), None, round_no=3, date=when).files
    values = {"fg.vurdering.assessor_navn": ROSTER[0].mentor, "fg.vurdering.assessor_rolle": "Butiksleder"}
    for g in d.groups:
        for n, example in enumerate(examples[g.key][:2], start=1):
            level = rng.randint(1, 3)
            values[f"fg.{g.key}_{n}.kompetence"], values[f"fg.{g.key}_{n}.sted"] = example, "I butikken"
            for k, week in enumerate((4, 10, 16), start=1):
                level = min(d.scale.steps, level + rng.choice((0, 1, 1)) * (k > 1))
                values[f"fg.{g.key}_{n}.{later_field('now', k)}"] = str(level)
                values[f"fg.{g.key}_{n}.{later_field('dato', k)}"] = \
                    (START + dt.timedelta(weeks=week)).strftime("%d-%m-%Y")
    (ws.intake / path.name).write_bytes(xlsx.fill_answers(path.read_bytes(), values))
    result = generate(ws, d, "docx", list(ROSTER[1:3]), None, round_no=3, date=when)
    for citizen, path in zip(ROSTER[1:3], result.files):
        values = {"fg:vurdering:assessor_navn": citizen.mentor, "fg:vurdering:assessor_rolle": "Mentor"}
        for g in d.groups:
            for n, example in enumerate(examples[g.key][:2], start=1):
                values.update({f"fg:{g.key}_{n}:kompetence": example, f"fg:{g.key}_{n}:now": str(rng.randint(2, 5)),
                               f"fg:{g.key}_{n}:sted": "I butikken", f"fg:{g.key}_{n}:dato": "14-09-2026"})
        (ws.intake / path.name).write_bytes(fill_answers(path.read_bytes(), values))
    yield (f"Kompetencekort for {len(result.files) + 1} citizens filled by their mentors "
           f"(one in Excel, assessed three times)")
    yield _intake(ws, "kompetencekort")


def _resave(path: Path) -> None:
    """Re-save through LibreOffice, as a respondent without Word would (skipped when not installed)."""
    from formgen.formats.convert import find_soffice

    soffice = find_soffice()
    if not soffice:
        return
    out = path.parent / ".lo-out"
    subprocess.run([soffice, f"-env:UserInstallation=file://{out}/profile", "--headless", "--convert-to", "docx",
                    "--outdir", str(out), str(path)], capture_output=True, timeout=180)
    if (out / path.name).exists():
        shutil.move(str(out / path.name), path)
    shutil.rmtree(out, ignore_errors=True)


def _reports(ws) -> Iterator[str]:
    from formgen.reports.citizen import all_reports

    from formgen.formats.convert import find_soffice

    fmt = "pdf" if find_soffice() else "docx"
    results = all_reports(ws, fmt)
    yield f"Progression reports ({fmt}) with draft journalnotat for {len(results)} citizens: {ws.output / 'reports'}"
    from formgen.reports.company import company_sheet
    from formgen.reports.kompetencekort import kompetencekort_doc
    from formgen.reports.overview import overview_report

    ov = overview_report(ws, None, None, "company", fmt)
    yield f"Management overview (groups under 5 citizens suppressed): {ov.pdf or ov.docx} and {ov.xlsx}"
    sheet = company_sheet(ws, ROSTER[0].company, None, fmt)
    yield f"Feedback sheet for {sheet.company}: {sheet.pdf or sheet.docx}"
    kk = kompetencekort_doc(ws, ROSTER[0].citizen_ref, fmt)
    yield f"Kompetencekort for {ROSTER[0].name}: {kk.pdf or kk.docx}"
    if fmt == "docx":
        yield "  (install LibreOffice to get PDF reports: apt-get install libreoffice-writer-nogui)"


def _after(ws) -> Iterator[str]:
    from formgen.reports.exports import export
    from formgen.intake.status import status

    missing = [e for e in status(ws) if not e.returned]
    for e in missing:
        yield f"Status: still missing runde {e.round} {e.form} from {e.role} for {e.citizen_ref} ({e.name})"
    for what in ("scores", "texts"):
        out = export(ws, what, "xlsx")
        yield f"Export of {what}: {out.path} ({out.rows} rows)"
    yield from _reports(ws)
    yield f"Import reports: {ws.output / 'import'}"
    yield f"Look at: {ws.output / 'forms'} (the forms), {ws.intake / 'processed'} (the returns)"
