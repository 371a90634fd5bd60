"""One citizen's consolidated data for the progression report: scores, progression, agreement, delmål, texts, dates."""
from __future__ import annotations

from dataclasses import dataclass

from formgen.core.errors import fail
from formgen.store import queries

__all__ = ["Data", "load", "load_all", "consolidated", "roster", "citizen_row"]


@dataclass(frozen=True)
class Data:
    """Everything the report needs about one citizen, consolidated: rows as dicts (consolidate's *_COLUMNS)."""

    citizen: dict
    scores: list[dict]
    progression: list[dict]
    agreement: list[dict]
    delmaal: list[dict]
    texts: list[dict]
    rounds: list[int]
    dates: dict[int, str]


def load(engine, ref: str, round_no: int | None = None) -> Data:
    """Consolidated data for one citizen (up to round_no), or a clear error when there is none."""
    found = load_all(engine, round_no, ref)
    if ref not in found:
        raise fail("FG160", ref, "no imported scores for this citizen" + (f" up to round {round_no}" if round_no else ""),
                   "import the returned forms first (formgen intake), and check the ref with 'formgen status'")
    return found[ref]


def load_all(engine, round_no: int | None = None, ref: str | None = None) -> dict[str, Data]:
    """Consolidated data of every citizen with imported scores (up to round_no), or of one: one read, one consolidation."""
    return consolidated(queries.for_citizens(engine, ref), round_no)


def consolidated(loaded, round_no: int | None = None) -> dict[str, Data]:
    """Each citizen's Data from what was loaded (no database).

    Each citizen's data is what consolidating that citizen alone gives: consolidation works per
    citizen, and labels come from the citizen's own forms (own_labels).
    """
    from formgen.consolidate import scores as c

    kk = c.kompetencekort_forms(loaded)  # they have a document of their own (kompetencekort.py)
    scores = c.score_frame(loaded, own_labels=True)
    scores = scores[~scores["form"].isin(kk)]
    texts = c.text_frame(loaded, own_labels=True)
    texts = texts[~texts["form"].isin(kk)]
    if round_no is not None:
        scores, texts = scores[scores["round"] <= round_no], texts[texts["round"] <= round_no]
    progression, agreement, delmaal = (_by_citizen(f(scores)) for f in (c.progression, c.agreement, c.delmaal))
    texts = _by_citizen(texts)
    citizens, dates = roster(loaded.citizens), _dates(loaded.dated)
    return {r: Data(citizen=citizens.get(r) or citizen_row(r, {}), scores=own, progression=progression.get(r, []),
                    agreement=agreement.get(r, []), delmaal=delmaal.get(r, []), texts=texts.get(r, []),
                    rounds=sorted({int(x["round"]) for x in own}), dates=dates.get(r, {}))
            for r, own in _by_citizen(scores).items()}


def _by_citizen(frame) -> dict[str, list[dict]]:
    """A frame's rows as dicts (Python values), by citizen, in the frame's order."""
    out: dict[str, list[dict]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["citizen_ref"], []).append(row)
    return out


def roster(rows: dict[str, dict]) -> dict[str, dict]:
    """What the report shows about each citizen, by ref."""
    return {ref: citizen_row(ref, row) for ref, row in rows.items()}


def citizen_row(ref: str, row) -> dict:
    """What the report shows about one citizen, from their roster row ({} when not on the roster)."""
    return {"ref": ref, "name": row.get("name") or ref, "company": row.get("company") or "–",
            "mentor": row.get("mentor") or "–", "consultant": row.get("consultant") or "–",
            "programme": row.get("programme") or "–"}


def _dates(dated: list[tuple]) -> dict[str, dict[int, str]]:
    """Per citizen: the date written on the forms of each round (the metadata field), else the import date."""
    by: dict[str, list] = {}
    for who, *row in dated:
        by.setdefault(who, []).append(row)
    out: dict[str, dict[int, str]] = {}
    for who, rows in by.items():
        days = out[who] = {}
        for rnd, filled, submitted in sorted(rows, key=lambda r: (r[0] or 0)):
            days.setdefault(rnd, filled or (submitted or "")[:10])
    return out
