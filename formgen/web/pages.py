"""The pages Overblik (the round at a glance) and Indlæs (upload → intake as a background job)."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from formgen import api
from formgen.core.access import may
from formgen.core.errors import fail
from formgen.web.jobs import Job
from formgen.web.security import who
from formgen.web.uploads import MAX_FILE_BYTES, MAX_REQUEST_BYTES, receive_files

__all__ = ["overview", "intake_page", "intake_upload", "job_part", "job_report", "start_intake", "overview_data",
           "job_or_404"]


def overview_data(ws, round_no: int | None, person) -> dict:
    """The status rows as a picture: per round and form, the grid citizen × respondent, rates per respondent (a konsulent's: theirs)."""
    rows = api.status(ws, person=person)
    rounds = sorted({r.round for r in rows})
    current = round_no if round_no in rounds else (rounds[-1] if rounds else None)
    these = [r for r in rows if r.round == current]
    review_codes = {c.code for c in api.review(ws, person=person)} if may(person, "review") else set()
    roles = sorted({r.role for r in these}, key=lambda role: (role != "borger", role))
    grid: dict[tuple[str, str], dict] = defaultdict(dict)
    for r in these:
        state = "review" if r.code in review_codes else ("returned" if r.returned else "missing")
        grid[(r.citizen_ref, r.name)][(r.form, r.role)] = state
    forms = sorted({r.form for r in these})
    columns = sorted({(r.form, r.role) for r in these}, key=lambda fr: (fr[0], fr[1] != "borger", fr[1]))
    rates = [(role, sum(r.returned for r in these if r.role == role), sum(r.role == role for r in these))
             for role in roles]
    per_form = [(f, sum(r.returned for r in these if r.form == f), sum(r.form == f for r in these)) for f in forms]
    return {"rounds": rounds, "current": current, "roles": roles, "columns": columns, "rates": rates,
            "per_form": per_form, "grid": sorted(grid.items()), "review_count": len(review_codes),
            "quarantine_count": len(api.quarantined(ws, person=person)) if may(person, "review") else 0, "returned": sum(r.returned for r in these),
            "expected": len(these)}


def overview(request: Request) -> Response:
    app = request.app.state
    person = who(request)
    if not may(person, "status"):  # a leder starts on Rapporter (the library refuses them the status anyway)
        return RedirectResponse("/rapporter", status_code=303)
    arg = request.query_params.get("runde", "")
    data = overview_data(app.ws, int(arg) if arg.isdigit() else None, person)
    refs = sorted({ref for (ref, _name), _cells in data["grid"]}) or [None]
    api.log_access(app.ws, "view", {"page": "overblik", "round": data["current"], "citizens": len(data["grid"])}, refs,
                   person=person)
    return app.render.page(request, "overview.html", **data)


def intake_page(request: Request) -> Response:
    app = request.app.state
    person = api.permit_action(app.ws, "intake", person=who(request))
    job = app.jobs.get(request.query_params.get("job", ""))
    if job is not None:
        api.log_access(app.ws, "view", {"page": "indlaes", "job": job.id}, person=person)
    return app.render.page(request, "intake.html", job=job, max_file_mb=MAX_FILE_BYTES // 2**20,
                           max_request_mb=MAX_REQUEST_BYTES // 2**20)


async def start_intake(request: Request) -> Job:
    """Stream the upload to a private folder in the workspace, then queue intake of that folder."""
    app = request.app.state
    person = api.permit_action(app.ws, "intake", person=who(request))  # before a byte of the upload is stored
    job = Job(app.jobs.new_id(), "intake")
    job.folder = app.ws.root / ".formgen-web" / "uploads" / job.id
    upload = await receive_files(request, job.folder)
    if not upload.files:
        job.folder.rmdir()
        raise fail("FG130", "files", "no files were chosen", "choose one or more returned forms or a .zip archive")
    job.files = len(upload.files)
    convert = upload.fields.get("convert_legacy") == "1"
    return app.jobs.submit(job, lambda j: api.intake_returns(app.ws, [j.folder], False, convert_legacy=convert,
                                                              progress=j.advance, on_total=j.set_total, person=person))


async def intake_upload(request: Request) -> Response:
    job = await start_intake(request)
    url = f"/indlaes?job={job.id}"
    if request.headers.get("hx-request"):
        response = request.app.state.render.page(request, "_job.html", job=job)
        response.headers["HX-Push-Url"] = url
        return response
    return RedirectResponse(url, status_code=303)


def job_or_404(request: Request, action: str = "intake") -> Job:
    """The job the address names (FG182 otherwise), once the person's role may see jobs of its kind (FG183)."""
    api.permit_action(request.app.state.ws, action, person=who(request))
    job = request.app.state.jobs.get(request.path_params["job_id"])
    if job is None:
        raise fail("FG182", "job", "there is no such job (a finished job is shown for 2 hours)",
                   "upload the files again on Indlæs")
    return job


def job_part(request: Request) -> Response:
    """The job's progress or result: polled by htmx until it is finished (the result names citizens: audited)."""
    job = job_or_404(request)
    if job.finished:
        refs = sorted({r.citizen_ref for r in getattr(job.result, "files", ()) if r.citizen_ref})
        api.log_access(request.app.state.ws, "view", {"page": "indlaes", "job": job.id}, refs or (None,),
                       person=who(request))
    return request.app.state.render.page(request, "_job.html", job=job)


def job_report(request: Request) -> Response:
    job = job_or_404(request)
    report: Path | None = getattr(job.result, "report", None)
    if report is None or not Path(report).is_file():
        raise fail("FG182", "import report", "this job has no import report", "wait until the job has finished")
    api.log_access(request.app.state.ws, "download", {"file": Path(report).name, "job": job.id}, person=who(request))
    return FileResponse(report, filename=Path(report).name,
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
