"""The JSON API under /api/ (docs/api.md): the same token or cookie as the pages, problems as JSON."""
from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from formgen import api
from formgen.web.jobs import Job
from formgen.web.pages import job_or_404, start_intake
from formgen.web.render import problem_json
from formgen.web.security import who

__all__ = ["post_intake", "get_job", "get_status", "job_json"]


def _file(r) -> dict:
    return {"name": r.name, "status": r.status, "code": r.code, "form": r.form, "role": r.role, "round": r.round,
            "citizen_ref": r.citizen_ref, "problems": [problem_json(p) for p in r.problems]}


def job_json(job: Job) -> dict:
    """A job as the API answers it: state, progress, and when done the counts and every file's outcome."""
    result = job.result
    return {"id": job.id, "kind": job.kind, "state": job.state, "files_uploaded": job.files,
            "progress": {"done": job.done, "total": job.total, "percent": job.percent},
            "counts": dict(getattr(result, "counts", {}) or {}),
            "files": [_file(r) for r in getattr(result, "files", ())],
            "report": f"/indlaes/job/{job.id}/rapport" if getattr(result, "report", None) else None,
            "download": f"/ny-runde/job/{job.id}/zip" if getattr(result, "zip", None) else None,
            "print_pdf": f"/ny-runde/job/{job.id}/pdf" if getattr(result, "pdf", None) else None,
            "problems": [problem_json(p) for p in job.problems]}


async def post_intake(request: Request) -> Response:
    """multipart `files` (and optional `convert_legacy=1`) → 202 with the job id to poll."""
    job = await start_intake(request)
    return JSONResponse({"job": job.id, "url": f"/api/jobs/{job.id}"}, status_code=202)


def get_job(request: Request) -> Response:
    job = job_or_404(request)
    if job.finished:
        refs = sorted({r.citizen_ref for r in getattr(job.result, "files", ()) if r.citizen_ref})
        api.log_access(request.app.state.ws, "view", {"api": "jobs", "job": job.id}, refs or (None,), person=who(request))
    return JSONResponse(job_json(job))


def get_status(request: Request) -> Response:
    """The status rows (one per dispatched form) of a round, or of every round."""
    arg = request.query_params.get("round", "")
    if arg and not arg.isdigit():
        from formgen.core.errors import fail

        raise fail("FG130", "round", f"'{arg}' is not a round number", "use ?round=1, ?round=2, …")
    ws, person = request.app.state.ws, who(request)
    rows = api.status(ws, int(arg) if arg else None, person=person)
    refs = sorted({r.citizen_ref for r in rows if r.citizen_ref}) or [None]
    api.log_access(ws, "view", {"api": "status", "round": int(arg) if arg else None, "rows": len(rows)}, refs,
                   person=person)
    return JSONResponse({"rows": [asdict(r) for r in rows]})
