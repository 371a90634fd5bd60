"""Consolidation: hand-worked numbers on small frames, and the real pipeline (generate → fill → intake → frames).

Percentages: pct = (step - 1) / (steps - 1) * 100, so on 10 steps one step is 11.11 %, on 5 steps 25 %.
"""
import math
import shutil
import textwrap

import pandas as pd
import pytest

from filling import fill_docx
from formgen.consolidate import scores as c
from formgen.store import db as store
from formgen.forms.catalogue import available, parse
from formgen.generate.run import generate
from formgen.intake.run import intake
from formgen.generate.roster import Citizen

IDA = Citizen("S-0001", "Ida Holm", "Jensen & Søn", "Mette Berg", "Karl Nørgaard")
NAN = math.nan


def frame(rows) -> pd.DataFrame:
    """rows: (citizen, round, respondent, item, now, goal, steps[, submitted_at[, form]]); now may be 'ved ikke'."""
    out = []
    for n, r in enumerate(rows):
        citizen, rnd, who, item, now, goal, steps, *rest = r
        submitted = rest[0] if rest else f"2026-01-{rnd:02d}T10:00:{n % 60:02d}"
        form = rest[1] if len(rest) > 1 else "opfoelgning"
        out.append(dict(citizen_ref=citizen, round=rnd, respondent=who, form=form, form_version="1.0", item=item,
                        label=item.capitalize(), now=NAN if now in (None, "ved ikke") else float(now),
                        goal=NAN if goal is None else float(goal), dont_know=now == "ved ikke", steps=steps,
                        submitted_at=submitted))
    return pd.DataFrame(out, columns=c.SCORE_COLUMNS)


def row(df, **where):
    """The single row matching every column=value given."""
    hit = df
    for k, v in where.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, f"{len(hit)} rows match {where}"
    return hit.iloc[0]


def isnan(v) -> bool:
    return v is None or v != v


def test_consolidation_reads_ved_ikke_as_intake_stores_it():
    from formgen.consolidate.scores import DONT_KNOW_VALUE
    from formgen.intake.interpret import parse_score

    assert parse_score(" Ved ikke ", 10, True, "x") == (DONT_KNOW_VALUE, None)


# --- normalise and band --------------------------------------------------------------------------

def test_normalise_maps_every_scale_to_0_100():
    assert c.normalise(1, 5) == 0 and c.normalise(5, 5) == 100 and c.normalise(3, 5) == 50
    assert c.normalise(4, 10) == pytest.approx(100 / 3)      # (4-1)/9*100 = 33.33
    assert c.normalise(20, 20) == 100 and c.normalise(2, 6) == 20  # (2-1)/5*100 = 20 exactly
    assert isnan(c.normalise(NAN, 10)) and isnan(c.normalise(None, 10))
    s = c.normalise(pd.Series([1.0, NAN, 10.0]), pd.Series([10, 10, 10]))
    assert s.iloc[0] == 0 and isnan(s.iloc[1]) and s.iloc[2] == 100


def test_band_boundaries_are_lower_inclusive():
    # [0,20) -> 1, [20,40) -> 2, [40,60) -> 3, [60,80) -> 4, [80,100] -> 5
    assert [c.band(p) for p in (0, 19.99, 20, 39.99, 40, 59.99, 60, 79.99, 80, 100)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert isnan(c.band(NAN))
    assert c.band(c.normalise(2, 6)) == 2  # exactly 20 % is band 2


def test_common_bands_on_5_10_and_20_steps():
    assert [c.band(c.normalise(s, 5)) for s in range(1, 6)] == [1, 2, 3, 4, 5]  # 0, 25, 50, 75, 100
    # 10 steps: 0, 11.1, 22.2, 33.3, 44.4, 55.6, 66.7, 77.8, 88.9, 100 -> the anchors' pairs 1-2, 3-4, ...
    assert [c.band(c.normalise(s, 10)) for s in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # 20 steps: step 4 = 15.8 %, step 5 = 21.1 % -> four steps per band
    assert [c.band(c.normalise(s, 20)) for s in range(1, 21)] == [b for b in range(1, 6) for _ in range(4)]


# --- progression ---------------------------------------------------------------------------------

def test_progression_missing_middle_return_and_ved_ikke():
    df = frame([
        # borger: round 2 not returned at all
        ("A", 1, "borger", "x", 3, 5, 10), ("A", 3, "borger", "x", 6, 7, 10), ("A", 4, "borger", "x", 5, None, 10),
        # konsulent: 'ved ikke' in round 2
        ("A", 1, "konsulent", "x", 4, 6, 10), ("A", 2, "konsulent", "x", "ved ikke", 6, 10),
        ("A", 3, "konsulent", "x", 7, None, 10),
    ])
    p = c.progression(df)
    assert list(p.columns) == c.PROGRESSION_COLUMNS and len(p) == 6
    r1 = row(p, respondent="borger", round=1)
    assert r1["now_pct"] == pytest.approx(200 / 9) and r1["now_band"] == 2  # (3-1)/9 = 22.2 % -> band 2
    assert r1["goal_pct"] == pytest.approx(400 / 9)                         # (5-1)/9 = 44.4 %
    assert isnan(r1["change_first"]) and isnan(r1["change_prev"]) and isnan(r1["change_first_pct"])
    r3 = row(p, respondent="borger", round=3)
    assert (r3["change_first"], r3["change_prev"]) == (3, 3)  # 6-3 vs round 1: the last round with a value
    assert r3["change_prev_pct"] == pytest.approx(300 / 9)  # 3 steps of 11.1 %
    r4 = row(p, respondent="borger", round=4)
    assert (r4["change_first"], r4["change_prev"]) == (2, -1)  # 5-3, 5-6
    assert r4["change_prev_pct"] == pytest.approx(-100 / 9)
    k2 = row(p, respondent="konsulent", round=2)
    assert k2["dont_know"] and isnan(k2["now"]) and k2["goal"] == 6 and isnan(k2["change_prev"]) and isnan(k2["now_band"])
    k3 = row(p, respondent="konsulent", round=3)
    assert (k3["change_first"], k3["change_prev"]) == (3, 3)  # 7-4: round 2 ('ved ikke') is skipped


def test_progression_mixed_5_and_10_steps_changes_in_percent_only():
    df = frame([("A", 1, "mentor", "x", 2, 3, 5), ("A", 2, "mentor", "x", 5, 6, 10), ("A", 3, "mentor", "x", 7, None, 10)])
    p = c.progression(df)
    r1, r2, r3 = (row(p, round=n) for n in (1, 2, 3))
    assert (r1["now_pct"], r1["now_band"]) == (25, 2)           # (2-1)/4 = 25 %
    assert r2["now_pct"] == pytest.approx(400 / 9) and r2["now_band"] == 3  # (5-1)/9 = 44.4 %
    assert isnan(r2["change_first"]) and isnan(r2["change_prev"])  # 5 of 10 vs 2 of 5: steps don't compare
    assert r2["change_first_pct"] == pytest.approx(400 / 9 - 25)   # 44.4 - 25 = 19.4
    assert r3["change_prev"] == 2 and isnan(r3["change_first"])     # 7-5 on 10 steps; round 1 was on 5
    assert r3["change_first_pct"] == pytest.approx(600 / 9 - 25)   # 66.7 - 25 = 41.7


def test_progression_single_round_and_several_citizens():
    df = frame([("A", 1, "borger", "x", 4, 5, 5), ("B", 1, "borger", "x", 2, 3, 5), ("B", 2, "borger", "x", 3, None, 5)])
    p = c.progression(df)
    a = row(p, citizen_ref="A")
    assert a["now_pct"] == 75 and a["now_band"] == 4 and isnan(a["change_first"]) and isnan(a["change_prev"])
    assert row(p, citizen_ref="B", round=2)["change_first"] == 1  # B is compared with B, not with A


def test_progression_keeps_the_latest_submitted_when_two_forms_give_one_round():
    df = frame([("A", 1, "borger", "x", 5, None, 10, "2026-02-01T09:00:00", "opfoelgning"),
                ("A", 1, "borger", "x", 3, None, 10, "2026-01-01T09:00:00", "samtaleskema")])
    p = c.progression(df)
    assert len(p) == 1 and (p.iloc[0]["now"], p.iloc[0]["form"]) == (5, "opfoelgning")


def test_empty_scores_give_empty_frames_with_columns():
    empty = frame([])
    assert list(c.progression(empty).columns) == c.PROGRESSION_COLUMNS
    assert list(c.delmaal(empty).columns) == c.DELMAAL_COLUMNS
    assert list(c.agreement(empty).columns) == c.AGREEMENT_COLUMNS
    assert c.progression(empty).empty and c.delmaal(empty).empty and c.agreement(empty).empty


# --- delmål --------------------------------------------------------------------------------------

def test_delmaal_reached_partly_not_yet():
    df = frame([
        ("A", 1, "borger", "x", 3, 5, 10), ("A", 2, "borger", "x", 5, 7, 10),        # 5 >= 5: reached
        ("A", 1, "konsulent", "x", 3, 6, 10), ("A", 2, "konsulent", "x", 4, 6, 10),  # 3 < 4 < 6: partly
        ("A", 1, "mentor", "x", 4, 6, 10), ("A", 2, "mentor", "x", 4, 6, 10),        # 4 <= 4: not yet
        ("A", 1, "borger", "y", "ved ikke", 5, 10), ("A", 2, "borger", "y", 4, None, 10),  # no before, 4 < 5: not yet
        ("A", 1, "mentor", "y", "ved ikke", 5, 10), ("A", 2, "mentor", "y", 6, None, 10),  # no before, 6 >= 5: reached
        ("A", 1, "konsulent", "y", 6, 5, 10), ("A", 2, "konsulent", "y", 7, None, 10),  # goal below now, 7 >= 5
    ])
    d = c.delmaal(df)
    assert list(d.columns) == c.DELMAAL_COLUMNS
    got = {(r.item, r.respondent): r.status for r in d.itertuples()}
    assert got == {("x", "borger"): "reached", ("x", "konsulent"): "partly", ("x", "mentor"): "not yet",
                   ("y", "borger"): "not yet", ("y", "mentor"): "reached", ("y", "konsulent"): "reached"}
    p = row(d, item="x", respondent="konsulent")
    assert (p["round"], p["next_round"], p["goal"], p["now_before"], p["now_after"]) == (1, 2, 6, 3, 4)
    assert isnan(row(d, item="y", respondent="borger")["now_before"])
    assert set(d["round"]) == {1}  # round 2's goals have no later round yet


def test_delmaal_compares_on_0_100_when_the_scale_changes():
    # round 1 on 5 steps: now 2 (25 %), goal 3 (50 %); round 2 on 10 steps
    df = frame([("A", 1, "borger", "x", 2, 3, 5), ("A", 2, "borger", "x", 4, None, 10),      # 33.3 %: partly
                ("A", 1, "mentor", "x", 2, 3, 5), ("A", 2, "mentor", "x", 6, None, 10),      # 55.6 %: reached
                ("A", 1, "konsulent", "x", 2, 3, 5), ("A", 2, "konsulent", "x", 2, None, 10)])  # 11.1 %: not yet
    d = c.delmaal(df)
    # In steps, 4 >= 3 would wrongly say 'reached' for the borger.
    assert {r.respondent: r.status for r in d.itertuples()} == {"borger": "partly", "mentor": "reached",
                                                                  "konsulent": "not yet"}


def test_delmaal_skips_a_missing_return_and_single_rounds():
    df = frame([("A", 1, "borger", "x", 3, 6, 10), ("A", 2, "borger", "x", "ved ikke", 8, 10),
                ("A", 3, "borger", "x", 7, None, 10),
                ("B", 1, "borger", "x", 3, 6, 10)])  # B has one round only: nothing to judge
    d = c.delmaal(df)
    assert len(d) == 2
    r1 = row(d, round=1)  # round 2 has no 'now': goal 6 is judged against round 3's 7
    assert (r1["next_round"], r1["now_after"], r1["status"]) == (3, 7, "reached")
    r2 = row(d, round=2)  # goal 8, now before unknown, 7 < 8
    assert (r2["next_round"], r2["status"]) == (3, "not yet") and isnan(r2["now_before"])


# --- agreement -----------------------------------------------------------------------------------

def test_agreement_spread_highest_lowest_bands_and_large():
    df = frame([
        ("A", 1, "borger", "x", 8, None, 10), ("A", 1, "mentor", "x", 5, None, 10), ("A", 1, "konsulent", "x", 6, None, 10),
        ("A", 1, "borger", "y", 5, None, 10), ("A", 1, "konsulent", "y", 6, None, 10),
        ("A", 1, "borger", "z", 5, None, 10),                                            # one respondent: no row
        ("A", 1, "borger", "w", "ved ikke", None, 10), ("A", 1, "konsulent", "w", 4, None, 10),  # one 'now': no row
        ("A", 1, "borger", "v", 7, None, 10), ("A", 1, "mentor", "v", 7, None, 10),      # equal
    ])
    a = c.agreement(df)
    assert list(a.columns) == c.AGREEMENT_COLUMNS and sorted(a["item"]) == ["v", "x", "y"]
    x = row(a, item="x")
    # 8, 5, 6 of 10: spread 3 steps = 33.3 %; bands 77.8 -> 4, 44.4 -> 3, 55.6 -> 3
    assert x["respondents"] == "borger, mentor, konsulent" and x["spread_steps"] == 3
    assert x["spread_pct"] == pytest.approx(100 / 3) and x["large"]
    assert (x["highest"], x["lowest"]) == ("borger", "mentor")
    assert x["bands"] == "borger:4, mentor:3, konsulent:3"
    assert (x["borger"], x["mentor"], x["konsulent"]) == (8, 5, 6)
    y = row(a, item="y")  # 1 step = 11.1 % < 20 %
    assert (y["spread_steps"], y["large"], y["highest"], y["lowest"]) == (1, False, "konsulent", "borger")
    assert isnan(y["mentor"])
    v = row(a, item="v")
    assert v["spread_steps"] == 0 and not v["large"] and pd.isna(v["highest"]) and pd.isna(v["lowest"])  # nobody is higher
    assert not row(c.agreement(df, large=40), item="x")["large"]  # 33.3 < 40


def test_agreement_across_scales_uses_percent_and_bands():
    df = frame([("A", 1, "borger", "x", 4, None, 5), ("A", 1, "mentor", "x", 6, None, 10),   # 75 % vs 55.6 %
                ("A", 1, "borger", "y", 2, None, 6), ("A", 1, "mentor", "y", 1, None, 6)])    # 20 % vs 0 %: exactly 20
    a = c.agreement(df)
    x = row(a, item="x")
    assert isnan(x["spread_steps"]) and x["spread_pct"] == pytest.approx(75 - 500 / 9)  # 19.4 %
    assert not x["large"] and x["highest"] == "borger" and x["bands"] == "borger:4, mentor:3"
    y = row(a, item="y")
    assert y["spread_steps"] == 1 and y["spread_pct"] == 20 and y["large"]  # >= 20 % counts as large


# --- the real pipeline ---------------------------------------------------------------------------

def _round(ws, form, round_no, fills: dict[str, dict[str, str]], d=None):
    """Generate the form for IDA for each role in fills, fill it, drop it into intake/."""
    d = d or available()[form].definition
    files = generate(ws, d, "docx", [IDA], list(fills), round_no=round_no).files
    for path, role in zip(files, fills):
        fill_docx(path, {f"fg:{k}": v for k, v in fills[role].items()})
        shutil.copy(path, ws.intake / path.name)


def test_real_pipeline_two_rounds(ws):
    _round(ws, "samtaleskema", 1, {
        "borger": {"faglige_kompetencer:now": "3", "faglige_kompetencer:goal": "5", "sociale_kompetencer:now": "Ved ikke",
                   "sociale_kompetencer:goal": "6", "fysik_helbred:now": "6", "fysik_helbred:goal": "7",
                   "netvaerk_hverdagsliv:now": "2", "netvaerk_hverdagsliv:goal": "4",
                   "aftaler:naeste_delmaal": "Sige til, når jeg er i tvivl"},
        "konsulent": {"faglige_kompetencer:now": "4", "faglige_kompetencer:goal": "5", "sociale_kompetencer:now": "5",
                      "sociale_kompetencer:goal": "6", "fysik_helbred:now": "4", "fysik_helbred:goal": "6",
                      "netvaerk_hverdagsliv:now": "2", "netvaerk_hverdagsliv:goal": "3"}})
    _round(ws, "opfoelgning", 2, {
        "borger": {"faglige_kompetencer:now": "5", "faglige_kompetencer:goal": "7", "sociale_kompetencer:now": "5",
                   "fysik_helbred:now": "6", "netvaerk_hverdagsliv:now": "3",
                   "faglige_kompetencer:kommentar": "Jeg kan flere opgaver"},
        "mentor": {"faglige_kompetencer:now": "4", "faglige_kompetencer:goal": "6", "sociale_kompetencer:now": "3",
                   "fysik_helbred:now": "Ved ikke"},
        "konsulent": {"faglige_kompetencer:now": "5", "faglige_kompetencer:goal": "6", "sociale_kompetencer:now": "6",
                      "fysik_helbred:now": "5", "netvaerk_hverdagsliv:now": "2",
                      "arbejdsaftale:timer_nu": "15", "arbejdsaftale:timer_naeste": "20"}})
    assert intake(ws).counts["imported"] == 5
    engine = store.connect(ws.db, ws.unit)

    scores = c.load_scores(engine, "S-0001")
    assert list(scores.columns) == c.SCORE_COLUMNS
    assert len(scores) == 5 * 5  # 5 files × 5 hovedområder, unanswered ones included as NaN
    assert set(scores["steps"]) == {10} and scores["round"].dtype.kind == "i"
    assert list(dict.fromkeys(scores["item"])) == ["faglige_kompetencer", "sociale_kompetencer", "fysik_helbred",
                                                    "psykisk_styrke", "netvaerk_hverdagsliv"]  # form order
    s = row(scores, round=1, respondent="borger", item="sociale_kompetencer")
    assert isnan(s["now"]) and s["dont_know"] and s["goal"] == 6 and s["label"] == "Sociale kompetencer og samarbejde"
    s = row(scores, round=1, respondent="borger", item="psykisk_styrke")
    assert isnan(s["now"]) and not s["dont_know"] and isnan(s["goal"])
    assert row(scores, round=2, respondent="mentor", item="faglige_kompetencer")["form"] == "opfoelgning"
    assert c.load_scores(engine, "S-9999").empty and len(c.load_scores(engine)) == 25

    p = c.progression(scores)
    f = row(p, item="faglige_kompetencer", respondent="borger", round=2)
    assert (f["change_first"], f["change_prev"]) == (2, 2)                  # 5 - 3
    assert f["now_pct"] == pytest.approx(400 / 9) and f["now_band"] == 3    # (5-1)/9 = 44.4 %
    assert f["change_first_pct"] == pytest.approx(200 / 9)                  # 2 steps × 11.1 %
    assert isnan(row(p, item="sociale_kompetencer", respondent="borger", round=2)["change_prev"])  # round 1: ved ikke
    assert row(p, item="fysik_helbred", respondent="konsulent", round=2)["change_prev"] == 1     # 5 - 4
    assert row(p, item="netvaerk_hverdagsliv", respondent="konsulent", round=2)["change_prev"] == 0  # 2 - 2
    assert isnan(row(p, item="faglige_kompetencer", respondent="mentor", round=2)["change_first"])  # first round

    d = c.delmaal(scores)
    got = {(r.item, r.respondent): (r.goal, r.now_before, r.now_after, r.status) for r in d.itertuples()}
    assert {k: v[3] for k, v in got.items()} == {
        ("faglige_kompetencer", "borger"): "reached",      # goal 5, 3 -> 5
        ("faglige_kompetencer", "konsulent"): "reached",   # goal 5, 4 -> 5
        ("sociale_kompetencer", "borger"): "not yet",      # goal 6, ved ikke -> 5
        ("sociale_kompetencer", "konsulent"): "reached",   # goal 6, 5 -> 6
        ("fysik_helbred", "borger"): "not yet",            # goal 7, 6 -> 6
        ("fysik_helbred", "konsulent"): "partly",          # goal 6, 4 -> 5
        ("netvaerk_hverdagsliv", "borger"): "partly",      # goal 4, 2 -> 3
        ("netvaerk_hverdagsliv", "konsulent"): "not yet",  # goal 3, 2 -> 2
    }
    assert got[("fysik_helbred", "konsulent")][:3] == (6, 4, 5)
    assert set(d["round"]) == {1} and set(d["next_round"]) == {2}

    a = c.agreement(scores)
    assert len(a) == 3 + 4  # round 1: sociale has one 'now', psykisk none; round 2: psykisk none
    fy1 = row(a, item="fysik_helbred", round=1)   # borger 6, konsulent 4: 2 steps = 22.2 %
    assert (fy1["spread_steps"], fy1["highest"], fy1["lowest"], fy1["large"]) == (2, "borger", "konsulent", True)
    assert fy1["bands"] == "borger:3, konsulent:2"  # 55.6 % -> 3, 33.3 % -> 2
    so2 = row(a, item="sociale_kompetencer", round=2)  # 5, 3, 6: 3 steps = 33.3 %
    assert (so2["spread_steps"], so2["highest"], so2["lowest"], so2["large"]) == (3, "konsulent", "mentor", True)
    fy2 = row(a, item="fysik_helbred", round=2)    # mentor said 'ved ikke'
    assert fy2["respondents"] == "borger, konsulent" and isnan(fy2["mentor"]) and fy2["spread_steps"] == 1
    fa2 = row(a, item="faglige_kompetencer", round=2)  # 5, 4, 5
    assert (fa2["spread_steps"], fa2["large"], fa2["lowest"]) == (1, False, "mentor")
    ne1 = row(a, item="netvaerk_hverdagsliv", round=1)
    assert ne1["spread_steps"] == 0 and not ne1["large"]

    t = c.load_texts(engine, "S-0001")
    assert list(t.columns) == c.TEXT_COLUMNS and len(t) == 4
    n = row(t, field="naeste_delmaal")
    assert (n["round"], n["respondent"], n["item_label"], n["field_label"], n["text"]) == (
        1, "borger", "Aftaler efter samtalen", "Vores næste delmål er", "Sige til, når jeg er i tvivl")
    k = row(t, field="kommentar")
    assert (k["item_label"], k["field_label"]) == ("Faglige og sproglige kompetencer", "Kommentar")
    h = row(t, field="timer_nu")
    assert (h["respondent"], h["item_label"], h["field_label"], h["text"]) == ("konsulent", "Arbejdsaftale",
                                                                               "Timer pr. uge nu", "15")
    engine.dispose()


NEW_VERSION = textwrap.dedent("""
    id: opfoelgning
    version: "2.0"
    kind: opfoelgning
    title: Opfølgning (kort)
    scale:
      steps: 5
      anchors: [Meget svært, Svært, Middel, Godt, Meget godt]
    respondents: [borger, konsulent]
    sections:
      - title: Hovedområder
        items:
          - {key: faglige_kompetencer, label: Faglige kompetencer, question: "Hvordan går det med opgaverne?"}
          - {key: sociale_kompetencer, label: Samarbejde, question: "Hvordan går samarbejdet?"}
    """)


def test_real_pipeline_links_a_new_5_step_version_by_key_and_reads_the_kompetencekort(ws):
    _round(ws, "samtaleskema", 1, {"borger": {"faglige_kompetencer:now": "3", "faglige_kompetencer:goal": "5",
                                              "sociale_kompetencer:now": "4", "sociale_kompetencer:goal": "5"}})
    _round(ws, "opfoelgning", 2, {"borger": {"faglige_kompetencer:now": "3", "sociale_kompetencer:now": "2"},
                                  "konsulent": {"faglige_kompetencer:now": "4"}}, d=parse(NEW_VERSION))
    _round(ws, "kompetencekort", 2, {"mentor": {"faglige_1:kompetence": "Betjene opvaskemaskine", "faglige_1:now": "3",
                                                "faglige_1:sted": "Køkkenet"}})
    assert intake(ws).counts["imported"] == 4
    engine = store.connect(ws.db, ws.unit)
    scores = c.load_scores(engine, "S-0001")
    # labels follow the form of the latest round, so one key has one label across versions
    assert set(scores[scores["item"] == "faglige_kompetencer"]["label"]) == {"Faglige kompetencer"}
    assert set(scores[scores["form_version"] == "2.0"]["steps"]) == {5}
    kk = scores[scores["form"] == "kompetencekort"]
    assert len(kk) == 4 + 4 + 4 + 3 and kk["goal"].isna().all()  # every row's 'Niveau', no goal
    assert row(kk, item="faglige_1")["label"] == "Betjene opvaskemaskine" and row(kk, item="faglige_1")["now"] == 3
    assert row(kk, item="faglige_2")["label"] == "Faglige kompetencer"  # no competence written: the group title

    hoved = scores[scores["form"] != "kompetencekort"]
    p = c.progression(hoved)
    f = row(p, item="faglige_kompetencer", respondent="borger", round=2)
    # 3 of 10 (22.2 %) -> 3 of 5 (50 %): no change in steps across scales, +27.8 % on 0-100
    assert isnan(f["change_first"]) and f["change_first_pct"] == pytest.approx(50 - 200 / 9)
    s = row(p, item="sociale_kompetencer", respondent="borger", round=2)
    assert s["change_prev_pct"] == pytest.approx(25 - 300 / 9)  # 4 of 10 (33.3 %) -> 2 of 5 (25 %)

    d = c.delmaal(hoved)
    # faglige: goal 5 of 10 = 44.4 %, after 3 of 5 = 50 % -> reached (in raw steps 3 < 5 would say 'not yet')
    assert row(d, item="faglige_kompetencer")["status"] == "reached"
    assert row(d, item="sociale_kompetencer")["status"] == "not yet"  # goal 44.4 %, 33.3 % -> 25 %

    a = c.agreement(hoved)
    assert len(a) == 1
    fa = row(a, item="faglige_kompetencer", round=2)  # borger 3, konsulent 4 of 5: 1 step = 25 %
    assert (fa["spread_steps"], fa["spread_pct"], fa["large"], fa["highest"]) == (1, 25, True, "konsulent")
    assert fa["bands"] == "borger:3, konsulent:4"

    t = c.load_texts(engine, "S-0001")
    sted = row(t, item="faglige_1", field="sted")
    assert (sted["item_label"], sted["field_label"], sted["text"]) == ("Faglige kompetencer", "Hvor er det observeret",
                                                                       "Køkkenet")
    engine.dispose()
