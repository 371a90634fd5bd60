"""Consolidation: imported answers → tidy pandas frames for progression, delmål and agreement.

Library functions only (no printing). Conventions:
- Items link across forms and form versions by key (samtaleskema → opfoelgning, v1 → v2).
- Scores are kept in each form's own steps; ``*_pct`` is the same score on 0-100
  ((step - 1) / (steps - 1) * 100), so 5-, 10- and 20-step forms compare.
- Common bands split 0-100 into five half-open bands, lower bound included: [0, 20) → 1,
  [20, 40) → 2, [40, 60) → 3, [60, 80) → 4, [80, 100] → 5 (so 20 % → band 2, 100 % → band 5).
  A 5-step scale maps step n to band n; a 10-step scale maps steps 1-2, 3-4, … to bands 1, 2, ….
- "ved ikke" and unanswered scores are NaN; the ``dont_know`` column tells them apart.
- Changes in steps are NaN when the two scores are on different scales; the ``*_pct`` change is
  always given. The first round with a value has no change (NaN, not 0).
- Delmål: the goal of round k is judged against the same respondent's next later 'now' (round k+1,
  or later when k+1 was not returned or said 'ved ikke'), always on 0-100.
- Agreement: highest/lowest are missing (NaN) when everyone gave the same score.
- Blank forms (no citizen_ref) are left out: they cannot be linked to a course.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from formgen.store import queries
from formgen.forms.definition import DONT_KNOW_VALUE
from formgen.store.queries import Loaded
from formgen.forms.definition import ROLES, FormDefinition

SCORE_COLUMNS = ["citizen_ref", "round", "respondent", "form", "form_version", "item", "label", "now", "goal",
                 "dont_know", "steps", "submitted_at"]
TEXT_COLUMNS = ["citizen_ref", "round", "respondent", "form", "item", "item_label", "field", "field_label", "text"]
PROGRESSION_COLUMNS = ["citizen_ref", "item", "label", "round", "respondent", "form", "now", "goal", "dont_know",
                       "steps", "now_pct", "goal_pct", "now_band", "change_first", "change_prev", "change_first_pct",
                       "change_prev_pct"]
DELMAAL_COLUMNS = ["citizen_ref", "item", "label", "respondent", "round", "next_round", "goal", "now_before",
                   "now_after", "status"]
AGREEMENT_COLUMNS = ["citizen_ref", "item", "label", "round", "respondents", "spread_steps", "spread_pct", "highest",
                     "lowest", "large", "bands", *ROLES]
KEYS = ["citizen_ref", "item", "respondent"]
__all__ = ["SCORE_COLUMNS", "TEXT_COLUMNS", "PROGRESSION_COLUMNS", "DELMAAL_COLUMNS", "AGREEMENT_COLUMNS", "KEYS",
           "PRECISION", "definitions", "kompetencekort_forms", "load_scores", "load_texts", "score_frame",
           "text_frame", "normalise", "band", "progression", "delmaal", "agreement"]
PRECISION = 9  # percentages are rounded to this many decimals before comparing (20.000000000000004 is 20)


@dataclass(frozen=True)
class _Def:
    """What consolidation needs from one stored definition."""

    steps: int
    labels: dict[str, str]  # item key → label, text-section key → title
    groups: frozenset[str]  # kompetencekort row keys (<group>_<n>)
    fields: dict[tuple[str, str], tuple[int, str, str, str]]  # (key, field) → (position, block, label, type)


def definitions(loaded: Loaded) -> dict[str, _Def]:
    """Every stored definition by fingerprint."""
    defs = {}
    for fingerprint, raw in loaded.definitions.items():
        d = FormDefinition.model_validate(raw)
        defs[fingerprint] = _Def(
            d.scale.steps, {**{i.key: i.label for i in d.items}, **{t.key: t.title for t in d.texts}},
            frozenset(f"{g.key}_{n}" for g in d.groups for n in range(1, g.rows + 1)),
            {(f.key, f.field): (n, f.block, f.label, f.type) for n, f in enumerate(d.fields() + d.later_fields())})
    return defs


def kompetencekort_forms(loaded: Loaded) -> set[str]:
    """The forms that are kompetencekort (they have a document of their own, not indicators)."""
    return {d["id"] for d in loaded.definitions.values() if d.get("kind") == "kompetencekort"}  # the stored form is d.id


def _labels(loaded: Loaded, defs: dict[str, _Def], own: bool = False) -> dict:
    """One label per key: the one in the form of the latest round (then latest import) that has the key.

    own: a dict of such labels per citizen, each from the citizen's own forms only.
    """
    labels: dict = {}
    for ref, fingerprint in loaded.labelled:
        (labels.setdefault(ref, {}) if own else labels).update(defs[fingerprint].labels)
    return labels


def _context(loaded: Loaded, own_labels: bool = False):
    """(definitions, labels of a citizen ref) of what was loaded."""
    defs = definitions(loaded)
    labels = _labels(loaded, defs, own_labels)
    return defs, (lambda ref: labels.get(ref, {})) if own_labels else (lambda ref: labels)


def _step(value: str | None) -> float:
    """A stored score ('4', 'ved ikke', None) as a float step (NaN unless a number)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _role_order(role: str) -> int:
    return ROLES.index(role) if role in ROLES else len(ROLES)


def _ordered(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows sorted by citizen, round, respondent, submission and document order; helper keys dropped."""
    df = pd.DataFrame(rows, columns=columns + ["_sub", "_pos"])
    df = df.sort_values(["citizen_ref", "round", "respondent", "submitted_at", "_sub", "_pos"],
                        key=lambda c: c.map(_role_order) if c.name == "respondent" else c, kind="stable")
    df = df.drop(columns=["_sub", "_pos"]).reset_index(drop=True)
    df["round"] = df["round"].astype(int)
    return df


def load_scores(engine, citizen_ref: str | None = None, own_labels: bool = False) -> pd.DataFrame:
    """score_frame of what the store has (every citizen's, or one citizen's)."""
    return score_frame(queries.answers(engine, citizen_ref, scores=True), own_labels)


def load_texts(engine, citizen_ref: str | None = None, own_labels: bool = False) -> pd.DataFrame:
    """text_frame of what the store has (every citizen's, or one citizen's)."""
    return text_frame(queries.answers(engine, citizen_ref, scores=False), own_labels)


def score_frame(loaded: Loaded, own_labels: bool = False) -> pd.DataFrame:
    """One row per imported submission × scored item, with now/goal as steps (see SCORE_COLUMNS).

    Labels are harmonised across all the forms loaded; with own_labels, across each citizen's own
    forms, as loading that citizen alone has them.
    """
    defs, labels_of = _context(loaded, own_labels)
    answers = loaded.scores
    rows: dict[tuple, dict] = {}
    names: dict[tuple, str] = {}
    for r in answers:
        d = defs[r["fingerprint"]]
        key = (r["id"], r["item"])
        if r["item"] in d.groups and r["field"] == "kompetence":
            names[key] = (r["value"] or "").strip()
        if r["field"] not in ("now", "goal"):
            continue
        pos, block, _, _ = d.fields.get((r["item"], r["field"]), (10**6, r["item"], "", ""))
        row = rows.setdefault(key, dict(
            citizen_ref=r["citizen_ref"], round=r["round"], respondent=r["role"], form=r["form"],
            form_version=r["form_version"], item=r["item"], label=block if r["item"] in d.groups else
            labels_of(r["citizen_ref"]).get(r["item"], block), now=math.nan, goal=math.nan, dont_know=False, steps=d.steps,
            submitted_at=r["submitted_at"], _sub=r["id"], _pos=pos))
        row[r["field"]] = _step(r["value"])
        if r["field"] == "now":
            row["dont_know"] = r["value"] == DONT_KNOW_VALUE
        row["_pos"] = min(row["_pos"], pos)
    for key, name in names.items():
        if key in rows and name:
            rows[key]["label"] = name
    df = _ordered(list(rows.values()), SCORE_COLUMNS)
    return df.astype({"now": float, "goal": float, "dont_know": bool, "steps": int})


def text_frame(loaded: Loaded, own_labels: bool = False) -> pd.DataFrame:
    """One row per non-empty text answer of an imported submission (see TEXT_COLUMNS; own_labels as score_frame)."""
    defs, labels_of = _context(loaded, own_labels)
    answers = loaded.texts
    rows = []
    for r in answers:
        text = r["value"].strip()
        if not text:
            continue
        pos, block, label, _ = defs[r["fingerprint"]].fields.get((r["item"], r["field"]), (10**6, r["item"], r["field"], ""))
        rows.append(dict(citizen_ref=r["citizen_ref"], round=r["round"], respondent=r["role"], form=r["form"],
                         item=r["item"], item_label=labels_of(r["citizen_ref"]).get(r["item"], block), field=r["field"],
                         field_label=label,
                         text=text, submitted_at=r["submitted_at"], _sub=r["id"], _pos=pos))
    return _ordered(rows, TEXT_COLUMNS + ["submitted_at"]).drop(columns=["submitted_at"])


def normalise(value, steps):
    """A step on a 1..steps scale as 0-100 ((value - 1) / (steps - 1) * 100); NaN stays NaN; Series work too."""
    if value is None or steps is None:
        return math.nan
    return (value - 1) * 100.0 / (steps - 1)


def band(pct) -> int:
    """The common band 1-5 of a 0-100 score: [0,20) → 1, [20,40) → 2, [40,60) → 3, [60,80) → 4, [80,100] → 5."""
    if pct is None or pct != pct:
        return math.nan
    return int(min(5, max(1, math.floor(round(pct, PRECISION) / 20) + 1)))


def _latest(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per citizen × item × round × respondent: the latest submitted when forms overlap."""
    df = scores.reset_index(drop=True)
    df = df.assign(_n=range(len(df))).sort_values(["submitted_at", "_n"], kind="stable")
    df = df.drop_duplicates(KEYS + ["round"], keep="last").sort_values("_n")
    return df.sort_values(["citizen_ref", "round"], kind="stable").drop(columns="_n").reset_index(drop=True)


def _change(now, ref, steps, ref_steps):
    """now - ref in steps, NaN when the two are on different scales."""
    return (now - ref).where(steps == ref_steps)


def progression(scores: pd.DataFrame) -> pd.DataFrame:
    """Per citizen × item × round × respondent: scores, 0-100, band, change since the first and previous value."""
    df = _latest(scores)
    df["now_pct"], df["goal_pct"] = normalise(df["now"], df["steps"]), normalise(df["goal"], df["steps"])
    df["now_band"] = df["now_pct"].map(band).astype(float)
    valued = df[df["now"].notna()]
    g = valued.groupby(KEYS, sort=False)
    first = g[["now", "steps", "now_pct"]].transform("first")
    prev = g[["now", "steps", "now_pct"]].shift()
    later = g.cumcount() > 0  # the first value has nothing to be compared with
    df["change_first"] = _change(valued["now"], first["now"], valued["steps"], first["steps"]).where(later)
    df["change_prev"] = _change(valued["now"], prev["now"], valued["steps"], prev["steps"])
    df["change_first_pct"] = (valued["now_pct"] - first["now_pct"]).where(later).round(PRECISION)
    df["change_prev_pct"] = (valued["now_pct"] - prev["now_pct"]).round(PRECISION)
    return df[PROGRESSION_COLUMNS].astype({c: float for c in PROGRESSION_COLUMNS[-4:]})


def _status(goal: float, before: float, after: float) -> str:
    """Delmål status on 0-100: reached, partly (moved towards it) or not yet."""
    goal, before, after = (round(v, PRECISION) for v in (goal, before, after))
    if after >= goal:
        return "reached"
    return "partly" if before == before and before < after else "not yet"


def _groups(records: list[dict], keys: list[str]) -> list[list[dict]]:
    """Records grouped by keys, groups in order of first appearance (as groupby(sort=False))."""
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    return list(groups.values())


def delmaal(scores: pd.DataFrame) -> pd.DataFrame:
    """Each goal set in round k against 'now' in the next later round where this respondent gave one."""
    rows = []
    for g in _groups(progression(scores).to_dict("records"), KEYS):
        g.sort(key=lambda r: r["round"])  # one row per round (progression keeps the latest)
        for i, r in enumerate(g):
            a = next((later for later in g[i + 1:] if later["now"] == later["now"]), None)
            if r["goal"] != r["goal"] or a is None:
                continue
            rows.append(dict(citizen_ref=r["citizen_ref"], item=r["item"], label=a["label"], respondent=r["respondent"],
                             round=r["round"], next_round=a["round"], goal=r["goal"], now_before=r["now"],
                             now_after=a["now"], status=_status(r["goal_pct"], r["now_pct"], a["now_pct"])))
    out = pd.DataFrame(rows, columns=DELMAAL_COLUMNS)
    return out.astype({"round": int, "next_round": int, "goal": float, "now_before": float, "now_after": float})


def _agree(g: list[dict], large: float) -> dict:
    """One agreement row from the valued scores of one citizen × item × round."""
    import numpy as np

    g = sorted(g, key=lambda r: _role_order(r["respondent"]))
    who = [r["respondent"] for r in g]
    now = [r["now"] for r in g]
    pct = np.round(np.array([r["now_pct"] for r in g], dtype=float), PRECISION)
    spread = pct.max() - pct.min()
    same_scale = len({r["steps"] for r in g}) == 1
    row = dict(citizen_ref=g[0]["citizen_ref"], item=g[0]["item"], label=g[-1]["label"], round=g[0]["round"],
               respondents=", ".join(who), spread_steps=max(now) - min(now) if same_scale else math.nan,
               spread_pct=round(spread, PRECISION), highest=who[int(pct.argmax())] if spread else None,
               lowest=who[int(pct.argmin())] if spread else None, large=bool(spread >= large),
               bands=", ".join(f"{w}:{band(p)}" for w, p in zip(who, pct.tolist())))
    row.update({w: math.nan for w in ROLES})
    row.update(dict(zip(who, now)))
    return row


def agreement(scores: pd.DataFrame, large: float = 20.0) -> pd.DataFrame:
    """Per citizen × item × round with two or more 'now' scores: spread, who is highest/lowest, common bands."""
    df = _latest(scores)
    df = df[df["now"].notna()].assign(now_pct=lambda d: normalise(d["now"], d["steps"]))
    rows = [_agree(g, large) for g in _groups(df.to_dict("records"), ["citizen_ref", "item", "round"])
            if len({r["respondent"] for r in g}) >= 2]
    out = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    out = out.astype({"round": int, "spread_steps": float, "spread_pct": float, "large": bool, **dict.fromkeys(ROLES, float)})
    return out.sort_values(["citizen_ref", "round"], kind="stable").reset_index(drop=True)
