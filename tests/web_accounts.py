"""What the accounts web tests share: the app in accounts mode, a signed-in client per role, a clock the test sets."""
from __future__ import annotations

from starlette.testclient import TestClient

from accounts_setup import PASSWORDS
from formgen import api
from formgen.web.app import create_app
from formgen.web.security import Access
from web_client import BASE


def accounts_app(ws, clock=None, wall=None):
    """The app with accounts (as `formgen serve` makes it once an account exists); clocks injectable."""
    access = Access.for_accounts(lambda name: api.account(ws, name), "127.0.0.1", 8765)
    if clock is not None:
        access.clock = clock
    if wall is not None:
        access.wall = wall
    return create_app(ws, access)


def signed_in(app, name: str | None, password: str | None = None) -> TestClient:
    """A client that signed in on /login as name (None: anonymous); its CSRF token in c.csrf."""
    c = TestClient(app, base_url=BASE, raise_server_exceptions=False, follow_redirects=False)
    c.headers["Origin"] = BASE
    c.csrf = ""
    if name is not None:
        r = c.post("/login", data={"name": name, "password": password or PASSWORDS[name]},
                   headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text
        c.csrf = r.json()["csrf"]
        c.headers["X-CSRF-Token"] = c.csrf
    return c
