"""Borgere: the searchable list, a citizen's page (the report's content and charts), report downloads, and their API."""
from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from formgen import api
from formgen.core.errors import FormgenError, fail

__all__ = ["citizen_list", "citizen_page", "citizen_report", "kompetencekort", "api_citizens", "api_citizen", "api_report",
           "matching", "known"]

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def matching(rows: list[dict], query: str) -> list[dict]:
    """The citizens whose ref, name, company or consultant contains every word of the query (case-insensitive)."""
    words = query.casefold().split()
    text = ("ref", "name", "company", "consultant", "mentor", "programme")
    return [r for r in rows if all(any(w in str(r[k]).casefold() for k in text) for w in words)]


def known(ws, ref: str) -> dict:
    """The citizen's roster row; FG182 unless the ref is one formgen knows (so no browser string reaches a path)."""
    for row in api.citizens(ws):
        if row["ref"] == ref:
            return row
    raise fail("FG182", ref, "formgen knows no citizen with this ref", "choose a citizen from the list on Borgere")


def citizen_list(request: Request) -> Response:
    app = request.app.state
    query = request.query_params.get("q", "").strip()
    rows = matching(api.citizens(app.ws), query)
    api.log_access(app.ws, "view", {"page": "borgere", "search": bool(query), "citizens": len(rows)})
    template = "_citizen_rows.html" if request.headers.get("hx-request") else "citizens.html"
    return app.render.page(request, template, rows=rows, q=query)


def _png(data: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(data).decode() if data else None


def citizen_page(request: Request) -> Response:
    app = request.app.state
    row = known(app.ws, request.path_params["ref"])
    try:
        view = api.citizen_view(app.ws, row["ref"])
    except FormgenError as exc:  # FG160: on the roster, nothing imported yet: the page says so
        view = {"problems": exc.problems}
    api.log_access(app.ws, "view", {"page": "borger"}, [row["ref"]])
    return app.render.page(request, "citizen.html", row=row, view=view,
                           spider=_png(view.get("spider")), trends=_png(view.get("trends")))


def _report(request: Request, ref: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise fail("FG130", "format", f"'{fmt}' is not a report format", "use format=docx or format=pdf")
    ws = request.app.state.ws
    result = api.report_citizen(ws, known(ws, ref)["ref"], fmt)  # the report run writes its own audit entry
    path = result.pdf if fmt == "pdf" else result.docx
    return FileResponse(path, filename=path.name, media_type=FORMATS[fmt])


async def citizen_report(request: Request) -> Response:
    """POST format=docx|pdf: write the progression report (as `formgen report citizen`) and hand it over."""
    form = await request.form()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_report, request, request.path_params["ref"], str(form.get("format", "docx")))


def _kort(request: Request, ref: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise fail("FG130", "format", f"'{fmt}' is not a document format", "use format=docx or format=pdf")
    ws = request.app.state.ws
    result = api.report_kompetencekort(ws, known(ws, ref)["ref"], fmt)  # FG160 without a kompetencekort return
    path = result.pdf if fmt == "pdf" and result.pdf else result.docx
    return FileResponse(path, filename=path.name, media_type=FORMATS[path.suffix.lstrip(".")])


async def kompetencekort(request: Request) -> Response:
    """POST format=docx|pdf: the candidate's kompetencekort document (as `formgen report kompetencekort`)."""
    form = await request.form()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_kort, request, request.path_params["ref"], str(form.get("format", "docx")))


def api_citizens(request: Request) -> Response:
    ws = request.app.state.ws
    rows = api.citizens(ws)
    api.log_access(ws, "view", {"api": "citizens", "citizens": len(rows)})
    return JSONResponse({"citizens": rows})


def api_citizen(request: Request) -> Response:
    """One citizen: the roster row, and the report's scores, sentences, delmål, aftale and texts."""
    ws = request.app.state.ws
    row = known(ws, request.path_params["ref"])
    view = api.citizen_view(ws, row["ref"])
    api.log_access(ws, "view", {"api": "citizen"}, [row["ref"]])
    keep = ("period", "rounds", "score_rows", "delmaal", "aftale", "texts", "journal")
    body = {k: view[k] for k in keep}
    body["agreement"] = [{"large_difference": big, "text": text} for big, text in view["agreement"]]
    return JSONResponse({"citizen": row, **body})


def api_report(request: Request) -> Response:
    return _report(request, request.path_params["ref"], request.query_params.get("format", "docx"))
