"""Signing in and out (accounts mode): the Danish sign-in page, a new session per sign-in, sign-out; all in the audit log."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from formgen import api
from formgen.core.access import may
from formgen.core.errors import FormgenError, fail
from formgen.web.render import wants_json
from formgen.web.security import COOKIE, LOGIN, who

__all__ = ["login_page", "login", "logout", "start_page"]


def _next(value: str) -> str:
    """Where to go after signing in: a path on this site only (never //other.site or a full address)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else ""


def start_page(person) -> str:
    """The first page a role may use: Overblik, or Rapporter for a leder."""
    return "/" if may(person, "status") else "/rapporter"


def _form(request: Request, status: int = 200, problems=(), name: str = "", next_: str = "") -> Response:
    app = request.app.state
    if not app.access.accounts:
        raise fail("FG182", LOGIN, "this server has no accounts: open the address formgen serve printed",
                   "open the address with ?token=… that formgen serve printed")
    expired = request.query_params.get("udloebet") == "1"
    return app.render.page(request, "login.html", status, problems=list(problems), name=name, expired=expired,
                           next=next_ or _next(request.query_params.get("next", "")),
                           idle_minutes=round(app.access.idle_seconds / 60))


def login_page(request: Request) -> Response:
    return _form(request)


async def login(request: Request) -> Response:
    """POST name, password (and next): a new session for the account, or the page again with why not (FG184)."""
    app = request.app.state
    form = await request.form()
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    next_ = _next(str(form.get("next", "")))
    if not app.access.accounts:
        return _form(request)
    try:
        person = await run_in_threadpool(api.sign_in, app.ws, name, password, app.access.wall())
    except FormgenError as exc:
        if wants_json(request):
            raise
        return _form(request, 403, exc.problems, name, next_)
    old = request.cookies.get(COOKIE, "")
    app.access.end(old)  # a new session id at every sign-in: one planted before cannot be taken over
    sid = app.access.new_session(person.name)
    if wants_json(request):
        response: Response = JSONResponse({"user": person.name, "role": person.role, "csrf": app.access.sessions[sid]})
    else:
        response = RedirectResponse(next_ or start_page(person), status_code=303)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", path="/", secure=app.access.secure)
    return response


def logout(request: Request) -> Response:
    """POST (with the page's CSRF token): the session ends here and now."""
    app = request.app.state
    person = who(request)
    app.access.end(request.cookies.get(COOKIE, ""))
    api.log_access(app.ws, "sign-out", {"user": person.name}, person=person)
    response = RedirectResponse(LOGIN if app.access.accounts else "/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
