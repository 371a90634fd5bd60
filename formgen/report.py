"""The citizen's progression report: consolidated scores → charts, sentences, tables, journalnotat."""
from __future__ import annotations

import datetime as dt
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from . import store
from .definition import ROLE_TITLES
from .errors import fail
from .private import private_dir, write_private

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
    """Everything the report needs about one citizen, consolidated."""

    citizen: dict
    scores: object  # pandas DataFrames from consolidate
    progression: object
    agreement: object
    delmaal: object
    texts: object
    rounds: list[int]
    dates: dict[int, str]


def load(engine, ref: str, round_no: int | None = None) -> Data:
    """Consolidated data for one citizen (up to round_no), or a clear error when there is none."""
    from . import consolidate as c

    scores = c.load_scores(engine, ref)
    scores = scores[~scores["form"].isin(_kompetencekort_forms(engine))]
    texts = c.load_texts(engine, ref)
    if round_no is not None:
        scores, texts = scores[scores["round"] <= round_no], texts[texts["round"] <= round_no]
    if scores.empty:
        raise fail("FG160", ref, "no imported scores for this citizen" + (f" up to round {round_no}" if round_no else ""),
                   "import the returned forms first (formgen intake), and check the ref with 'formgen status'")
    rounds = sorted(int(r) for r in scores["round"].unique())
    return Data(_citizen(engine, ref), scores, c.progression(scores), c.agreement(scores), c.delmaal(scores),
                texts, rounds, _dates(engine, ref))


def _kompetencekort_forms(engine) -> set[str]:
    with engine.connect() as conn:
        return {form for form, d in conn.execute(select(store.definitions.c.form, store.definitions.c.definition))
                if json.loads(d).get("kind") == "kompetencekort"}


def _citizen(engine, ref: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(store.citizens).where(store.citizens.c.citizen_ref == ref)).mappings().first()
    row = dict(row) if row else {}
    return {"ref": ref, "name": row.get("name") or ref, "company": row.get("company") or "–",
            "mentor": row.get("mentor") or "–", "consultant": row.get("consultant") or "–",
            "programme": row.get("programme") or "–"}


def _dates(engine, ref: str) -> dict[int, str]:
    """The date written on the forms of each round (the metadata field), else the import date."""
    s = store.submissions
    with engine.connect() as conn:
        rows = conn.execute(select(s.c.round, s.c.filled_date, s.c.submitted_at).where(
            s.c.citizen_ref == ref, s.c.status == "imported")).all()
    out: dict[int, str] = {}
    for rnd, filled, submitted in sorted(rows, key=lambda r: (r[0] or 0)):
        out.setdefault(rnd, filled or (submitted or "")[:10])
    return out


# --- the context -------------------------------------------------------------------------------

def _items(data: Data) -> list[tuple[str, str]]:
    """(key, label) of every indicator, in form order."""
    return list(dict.fromkeys(zip(data.scores["item"], data.scores["label"])))


def _fmt(v: float) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else str(int(round(v)))


def score_rows(data: Data) -> list[dict]:
    """Latest 'now' per indicator and respondent, with an arrow for the change since the round before."""
    prog = data.progression
    latest = data.rounds[-1]
    rows = []
    for key, label in _items(data):
        row = {"label": label}
        for who in ROLES:
            p = prog[(prog["item"] == key) & (prog["respondent"] == who)].sort_values("round")
            p = p[p["now"].notna()] if not p.empty else p
            if p.empty:
                dk = data.scores[(data.scores["item"] == key) & (data.scores["respondent"] == who)
                                 & (data.scores["round"] == latest)]
                row[who] = "ved ikke" if not dk.empty and bool(dk["dont_know"].any()) else "–"
                continue
            last = p.iloc[-1]
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
    agr = data.agreement
    latest = agr[agr["round"] == data.rounds[-1]] if not agr.empty else agr
    out, agreed = [], []
    for _, a in latest.iterrows():
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


def delmaal_rows(data: Data) -> list[dict]:
    """The delmål set in the round before the latest, and whether the latest round reached them."""
    dm = data.delmaal
    if dm.empty:
        return []
    dm = dm[dm["next_round"] == dm["next_round"].max()]
    order = {key: n for n, (key, _) in enumerate(_items(data))}
    dm = dm.assign(_o=dm["item"].map(order), _r=dm["respondent"].map(ROLES.index)).sort_values(["_o", "_r"])
    return [{"label": d["label"], "who": WHO[d["respondent"]], "goal": f"{_fmt(d['goal'])} (runde {int(d['round'])})",
             "after": f"{_fmt(d['now_after'])} (runde {int(d['next_round'])})", "status": STATUS[d["status"]]}
            for _, d in dm.iterrows()]


def aftale_rows(data: Data) -> list[dict]:
    """The arbejdsaftale per round, the konsulent's version first, else the mentor's."""
    t = data.texts
    t = t[t["item"] == AFTALE] if not t.empty else t
    rows = []
    for rnd in sorted(t["round"].unique()) if not t.empty else []:
        r = t[t["round"] == rnd]
        who = next((w for w in ("konsulent", "mentor", "borger") if (r["respondent"] == w).any()), None)
        vals = dict(zip(r[r["respondent"] == who]["field"], r[r["respondent"] == who]["text"]))
        rows.append({"round": int(rnd), "hours": vals.get("timer_nu", "–"), "next": vals.get("timer_naeste", "–"),
                     "tasks": vals.get("opgaver", ""), "changes": vals.get("aendringer", "")})
    return rows


def text_groups(data: Data) -> list[dict]:
    """Text answers grouped by indicator (or section), then respondent and round."""
    t = data.texts
    if t.empty:
        return []
    t = t[t["item"] != AFTALE]
    order = {key: n for n, (key, _) in enumerate(_items(data))}
    keys = sorted(dict.fromkeys(t["item"]), key=lambda k: order.get(k, len(order)))
    groups = []
    for key in keys:
        g = t[t["item"] == key].assign(_r=lambda x: x["respondent"].map(ROLES.index)).sort_values(["_r", "round"])
        groups.append({"label": g.iloc[0]["item_label"], "answers": [
            {"who": WHO[r["respondent"]], "round": int(r["round"]), "field": r["field_label"], "text": _da_date(r["text"])}
            for _, r in g.iterrows()]})
    return groups


def _da_date(text: str) -> str:
    """ISO dates as stored → dd-mm-åååå as people write them."""
    import re

    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text or "")
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else text


def journal(data: Data) -> list[str]:
    """A draft journalnotat: a few neutral paragraphs on progression, agreement and the next delmål."""
    c, latest, first = data.citizen, data.rounds[-1], data.rounds[0]
    steps = int(data.scores["steps"].max())
    paras = [f"Opfølgning på {c['programme'].lower() if c['programme'] != '–' else 'forløbet'} hos {c['company']}, "
             f"runde {latest}" + (f" ({data.dates[latest]})" if data.dates.get(latest) else "") + ". "
             f"Borger, virksomhedsmentor og jobkonsulent har vurderet borgerens situation på en skala fra 1 til {steps}."]
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
    dm = data.delmaal
    if not dm.empty:
        last = dm[dm["next_round"] == dm["next_round"].max()]
        counts = last["status"].value_counts()
        paras.append(f"Af de {len(last)} delmål fra runde {int(last['round'].max())} er {counts.get('reached', 0)} nået, "
                     f"{counts.get('partly', 0)} delvist nået og {counts.get('not yet', 0)} endnu ikke nået.")
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
    prog = data.progression
    latest = prog[prog["round"] == data.rounds[-1]]
    up, same, down = [], [], []
    for key, label in _items(data):
        ch = latest[latest["item"] == key]["change_first"].dropna()
        if ch.empty:
            continue
        m = ch.mean()
        (up if m >= 0.5 else down if m <= -0.5 else same).append(label[0].lower() + label[1:])
    return up, same, down


def _latest_text(data: Data, fields: tuple[str, ...]) -> str:
    t = data.texts
    if t.empty:
        return ""
    t = t[t["field"].isin(fields)].sort_values("round")
    pref = t[t["respondent"] == "konsulent"]
    t = pref if not pref.empty else t
    return t.iloc[-1]["text"] if not t.empty else ""


def charts(data: Data) -> tuple[bytes | None, bytes | None, str]:
    """(spider PNG, trends PNG, spider caption)."""
    from . import charts as ch

    prog, latest, first = data.progression, data.rounds[-1], data.rounds[0]
    items = _items(data)
    spider = None
    caption = ""
    if len(items) >= 3:
        def values(rnd, who):
            p = prog[(prog["round"] == rnd) & (prog["respondent"] == who)]
            m = dict(zip(p["item"], p["now_pct"]))
            return [m.get(k, float("nan")) for k, _ in items]
        series = {w: values(latest, w) for w in ROLES if ((prog["round"] == latest) & (prog["respondent"] == w)).any()}
        base = {w: values(first, w) for w in ROLES if len(data.rounds) > 1 and
                ((prog["round"] == first) & (prog["respondent"] == w)).any()}
        spider = ch.spider([lb for _, lb in items], series, base, f"runde {first}")
        caption = (f"Runde {latest}: én linje pr. respondent (0 = midten, yderst = højeste trin)." +
                   (f" Grå linjer: runde {first}." if base else ""))
    panels = []
    for key, label in items:
        p = prog[prog["item"] == key]
        series = {w: [(int(r["round"]), float(r["now"])) for _, r in p[p["respondent"] == w].sort_values("round").iterrows()
                      if r["now"] == r["now"]] for w in ROLES}
        panels.append((label, {w: pts for w, pts in series.items() if pts}))
    steps = int(data.scores["steps"].max())
    trends = ch.trends(panels, steps, data.rounds) if len(data.rounds) > 1 else None
    return spider, trends, caption


def context(ws, data: Data) -> dict:
    """Everything the report template shows (images are added by render)."""
    rounds = data.rounds
    dates = [data.dates.get(r) for r in (rounds[0], rounds[-1])]
    period = (f"runde {rounds[0]}–{rounds[-1]}" if len(rounds) > 1 else f"runde {rounds[0]}") + (
        f" ({dates[0]} – {dates[1]})" if len(rounds) > 1 and all(dates) else f" ({dates[1]})" if dates[1] else "")
    n = data.scores.groupby(["round", "respondent"]).ngroups
    org = ws.config.organisation
    steps = int(data.scores["steps"].max())
    return {
        "org": {"name": org.name, "unit": org.unit, "contact": org.contact},
        "citizen": data.citizen, "period": period, "rounds_text": ", ".join(str(r) for r in rounds),
        "printed": dt.date.today().strftime("%d-%m-%Y"),
        "overview": (f"Rapporten samler {n} besvarelse(r) fra {', '.join(sorted({ROLE_TITLES[r].lower() for r in data.scores['respondent']}))} "
                     f"over {len(rounds)} runde(r). Alle tal er trin på skalaen fra 1 til {steps}, hvor højere er bedre."),
        "score_rows": score_rows(data),
        "score_note": f"Seneste vurdering pr. respondent. ↑/↓ viser ændringen i trin siden den forrige runde; "
                      f"– betyder ikke besvaret.",
        "delmaal": delmaal_rows(data), "aftale": aftale_rows(data), "texts": text_groups(data),
        "journal": journal(data),
    }


# --- rendering --------------------------------------------------------------------------------

def render_docx(ws, data: Data, ctx: dict) -> bytes:
    """Fill the report template (the workspace's own copy when it has one)."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage, RichText

    from .docx import ACCENT
    from .templates import template_path

    tpl = DocxTemplate(str(template_path("report.docx", ws)))
    spider, trends, caption = charts(data)
    ctx = dict(ctx, spider_caption=caption)
    ctx["spider"] = InlineImage(tpl, io.BytesIO(spider), width=Mm(150)) if spider else ""
    ctx["trends"] = InlineImage(tpl, io.BytesIO(trends), width=Mm(170)) if trends else ""
    ctx["agreement"] = [_rich(RichText, big, text) for big, text in agreement_lines(data)]
    logo = ws.logo
    ctx["logo"] = InlineImage(tpl, str(logo), height=Mm(15)) if logo and logo.is_file() else ""
    tpl.render(ctx, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    raw = buf.getvalue()
    from .ooxml import read_parts, write_parts

    parts = read_parts(raw)
    parts["word/styles.xml"] = parts["word/styles.xml"].replace(
        f'w:val="{ACCENT}"'.encode(), f'w:val="{ws.config.organisation.colour.lstrip("#")}"'.encode())
    return write_parts(parts)


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
    data = load(engine, ref, round_no)
    ctx = context(ws, data)
    latest = data.rounds[-1]
    out_dir = private_dir(Path(out_dir) if out_dir else ws.output / "reports" / ref)
    docx_path = write_private(out_dir / f"progressionsrapport_{ref}_runde-{latest}.docx", render_docx(ws, data, ctx))
    journal_path = write_private(out_dir / f"journalnotat_{ref}_runde-{latest}.txt",
                                 ("\n\n".join(ctx["journal"]) + "\n").encode("utf-8"))
    with engine.begin() as conn:
        store.record_log(conn, "report", {"kind": "citizen", "round": latest, "format": fmt}, ref)
    if own:
        engine.dispose()
    pdf = None
    if fmt == "pdf":
        from .convert import to_pdf

        pdf = to_pdf([docx_path], out_dir)[0]
    return ReportResult(ref, docx_path, journal_path, pdf)


def all_reports(ws, fmt: str = "docx", round_no: int | None = None,
                progress: Callable[[int], None] | None = None,
                on_total: Callable[[int], None] | None = None) -> list[ReportResult]:
    """A report for every citizen with imported scores; PDFs converted in one batch at the end."""
    s = store.submissions
    engine = store.connect(ws.db)
    with engine.connect() as conn:
        refs = sorted(set(conn.execute(select(s.c.citizen_ref).where(s.c.status == "imported",
                                                                       s.c.citizen_ref.is_not(None))).scalars()))
    if on_total:
        on_total(len(refs))
    results = []
    for ref in refs:
        try:
            results.append(citizen_report(ws, ref, "docx", round_no, engine=engine))
        except Exception as exc:  # noqa: BLE001 - one citizen's missing data must not stop the rest
            from .errors import FormgenError

            if not isinstance(exc, FormgenError):
                raise
        if progress:
            progress(1)
    engine.dispose()
    if fmt == "pdf" and results:
        from dataclasses import replace

        from .convert import to_pdf

        pdfs = to_pdf([r.docx for r in results], None)
        results = [replace(r, pdf=p) for r, p in zip(results, pdfs)]
    return results


def merge_reports(ws, results: list[ReportResult], round_no: int | None = None) -> Path:
    """One PDF of all the reports, for printing, with a bookmark per citizen."""
    from .pdf import merge_pdfs

    engine = store.connect(ws.db)
    titles = [f"{_citizen(engine, r.citizen_ref)['name']} ({r.citizen_ref})" for r in results]
    engine.dispose()
    name = f"progressionsrapporter_runde-{round_no}.pdf" if round_no else "progressionsrapporter_alle.pdf"
    out = merge_pdfs([r.pdf for r in results], titles, ws.output / "reports" / name)
    return out
