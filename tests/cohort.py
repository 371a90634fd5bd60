"""A cohort of 12 citizens at three companies, two rounds, built through the real pipeline
(generate → fill as Word would → intake). The numbers are chosen so the overview can be worked by hand.

Scale: 5 steps, so on 0-100 step 1 = 0, 2 = 25, 3 = 50, 4 = 75, 5 = 100.

| citizens            | company          | consultant      | samarbejde (now) round 1 → 2          |
|---------------------|------------------|-----------------|---------------------------------------|
| S-0001 … S-0006     | Jensen & Søn ApS | Karl            | all 2 → borger 4, mentor 3, konsulent 3 |
| S-0007              | Café Åen         | Karl            | all 2 → all 2                         |
| S-0008 … S-0011     | Café Åen         | Lise            | all 2 → all 2                         |
| S-0012              | Genbrug          | Lise            | all 2 → borger 4, mentor 2, konsulent's form never returned |

Every round: samarbejde goal 3; mødestabilitet now 3, goal 4; faglige now 4 (no goal).
Programme: Virksomhedspraktik for S-0001 … S-0010, a formula-looking name for S-0011 and S-0012.
"""
from __future__ import annotations

import datetime as dt
import textwrap

from filling import fill_docx
from formgen.forms.catalogue import parse
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.generate.roster import Citizen

FORM = parse(textwrap.dedent("""
    id: kort-opfoelgning
    version: "1"
    kind: opfoelgning
    title: Kort opfølgning
    scale:
      steps: 5
      anchors: [Meget svært, Svært, Middel, Godt, Meget godt]
    respondents: [borger, mentor, konsulent]
    sections:
      - title: Hovedområder
        items:
          - key: samarbejde
            label: Samarbejde
            question: Hvordan går samarbejdet med kollegerne?
            texts: [{key: kommentar, label: Kommentar}]
          - {key: moedestabilitet, label: Mødestabilitet, question: "Kommer borgeren til tiden?"}
          - {key: faglige, label: Faglige kompetencer, question: "Hvordan går det med opgaverne?", marks: [now]}
    texts:
      - key: samtale
        title: Samtale om forløbet
        fields:
          - {key: gaaet_godt, label: "Hvad er gået godt?"}
          - {key: naeste_delmaal, label: "Hvad er næste delmål?"}
      - key: arbejdsaftale
        title: Arbejdsaftale
        respondents: [mentor, konsulent]
        fields:
          - {key: timer_nu, label: "Timer pr. uge nu", type: number, lines: 1}
          - {key: timer_naeste, label: "Aftalte timer pr. uge fremover", type: number, lines: 1}
          - {key: opgaver, label: "Arbejdsopgaver"}
    """), "<cohort>")

JENSEN, CAFE, GENBRUG = "Jensen & Søn ApS", "Café Åen", "Genbrug"
FORMULA = '=HYPERLINK("http://evil.example","Løntilskud")'
NAMES = ["Ida Holm", "Bo Berg", "Ali Khan", "Eva Lund", "Jens Dam", "Mia Kjær",
         "Ole Nissen", "Lone Bak", "Emil Vang", "Sara Ravn", "Noah Friis", "Aya Said"]
DATES = {1: dt.date(2026, 1, 5), 2: dt.date(2026, 3, 2)}


def citizens() -> list[Citizen]:
    out = []
    for n, name in enumerate(NAMES, start=1):
        company = JENSEN if n <= 6 else CAFE if n <= 11 else GENBRUG
        mentor = {JENSEN: "Mette Berg", CAFE: "Jonas Vestergaard", GENBRUG: "Pia Holst"}[company]
        out.append(Citizen(f"S-{n:04d}", name, company, mentor, "Karl Nørgaard" if n <= 7 else "Lise Dam",
                           "Virksomhedspraktik" if n <= 10 else FORMULA))
    return out


def samarbejde(ref: str, role: str, round_no: int) -> int:
    """The 'now' on samarbejde from the table above."""
    n = int(ref[2:])
    if round_no == 1 or 7 <= n <= 11:
        return 2
    return {"borger": 4, "mentor": 3 if n <= 6 else 2, "konsulent": 3}[role]


TEXTS = {  # (ref, role, round) -> extra answers
    ("S-0001", "mentor", 2): {"fg:samarbejde:kommentar": "Hjælper nye kolleger", "fg:samtale:gaaet_godt": "Møder til tiden",
                              "fg:arbejdsaftale:timer_nu": "12"},
    ("S-0001", "borger", 2): {"fg:samarbejde:kommentar": "Jeg er træt om morgenen",
                              "fg:samtale:naeste_delmaal": "Borgerens eget delmål"},
    ("S-0001", "konsulent", 2): {"fg:samtale:gaaet_godt": "Konsulentens egen vurdering",
                                 "fg:samtale:naeste_delmaal": "Åbne butikken selv om morgenen",
                                 "fg:arbejdsaftale:timer_nu": "15", "fg:arbejdsaftale:timer_naeste": "20",
                                 "fg:arbejdsaftale:opgaver": "Kasse & lager"},
    ("S-0007", "mentor", 2): {"fg:samarbejde:kommentar": "Café-mentorens note"},
}


def answers(ref: str, role: str, round_no: int) -> dict[str, str]:
    values = {"fg:samarbejde:now": str(samarbejde(ref, role, round_no)), "fg:samarbejde:goal": "3",
              "fg:moedestabilitet:now": "3", "fg:moedestabilitet:goal": "4", "fg:faglige:now": "4"}
    return values | TEXTS.get((ref, role, round_no), {})


def build(ws, people: list[Citizen] | None = None) -> None:
    """Generate, fill and import both rounds (S-0012's konsulent form in round 2 never comes back)."""
    for round_no in (1, 2):
        files = generate(ws, FORM, "docx", people or citizens(), None, round_no=round_no, date=DATES[round_no]).files
        returned = 0
        for path in files:
            ref, role = path.name.split("_")[:2]
            if (ref, role, round_no) == ("S-0012", "konsulent", 2):
                continue
            fill_docx(path, answers(ref, role, round_no))
            (ws.intake / path.name).write_bytes(path.read_bytes())
            returned += 1
        counts = intake(ws).counts
        assert counts["imported"] == returned, counts
