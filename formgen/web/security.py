"""The guard in front of every route: Host check, sign-in (an account, or the token), CSRF, security headers.

Without user accounts the secret token in the printed address is the key (as Jupyter does it): the
first visit trades it for an HttpOnly SameSite=Strict session cookie, and the address is rewritten
without it, so the token is in the address once. Scripts send it as `Authorization: Bearer <token>`.
Once the workspace has accounts there is no token: a person signs in on /login (web/login.py), the
session cookie names their account, and it ends after 30 minutes without use (by default) or when the
account is disabled. Every request carries its Person (`who`), which the routes hand to the library.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse

from formgen.core.access import Person, operator
from formgen.core.errors import Problem

__all__ = ["COOKIE", "CSRF_HEADER", "CSP", "IDLE_SECONDS", "ACCOUNT_IDLE_SECONDS", "LOGIN", "Access", "Guard", "token_id",
           "who", "same_origin", "operator_name"]

COOKIE = "formgen_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC = ("/static/", "/theme.css", "/logo")  # the look of the page (also of its 403 page): no personal data
LOGIN = "/login"
MAX_FORM_BODY = 64 * 1024  # a url-encoded form (a decision, a search) is small; uploads are multipart
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
           "referrer-policy": "same-origin", "cross-origin-opener-policy": "same-origin"}


def token_id(token: str) -> str:
    """A short public name for the token (the audit log's actor), never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:8]


IDLE_SECONDS = 12 * 3600  # a session left alone this long (a working day and an evening) needs the token again
ACCOUNT_IDLE_SECONDS = 30 * 60  # with accounts (a shared server, an office PC left unlocked): 30 minutes


def operator_name(token: str) -> str:
    """How the audit log names the single person of the token mode: web:<token id> (<OS user>); never the token itself."""
    import getpass
    import os

    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = str(os.getuid())
    return f"web:{token_id(token)} ({user})"[:64]


def who(request: Request) -> Person:
    """The person this request acts for (set by the guard)."""
    return request.scope["state"]["person"]


@dataclass
class Access:
    """The secret token, the names this server answers to, and the open sessions (id → CSRF token, last use)."""

    token: str
    hosts: frozenset[str]
    sessions: dict[str, str] = field(default_factory=dict)
    idle_seconds: float = IDLE_SECONDS
    clock: Callable[[], float] = time.monotonic  # monotonic: a changed wall clock neither ends nor prolongs a session
    last_used: dict[str, float] = field(default_factory=dict)
    account: Callable[[str], Person | None] | None = None  # accounts mode: the account by name (None: gone or disabled)
    names: dict[str, str] = field(default_factory=dict)  # accounts mode: session id → account name
    secure: bool = False  # behind TLS (--public-url https://…): the cookie is sent over HTTPS only
    wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)  # the lock after wrong passwords

    @classmethod
    def for_address(cls, token: str, host: str, port: int, public: str = "") -> Access:
        names = {host, "localhost", "127.0.0.1", "::1"} - {"0.0.0.0", "::"}
        extra = {urlsplit(public).netloc.lower()} if public else set()
        return cls(token, frozenset({f"{n}:{port}" for n in names} | names | extra), secure=public.startswith("https:"))

    @classmethod
    def for_accounts(cls, account: Callable[[str], Person | None], host: str, port: int, public: str = "",
                     idle_seconds: float = ACCOUNT_IDLE_SECONDS) -> Access:
        """Accounts mode: no token (a random one nobody knows), sessions by sign-in, idle_seconds until they end."""
        access = cls.for_address(secrets.token_urlsafe(32), host, port, public)
        access.account, access.idle_seconds = account, idle_seconds
        return access

    @property
    def accounts(self) -> bool:
        return self.account is not None

    def new_session(self, name: str | None = None) -> str:
        self._expire()
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = secrets.token_urlsafe(32)
        self.last_used[sid] = self.clock()
        if name is not None:
            self.names[sid] = name
        return sid

    def end(self, sid: str) -> None:
        self.sessions.pop(sid, None)
        self.last_used.pop(sid, None)
        self.names.pop(sid, None)

    def session(self, sid: str) -> str | None:
        """The session's CSRF token, or None when there is no such session or it was idle too long (then it ends)."""
        csrf = self.sessions.get(sid)
        if csrf is None:
            return None
        now = self.clock()
        if now - self.last_used.get(sid, now) > self.idle_seconds:
            self.end(sid)
            return None
        self.last_used[sid] = now
        return csrf

    def _expire(self) -> None:
        """Forget every idle session (run at each login, so the table does not grow)."""
        now = self.clock()
        for sid in [s for s, t in self.last_used.items() if now - t > self.idle_seconds]:
            self.end(sid)

    def bearer(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), self.token.encode())


def _host_of(value: str) -> str:
    """'[::1]:8765' → '::1:8765', so IPv6 hosts compare as the names above."""
    return value.replace("[", "").replace("]", "").lower()


class Guard:
    """Pure ASGI middleware (uploads stream through it untouched); `refuse` renders a Problem response."""

    def __init__(self, app, access: Access, refuse):
        self.app, self.access, self.refuse = app, access, refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        response, receive = await self._check(request, receive)
        send = _with_headers(send, scope["path"])
        if response is not None:
            return await response(scope, receive, send)
        await self.app(scope, receive, send)

    async def _check(self, request: Request, receive):
        if _host_of(request.headers.get("host", "")) not in self.access.hosts:
            return self._refused(request, "Host", "the page was asked for under another name than the one it serves "
                                 "(possible DNS rebinding)", "open the address formgen serve printed"), receive
        state = request.scope.setdefault("state", {})
        if request.method in SAFE_METHODS and request.url.path.startswith(PUBLIC):
            return None, receive
        if self.access.accounts:
            return await self._check_account(request, receive, state)
        state["person"] = operator(operator_name(self.access.token))
        if "token" in request.query_params:
            return self._login(request), receive
        if self.access.bearer(request):
            state["csrf"] = None
            return None, receive
        sid = request.cookies.get(COOKIE, "")
        had_session = sid in self.access.sessions
        csrf = self.access.session(sid)
        if csrf is None and had_session:
            return self._refused(request, "session", f"the session ended after {self.access.idle_seconds / 3600:g} "
                                 "hours without use", "open the address formgen serve printed (with ?token=…) again"), receive
        if csrf is None:
            return self._refused(request, "access token", "this page needs the access token",
                                 "open the address formgen serve printed (with ?token=…)"), receive
        state["csrf"] = csrf
        if request.method in SAFE_METHODS:
            return None, receive
        return await self._check_csrf(request, receive, csrf)

    async def _check_account(self, request: Request, receive, state: dict):
        """Accounts mode: /login is open (same site only for its POST); else a live session of an enabled account."""
        from starlette.concurrency import run_in_threadpool

        if request.url.path == LOGIN:
            if request.method not in SAFE_METHODS and not self._same_origin(request):
                return self._refused(request, "Origin", "the request came from another web site",
                                     "use the sign-in page of formgen itself"), receive
            return None, receive
        sid = request.cookies.get(COOKIE, "")
        had_session = sid in self.access.sessions
        csrf = self.access.session(sid)
        name = self.access.names.get(sid) if csrf else None
        person = await run_in_threadpool(self.access.account, name) if name else None
        if person is None:
            self.access.end(sid)
            return self._to_login(request, expired=had_session), receive
        state["csrf"], state["person"] = csrf, person
        if request.method in SAFE_METHODS:
            return None, receive
        return await self._check_csrf(request, receive, csrf)

    def _to_login(self, request: Request, expired: bool):
        """A page asked for without a session: to the sign-in page (and back afterwards); the API answers 403."""
        if request.url.path.startswith("/api/") or request.method not in SAFE_METHODS:
            what = "the session ended (too long without use, or signed out)" if expired else "sign in first"
            return self._refused(request, "session", what, "sign in on /login")
        back = urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")})
        return RedirectResponse(f"{LOGIN}?{back}{'&udloebet=1' if expired else ''}", status_code=303)
    def _login(self, request: Request):
        given = request.query_params["token"]
        if not hmac.compare_digest(given.encode(), self.access.token.encode()):
            return self._refused(request, "access token", "the access token in the address is wrong",
                                 "open the address formgen serve printed, exactly as printed")
        rest = urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != "token"])
        response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
        response.set_cookie(COOKIE, self.access.new_session(), httponly=True, samesite="strict", path="/",
                            secure=self.access.secure)
        return response

    async def _check_csrf(self, request: Request, receive, csrf: str):
        if not self._same_origin(request):
            return self._refused(request, "Origin", "the request came from another web site",
                                 "use the buttons on formgen's own page"), receive
        given = request.headers.get(CSRF_HEADER) or request.query_params.get("csrf", "")
        if not given and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = await _read_small(receive)
            if body is None:
                return self.refuse(request, 413, [Problem("FG181", "form", "the form is too large", "")]), receive
            given = dict(parse_qsl(body.decode("utf-8", "replace"))).get("csrf", "")
            receive = _replay(body)
        if not hmac.compare_digest(given.encode(), csrf.encode()):
            return self._refused(request, "CSRF", "the request lacks the page's security token (CSRF)",
                                 "reload the page and try again"), receive
        return None, receive

    def _same_origin(self, request: Request) -> bool:
        return same_origin(request, self.access.hosts)

    def _refused(self, request: Request, where: str, what: str, fix: str):
        return self.refuse(request, 403, [Problem("FG180", where, what, fix)])


def same_origin(request: Request, hosts) -> bool:
    """Sec-Fetch-Site decides where the browser sends it (pages cannot forge it); else Origin must be ours."""
    site = request.headers.get("sec-fetch-site")
    if site:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:  # older browsers send neither header on same-origin requests; the CSRF token decides
        return True
    return _host_of(urlsplit(origin).netloc) in hosts


async def _read_small(receive) -> bytes | None:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > MAX_FORM_BODY:
            return None
    return body


def _replay(body: bytes):
    sent = []

    async def receive():
        if not sent:
            sent.append(True)
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}
    return receive


def _with_headers(send, path: str):
    """Security headers on every response; pages and API answers (personal data) are never cached."""
    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in HEADERS.items():
                headers[name] = value
            headers["cache-control"] = "private, max-age=3600" if path.startswith("/static/") else "no-store"
        await send(message)
    return wrapped
