"""The candidate's kompetencekort document: every competence the company assessed, grouped, with the level
in words and numbers, where and when it was seen, who assessed it, and how it developed.

Rows of successive kompetencekort are linked by the competence text (case and spacing ignored), because
mentors reorder rows; a row with a level but no text continues the competence that was in the same row
of the previous card. Written for an employer who has never heard of formgen: no case numbers, no rounds.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from formgen.core.dates import day
from formgen.store import db as store
from formgen.store import queries
from formgen.store.queries import Cards
from formgen.reports.common import da_date, render
from formgen.forms.definition import LATER_RE, FormDefinition
from formgen.core.errors import fail
from formgen.core.private import private_dir, write_private

__all__ = ["Assessment", "KompetencekortResult", "assessments", "link", "competence_row", "assessor", "context",
           "kompetencekort_doc"]


@dataclass(frozen=True)
class Assessment:
    """One imported kompetencekort: when, by whom, its rows and its scale."""

    date: dt.date | None
    definition: FormDefinition
    answers: dict[tuple[str, str], str]
    filled_by: str

    def text(self, key: str, field: str) -> str:
        return " ".join((self.answers.get((key, field)) or "").split())

    def words(self, level: int) -> str:
        """The scale's anchor text for a level (its band's text on a banded scale)."""
        return next((b.text for b in self.definition.scale.bands() if b.span[0] <= level <= b.span[1]), "")


@dataclass(frozen=True)
class KompetencekortResult:
    """The document one run wrote."""

    citizen_ref: str
    docx: Path
    pdf: Path | None = None


def assessments(loaded: Cards) -> list[Assessment]:
    """The citizen's imported kompetencekort, oldest first."""
    defs = {fp: FormDefinition.model_validate(d) for fp, d in loaded.definitions.items()}
    out = []
    for sub in loaded.submissions:
        answers = {(i, f): v for sid, i, f, v in loaded.values if sid == sub.id and v}
        cards, dated = _per_assessment(answers), day(sub.filled_date)
        for n, card in enumerate(cards):
            latest = max((d for (_, f), v in card.items() if f == "dato" and (d := day(v))), default=None)
            # One assessment on the card: the card's date. Several: each its own Dato cells.
            when = ((latest or dated) if len(cards) > 1 else (dated or latest)) or day((sub.submitted_at or "")[:10])
            out.append((sub.round or 0, when or dt.date.min, sub.submitted_at or "", n,
                        Assessment(when, defs[sub.fingerprint], card, sub.filled_by or "")))
    return [x[-1] for x in sorted(out, key=lambda x: x[:4])]  # within a round by date, across cards too


def _per_assessment(answers: dict[tuple[str, str], str]) -> list[dict[tuple[str, str], str]]:
    """One card's answers split into its assessments: the first, then each later Dato/Niveau pair
    (now_2, dato_2 …) as now/dato beside the row's competence and place; only those with a level."""
    later: dict[int, dict] = {}
    first = {}
    for (key, field), value in answers.items():
        if m := LATER_RE.match(field):
            later.setdefault(int(m[2]), {})[(key, m[1])] = value
        else:
            first[(key, field)] = value
    shared = {k: v for k, v in first.items() if k[1] not in ("now", "dato")}
    cards = [first] + [{**shared, **later[n]} for n in sorted(later)]
    return [c for c in cards if any(k[1] == "now" for k in c)]


def _level(value: str) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def link(cards: list[Assessment]) -> list[dict]:
    """Competences across cards, linked by their text: {name, group, entries: [{date, level, steps, words, place, card}]}."""
    comps: dict[str, dict] = {}
    previous: dict[str, str] = {}
    for card in cards:
        current = {}
        for g in card.definition.groups:
            for n in range(1, g.rows + 1):
                row = f"{g.key}_{n}"
                text, level = card.text(row, "kompetence"), _level(card.answers.get((row, "now")))
                key = text.casefold() if text else previous.get(row) if level else None
                if not key:
                    continue
                c = comps.setdefault(key, {"name": text, "group": g.key, "entries": []})
                if text:
                    c["name"], c["group"] = text, g.key
                if level:
                    c["entries"].append({"date": day(card.text(row, "dato")) or card.date, "level": level,
                                         "steps": card.definition.scale.steps, "words": card.words(level),
                                         "place": card.text(row, "sted"), "card": card})
                current[row] = key
        previous = current
    return [c for c in comps.values() if c["entries"]]


def _trend(levels: list[int]) -> str:
    if len(levels) < 2:
        return "Vurderet én gang"
    a, b = levels[0], levels[-1]
    return f"{'Fremgang' if b > a else 'Tilbagegang' if b < a else 'Uændret'}: {' → '.join(map(str, levels))}"


def competence_row(c: dict) -> dict:
    """One table row: the latest level in numbers and words, where and when, and the development."""
    last = c["entries"][-1]
    place = next((e["place"] for e in reversed(c["entries"]) if e["place"]), "")
    return {"name": c["name"], "level": f"{last['level']} af {last['steps']}", "words": last["words"],
            "place": place or "–", "date": da_date(last["date"]) or "–",
            "trend": _trend([e["level"] for e in c["entries"]]),
            "history": [f"{da_date(e['date'])}: {e['level']}" for e in c["entries"]] if len(c["entries"]) > 1 else []}


def assessor(card: Assessment, company: str) -> dict:
    """Who assessed a card: the names written in it, else who it was made out to, and the company."""
    return {"name": card.text("vurdering", "assessor_navn") or card.filled_by or "–",
            "role": card.text("vurdering", "assessor_rolle") or "–",
            "company": card.text("vurdering", "assessor_virksomhed") or company or "–"}


def context(citizen: dict, cards: list[Assessment]) -> dict:
    """Everything the kompetencekort template shows."""
    comps, latest = link(cards), cards[-1].definition
    groups = [{"title": g.title, "description": g.description,
               "rows": [competence_row(c) for c in comps if c["group"] == g.key]} for g in latest.groups]
    people = [dict(assessor(card, citizen["company"]), date=da_date(card.date),
                   count=sum(any(e["card"] is card for e in c["entries"]) for c in comps)) for card in cards]
    company = people[-1]["company"]
    roles = {p["name"]: p["role"] for p in reversed(people) if p["role"] != "–"}
    names = [n + (f" ({roles[n]})" if n in roles else "") for n in dict.fromkeys(p["name"] for p in people)]
    dates = [card.date for card in cards if card.date]
    period = " – ".join(dict.fromkeys(da_date(d) for d in (min(dates), max(dates)))) if dates else "–"
    first = citizen["name"].split()[0]
    steps = latest.scale.steps
    return {
        "candidate": citizen["name"], "company": company, "assessors": ", ".join(names), "period": period,
        "intro": [f"Dette kompetencekort beskriver de kompetencer, som {company} har set hos {citizen['name']} i det "
                  f"daglige arbejde. Kortet er udfyldt af virksomheden sammen med {first} og kan bruges som "
                  f"reference og som supplement til et CV.",
                  f"For hver kompetence står det seneste niveau på en skala fra 1 til {steps} – både som tal og i ord – "
                  f"hvor og hvornår kompetencen er set, og hvordan den har udviklet sig, hvis den er vurderet flere gange."],
        "levels": [{"step": b.steps.replace("-", "–"), "text": b.text} for b in latest.scale.bands()],
        "groups": [g for g in groups if g["rows"]], "assessments": people,
        "note": next((c.answers.get(("kandidat", "note")) for c in reversed(cards) if c.answers.get(("kandidat", "note"))), ""),
    }


def _citizen(ref: str, row: dict) -> dict:
    return {"ref": ref, "name": (row.get("name") or "").strip() or ref, "company": (row.get("company") or "").strip()}


def kompetencekort_doc(ws, ref: str, fmt: str = "docx", out_dir: Path | None = None) -> KompetencekortResult:
    """Write the candidate's kompetencekort document (and PDF when asked) from every imported kompetencekort."""
    engine = store.connect(ws.db, ws.unit)
    try:
        loaded = queries.for_kompetencekort(engine, ref)
        cards = assessments(loaded)
        if not cards:
            raise fail("FG160", ref, "no imported kompetencekort for this citizen with a level for any competence",
                       f"import a kompetencekort the mentor has filled in (formgen intake); make one with "
                       f"'formgen generate kompetencekort --citizen {ref}'")
        citizen = _citizen(ref, loaded.citizen)
        store.log_entries(engine, "report", {"kind": "kompetencekort", "cards": len(cards), "format": fmt}, [ref])
    finally:
        engine.dispose()
    org = ws.config.organisation
    ctx = dict(context(citizen, cards), issued=f"Udstedt af {org.name}{' · ' + org.unit if org.unit else ''} på grundlag "
               f"af virksomhedens vurderinger." + (f" Spørgsmål til kortet: {org.contact}." if org.contact else ""))
    folder = private_dir(Path(out_dir) if out_dir else ws.reports / ref)
    docx = write_private(folder / f"kompetencekort_{ref}.docx",
                         render(ws, "kompetencekort.docx", ctx, title=f"Kompetencekort – {citizen['name']}",
                                subject="Kompetencer vurderet af virksomheder"))
    pdf = None
    if fmt == "pdf":
        from formgen.formats.convert import to_pdf

        pdf = to_pdf([docx], folder)[0]
    return KompetencekortResult(ref, docx, pdf)
