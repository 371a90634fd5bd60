"""Skemaer's preview: a picture of a form's first page (blank Word copy → LibreOffice → pdftoppm), cached in the workspace."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from formgen import api
from formgen.core.errors import fail
from formgen.core.private import private_dir, write_private

__all__ = ["CACHE", "available", "cached_png", "draw", "preview_png"]

CACHE = Path(".formgen-web") / "previews"
PNG_DPI = "60"


def available() -> bool:
    """Whether a preview can be drawn here: LibreOffice writes the PDF, poppler's pdftoppm draws the page."""
    return api.can_write_pdf() and shutil.which("pdftoppm") is not None


def cached_png(ws, form_id: str) -> Path:
    """Where the form's picture is kept: named by what it shows (outline, workspace settings, logo), so a change redraws it."""
    key = hashlib.sha256(api.form_outline(form_id, ws).encode("utf-8"))
    for path in (ws.root / "formgen.toml", ws.logo):
        if path is not None and Path(path).is_file():
            key.update(Path(path).read_bytes())
    return ws.root / CACHE / f"{form_id}-{key.hexdigest()[:16]}.png"


def draw(ws, form_id: str, target: Path, definition=None) -> Path:
    """Write the blank form (of definition, when given: one not in use yet), convert it and draw its first page
    into target; the Word and PDF copies are not kept."""
    work = Path(tempfile.mkdtemp(prefix="preview-", dir=private_dir(target.parent)))
    try:
        pdf = (api.form_preview_pdf(ws, form_id, work) if definition is None
               else api.definition_preview_pdf(ws, definition, work))
        run = subprocess.run(["pdftoppm", "-png", "-r", PNG_DPI, "-f", "1", "-l", "1", "-singlefile", str(pdf),
                              str(work / "page")], capture_output=True, timeout=120)
        if run.returncode != 0 or not (work / "page.png").is_file():
            raise fail("FG171", form_id, "the preview picture could not be drawn from the PDF",
                       "open the form from Ny runde instead; the forms themselves are not affected")
        for old in target.parent.glob(f"{form_id}-*.png"):  # an earlier picture of another version of the form
            old.unlink(missing_ok=True)
        return write_private(target, (work / "page.png").read_bytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def preview_png(request: Request) -> Response:
    """The picture of a form's first page; drawn once per version of the form and kept in the workspace."""
    ws = request.app.state.ws
    form_id = request.path_params["form_id"]
    if form_id not in {r[0] for r in api.list_forms(ws.root)}:
        raise fail("FG182", form_id, "there is no form with this id", "choose a form from the list on Skemaer")
    if not available():
        raise fail("FG170", "preview", "LibreOffice (or poppler's pdftoppm) is not installed, so no preview can be drawn",
                   "apt-get install libreoffice-writer-nogui poppler-utils")
    target = cached_png(ws, form_id)
    if not target.is_file():
        await run_in_threadpool(draw, ws, form_id, target)
    return FileResponse(target, media_type="image/png")
