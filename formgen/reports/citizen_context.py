"""The citizen report's content, from the consolidated data: tables, sentences, charts, the journalnotat."""
from __future__ import annotations

import datetime as dt
import math

from formgen.consolidate.citizen import Data
from formgen.forms.definition import ROLE_TITLES

__all__ = ["ROLES", "WHO", "STATUS", "AFTALE", "score_rows", "agreement_lines", "delmaal_rows", "aftale_rows",
           "text_groups", "journal", "charts", "chart_texts", "context"]

ROLES = ("borger", "mentor", "konsulent")
WHO = {"borger": "Borger", "mentor": "Mentor", "konsulent": "Konsulent"}
STATUS = {"reached": "✓ Nået", "partly": "◐ Delvist nået", "not yet": "✗ Ikke nået endnu"}
AFTALE = "arbejdsaftale"


def _items(data: Data) -> list[tuple[str, str]]:
    """(key, label) of every indicator, in form order."""
    return list(dict.fromkeys((s["item"], s["label"]) for s in data.scores))


def _fmt(v: float) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else str(int(round(v)))


def _by_round(rows: list[dict]) -> list[dict]:
    """Rows in the order DataFrame.sort_values("round") gives them (numpy's quicksort, not stable)."""
    import numpy as np

    order = np.array([r["round"] for r in rows], dtype=np.int64).argsort(kind="quicksort")
    return [rows[i] for i in order]


def score_rows(data: Data) -> list[dict]:
    """Latest 'now' per indicator and respondent, with an arrow for the change since the round before."""
    latest = data.rounds[-1]
    rows = []
    for key, label in _items(data):
        row = {"label": label}
        for who in ROLES:
            valued = sorted((p for p in data.progression if p["item"] == key and p["respondent"] == who
                             and p["now"] == p["now"]), key=lambda p: p["round"])  # one row per round
            if not valued:
                dk = any(s["dont_know"] for s in data.scores
                         if s["item"] == key and s["respondent"] == who and s["round"] == latest)
                row[who] = "ved ikke" if dk else "–"
                continue
            last = valued[-1]
            change = last["change_prev"]
            arrow = "" if change != change else ("↑ +" if change > 0 else "↓ −" if change < 0 else "→ ")
            text = _fmt(last["now"]) + (f"  {arrow}{_fmt(abs(change))}" if arrow and change else ("  →" if arrow else ""))
            if int(last["round"]) != latest:
                text += f" (runde {int(last['round'])})"
            row[who] = text
        rows.append(row)
    return rows


def agreement_lines(data: Data) -> list[tuple[bool, str]]:
    """Plain Danish sentences about the latest round: (is the difference large, sentence)."""
    out, agreed = [], []
    for a in data.agreement:
        if a["round"] != data.rounds[-1]:
            continue
        hi, lo = a["highest"], a["lowest"]
        label = a["label"][0].lower() + a["label"][1:]
        if a["large"]:
            if a["spread_steps"] == a["spread_steps"]:
                diff = f"{_fmt(a['spread_steps'])} trin"
                vals = f" ({_fmt(a[hi])} mod {_fmt(a[lo])})"
            else:
                diff, vals = f"{_fmt(a['spread_pct'])} procentpoint", ""
            out.append((True, f"{WHO[hi]} vurderer {label} {diff} højere end {WHO[lo].lower()}{vals}."))
        else:
            agreed.append(label)
    if agreed:
        out.append((False, "I store træk enige (under 20 % af skalaen fra hinanden) om " + _quoted(agreed) + "."))
    if not out:
        out.append((False, "Kun én respondent har svaret i seneste runde, så enigheden kan ikke vurderes."))
    return out


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " og " + words[-1]


def _quoted(labels: list[str]) -> str:
    # Labels often contain "og" themselves; guillemets keep the list readable.
    return _and([f"»{lb}«" for lb in labels])


def _last_delmaal(data: Data) -> list[dict]:
    """The delmål judged in the latest round that judged any."""
    last = max((d["next_round"] for d in data.delmaal), default=None)
    return [d for d in data.delmaal if d["next_round"] == last]


def delmaal_rows(data: Data) -> list[dict]:
    """The delmål set in the round before the latest, and whether the latest round reached them."""
    order = {key: n for n, (key, _) in enumerate(_items(data))}
    dm = sorted(_last_delmaal(data), key=lambda d: (order.get(d["item"], math.inf), ROLES.index(d["respondent"])))
    return [{"label": d["label"], "who": WHO[d["respondent"]], "goal": f"{_fmt(d['goal'])} (runde {int(d['round'])})",
             "after": f"{_fmt(d['now_after'])} (runde {int(d['next_round'])})", "status": STATUS[d["status"]]}
            for d in dm]


def aftale_rows(data: Data) -> list[dict]:
    """The arbejdsaftale per round, the konsulent's version first, else the mentor's."""
    t = [x for x in data.texts if x["item"] == AFTALE]
    rows = []
    for rnd in sorted({x["round"] for x in t}):
        r = [x for x in t if x["round"] == rnd]
        who = next((w for w in ("konsulent", "mentor", "borger") if any(x["respondent"] == w for x in r)), None)
        vals = {x["field"]: x["text"] for x in r if x["respondent"] == who}
        rows.append({"round": int(rnd), "hours": vals.get("timer_nu", "–"), "next": vals.get("timer_naeste", "–"),
                     "tasks": vals.get("opgaver", ""), "changes": vals.get("aendringer", "")})
    return rows


def text_groups(data: Data) -> list[dict]:
    """Text answers grouped by indicator (or section), then respondent and round."""
    t = [x for x in data.texts if x["item"] != AFTALE]
    order = {key: n for n, (key, _) in enumerate(_items(data))}
    keys = sorted(dict.fromkeys(x["item"] for x in t), key=lambda k: order.get(k, len(order)))
    groups = []
    for key in keys:
        g = sorted((x for x in t if x["item"] == key), key=lambda x: (ROLES.index(x["respondent"]), x["round"]))
        groups.append({"label": g[0]["item_label"], "answers": [
            {"who": WHO[r["respondent"]], "round": int(r["round"]), "field": r["field_label"], "text": _da_date(r["text"])}
            for r in g]})
    return groups


def _da_date(text: str) -> str:
    """ISO dates as stored → dd-mm-åååå as people write them."""
    import re

    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text or "")
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else text


def _steps(data: Data) -> int:
    return int(max(s["steps"] for s in data.scores))


def journal(data: Data) -> list[str]:
    """A draft journalnotat: a few neutral paragraphs on progression, agreement and the next delmål."""
    c, latest, first = data.citizen, data.rounds[-1], data.rounds[0]
    paras = [f"Opfølgning på {c['programme'].lower() if c['programme'] != '–' else 'forløbet'} hos {c['company']}, "
             f"runde {latest}" + (f" ({data.dates[latest]})" if data.dates.get(latest) else "") + ". "
             f"Borger, virksomhedsmentor og jobkonsulent har vurderet borgerens situation på en skala fra 1 til "
             f"{_steps(data)}."]
    if len(data.rounds) > 1:
        up, same, down = _movement(data)
        parts = []
        if up:
            parts.append(f"fremgang inden for {_quoted(up)}")
        if same:
            parts.append(f"uændret niveau inden for {_quoted(same)}")
        if down:
            parts.append(f"tilbagegang inden for {_quoted(down)}")
        paras.append(f"Siden runde {first} viser vurderingerne (gennemsnit af respondenterne) " + "; ".join(parts) + "."
                     if parts else
                     f"Der er ikke vurderinger nok til at sige noget om udviklingen siden runde {first}.")
    else:
        paras.append("Dette er den første måling, som fremtidig progression sammenlignes med.")
    large = [s for big, s in agreement_lines(data) if big]
    paras.append("Der er forskel på vurderingerne: " + " ".join(large) if large else
                 "Borger, mentor og konsulent vurderer i store træk situationen ens.")
    last = _last_delmaal(data)
    if last:
        counts = [d["status"] for d in last]
        paras.append(f"Af de {len(last)} delmål fra runde {int(max(d['round'] for d in last))} er "
                     f"{counts.count('reached')} nået, {counts.count('partly')} delvist nået og "
                     f"{counts.count('not yet')} endnu ikke nået.")
    nxt = _latest_text(data, ("naeste_delmaal",))
    aftale = aftale_rows(data)
    tail = []
    if nxt:
        tail.append(f"Næste delmål: {nxt.rstrip('.')}.")
    if aftale and aftale[-1]["hours"] != "–":
        a = aftale[-1]
        tail.append(f"Arbejdsaftalen er {a['hours']} timer om ugen" +
                    (f", og der er aftalt {a['next']} timer fremover." if a["next"] != "–" else "."))
    if tail:
        paras.append(" ".join(tail))
    return paras


def _movement(data: Data) -> tuple[list[str], list[str], list[str]]:
    """Indicators by the mean change since the first round across respondents (in steps)."""
    latest = [p for p in data.progression if p["round"] == data.rounds[-1]]
    up, same, down = [], [], []
    for key, label in _items(data):
        changes = [p["change_first"] for p in latest if p["item"] == key and p["change_first"] == p["change_first"]]
        if not changes:
            continue
        total = 0.0
        for ch in changes:  # summed in order, as pandas' mean does for so few values
            total += ch
        m = total / len(changes)
        (up if m >= 0.5 else down if m <= -0.5 else same).append(label[0].lower() + label[1:])
    return up, same, down


def _latest_text(data: Data, fields: tuple[str, ...]) -> str:
    t = _by_round([x for x in data.texts if x["field"] in fields])
    t = [x for x in t if x["respondent"] == "konsulent"] or t
    return t[-1]["text"] if t else ""


def charts(data: Data) -> tuple[bytes | None, bytes | None, str]:
    """(spider PNG, trends PNG, spider caption)."""
    from formgen.reports import charts as ch

    prog, latest, first = data.progression, data.rounds[-1], data.rounds[0]
    items = _items(data)
    spider = None
    caption = ""
    if len(items) >= 3:
        def answered(rnd, who):
            return any(p["round"] == rnd and p["respondent"] == who for p in prog)

        def values(rnd, who):
            m = {p["item"]: p["now_pct"] for p in prog if p["round"] == rnd and p["respondent"] == who}
            return [m.get(k, float("nan")) for k, _ in items]
        series = {w: values(latest, w) for w in ROLES if answered(latest, w)}
        base = {w: values(first, w) for w in ROLES if len(data.rounds) > 1 and answered(first, w)}
        spider = ch.spider([lb for _, lb in items], series, base, f"runde {first}")
        caption = (f"Runde {latest}: én linje pr. respondent (0 = midten, yderst = højeste trin)." +
                   (f" Grå linjer: runde {first}." if base else ""))
    panels = []
    for key, label in items:
        series = {w: [(int(p["round"]), float(p["now"])) for p in sorted(
            (p for p in prog if p["item"] == key and p["respondent"] == w), key=lambda p: p["round"])
            if p["now"] == p["now"]] for w in ROLES}
        panels.append((label, {w: pts for w, pts in series.items() if pts}))
    trends = ch.trends(panels, _steps(data), data.rounds) if len(data.rounds) > 1 else None
    return spider, trends, caption


def chart_texts(data: Data) -> tuple[str, str]:
    """Alternative text of the spider and the trends chart: what each shows, with the numbers (steps)."""
    prog, latest, first = data.progression, data.rounds[-1], data.rounds[0]

    def steps(key, who):
        return [p["now"] for p in sorted((p for p in prog if p["item"] == key and p["respondent"] == who),
                                         key=lambda p: p["round"]) if p["now"] == p["now"]]

    def now(key, who):
        found = [p["now"] for p in prog if p["item"] == key and p["respondent"] == who and p["round"] == latest]
        return found[0] if found and found[0] == found[0] else None
    scale = f"trin 1–{_steps(data)}"
    spider = "; ".join(f"{label}: " + ", ".join(f"{w} {_fmt(now(key, w))}" for w in ROLES if now(key, w) is not None)
                       for key, label in _items(data))
    trends = "; ".join(f"{label}: " + ", ".join(f"{w} " + " → ".join(_fmt(v) for v in steps(key, w))
                                                for w in ROLES if steps(key, w)) for key, label in _items(data))
    return (f"Spindelvæv for runde {latest} ({scale}): {spider}." +
            (f" Grå linjer viser runde {first}." if len(data.rounds) > 1 else ""),
            f"Udvikling fra runde {first} til {latest} pr. område ({scale}): {trends}.")


def context(ws, data: Data) -> dict:
    """Everything the report template shows (images are added by render)."""
    rounds = data.rounds
    dates = [data.dates.get(r) for r in (rounds[0], rounds[-1])]
    period = (f"runde {rounds[0]}–{rounds[-1]}" if len(rounds) > 1 else f"runde {rounds[0]}") + (
        f" ({dates[0]} – {dates[1]})" if len(rounds) > 1 and all(dates) else f" ({dates[1]})" if dates[1] else "")
    n = len({(s["round"], s["respondent"]) for s in data.scores})
    org = ws.config.organisation
    who = sorted({ROLE_TITLES[s["respondent"]].lower() for s in data.scores})
    return {
        "org": {"name": org.name, "unit": org.unit, "contact": org.contact},
        "citizen": data.citizen, "period": period, "rounds_text": ", ".join(str(r) for r in rounds),
        "printed": dt.date.today().strftime("%d-%m-%Y"),
        "overview": (f"Rapporten samler {n} besvarelse(r) fra {', '.join(who)} "
                     f"over {len(rounds)} runde(r). Alle tal er trin på skalaen fra 1 til {_steps(data)}, hvor højere er bedre."),
        "score_rows": score_rows(data),
        "score_note": "Seneste vurdering pr. respondent. ↑/↓ viser ændringen i trin siden den forrige runde; "
                      "– betyder ikke besvaret.",
        "delmaal": delmaal_rows(data), "aftale": aftale_rows(data), "texts": text_groups(data),
        "journal": journal(data),
    }
