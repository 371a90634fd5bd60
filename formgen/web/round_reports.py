"""Rapporter: every citizen's progression report for a round as one PDF for printing (a background job)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from formgen import api
from formgen.core.errors import fail
from formgen.web.jobs import Job
from formgen.web.pages import job_or_404
from formgen.web.security import who

__all__ = ["RoundReports", "start", "part", "download"]


@dataclass(frozen=True)
class RoundReports:
    """A report job's result: the merged PDF, how many citizens it holds, and which (for the audit log)."""

    pdf: Path
    reports: int
    round: int | None
    refs: tuple[str, ...]


def _work(ws, round_no: int | None, person):
    def work(j: Job) -> RoundReports:
        results = api.report_all(ws, "pdf", round_no, progress=j.advance, on_total=j.set_total, person=person)
        if not results:
            raise fail("FG160", "reports", "no citizen has imported answers for this round",
                       "import the returned forms first (Indlæs)")
        refs = tuple(r.citizen_ref for r in results)
        return RoundReports(api.merge_reports(ws, results, round_no, person=person), len(results), round_no, refs)
    return work


async def start(request: Request) -> Response:
    """POST round (empty: the latest): write every report as PDF with LibreOffice, then merge them for printing."""
    app = request.app.state
    person = api.permit_action(app.ws, "report_all", person=who(request))
    form = await request.form()
    text = str(form.get("round", "")).strip()
    if text and not (text.isdigit() and 1 <= int(text) <= 99):
        raise fail("FG130", "round", f"'{text}' is not a round number", "use a whole number from 1, or leave it empty")
    if not api.can_write_pdf():
        raise fail("FG170", "reports", "LibreOffice is not installed, and it is needed to write the reports as PDF",
                   "apt-get install libreoffice-writer-nogui")
    job = app.jobs.submit(Job(app.jobs.new_id(), "reports"), _work(app.ws, int(text) if text else None, person))
    return RedirectResponse(f"/rapporter?job={job.id}#runde", status_code=303)


def part(request: Request) -> Response:
    return request.app.state.render.page(request, "_reports_job.html", job=job_or_404(request, "report_all"))


def download(request: Request) -> Response:
    job = job_or_404(request, "report_all")
    if not isinstance(job.result, RoundReports):
        raise fail("FG182", "pdf", "this job has no reports to download (yet)", "wait until the job has finished")
    api.log_access(request.app.state.ws, "download", {"file": job.result.pdf.name, "job": job.id}, job.result.refs,
                   person=who(request))
    return FileResponse(job.result.pdf, filename=job.result.pdf.name, media_type="application/pdf")
