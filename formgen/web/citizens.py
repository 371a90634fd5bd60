"""Borgere: the searchable list, a citizen's page (the report's content and charts), report downloads, and their API."""
from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from formgen import api
from formgen.core.errors import FormgenError, fail
from formgen.web.security import who

__all__ = ["citizen_list", "citizen_page", "citizen_report", "kompetencekort", "api_citizens", "api_citizen", "api_report",
           "matching", "known", "refs_of"]

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def matching(rows: list[dict], query: str) -> list[dict]:
    """The citizens whose ref, name, company or consultant contains every word of the query (case-insensitive)."""
    words = query.casefold().split()
    text = ("ref", "name", "company", "consultant", "mentor", "programme")
    return [r for r in rows if all(any(w in str(r[k]).casefold() for k in text) for w in words)]


def known(ws, ref: str, person) -> dict:
    """The citizen's roster row; FG182 unless the ref is one the person may see (so no browser string reaches a path)."""
    for row in api.citizens(ws, person=person):
        if row["ref"] == ref:
            return row
    raise fail("FG182", ref, "formgen knows no citizen with this ref", "choose a citizen from the list on Borgere")


def citizen_list(request: Request) -> Response:
    app = request.app.state
    query = request.query_params.get("q", "").strip()
    person = who(request)
    rows = matching(api.citizens(app.ws, person=person), query)
    api.log_access(app.ws, "view", {"page": "borgere", "search": bool(query), "citizens": len(rows)}, refs_of(rows),
                   person=person)
    template = "_citizen_rows.html" if request.headers.get("hx-request") else "citizens.html"
    return app.render.page(request, template, rows=rows, q=query)


def refs_of(rows: list[dict]) -> list[str | None]:
    """The refs a list shows (each gets its own audit entry: a name on a list is a read too); [None] for an empty list."""
    refs = sorted({r["ref"] for r in rows} - {None, ""})
    return refs or [None]


def _png(data: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(data).decode() if data else None


def citizen_page(request: Request) -> Response:
    app = request.app.state
    person = who(request)
    row = known(app.ws, request.path_params["ref"], person)
    try:
        view = api.citizen_view(app.ws, row["ref"], person=person)
    except FormgenError as exc:  # FG160: on the roster, nothing imported yet: the page says so
        view = {"problems": exc.problems}
    api.log_access(app.ws, "view", {"page": "borger"}, [row["ref"]], person=person)
    return app.render.page(request, "citizen.html", row=row, view=view,
                           handwriting=api.handwriting(app.ws, row["ref"], person=person),
                           spider=_png(view.get("spider")), trends=_png(view.get("trends")))


def _report(request: Request, ref: str, fmt: str) -> Response:
    ws, person = request.app.state.ws, who(request)
    row = known(ws, ref, person)  # first: another konsulent's citizen is unknown, whatever else is asked
    if fmt not in FORMATS:
        raise fail("FG130", "format", f"'{fmt}' is not a report format", "use format=docx or format=pdf")
    result = api.report_citizen(ws, row["ref"], fmt, person=person)  # audited by the report run
    path = result.pdf if fmt == "pdf" else result.docx
    return FileResponse(path, filename=path.name, media_type=FORMATS[fmt])


async def citizen_report(request: Request) -> Response:
    """POST format=docx|pdf: write the progression report (as `formgen report citizen`) and hand it over."""
    form = await request.form()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_report, request, request.path_params["ref"], str(form.get("format", "docx")))


def _kort(request: Request, ref: str, fmt: str) -> Response:
    ws, person = request.app.state.ws, who(request)
    row = known(ws, ref, person)
    if fmt not in FORMATS:
        raise fail("FG130", "format", f"'{fmt}' is not a document format", "use format=docx or format=pdf")
    result = api.report_kompetencekort(ws, row["ref"], fmt, person=person)  # FG160 without a kompetencekort return
    path = result.pdf if fmt == "pdf" and result.pdf else result.docx
    return FileResponse(path, filename=path.name, media_type=FORMATS[path.suffix.lstrip(".")])


async def kompetencekort(request: Request) -> Response:
    """POST format=docx|pdf: the candidate's kompetencekort document (as `formgen report kompetencekort`)."""
    form = await request.form()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_kort, request, request.path_params["ref"], str(form.get("format", "docx")))


def api_citizens(request: Request) -> Response:
    ws, person = request.app.state.ws, who(request)
    rows = api.citizens(ws, person=person)
    api.log_access(ws, "view", {"api": "citizens", "citizens": len(rows)}, refs_of(rows), person=person)
    return JSONResponse({"citizens": rows})


def api_citizen(request: Request) -> Response:
    """One citizen: the roster row, and the report's scores, sentences, delmål, aftale and texts."""
    ws, person = request.app.state.ws, who(request)
    row = known(ws, request.path_params["ref"], person)
    view = api.citizen_view(ws, row["ref"], person=person)
    api.log_access(ws, "view", {"api": "citizen"}, [row["ref"]], person=person)
    keep = ("period", "rounds", "score_rows", "delmaal", "aftale", "texts", "journal")
    body = {k: view[k] for k in keep}
    body["agreement"] = [{"large_difference": big, "text": text} for big, text in view["agreement"]]
    return JSONResponse({"citizen": row, **body})


def api_report(request: Request) -> Response:
    return _report(request, request.path_params["ref"], request.query_params.get("format", "docx"))
