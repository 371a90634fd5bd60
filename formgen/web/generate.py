"""Ny runde: choose form, round, respondents and formats, a roster (uploaded, or the workspace's citizens); a job writes a .zip."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from formgen import api
from formgen.core.errors import fail
from formgen.core.private import private_dir
from formgen.web.jobs import Job
from formgen.web.pages import job_or_404
from formgen.web.security import who
from formgen.web.uploads import receive_files

__all__ = ["Generated", "generate_page", "generate_post", "generate_part", "generate_zip", "generate_pdf", "api_generate", "FORMATS"]

FORMATS = {"docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "pdf": "PDF til print og udfyldning (.pdf)",
           "paper": "Papir: udfyldes med kuglepen og scannes tilbage (.papir.pdf)"}
ROLES = ("borger", "mentor", "konsulent")


@dataclass(frozen=True)
class Generated:
    """A generate job's result: the .zip to download and how many forms it holds."""

    zip: Path
    forms: int
    form: str
    round: int
    pdf: Path | None = None  # the PDF forms merged into one file for printing, when PDF was chosen


def generate_page(request: Request) -> Response:
    app = request.app.state
    person = api.permit_action(app.ws, "rounds", person=who(request))
    job = app.jobs.get(request.query_params.get("job", ""))
    forms = [r for r in api.list_forms(app.ws.root)]
    return app.render.page(request, "generate.html", forms=forms, formats=FORMATS, roles=ROLES, job=job,
                           known=len(api.citizens(app.ws, person=person)))


def _settings(ws, fields: dict) -> dict:
    forms = {r[0]: r[3].split(", ") for r in api.list_forms(ws.root)}
    form = fields.get("form", "")
    if form not in forms:
        raise fail("FG112", form or "form", "choose a form", "use a form from the list on Ny runde")
    rnd = fields.get("round", "1")
    if not rnd.isdigit() or not 1 <= int(rnd) <= 99:
        raise fail("FG130", "round", f"'{rnd}' is not a round number", "use a whole number from 1")
    formats = [f for f in FORMATS if fields.get(f"format_{f}") == "1"] or ["docx"]
    roles = [r for r in ROLES if fields.get(f"role_{r}") == "1" and r in forms[form]] or forms[form]
    return {"form": form, "round": int(rnd), "formats": formats, "roles": roles}


async def _start(request: Request) -> Job:
    """Read the form (and the roster file, if any) into a private folder, then queue the generate job."""
    app = request.app.state
    person = api.permit_action(app.ws, "rounds", person=who(request))  # before a roster is stored
    job = Job(app.jobs.new_id(), "generate")
    job.folder = app.ws.root / ".formgen-web" / "uploads" / job.id
    upload = await receive_files(request, job.folder)
    try:
        settings = _settings(app.ws, upload.fields)
    except Exception:  # refused before anything was generated: the uploaded roster is not kept
        shutil.rmtree(job.folder, ignore_errors=True)
        raise
    roster = upload.files[0] if upload.files else None
    job.files = len(upload.files)

    def work(j: Job) -> Generated:
        citizens = None if roster else api.workspace_roster(app.ws, person=person)
        if not roster and not citizens:
            raise fail("FG120", "roster", "the workspace knows no citizens yet", "upload a roster (CSV or XLSX)")
        try:
            results = [api.generate_forms(app.ws, settings["form"], fmt, roster=roster, citizens=citizens,
                                          roles=settings["roles"], round_no=settings["round"], progress=j.advance,
                                          on_total=lambda n: j.set_total(j.total + n), person=person)
                   for fmt in settings["formats"]]
        finally:  # the roster's rows are in the database now (or it was refused): the upload is not kept
            if roster is not None:
                roster.unlink(missing_ok=True)
        files = [f for r in results for f in r.files]
        base = app.ws.forms_out
        # kept with the uploads, so `formgen forget` and `purge` find the copies (privacy.WEB_FOLDER)
        dest = private_dir(app.ws.root / ".formgen-web" / "downloads") / f"runde-{settings['round']}_{settings['form']}_{j.id}.zip"
        pdfs = [f for f in files if f.suffix == ".pdf"]
        merged = api.merge_for_print(pdfs, dest.with_suffix(".pdf")) if pdfs else None
        return Generated(api.pack_files(files, dest, base), len(files), settings["form"], settings["round"], merged)
    return app.jobs.submit(job, work)


async def generate_post(request: Request) -> Response:
    job = await _start(request)
    return RedirectResponse(f"/ny-runde?job={job.id}", status_code=303)


def generate_part(request: Request) -> Response:
    return request.app.state.render.page(request, "_generate_job.html", job=job_or_404(request, "rounds"))


def generate_zip(request: Request) -> Response:
    job = job_or_404(request, "rounds")
    if not isinstance(job.result, Generated):
        raise fail("FG182", "zip", "this job has no forms to download (yet)", "wait until the job has finished")
    api.log_access(request.app.state.ws, "download", {"file": job.result.zip.name, "job": job.id}, person=who(request))
    return FileResponse(job.result.zip, filename=job.result.zip.name, media_type="application/zip")


def generate_pdf(request: Request) -> Response:
    """The round's PDF forms in one file, for printing."""
    job = job_or_404(request, "rounds")
    if not isinstance(job.result, Generated) or job.result.pdf is None:
        raise fail("FG182", "pdf", "this job has no PDF for printing (PDF was not chosen, or it is not finished)",
                   "choose PDF under Formater on Ny runde")
    api.log_access(request.app.state.ws, "download", {"file": job.result.pdf.name, "job": job.id}, person=who(request))
    return FileResponse(job.result.pdf, filename=job.result.pdf.name, media_type="application/pdf")


async def api_generate(request: Request) -> Response:
    """multipart: form, round, format_docx=1…, role_borger=1…, optional roster file → 202 with the job id."""
    job = await _start(request)
    return JSONResponse({"job": job.id, "url": f"/api/jobs/{job.id}"}, status_code=202)
