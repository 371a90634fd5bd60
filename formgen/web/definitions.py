"""Skemaer's workbook: download a form's definition workbook, upload an edited one, see its errors at their cell,
look at the new form's first page, then take it into use ("Brug skemaet" = formgen forms add)."""
from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from formgen import api
from formgen.web.security import who
from formgen.core.errors import FormgenError, fail
from formgen.core.private import private_dir
from formgen.web import preview
from formgen.web.uploads import receive_files

__all__ = ["PENDING", "MAX_WORKBOOK_BYTES", "workbook_download", "workbook_upload", "pending_preview", "use_workbook", "cell_rows"]

PENDING = Path(".formgen-web") / "skemaer"  # uploads waiting for "Brug skemaet", one folder each
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_WORKBOOK_BYTES = 5 * 2**20  # a definition workbook is some 30 KB; nothing near this is a definition
MEDIA_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_id(request: Request) -> str:
    form_id = request.path_params["form_id"]
    if form_id not in {r[0] for r in api.list_forms(request.app.state.ws.root)}:
        raise fail("FG182", form_id, "there is no form with this id", "choose a form from the list on Skemaer")
    return form_id


def workbook_download(request: Request) -> Response:
    """GET: the form's definition workbook (formgen forms new --from), written for this download and then deleted."""
    ws = request.app.state.ws
    form_id = _form_id(request)
    folder = Path(tempfile.mkdtemp(prefix="workbook-", dir=private_dir(ws.root / ".formgen-web")))
    path = api.new_form_workbook(folder / f"{form_id}.xlsx", form_id, ws)
    return FileResponse(path, filename=path.name, media_type=MEDIA_XLSX,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


def cell_rows(problems: list, path: Path) -> list[dict]:
    """The check's problems as the page's table rows: Ark!Celle ('–' for the whole file), what, how to fix it."""
    def at(where: str) -> str:
        return where.replace(str(path), path.name).removeprefix(path.name).removeprefix(", ") or "–"

    return [{"code": p.code, "cell": at(p.where), "what": p.what, "fix": p.fix} for p in problems]


def _pending(request: Request, token: str) -> Path:
    """The upload waiting under this token (one definition file), or FG182."""
    folder = request.app.state.ws.root / PENDING / token
    files = [p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".yaml", ".yml")] if (
        _TOKEN.match(token) and folder.is_dir()) else []
    if len(files) != 1:
        raise fail("FG182", "upload", "this upload is no longer waiting", "upload the workbook again on Skemaer")
    return files[0]


def _clear_pending(ws, keep: str = "") -> None:
    """One upload waits at a time: an earlier one that was never used is deleted."""
    root = ws.root / PENDING
    for old in root.iterdir() if root.is_dir() else ():
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


async def workbook_upload(request: Request) -> Response:
    """POST one workbook: checked as forms add would; its errors at their cell, or what it becomes and its page 1."""
    app = request.app.state
    token = secrets.token_urlsafe(24)
    folder = app.ws.root / PENDING / token
    private_dir(folder.parent)
    upload = await receive_files(request, folder, MAX_WORKBOOK_BYTES)
    _clear_pending(app.ws, keep=token)
    if len(upload.files) != 1 or upload.files[0].suffix.lower() not in (".xlsx", ".xls", ".yaml", ".yml"):
        shutil.rmtree(folder, ignore_errors=True)
        raise fail("FG130", "definition", "choose one definition workbook (.xlsx)", "choose one .xlsx file")
    path = upload.files[0]
    try:
        change = await run_in_threadpool(api.check_form_change, app.ws, path, True, person=who(request))
    except FormgenError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return app.render.page(request, "forms.html", rows=api.list_forms(app.ws.root), result=None,
                               workbook={"ok": False, "name": path.name, "rows": cell_rows(exc.problems, path),
                                         "problems": exc.problems[:1]})
    return app.render.page(request, "forms.html", rows=api.list_forms(app.ws.root), result=None,
                           workbook={"ok": True, "name": path.name, "token": token, "change": change,
                                     "preview": preview.available()})


async def pending_preview(request: Request) -> Response:
    """GET: the picture of the waiting definition's first page (a blank Word copy), drawn once and kept with it."""
    ws = request.app.state.ws
    path = _pending(request, request.path_params["token"])
    if not preview.available():
        raise fail("FG170", "preview", "LibreOffice (or poppler's pdftoppm) is not installed, so no preview can be drawn",
                   "apt-get install libreoffice-writer-nogui poppler-utils")
    change = await run_in_threadpool(api.check_form_change, ws, path, True, person=who(request))
    target = path.parent / f"{change.definition.id}-preview.png"
    if not target.is_file():
        await run_in_threadpool(preview.draw, ws, change.definition.id, target, change.definition)
    return FileResponse(target, media_type="image/png")


async def use_workbook(request: Request) -> Response:
    """POST: 'Brug skemaet': formgen forms add of the waiting upload (checked again), then the form's page."""
    ws = request.app.state.ws
    api.permit_action(ws, "rounds", person=who(request))  # an administrator's step: refused before the upload is looked up
    path = _pending(request, request.path_params["token"])
    d = await run_in_threadpool(api.add_form, ws, path, True, person=who(request))
    shutil.rmtree(path.parent, ignore_errors=True)
    return RedirectResponse(f"/skemaer/{d.id}?brugt={d.version}", status_code=303)
