"""Company feedback sheet: for the mentor, what they rated, what moved since last time, the agreed delmål
and arbejdsaftale — for that company's citizens only, by first name.

The forms carry no permission to share one respondent's free text with another, so the sheet shows the
mentor's own scores and texts, plus what was agreed at the follow-up: the next delmål (a text field
named naeste_delmaal) and the arbejdsaftale, the konsulent's version first, else the mentor's. The
borger's answers and the konsulent's other texts are never on it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from formgen.formats.word import rich
from formgen.store import db as store
from formgen.store import queries
from formgen.reports.common import da_date, render, slug
from formgen.core.errors import fail
from formgen.core.private import private_dir, write_private

__all__ = ["DELMAAL", "AFTALE", "AGREED_BY", "CompanyResult", "company_people", "first_names", "mentor_data",
           "score_rows", "own_texts", "agreed", "latest_round", "expected", "context", "load", "build",
           "company_sheet"]

DELMAAL = "naeste_delmaal"
AFTALE = "arbejdsaftale"
AGREED_BY = ("konsulent", "mentor")


@dataclass(frozen=True)
class CompanyResult:
    """The sheet one run wrote, and whose data is on it."""

    company: str
    round: int
    citizens: list[str]
    docx: Path
    pdf: Path | None = None


def company_people(citizens: dict[str, dict], name: str) -> tuple[str, list[dict]]:
    """The company as the roster spells it and its citizens; an error naming the known companies otherwise."""
    rows = [{k: r.get(k) for k in ("citizen_ref", "name", "company", "consultant")} for r in citizens.values()]
    found = [r for r in rows if (r["company"] or "").strip().casefold() == name.strip().casefold()]
    if not found:
        known = sorted({(r["company"] or "").strip() for r in rows} - {""})
        raise fail("FG130", name, "no citizens at this company in the roster",
                   "use the company name as in the roster" + (f": {', '.join(known)}" if known else ""))
    return found[0]["company"].strip(), sorted(found, key=lambda r: r["citizen_ref"])


def first_names(people: list[dict]) -> dict[str, str]:
    """citizen_ref → first name (the ref when there is no name); the ref is added when two share a first name."""
    first = {p["citizen_ref"]: ((p["name"] or "").split() or [p["citizen_ref"]])[0] for p in people}
    twice = {n for n in first.values() if list(first.values()).count(n) > 1}
    return {ref: f"{n} ({ref})" if n in twice and n != ref else n for ref, n in first.items()}


def mentor_data(loaded, refs: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The mentor's indicator scores (no kompetencekort) and all texts of these citizens."""
    from formgen.consolidate import scores as c

    kk = c.kompetencekort_forms(loaded)
    scores = c.score_frame(loaded)
    scores = scores[scores["citizen_ref"].isin(refs) & ~scores["form"].isin(kk) & (scores["respondent"] == "mentor")]
    texts = c.text_frame(loaded)
    return scores.reset_index(drop=True), texts[texts["citizen_ref"].isin(refs) & ~texts["form"].isin(kk)]


def _step(v) -> str:
    return "–" if v != v else str(int(v))


def _change(now, before, same_scale: bool) -> str:
    if now != now:
        return ""
    if before != before:
        return "første vurdering"
    if not same_scale:
        return "ny skala"
    d = int(now - before)
    return f"↑ +{d}" if d > 0 else f"↓ −{-d}" if d < 0 else "→ uændret"


def score_rows(scores: pd.DataFrame, texts: pd.DataFrame, ref: str, round_no: int) -> list[dict]:
    """Per indicator the mentor scored in this round: before, now, the change, their next delmål and comment."""
    s = scores[scores["citizen_ref"] == ref].sort_values(["round", "submitted_at"], kind="stable")
    mine = _mine(texts, ref, round_no)
    rows = []
    for item in dict.fromkeys(s[s["round"] == round_no]["item"]):
        now = s[(s["item"] == item) & (s["round"] == round_no)].iloc[-1]
        earlier = s[(s["item"] == item) & (s["round"] < round_no) & s["now"].notna()]
        before = earlier.iloc[-1] if not earlier.empty else None
        b = math.nan if before is None else before["now"]
        rows.append({"label": now["label"], "before": "–" if before is None else f"{_step(b)} (runde {before['round']})",
                     "now": "ved ikke" if now["dont_know"] else _step(now["now"]),
                     "change": _change(now["now"], b, before is None or before["steps"] == now["steps"]),
                     "goal": _step(now["goal"]), "steps": int(now["steps"]), "comment": _comment(mine[mine["item"] == item])})
    return rows


def _mine(texts: pd.DataFrame, ref: str, round_no: int) -> pd.DataFrame:
    return texts[(texts["citizen_ref"] == ref) & (texts["round"] == round_no) & (texts["respondent"] == "mentor")]


def _comment(t: pd.DataFrame) -> str:
    """The mentor's text answers on one indicator; labelled when there are several."""
    if len(t) == 1:
        return t.iloc[0]["text"]
    return " · ".join(_line(r["field_label"], r["text"]) for _, r in t.iterrows())


def _line(label: str, text: str) -> str:
    return f"{label}{' ' if label.rstrip().endswith('?') else ': '}{da_date(text) or text}"


def own_texts(texts: pd.DataFrame, ref: str, round_no: int, indicators: set[str]) -> list[str]:
    """The mentor's other text answers of this round (indicator comments sit in the table; the agreed delmål
    and arbejdsaftale are shown apart)."""
    t = _mine(texts, ref, round_no)
    t = t[(t["item"] != AFTALE) & (t["field"] != DELMAAL) & ~t["item"].isin(indicators)]
    return [_line(r["field_label"], r["text"]) for _, r in t.iterrows()]


def agreed(texts: pd.DataFrame, ref: str, round_no: int) -> list[tuple[str, str]]:
    """(label, text) of the next delmål and arbejdsaftale agreed this round: the konsulent's version, else the mentor's."""
    t = texts[(texts["citizen_ref"] == ref) & (texts["round"] == round_no)]
    out = []
    for label, part in (("Aftalt næste delmål", t[t["field"] == DELMAAL]), ("Arbejdsaftale", t[t["item"] == AFTALE])):
        who = next((w for w in AGREED_BY if (part["respondent"] == w).any()), None)
        if who:
            rows = part[part["respondent"] == who]
            out.append((label, rows.iloc[-1]["text"] if label != "Arbejdsaftale" else
                        " · ".join(_line(r["field_label"], r["text"]) for _, r in rows.iterrows())))
    return out


def _bold_label(label: str, text: str):
    return rich([(f"{label}: ", {"bold": True}), (text, {})])


def latest_round(scores: pd.DataFrame) -> int:
    """The latest round in which the mentor scored any of the company's citizens."""
    if scores.empty:
        raise fail("FG160", "mentor", "no imported mentor forms for this company's citizens",
                   "import the mentors' returned forms first (formgen intake)")
    return int(scores["round"].max())


def expected(dispatch: list[tuple], refs: list[str], round_no: int) -> set[str]:
    """Citizens a mentor form was sent out for in this round."""
    return {ref for ref, rnd, role, *_ in dispatch if ref in refs and rnd == round_no and role == "mentor"}


def context(company: str, people: list[dict], scores: pd.DataFrame, texts: pd.DataFrame, round_no: int,
            date: str, sent: set[str]) -> dict:
    """Everything the company template shows: citizens the mentor scored in the round, or was sent a form for."""
    names = first_names(people)
    indicators = set(scores["item"])
    citizens = []
    for p in people:
        ref = p["citizen_ref"]
        rows = score_rows(scores, texts, ref, round_no)
        if not rows and ref not in sent:
            continue
        citizens.append({"ref": ref, "name": names[ref], "rows": rows, "texts": own_texts(texts, ref, round_no, indicators),
                         "agreed": [_bold_label(label, text) for label, text in agreed(texts, ref, round_no)],
                         "missing": "" if rows else f"Vi har ikke modtaget jeres skema for runde {round_no}."})
    steps = sorted({r["steps"] for c in citizens for r in c["rows"]}) or [int(scores["steps"].max())]
    consultants = sorted({(p["consultant"] or "").strip() for p in people} - {""})
    return {
        "company": company, "round": round_no, "date": date, "citizens": citizens,
        "intro": f"Her er jeres vurderinger fra runde {round_no} af borgerne i forløb hos {company}, og hvad der har "
                 f"flyttet sig siden jeres forrige vurdering. Tallene er trin fra 1 til {'/'.join(map(str, steps))}, "
                 f"hvor højere er bedre. Tak for jeres indsats – den gør en forskel.",
        "note": "Arket viser kun jeres egne vurderinger og bemærkninger og det næste delmål og den arbejdsaftale, der "
                "blev aftalt ved opfølgningen. Borgerens og jobkonsulentens øvrige svar er ikke med, og borgerne nævnes "
                "kun ved fornavn." + (f" Spørgsmål: kontakt jobkonsulent {' eller '.join(consultants)}." if consultants else ""),
    }


def load(engine, name: str, round_no: int | None) -> dict:
    """The company's template context for a round (default: the latest with mentor answers)."""
    return build(queries.for_company(engine), name, round_no)


def build(loaded, name: str, round_no: int | None) -> dict:
    """The company's template context from what was loaded (no database)."""
    from formgen.consolidate.overview import round_dates

    company, people = company_people(loaded.citizens, name)
    refs = [p["citizen_ref"] for p in people]
    scores, texts = mentor_data(loaded, refs)
    round_no = round_no or latest_round(scores)
    if scores[scores["round"] == round_no].empty:
        raise fail("FG160", f"--round {round_no}", f"no mentor answers from {company} in this round",
                   f"choose a round with mentor answers: {', '.join(map(str, sorted(set(scores['round'])))) or 'none yet'}")
    dates = round_dates(loaded.dated)
    day = min((dates[(r, round_no)] for r in refs if (r, round_no) in dates), default=None)
    return context(company, people, scores, texts, round_no, da_date(day), expected(loaded.dispatch, refs, round_no))


def company_sheet(ws, name: str, round_no: int | None = None, fmt: str = "docx",
                  out_dir: Path | None = None) -> CompanyResult:
    """Write one company's feedback sheet (.docx, and .pdf when asked); logged for every citizen on it."""
    engine = store.connect(ws.db, ws.unit)
    try:
        ctx = load(engine, name, round_no)
        company, round_no, shown = ctx["company"], ctx["round"], [c["ref"] for c in ctx["citizens"]]
        store.log_entries(engine, "report", {"kind": "company", "company": company, "round": round_no, "format": fmt},
                          shown)
    finally:
        engine.dispose()
    folder = private_dir(Path(out_dir) if out_dir else ws.reports / "company" / slug(company))
    docx = write_private(folder / f"virksomhedsark_{slug(company)}_runde-{round_no}.docx",
                         render(ws, "company.docx", ctx, title=f"Tilbagemelding til {company} – runde {round_no}",
                                subject="Borgernes progression hos virksomheden"))
    pdf = None
    if fmt == "pdf":
        from formgen.formats.convert import to_pdf

        pdf = to_pdf([docx], folder)[0]
    return CompanyResult(company, round_no, shown, docx, pdf)
