"""Management overview: the numbers. Progression across citizens by indicator and group, never a ref or a name.

How the numbers are made (the report's "Sådan er tallene regnet" says the same in Danish):
- The period selects a citizen's round when the date written on its forms (else the import date) is in it.
- Scores are on 0-100 (consolidate.normalise), so 5-, 10- and 20-step forms compare.
- A citizen's progression on an indicator: for every respondent with two or more scores in the period,
  the latest minus the first; the citizen's value is the mean over those respondents. Averages weigh
  every citizen equally; a group's value is the mean of its citizens' means over the indicators.
- Delmål reached: of the delmål set in one round and judged at the next (consolidate.delmaal), the share reached.
- Agreement: one comparison per citizen × indicator × round with two or more respondents; a large
  difference is 20 points or more (as in the citizen report).
- Cohort spider: per respondent, the mean of each citizen's first and latest score (same citizens in both).
- Anything resting on fewer than 5 citizens is suppressed. When the suppressed groups together have
  fewer than 5 citizens, the next smallest group is suppressed too, so the total cannot give them away.
- Kompetencekort scores are competences, not indicators, and are left out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from formgen.core.dates import day
from formgen.core.errors import fail
from formgen.store import queries
from formgen.store.queries import Loaded

__all__ = ["MIN_CITIZENS", "SUPPRESSED", "GROUPINGS", "NOT_GIVEN", "ROLES", "Overview", "round_dates", "period_scores",
           "period_sent", "group_of", "first_latest", "citizen_changes", "suppressed", "indicator_rows", "group_rows",
           "group_indicator_rows", "agreement_rows", "return_rows", "spider_data", "period_text", "build", "compute"]

MIN_CITIZENS = 5
SUPPRESSED = "færre end 5"
GROUPINGS = {"programme": "Indsats", "company": "Virksomhed", "consultant": "Konsulent"}
NOT_GIVEN = "Ikke angivet"
ROLES = ("borger", "mentor", "konsulent")


@dataclass(frozen=True)
class Overview:
    """Every number of the management overview (floats unrounded; None where suppressed or undefined)."""

    period: str
    by: str
    citizens: int
    rounds: list[int]
    conversations: int
    returns: list[dict]
    indicators: list[dict]
    groups: list[dict]
    group_indicators: list[dict]
    agreement: list[dict]
    spider: dict

    @property
    def too_few(self) -> bool:
        return self.citizens < MIN_CITIZENS


# --- from what the store loaded ---------------------------------------------------------------

def round_dates(dated: list[tuple]) -> dict[tuple[str, int], object]:
    """The date of each citizen's round: the earliest date written on its forms, else the import date."""
    out: dict = {}
    for ref, rnd, filled, submitted in dated:
        if ref is None or rnd is None:
            continue
        d = day(filled) or day((submitted or "")[:10])
        if d and (out.get((ref, rnd)) is None or d < out[(ref, rnd)]):
            out[(ref, rnd)] = d
    return out


def _inside(d, date_from, date_to) -> bool:
    if date_from is None and date_to is None:
        return True
    return d is not None and (date_from is None or d >= date_from) and (date_to is None or d <= date_to)


def period_scores(loaded: Loaded, dates: dict, date_from=None, date_to=None) -> pd.DataFrame:
    """Every citizen's indicator scores (no kompetencekort) in rounds dated inside the period."""
    from formgen.consolidate import scores as c

    scores = c.score_frame(loaded)
    scores = scores[~scores["form"].isin(c.kompetencekort_forms(loaded))]
    keep = [_inside(dates.get((r, n)), date_from, date_to) for r, n in zip(scores["citizen_ref"], scores["round"])]
    return scores[keep].reset_index(drop=True)


def period_sent(loaded: Loaded, dates: dict, date_from=None, date_to=None) -> pd.DataFrame:
    """Personalised dispatched forms in the period (dated by their round, else by when they were made)."""
    keep = [dict(citizen_ref=r, round=n, respondent=role, returned=code in loaded.returned)
            for r, n, role, code, made in loaded.dispatch
            if _inside(dates.get((r, n)) or day((made or "")[:10]), date_from, date_to)]
    return pd.DataFrame(keep, columns=["citizen_ref", "round", "respondent", "returned"])


def group_of(citizens: dict[str, dict], by: str) -> dict[str, str]:
    """citizen_ref → the group (indsats, virksomhed or konsulent) from the roster."""
    return {ref: (row.get(by) or "").strip() or NOT_GIVEN for ref, row in citizens.items()}


# --- the numbers --------------------------------------------------------------------------------

def first_latest(scores: pd.DataFrame) -> pd.DataFrame:
    """Per citizen × indicator × respondent with two or more scores: first and latest on 0-100."""
    from formgen.consolidate.scores import progression

    p = progression(scores)
    p = p[p["now"].notna()].sort_values("round", kind="stable")
    g = p.groupby(["citizen_ref", "item", "respondent"], sort=False)
    out = g.agg(label=("label", "last"), first=("now_pct", "first"), latest=("now_pct", "last"),
                rounds=("round", "nunique")).reset_index()
    return out[out["rounds"] >= 2].drop(columns="rounds").reset_index(drop=True)


def citizen_changes(fl: pd.DataFrame) -> pd.DataFrame:
    """Per citizen × indicator: first, latest and change, each the mean over the respondents."""
    out = fl.groupby(["citizen_ref", "item"], sort=False).agg(first=("first", "mean"), latest=("latest", "mean"))
    out["change"] = out["latest"] - out["first"]
    return out.reset_index()


def suppressed(sizes: dict[str, int]) -> set[str]:
    """Groups to hide: those under 5 citizens, plus the smallest others until the hidden ones total 5 or more."""
    hidden = {g for g, n in sizes.items() if n < MIN_CITIZENS}
    others = sorted((n, g) for g, n in sizes.items() if g not in hidden)
    while hidden and others and sum(sizes[g] for g in hidden) < MIN_CITIZENS:
        hidden.add(others.pop(0)[1])
    return hidden


def _delmaal(dm: pd.DataFrame) -> tuple[int, int]:
    return int((dm["status"] == "reached").sum()), len(dm)


def indicator_rows(scores: pd.DataFrame, changes: pd.DataFrame, dm: pd.DataFrame) -> list[dict]:
    """Per indicator, in form order: citizens, mean first/latest/change, share improved, delmål reached."""
    rows = []
    for item, label in _items(scores):
        ch, d = changes[changes["item"] == item], dm[dm["item"] == item]
        n = ch["citizen_ref"].nunique()
        reached, total = _delmaal(d)
        hide = n < MIN_CITIZENS
        rows.append(dict(item=item, label=label, n=n, suppressed=hide,
                         first=None if hide else ch["first"].mean(), latest=None if hide else ch["latest"].mean(),
                         change=None if hide else ch["change"].mean(),
                         improved=None if hide else int((ch["change"] > 0).sum()),
                         dm_reached=None if hide or d["citizen_ref"].nunique() < MIN_CITIZENS else reached,
                         dm_total=None if hide or d["citizen_ref"].nunique() < MIN_CITIZENS else total))
    return rows


def group_rows(scores: pd.DataFrame, changes: pd.DataFrame, dm: pd.DataFrame, groups: dict[str, str]) -> list[dict]:
    """Per group (largest first): citizens, mean change over the indicators, delmål reached; small groups hidden."""
    def of(refs) -> list[str]:
        return [groups.get(r, NOT_GIVEN) for r in refs]

    members = scores.drop_duplicates("citizen_ref").assign(group=lambda x: of(x["citizen_ref"]))
    sizes = members.groupby("group")["citizen_ref"].nunique().to_dict()
    hidden = suppressed(sizes)
    per_citizen = changes.groupby("citizen_ref")["change"].mean()
    dm = dm.assign(group=of(dm["citizen_ref"]))
    rows = []
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        refs = set(members[members["group"] == group]["citizen_ref"])
        reached, total = _delmaal(dm[dm["group"] == group])
        hide = group in hidden
        rows.append(dict(group=group, n=sizes[group], suppressed=hide,
                         change=None if hide else per_citizen[per_citizen.index.isin(refs)].mean(),
                         dm_reached=None if hide else reached, dm_total=None if hide else total))
    return rows


def group_indicator_rows(scores: pd.DataFrame, changes: pd.DataFrame, groups: dict[str, str],
                         hidden: set[str]) -> list[dict]:
    """Per group × indicator: citizens with a change and the mean change (hidden as its group is, or under 5)."""
    ch = changes.assign(group=[groups.get(r, NOT_GIVEN) for r in changes["citizen_ref"]])
    rows = []
    for group in sorted(set(ch["group"])):
        for item, label in _items(scores):
            c = ch[(ch["group"] == group) & (ch["item"] == item)]
            hide = group in hidden or c["citizen_ref"].nunique() < MIN_CITIZENS
            rows.append(dict(group=group, label=label, n=c["citizen_ref"].nunique(), suppressed=hide,
                             change=None if hide else c["change"].mean()))
    return rows


def agreement_rows(scores: pd.DataFrame, agreement: pd.DataFrame) -> list[dict]:
    """Per indicator: comparisons, how many differ a lot, and in which direction (highest over lowest)."""
    rows = []
    for item, label in _items(scores):
        a = agreement[agreement["item"] == item]
        n = a["citizen_ref"].nunique()
        big = a[a["large"]]
        directions = Counter(zip(big["highest"], big["lowest"])).most_common()
        hide = n < MIN_CITIZENS
        rows.append(dict(label=label, n=n, suppressed=hide, comparisons=None if hide else len(a),
                         large=None if hide else len(big),
                         directions=None if hide else [(hi, lo, k) for (hi, lo), k in directions]))
    return rows


def return_rows(sent: pd.DataFrame) -> list[dict]:
    """Per respondent: forms sent, forms returned."""
    return [dict(respondent=who, sent=int((sent["respondent"] == who).sum()),
                 returned=int(sent[sent["respondent"] == who]["returned"].sum()))
            for who in ROLES if (sent["respondent"] == who).any()]


def spider_data(scores: pd.DataFrame, fl: pd.DataFrame) -> dict:
    """Cohort spider: per respondent (5+ citizens), mean first and latest per indicator, in form order."""
    items = _items(scores)
    out = {"labels": [lb for _, lb in items], "first": {}, "latest": {}, "n": {}}
    for who in ROLES:
        f = fl[fl["respondent"] == who]
        if f["citizen_ref"].nunique() < MIN_CITIZENS:
            continue
        means = f.groupby("item")[["first", "latest"]].mean()
        out["n"][who] = int(f["citizen_ref"].nunique())
        for key in ("first", "latest"):
            out[key][who] = [float(means[key].get(item, float("nan"))) for item, _ in items]
    return out


def _items(scores: pd.DataFrame) -> list[tuple[str, str]]:
    """(key, label) of every indicator in form order; the label of the latest round."""
    labels = scores.sort_values("round", kind="stable").groupby("item", sort=False)["label"].last()
    return [(k, labels[k]) for k in dict.fromkeys(scores["item"])]


def period_text(rounds: list[int], first=None, last=None) -> str:
    """'01-06-2026 – 14-09-2026 (runde 1–3)': the dates of the rounds included."""
    r = f"runde {rounds[0]}–{rounds[-1]}" if len(rounds) > 1 else f"runde {rounds[0]}"
    ends = [d.strftime("%d-%m-%Y") for d in (first, last) if d]
    return (" – ".join(dict.fromkeys(ends)) + f" ({r})") if ends else r.capitalize()


def build(engine, date_from=None, date_to=None, by: str = "programme") -> Overview:
    """Every number of the overview for the period, grouped by indsats, virksomhed or konsulent."""
    if by not in GROUPINGS:
        raise fail("FG130", f"--by {by}", "unknown grouping", "use programme, company or consultant")
    return compute(queries.for_overview(engine), date_from, date_to, by)


def compute(loaded: Loaded, date_from=None, date_to=None, by: str = "programme") -> Overview:
    """build's numbers from what was loaded (no database)."""
    from formgen.consolidate import scores as c

    dates = round_dates(loaded.dated)
    scores = period_scores(loaded, dates, date_from, date_to)
    if scores.empty:
        raise fail("FG160", f"--from {date_from or '…'} --to {date_to or '…'}", "no imported scores in this period",
                   "check --from/--to, or import the returned forms (formgen intake)")
    fl = first_latest(scores)
    changes, dm, groups = citizen_changes(fl), c.delmaal(scores), group_of(loaded.citizens, by)
    grows = group_rows(scores, changes, dm, groups)
    rounds = sorted(int(r) for r in scores["round"].unique())
    used = [dates[k] for k in set(zip(scores["citizen_ref"], scores["round"])) if k in dates]
    return Overview(
        period=period_text(rounds, min(used, default=None), max(used, default=None)), by=by, citizens=scores["citizen_ref"].nunique(),
        rounds=rounds, conversations=scores.groupby(["citizen_ref", "round"]).ngroups,
        returns=return_rows(period_sent(loaded, dates, date_from, date_to)),
        indicators=indicator_rows(scores, changes, dm), groups=grows,
        group_indicators=group_indicator_rows(scores, changes, groups, {g["group"] for g in grows if g["suppressed"]}),
        agreement=agreement_rows(scores, c.agreement(scores)), spider=spider_data(scores, fl))
