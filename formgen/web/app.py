"""The Starlette application: routes, the guard in front, and every error as the catalogue's Problem."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from formgen import api
from formgen.core.errors import FormgenError, Problem, fail
from formgen.web import (api_routes, citizens, definitions, generate, library, login, logbook, pages, preview, review,
                         round_reports)
from formgen.web.jobs import Jobs
from formgen.web.render import STATIC, Renderer, unexpected
from formgen.web.security import Access, Guard
from formgen.web.uploads import TooLarge

__all__ = ["create_app"]

_STATUS = {"FG183": 403, "FG184": 403, "FG180": 403, "FG181": 413, "FG182": 404, "FG160": 404, "FG170": 503, "FG100": 500, "FG101": 500, "FG150": 500, "FG999": 500}


def _logo(request: Request) -> Response:
    logo = request.app.state.render.summary["logo"]
    if logo is None or not logo.is_file():
        raise fail("FG182", "logo", "the workspace has no logo", "set organisation.logo in formgen.toml")
    return FileResponse(logo)


def _theme(request: Request) -> Response:
    return request.app.state.render.theme()


def _routes() -> list:
    return [
        Route("/login", login.login_page),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/logbog", logbook.logbook),
        Route("/", pages.overview),
        Route("/indlaes", pages.intake_page),
        Route("/indlaes", pages.intake_upload, methods=["POST"]),
        Route("/indlaes/job/{job_id:str}", pages.job_part),
        Route("/indlaes/job/{job_id:str}/rapport", pages.job_report),
        Route("/behandling", review.review_page),
        Route("/behandling/behold", review.keep, methods=["POST"]),
        Route("/behandling/karantaene/{name:str}", review.quarantine_file),
        Route("/behandling/indlaes-igen", review.import_again, methods=["POST"]),
        Route("/behandling/scan/{crop_id:int}.png", review.scan_picture),
        Route("/behandling/scan", review.decide_scan, methods=["POST"]),
        Route("/borgere", citizens.citizen_list),
        Route("/borgere/{ref:str}", citizens.citizen_page),
        Route("/borgere/{ref:str}/rapport", citizens.citizen_report, methods=["POST"]),
        Route("/borgere/{ref:str}/kompetencekort", citizens.kompetencekort, methods=["POST"]),
        Route("/ny-runde", generate.generate_page),
        Route("/ny-runde", generate.generate_post, methods=["POST"]),
        Route("/ny-runde/job/{job_id:str}", generate.generate_part),
        Route("/ny-runde/job/{job_id:str}/zip", generate.generate_zip),
        Route("/ny-runde/job/{job_id:str}/pdf", generate.generate_pdf),
        Route("/api/generate", generate.api_generate, methods=["POST"]),
        Route("/rapporter", library.reports_page),
        Route("/rapporter/overblik", library.overview_download, methods=["POST"]),
        Route("/rapporter/virksomhed", library.company_download, methods=["POST"]),
        Route("/rapporter/udtraek", library.export_download, methods=["POST"]),
        Route("/rapporter/runde", round_reports.start, methods=["POST"]),
        Route("/rapporter/job/{job_id:str}", round_reports.part),
        Route("/rapporter/job/{job_id:str}/pdf", round_reports.download),
        Route("/skemaer", library.forms_page),
        Route("/skemaer/tjek", library.check_upload, methods=["POST"]),
        Route("/skemaer/regneark", definitions.workbook_upload, methods=["POST"]),
        Route("/skemaer/regneark/{token:str}/forhaandsvisning.png", definitions.pending_preview),
        Route("/skemaer/regneark/{token:str}/brug", definitions.use_workbook, methods=["POST"]),
        Route("/skemaer/{form_id:str}/regneark.xlsx", definitions.workbook_download),
        Route("/skemaer/{form_id:str}/forhaandsvisning.png", preview.preview_png),
        Route("/skemaer/{form_id:str}", library.form_page),
        Route("/api/citizens", citizens.api_citizens),
        Route("/api/citizens/{ref:str}", citizens.api_citizen),
        Route("/api/citizens/{ref:str}/report", citizens.api_report),
        Route("/api/intake", api_routes.post_intake, methods=["POST"]),
        Route("/api/jobs/{job_id:str}", api_routes.get_job),
        Route("/api/status", api_routes.get_status),
        Route("/api/review/keep", review.keep, methods=["POST"]),
        Route("/logo", _logo),
        Route("/theme.css", _theme),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def create_app(ws, access: Access) -> Starlette:
    """The page for one workspace; every request passes the guard (sign-in or token, Host, CSRF, headers)."""
    render = Renderer(api.workspace_summary(ws))

    def problems(request: Request, status: int, found: list[Problem]) -> Response:
        return render.problems(request, status, found)

    async def formgen_error(request: Request, exc: FormgenError) -> Response:
        return problems(request, max(_STATUS.get(p.code, 400) for p in exc.problems), exc.problems)

    async def too_large(request: Request, exc: TooLarge) -> Response:
        return problems(request, _STATUS.get(exc.problem.code, 400), [exc.problem])

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            found = Problem("FG182", request.url.path, "there is no such page", "use the menu at the top")
        else:
            found = Problem("FG130", request.method, f"the page cannot answer this request ({exc.status_code})",
                            "use the buttons and links on the page")
        return problems(request, exc.status_code, [found])

    async def crashed(request: Request, exc: Exception) -> Response:
        return problems(request, 500, [unexpected(exc)])

    app = Starlette(routes=_routes(), middleware=[Middleware(Guard, access=access, refuse=problems)],
                    exception_handlers={FormgenError: formgen_error, TooLarge: too_large,
                                        HTTPException: http_error, Exception: crashed})
    app.state.ws, app.state.render, app.state.access = ws, render, access
    app.state.jobs = Jobs(unexpected)
    return app
