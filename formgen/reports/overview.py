"""Management overview: the Word report and the Excel workbook (formula-safe, native charts) from overview.build."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from formgen.formats import tables as sheets
from formgen.store import db as store
from formgen.reports.common import num, render, share, signed
from formgen.consolidate.overview import GROUPINGS, SUPPRESSED, Overview, build
from formgen.core.private import private_dir, write_private

__all__ = ["WHO", "METHOD", "OverviewResult", "key_figures", "context", "spider_png", "spider_alt", "workbook",
           "overview_report"]

WHO = {"borger": "Borger", "mentor": "Mentor", "konsulent": "Konsulent"}
METHOD = [
    "Perioden omfatter de runder, hvis dato (skrevet på skemaerne, ellers importdatoen) ligger i perioden.",
    "Alle scorer er omregnet til 0–100, hvor 0 er skalaens laveste trin og 100 det højeste, så skemaer med "
    "5, 10 og 20 trin kan sammenlignes.",
    "En borgers progression på et område er seneste minus første score i perioden for hver respondent med "
    "mindst to scorer, i gennemsnit over respondenterne. Hver borger tæller lige meget.",
    "Delmål nået: andelen af de delmål, der blev sat i én runde og vurderet i den næste, som blev nået.",
    "Stor forskel: respondenterne er 20 point eller mere fra hinanden om samme borger i samme runde.",
    "Tal, der bygger på færre end 5 borgere, vises ikke (»færre end 5«). Er de skjulte grupper tilsammen "
    "under 5 borgere, skjules også den næstmindste gruppe, så ingen kan regnes ud fra totalen.",
    "Rapporten viser aldrig navne eller sagsnumre. Kompetencekort indgår ikke.",
]


@dataclass(frozen=True)
class OverviewResult:
    """The files one overview run wrote."""

    docx: Path
    xlsx: Path
    pdf: Path | None
    overview: Overview


def _directions(row: dict) -> list[str]:
    """'Borger højere end mentor (7)', most frequent first; ['–'] when no large differences."""
    return [f"{WHO[hi]} højere end {WHO[lo].lower()} ({k})" for hi, lo, k in row["directions"]] or ["–"]


def _dm(reached, total) -> str:
    return "–" if not total else f"{reached} af {total} ({share(reached, total)})"


def key_figures(ov: Overview) -> list[tuple[str, str]]:
    """(label, value) lines at the top of the report."""
    if ov.too_few:
        return [("Borgere", SUPPRESSED)]
    sent, back = sum(r["sent"] for r in ov.returns), sum(r["returned"] for r in ov.returns)
    rounds = f"runde {ov.rounds[0]}–{ov.rounds[-1]}" if len(ov.rounds) > 1 else f"runde {ov.rounds[0]}"
    return [("Borgere", str(ov.citizens)), ("Runder", f"{len(ov.rounds)} ({rounds})"),
            ("Opfølgninger (borger × runde)", str(ov.conversations)),
            ("Skemaer returneret", f"{back} af {sent} ({share(back, sent)})")]


def context(ov: Overview) -> dict:
    """Everything the overview template shows (the spider image is added by render)."""
    hidden = {"n": SUPPRESSED, "first": "", "latest": "", "change": "", "improved": "", "delmaal": ""}
    return {
        "period": ov.period, "by_title": GROUPINGS[ov.by].lower(), "too_few": ov.too_few,
        "key": [{"label": k, "value": v} for k, v in key_figures(ov)],
        "returns": [{"who": WHO[r["respondent"]], "sent": r["sent"], "returned": r["returned"],
                     "rate": share(r["returned"], r["sent"])} for r in ov.returns],
        "indicators": [dict(r, **hidden) if r["suppressed"] else dict(
            r, first=num(r["first"]), latest=num(r["latest"]), change=signed(r["change"]),
            improved=f"{r['improved']} af {r['n']}", delmaal=_dm(r["dm_reached"], r["dm_total"])) for r in ov.indicators],
        "groups": [dict(r, n=SUPPRESSED, change="", delmaal="") if r["suppressed"] else
                   dict(r, change=signed(r["change"]), delmaal=_dm(r["dm_reached"], r["dm_total"])) for r in ov.groups],
        "agreement": [dict(r, n=SUPPRESSED, comparisons="", large="", directions=[""]) if r["suppressed"] else
                      dict(r, large=f"{r['large']} ({share(r['large'], r['comparisons'])})", directions=_directions(r))
                      for r in ov.agreement],
        "spider_caption": _spider_caption(ov), "method": METHOD,
    }


def _spider_caption(ov: Overview) -> str:
    n = ", ".join(f"{WHO[w].lower()} {k}" for w, k in ov.spider["n"].items())
    return (f"Gennemsnit for borgere med mindst to målinger ({n} borgere). Farvede linjer: seneste måling; grå linjer: "
            f"første måling. 0 = midten, yderst = højeste trin. Respondenter med færre end 5 borgere er udeladt.")


def spider_png(ov: Overview) -> bytes | None:
    """The cohort spider: one line per respondent, latest in colour, first in grey (None when it cannot be drawn)."""
    from formgen.reports import charts

    sp = ov.spider
    if ov.too_few or len(sp["labels"]) < 3 or not sp["latest"]:
        return None
    with charts.settings({"xtick.major.pad": 18}):  # keeps long area names clear of the outer ring
        return charts.spider(sp["labels"], sp["latest"], sp["first"], "første måling")


def spider_alt(ov: Overview) -> str:
    """The cohort spider's alternative text: per area, each respondent's mean latest score (0–100)."""
    sp = ov.spider
    rows = "; ".join(f"{label}: " + ", ".join(f"{who} {num(values[n], 0)}" for who, values in sp["latest"].items())
                     for n, label in enumerate(sp["labels"]))
    return (f"Spindelvæv for borgerne i perioden, seneste måling i gennemsnit (0–100): {rows}."
            " Grå linjer viser første måling.")


def workbook(ov: Overview) -> bytes:
    """The tables as an Excel workbook: one sheet each, numbers as numbers, native charts where they help."""
    wb = sheets.workbook(f"Ledelsesoverblik – {ov.period}")
    sheets.add_table(wb, "Nøgletal", ["Nøgletal", "Værdi"],
                     [["Periode", ov.period], ["Grupperet efter", GROUPINGS[ov.by]]] + [list(k) for k in key_figures(ov)])
    if not ov.too_few:
        _progression_sheets(wb, ov)
    sheets.add_table(wb, "Om tallene", ["Sådan er tallene regnet"], [[m] for m in METHOD])
    return sheets.to_bytes(wb)


def _r1(v):
    return None if v is None else round(v, 1)


def _progression_sheets(wb, ov: Overview) -> None:
    sheets.add_table(wb, "Returnering", ["Respondent", "Sendt", "Returneret", "Returprocent"],
                     [[WHO[r["respondent"]], r["sent"], r["returned"], _r1(100 * r["returned"] / r["sent"])]
                      for r in ov.returns])
    rows = [[r["label"], SUPPRESSED] if r["suppressed"] else
            [r["label"], r["n"], _r1(r["first"]), _r1(r["latest"]), _r1(r["change"]), r["improved"], r["dm_reached"],
             r["dm_total"], _r1(100 * r["dm_reached"] / r["dm_total"]) if r["dm_total"] else None]
            for r in ov.indicators]
    ws = sheets.add_table(wb, "Progression", ["Område", "Borgere", "Første (0-100)", "Seneste (0-100)", "Ændring (point)",
                                              "Borgere med fremgang", "Delmål nået", "Delmål i alt", "Delmål nået (%)"],
                          rows, note="Scorer omregnet til 0-100. " + SUPPRESSED.capitalize() + ": vises ikke.")
    if rows and not any(r["suppressed"] for r in ov.indicators):
        sheets.bar_chart(ws, "Gennemsnitlig ændring pr. område (point på 0-100)", 5, len(rows), "K2")
    by = GROUPINGS[ov.by]
    sheets.add_table(wb, f"Efter {by.lower()}", [by, "Borgere", "Ændring (point)", "Delmål nået", "Delmål i alt",
                                                 "Delmål nået (%)"],
                     [[g["group"], SUPPRESSED] if g["suppressed"] else
                      [g["group"], g["n"], _r1(g["change"]), g["dm_reached"], g["dm_total"],
                       _r1(100 * g["dm_reached"] / g["dm_total"]) if g["dm_total"] else None] for g in ov.groups])
    sheets.add_table(wb, f"Område og {by.lower()}", [by, "Område", "Borgere", "Ændring (point)"],
                     [[g["group"], g["label"], SUPPRESSED] if g["suppressed"] else
                      [g["group"], g["label"], g["n"], _r1(g["change"])] for g in ov.group_indicators])
    sheets.add_table(wb, "Enighed", ["Område", "Borgere", "Sammenligninger", "Stor forskel", "Stor forskel (%)", "Retning"],
                     [[a["label"], SUPPRESSED] if a["suppressed"] else
                      [a["label"], a["n"], a["comparisons"], a["large"],
                       _r1(100 * a["large"] / a["comparisons"]) if a["comparisons"] else None, " · ".join(_directions(a))]
                      for a in ov.agreement])
    _spider_sheet(wb, ov)


def _spider_sheet(wb, ov: Overview) -> None:
    sp = ov.spider
    whos = list(sp["latest"])
    header = ["Område"] + [f"{WHO[w]}, {k}" for w in whos for k in ("første", "seneste")]
    rows = [[label] + [_r1(sp[k][w][i]) for w in whos for k in ("first", "latest")] for i, label in enumerate(sp["labels"])]
    ws = sheets.add_table(wb, "Spindelvæv", header, rows, note="Gennemsnit på 0-100 for borgere med mindst to målinger.")
    if whos and len(rows) >= 3:
        sheets.radar_chart(ws, "Første og seneste måling pr. respondent", 2, len(header), len(rows), f"A{len(rows) + 5}")


def _period_slug(date_from, date_to) -> str:
    parts = [f"{word}-{d.isoformat()}" for word, d in (("fra", date_from), ("til", date_to)) if d]
    return "_".join(parts) or "alle"


def overview_report(ws, date_from=None, date_to=None, by: str = "programme", fmt: str = "docx",
                    out_dir: Path | None = None) -> OverviewResult:
    """Write the management overview as Word (and PDF when asked) and Excel; logged, never naming anyone."""
    engine = store.connect(ws.db, ws.unit)
    try:
        ov = build(engine, date_from, date_to, by)
        store.log_entries(engine, "report", {"kind": "overview", "by": by, "period": ov.period, "format": fmt})
    finally:
        engine.dispose()
    out_dir = private_dir(Path(out_dir) if out_dir else ws.reports / "overview")
    stem = f"ledelsesoverblik_{GROUPINGS[by].lower()}_{_period_slug(date_from, date_to)}"
    docx = write_private(out_dir / f"{stem}.docx", render(
        ws, "overview.docx", context(ov), {"spider": (spider_png(ov), 135, spider_alt(ov))},
        title=f"Ledelsesoverblik – {ov.period}", subject=f"Progression for alle borgere, grupperet efter {GROUPINGS[by].lower()}"))
    xlsx = write_private(out_dir / f"{stem}.xlsx", workbook(ov))
    pdf = None
    if fmt == "pdf":
        from formgen.formats.convert import to_pdf

        pdf = to_pdf([docx], out_dir)[0]
    return OverviewResult(docx, xlsx, pdf, ov)
