"""Interpreting what a file says: identity against the manifest, values against the definition.

Tolerates what people do ("4", " 4 ", "4/10", NBSP, "Ved ikke"); flags what cannot be decided
("4,5", "fire", two values, out of range, a copied row) instead of guessing.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from formgen.forms.definition import DONT_KNOW, DONT_KNOW_VALUE, AnswerField, FormDefinition
from formgen.core.dates import iso_date
from formgen.core.errors import Problem
from formgen.formats.extract import Extract, Found

__all__ = ["DONT_KNOW_WORDS", "NUMBER_WORDS", "CONTROL_CHARS", "Answer", "Reading", "clean_text", "interpret", "parse_value", "parse_score", "parse_number", "parse_date"]

DONT_KNOW_WORDS = {"ved ikke", "ved ikke / ikke relevant", "ikke relevant", "?", "vi", "ved ik"}
NUMBER_WORDS = {"en", "et", "één", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "one", "two",
                "three", "four", "five"}
CONTROL_CHARS = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")


@dataclass(frozen=True)
class Answer:
    """One interpreted answer."""

    key: str
    field: str
    value: str | None  # step number as text, 'ved ikke', text, ISO date, number; None = unanswered
    raw: str
    how: str
    confidence: float | None = None  # mark recognition's certainty (how omr); None for typed answers


@dataclass(frozen=True)
class Reading:
    """The outcome of interpreting one file: answers, or the problems that stop it."""

    answers: tuple[Answer, ...]
    problems: tuple[Problem, ...]


def clean_text(text: str) -> str:
    """Free text as stored: NFC, no control characters, no NBSP, trimmed."""
    if not text.isascii():  # NBSP, en space and decomposed letters are never ASCII
        text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u2002", " ")
    return text.translate(CONTROL_CHARS).strip()


def interpret(x: Extract, d: FormDefinition, role: str, file_name: str) -> Reading:
    """Check every field this respondent has; problems name the indicator and field."""
    answers, problems = [], []
    by_field: dict[tuple[str, str], list[Found]] = {}
    for f in x.answers:
        by_field.setdefault((f.key, f.field), []).append(f)
    # Later kompetencekort assessments are optional: only those written in are kept.
    for af, optional in [(af, False) for af in d.fields(role)] + [(af, True) for af in d.later_fields(role)]:
        founds = by_field.get((af.key, af.field), [])
        # Tags beat the layout fallback; the fallback only fills fields whose tags are gone.
        founds = [f for f in founds if f.how != "row"] or founds
        where = f"{file_name}: {af.block} › {af.label}"
        texts = [text for f in founds if not f.placeholder and (text := clean_text(f.raw))]
        if optional and not texts:
            continue
        if not founds:
            answers.append(Answer(af.key, af.field, None, "", "missing"))
            continue
        if len(set(texts)) > 1:
            problems.append(Problem("FG224", where, f"the field appears {len(founds)} times with different values "
                                    f"({', '.join(sorted(set(texts)))}) — a copied row?",
                                    "delete the copied row so each indicator appears once, then import again"))
            continue
        f = next((f for f in founds if not f.placeholder and clean_text(f.raw)), founds[0]) if texts else founds[0]
        value, problem = parse_value(texts[0] if texts else "", af, d, where)
        if problem:
            problems.append(problem)
        else:
            answers.append(Answer(af.key, af.field, value, f.raw if f.stored is None else f.stored, f.how))
    return Reading(tuple(answers), tuple(problems))


def parse_value(raw: str, af: AnswerField, d: FormDefinition, where: str) -> tuple[str | None, Problem | None]:
    """One field's value, or the problem that prevents deciding it."""
    if not raw:
        return None, None
    if af.type == "score":
        return parse_score(raw, d.scale.steps, d.scale.dont_know, where)
    if af.type == "number":
        return parse_number(raw, where)
    if af.type == "date":
        return parse_date(raw, where)
    return raw, None


def parse_score(raw: str, steps: int, dont_know: bool, where: str) -> tuple[str | None, Problem | None]:
    """'4', ' 4 ', '4/10' → '4'; 'Ved ikke' → 'ved ikke'; anything undecidable → a problem."""
    text = " ".join(raw.split()).lower().rstrip(".")
    fix = f"write one whole number from 1 to {steps}" + (f" or '{DONT_KNOW}'" if dont_know else "")
    if text in DONT_KNOW_WORDS:
        if dont_know:
            return DONT_KNOW_VALUE, None
        return None, Problem("FG225", where, f"'{raw}' is not allowed on this scale", f"{fix}, then import again")
    m = re.fullmatch(r"(\d+)\s*(?:/\s*(\d+)|af\s+(\d+))?", text)
    if m:
        n, denom = int(m.group(1)), m.group(2) or m.group(3)
        if denom and int(denom) != steps:
            return None, Problem("FG223", where, f"'{raw}' uses a 1-{denom} scale, but this scale has {steps} steps",
                                 f"{fix}, then import again")
        if 1 <= n <= steps:
            return str(n), None
        return None, Problem("FG223", where, f"{n} is outside the scale 1-{steps}", f"{fix}, then import again")
    if re.fullmatch(r"\d+[.,]\d+", text):
        return None, Problem("FG221", where, f"'{raw}' is between two steps", f"choose one step: {fix}, then import again")
    if len(re.findall(r"\d+", text)) > 1:
        return None, Problem("FG222", where, f"'{raw}' holds more than one value", f"{fix}, then import again")
    if text in NUMBER_WORDS:
        return None, Problem("FG220", where, f"'{raw}' is written in words", f"{fix} in digits, then import again")
    return None, Problem("FG220", where, f"'{raw}' is not a step on the scale", f"{fix}, then import again")


def parse_number(raw: str, where: str) -> tuple[str | None, Problem | None]:
    """Hours and similar: '25', '25,5', '25 timer' → '25', '25.5'."""
    m = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*(?:t|timer|time|h|hours)?\.?", raw.strip().lower())
    if not m:
        return None, Problem("FG226", where, f"'{raw}' is not a number", "write a number such as 25 or 22,5, then import again")
    value = m.group(1).replace(",", ".")
    return (value[:-2] if value.endswith(".0") else value), None


def parse_date(raw: str, where: str) -> tuple[str | None, Problem | None]:
    """Danish and ISO dates → ISO 'YYYY-MM-DD'."""
    iso = iso_date(raw)
    if iso:
        return iso, None
    return None, Problem("FG227", where, f"'{raw}' is not a date", "write the date as dd-mm-åååå, e.g. 24-11-2026, then import again")
