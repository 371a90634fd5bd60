"""Rapporter (management overview, company sheets, exports) and Skemaer (the forms, their outline, checking a definition)."""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from formgen import api
from formgen.core.access import may
from formgen.core.errors import FormgenError, fail
from formgen.core.private import private_dir
from formgen.web import preview
from formgen.web.security import who
from formgen.web.uploads import receive_files

__all__ = ["reports_page", "overview_download", "company_download", "export_download", "forms_page", "form_page",
           "check_upload", "GROUPINGS", "MEDIA"]

GROUPINGS = {"programme": "Indsats", "company": "Virksomhed", "consultant": "Konsulent"}
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


def _choice(value: str, allowed, name: str) -> str:
    if value not in allowed:
        raise fail("FG130", name, f"'{value}' is not one of {', '.join(allowed)}", "use the choices on the page")
    return value


def _file(path: Path) -> FileResponse:
    return FileResponse(path, filename=path.name, media_type=MEDIA.get(path.suffix.lstrip("."), "application/octet-stream"))


def reports_page(request: Request) -> Response:
    """The overview's tables and spider on the page (as in the Word report, never naming anyone), and the downloads."""
    import base64

    app = request.app.state
    person = api.permit_action(app.ws, "overview", person=who(request))
    by = request.query_params.get("by", "programme")
    by = by if by in GROUPINGS else "programme"
    named = may(person, "report_all")  # company sheets and every report name citizens: administrators only
    companies = sorted({c["company"] for c in api.citizens(app.ws, person=person) if c["company"]}) if named else []
    try:
        view = api.overview_view(app.ws, by, person=person)
    except FormgenError as exc:  # nothing imported yet
        view = {"problems": exc.problems}
    spider = view.get("spider")
    return app.render.page(request, "reports.html", groupings=GROUPINGS, companies=companies, by=by, view=view,
                           job=app.jobs.get(request.query_params.get("job", "")),
                           spider="data:image/png;base64," + base64.b64encode(spider).decode() if spider else None)


async def overview_download(request: Request) -> Response:
    """POST by=…, format=docx|pdf|xlsx: the management overview (small groups suppressed, as on the CLI)."""
    form = await request.form()
    by = _choice(str(form.get("by", "programme")), GROUPINGS, "by")
    fmt = _choice(str(form.get("format", "docx")), ("docx", "pdf", "xlsx"), "format")
    result = await run_in_threadpool(lambda: api.report_overview(request.app.state.ws, None, None, by,
                                                                 "pdf" if fmt == "pdf" else "docx", person=who(request)))
    return _file({"docx": result.docx, "pdf": result.pdf, "xlsx": result.xlsx}[fmt])


async def company_download(request: Request) -> Response:
    """POST company=…, format=docx|pdf: a company's feedback sheet; the name must be a company on the roster."""
    form = await request.form()
    ws, person = request.app.state.ws, who(request)
    api.permit_action(ws, "report_all", person=person)
    companies = {c["company"] for c in api.citizens(ws, person=person) if c["company"]}
    name = _choice(str(form.get("company", "")), sorted(companies), "company")
    fmt = _choice(str(form.get("format", "docx")), ("docx", "pdf"), "format")
    result = await run_in_threadpool(lambda: api.report_company(ws, name, None, fmt, person=person))
    return _file(result.pdf if fmt == "pdf" and getattr(result, "pdf", None) else result.docx)


async def export_download(request: Request) -> Response:
    """POST what=scores|texts, format=csv|xlsx, pseudonymise=1: the tidy export, as `formgen export`."""
    form = await request.form()
    what = _choice(str(form.get("what", "scores")), ("scores", "texts"), "what")
    fmt = _choice(str(form.get("format", "csv")), ("csv", "xlsx"), "format")
    person = who(request)
    result = await run_in_threadpool(lambda: api.export(request.app.state.ws, what, fmt, None,
                                                        form.get("pseudonymise") == "1", person=person))
    return _file(result.path)


def forms_page(request: Request) -> Response:
    app = request.app.state
    rows = api.list_forms(app.ws.root)
    return app.render.page(request, "forms.html", rows=rows, result=None)


def form_page(request: Request) -> Response:
    """One form's outline; the id must be one list_forms names."""
    app = request.app.state
    form_id = request.path_params["form_id"]
    if form_id not in {r[0] for r in api.list_forms(app.ws.root)}:
        raise fail("FG182", form_id, "there is no form with this id", "choose a form from the list on Skemaer")
    used = request.query_params.get("brugt", "")
    return app.render.page(request, "form.html", form_id=form_id, outline=api.form_outline(form_id, app.ws),
                           preview=preview.available(), used=used if re.fullmatch(r"[\w.\-]{1,32}", used) else "")


async def check_upload(request: Request) -> Response:
    """Check an uploaded form definition (YAML) as `formgen forms check` does; the upload is deleted afterwards."""
    app = request.app.state
    folder = Path(tempfile.mkdtemp(prefix="check-", dir=private_dir(app.ws.root / ".formgen-web")))
    try:
        upload = await receive_files(request, folder)
        if len(upload.files) != 1:
            raise fail("FG130", "definition", "choose one form definition file (.yaml)", "choose one file")
        path = upload.files[0]
        try:
            d = await run_in_threadpool(api.check_form, path)
            result = {"ok": True, "name": path.name, "id": d.id, "title": d.title, "problems": []}
        except FormgenError as exc:  # where: the file as the user named it, not the server's temporary folder
            problems = [replace(p, where=p.where.replace(str(path), path.name)) for p in exc.problems]
            result = {"ok": False, "name": path.name, "problems": problems}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return app.render.page(request, "forms.html", rows=api.list_forms(app.ws.root), result=result)
