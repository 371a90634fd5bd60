"""The citizen's progression report: consolidated scores → charts, sentences, tables, journalnotat."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formgen.store import db as store
from formgen.store import queries
from formgen.forms.definition import ROLE_TITLES
from formgen.core.errors import fail
from formgen.core.private import private_dir, write_private

ROLES = ("borger", "mentor", "konsulent")
WHO = {"borger": "Borger", "mentor": "Mentor", "konsulent": "Konsulent"}
STATUS = {"reached": "✓ Nået", "partly": "◐ Delvist nået", "not yet": "✗ Ikke nået endnu"}
AFTALE = "arbejdsaftale"


@dataclass(frozen=True)
class ReportResult:
    """The files one report run wrote."""

    citizen_ref: str
    docx: Path
    journal: Path
    pdf: Path | None = None


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
    citizens, dates = _citizens(loaded.citizens), _dates(loaded.dated)
    return {r: Data(citizen=citizens.get(r) or _citizen_row(r, {}), scores=own, progression=progression.get(r, []),
                    agreement=agreement.get(r, []), delmaal=delmaal.get(r, []), texts=texts.get(r, []),
                    rounds=sorted({int(x["round"]) for x in own}), dates=dates.get(r, {}))
            for r, own in _by_citizen(scores).items()}


def _by_citizen(frame) -> dict[str, list[dict]]:
    """A frame's rows as dicts (Python values), by citizen, in the frame's order."""
    out: dict[str, list[dict]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["citizen_ref"], []).append(row)
    return out


def _citizens(rows: dict[str, dict]) -> dict[str, dict]:
    """What the report shows about each citizen, by ref."""
    return {ref: _citizen_row(ref, row) for ref, row in rows.items()}


def _citizen_row(ref: str, row) -> dict:
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


# --- the context -------------------------------------------------------------------------------

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
        "score_note": f"Seneste vurdering pr. respondent. ↑/↓ viser ændringen i trin siden den forrige runde; "
                      f"– betyder ikke besvaret.",
        "delmaal": delmaal_rows(data), "aftale": aftale_rows(data), "texts": text_groups(data),
        "journal": journal(data),
    }


# --- rendering --------------------------------------------------------------------------------

def render_docx(ws, data: Data, ctx: dict) -> bytes:
    """Fill the report template (the workspace's own copy when it has one)."""
    from docxtpl import RichText

    from formgen.reports.branded import render

    spider, trends, caption = charts(data)
    ctx = dict(ctx, spider_caption=caption, agreement=[_rich(RichText, big, text) for big, text in agreement_lines(data)])
    return render(ws, "report.docx", ctx, {"spider": (spider, 150), "trends": (trends, 170)}, props=False)


def _rich(RichText, big: bool, text: str):
    # The marker differs in shape as well as colour, so it survives black-and-white printing.
    rt = RichText()
    if big:
        rt.add("▲ Stor forskel: ", bold=True, color="C00000")
    else:
        rt.add("● ", bold=True, color="548235")
    rt.add(text)
    return rt


def citizen_report(ws, ref: str, fmt: str = "docx", round_no: int | None = None, out_dir: Path | None = None,
                   engine=None) -> ReportResult:
    """Write the progression report (.docx, and .pdf when asked) and the journalnotat (.txt)."""
    own = engine is None
    engine = engine or store.connect(ws.db)
    result, latest = _write(ws, load(engine, ref, round_no), out_dir)
    _log(engine, ref, latest, fmt)
    if own:
        engine.dispose()
    if fmt == "pdf":
        from dataclasses import replace

        from formgen.formats.convert import to_pdf

        result = replace(result, pdf=to_pdf([result.docx], result.docx.parent)[0])
    return result


def _write(ws, data: Data, out_dir: Path | None = None) -> tuple[ReportResult, int]:
    """Render and write one citizen's report and journalnotat (no database); the result and the report's round."""
    ctx = context(ws, data)
    ref, latest = data.citizen["ref"], data.rounds[-1]
    out_dir = private_dir(Path(out_dir) if out_dir else ws.reports / ref)
    docx_path = write_private(out_dir / f"progressionsrapport_{ref}_runde-{latest}.docx", render_docx(ws, data, ctx))
    journal_path = write_private(out_dir / f"journalnotat_{ref}_runde-{latest}.txt",
                                 ("\n\n".join(ctx["journal"]) + "\n").encode("utf-8"))
    return ReportResult(ref, docx_path, journal_path), latest


def _log(engine, ref: str, latest: int, fmt: str) -> None:
    store.log_entries(engine, "report", {"kind": "citizen", "round": latest, "format": fmt}, [ref])


PARALLEL_FROM = 4  # reports after the first; fewer are written in this process (forking costs ~50 ms)


def all_reports(ws, fmt: str = "docx", round_no: int | None = None,
                progress: Callable[[int], None] | None = None,
                on_total: Callable[[int], None] | None = None, workers: int | None = None) -> list[ReportResult]:
    """A report for every citizen with imported scores; PDFs converted in one batch at the end.

    Every citizen's data is read and consolidated at once (load_all). The first report is written
    here, which imports and prepares what every report needs (pandas, matplotlib, the template,
    the charts' frames); the others are written by forked workers (workers=None: FORMGEN_WORKERS,
    else one per core), which inherit all that. This process is the only one writing to the
    database: each report's log entry, right after its files are written.
    """
    from formgen.generate.run import pool_size

    engine = store.connect(ws.db)
    loaded = queries.for_citizens(engine)  # the one read
    refs = sorted({ref for ref, *_ in loaded.dated if ref is not None})
    if on_total:
        on_total(len(refs))
    datas = consolidated(loaded, round_no) if refs else {}
    todo = [ref for ref in refs if ref in datas]  # the others have no scores (up to round_no): no report
    if progress and len(todo) < len(refs):
        progress(len(refs) - len(todo))
    n = pool_size(workers, len(todo) - 1, PARALLEL_FROM)
    if n > 1:
        engine.dispose()  # no open database connection crosses the fork
    results = []
    done = _reports(ws, datas, todo, n)
    try:
        for ref, (result, latest) in done:
            _log(engine, ref, latest, "docx")
            results.append(result)
            if progress:
                progress(1)
    finally:
        done.close()  # stops the workers at once if logging failed
    engine.dispose()
    if fmt == "pdf" and results:
        from dataclasses import replace

        from formgen.formats.convert import to_pdf

        pdfs = to_pdf([r.docx for r in results], None)
        results = [replace(r, pdf=p) for r, p in zip(results, pdfs)]
    return results


_BATCH: tuple | None = None  # (workspace, data by ref): what forked workers inherit


def _reports(ws, datas: dict[str, Data], todo: list[str], workers: int):
    """(ref, (result, round)) for each ref in todo, in order: the first here, the others in workers."""
    global _BATCH
    if not todo:
        return
    yield todo[0], _write(ws, datas[todo[0]])
    if workers <= 1:
        for ref in todo[1:]:
            yield ref, _write(ws, datas[ref])
        return
    import multiprocessing

    _BATCH = (ws, datas)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from zip(todo[1:], pool.imap(_task, todo[1:]))
    finally:
        _BATCH = None


def _task(ref: str):
    ws, datas = _BATCH
    return _write(ws, datas[ref])


def merge_reports(ws, results: list[ReportResult], round_no: int | None = None) -> Path:
    """One PDF of all the reports, for printing, with a bookmark per citizen."""
    from formgen.formats.pdf import merge_pdfs

    engine = store.connect(ws.db)
    citizens = _citizens(queries.citizen_rows(engine))
    engine.dispose()
    titles = [f"{(citizens.get(r.citizen_ref) or _citizen_row(r.citizen_ref, {}))['name']} ({r.citizen_ref})"
              for r in results]
    name = f"progressionsrapporter_runde-{round_no}.pdf" if round_no else "progressionsrapporter_alle.pdf"
    out = merge_pdfs([r.pdf for r in results], titles, ws.reports / name)
    return out
