"""The citizen's progression report: consolidated scores → charts, sentences, tables, journalnotat."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formgen.consolidate.citizen import Data, citizen_row, consolidated, load, roster
from formgen.core.private import private_dir, write_private
from formgen.formats.word import rich
from formgen.reports.citizen_context import agreement_lines, chart_texts, charts, context
from formgen.reports.common import render
from formgen.store import db as store
from formgen.store import queries

__all__ = ["ReportResult", "render_docx", "citizen_report", "all_reports", "merge_reports", "PARALLEL_FROM"]


@dataclass(frozen=True)
class ReportResult:
    """The files one report run wrote."""

    citizen_ref: str
    docx: Path
    journal: Path
    pdf: Path | None = None


def render_docx(ws, data: Data, ctx: dict) -> bytes:
    """Fill the report template (the workspace's own copy when it has one)."""
    spider, trends, caption = charts(data)
    spider_alt, trends_alt = chart_texts(data)
    from formgen.reports.handwriting import with_handwriting

    ctx = dict(ctx, spider_caption=caption, agreement=[_marked(big, text) for big, text in agreement_lines(data)],
               texts=with_handwriting(ws, data.citizen["ref"], ctx.get("texts", [])))
    # The case number, not the name, in the metadata: search indexes and archives show it without opening the file.
    ref, latest = data.citizen["ref"], data.rounds[-1]
    return render(ws, "report.docx", ctx, {"spider": (spider, 150, spider_alt), "trends": (trends, 170, trends_alt)},
                  title=f"Progressionsrapport – {ref} – runde {latest}",
                  subject=f"Borgerens progression i forløbet, runde {data.rounds[0]}–{latest}")


def _marked(big: bool, text: str):
    # The marker differs in shape as well as colour, so it survives black-and-white printing.
    marker = ("▲ Stor forskel: ", {"bold": True, "color": "C00000"}) if big else ("● ", {"bold": True, "color": "548235"})
    return rich([marker, (text, {})])


def citizen_report(ws, ref: str, fmt: str = "docx", round_no: int | None = None, out_dir: Path | None = None,
                   engine=None) -> ReportResult:
    """Write the progression report (.docx, and .pdf when asked) and the journalnotat (.txt)."""
    own = engine is None
    engine = engine or store.connect(ws.db, ws.unit)
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
    from formgen.core.parallel import pool_size

    engine = store.connect(ws.db, ws.unit)
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


def _reports(ws, datas: dict[str, Data], todo: list[str], workers: int):
    """(ref, (result, round)) for each ref in todo, in order: the first here, the others in workers."""
    from formgen.core.parallel import fork_map

    if not todo:
        return
    yield todo[0], _write(ws, datas[todo[0]])
    if workers <= 1:
        for ref in todo[1:]:
            yield ref, _write(ws, datas[ref])
        return
    yield from fork_map(_task, todo[1:], workers, shared=(ws, datas))


def _task(shared, ref: str):
    ws, datas = shared
    return _write(ws, datas[ref])


def merge_reports(ws, results: list[ReportResult], round_no: int | None = None) -> Path:
    """One PDF of all the reports, for printing, with a bookmark per citizen."""
    from formgen.formats.pdf import merge_pdfs

    engine = store.connect(ws.db, ws.unit)
    citizens = roster(queries.citizen_rows(engine))
    engine.dispose()
    titles = [f"{(citizens.get(r.citizen_ref) or citizen_row(r.citizen_ref, {}))['name']} ({r.citizen_ref})"
              for r in results]
    name = f"progressionsrapporter_runde-{round_no}.pdf" if round_no else "progressionsrapporter_alle.pdf"
    out = merge_pdfs([r.pdf for r in results], titles, ws.reports / name)
    return out
