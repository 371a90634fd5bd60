"""Rendering: the Jinja2 templates, the workspace's look, and problems as pages or JSON (never a traceback)."""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from formgen.core.access import may
from formgen.core.errors import Problem
from formgen.web.danish import danish

__all__ = ["TEMPLATES", "STATIC", "NAV", "Renderer", "problem_json", "unexpected", "text_colour", "wants_json"]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
# (address, label, the library action it needs): the menu shows a role only what it may use (the library enforces it)
NAV = (("/", "Overblik", "status"), ("/indlaes", "Indlæs", "intake"), ("/behandling", "Til behandling", "review"),
       ("/borgere", "Borgere", "citizens"), ("/ny-runde", "Ny runde", "rounds"), ("/rapporter", "Rapporter", "overview"),
       ("/skemaer", "Skemaer", "forms"), ("/logbog", "Logbog", "audit"))
STATUS_TEXT = {"imported": "Indlæst", "duplicate": "Allerede indlæst", "review": "Til behandling",
               "rejected": "Afvist", "skipped": "Sprunget over"}


def text_colour(colour: str) -> str:
    """Black or white, whichever reads better on the workspace colour (WCAG relative luminance)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#FFFFFF" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#000000"


def problem_json(p: Problem) -> dict:
    """The problem as the catalogue has it (English), plus its Danish headline and fix under "da" where one exists."""
    d = danish(p)
    return asdict(p) | ({"da": {"headline": d.headline, "fix": d.fix}} if d.danish else {})


def unexpected(exc: BaseException) -> Problem:
    """An error formgen did not foresee, in plain words (FORMGEN_DEBUG=1 logs the details)."""
    if isinstance(exc, OSError) or exc.__class__.__module__.startswith("sqlalchemy"):
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        return Problem("FG150", "database/disk", f"formgen could not read or write its data ({detail})",
                       "check that the disk is not full and the workspace is writable, then try again; "
                       "uploaded files not yet imported are kept")
    if os.environ.get("FORMGEN_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    return Problem("FG999", exc.__class__.__name__, "internal error",
                   "please report this with what you did on the page (FORMGEN_DEBUG=1 logs the details)")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


class Renderer:
    """Templates with the workspace's name, colour and logo, the navigation and the page's CSRF token."""

    def __init__(self, summary: dict):
        self.summary = summary
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(org=summary, status_text=STATUS_TEXT, danish=danish, may=may)

    def page(self, request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
        state = request.scope.get("state", {})
        csrf, person = state.get("csrf") or "", state.get("person")
        menu = [(href, label) for href, label, action in NAV if person is not None and may(person, action)]
        access = getattr(request.app.state, "access", None)
        html = self.env.get_template(template).render(request=request, csrf=csrf, path=request.url.path, person=person,
                                                      menu=menu, accounts=bool(access and access.accounts), **context)
        return HTMLResponse(html, status_code=status_code)

    def theme(self) -> Response:
        colour = self.summary["colour"]
        css = f":root {{ --brand: {colour}; --on-brand: {text_colour(colour)}; }}\n"
        return Response(css, media_type="text/css")

    def problems(self, request: Request, status_code: int, problems: list[Problem]) -> Response:
        """The catalogue's problems (where, what, fix) as JSON for the API, else as a page."""
        if wants_json(request):
            return JSONResponse({"problems": [problem_json(p) for p in problems]}, status_code=status_code)
        return self.page(request, "problem.html", status_code, problems=problems,
                         signed_in=bool(request.scope.get("state", {}).get("csrf")))
