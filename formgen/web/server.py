"""Serving the page with uvicorn until Ctrl-C (called by `formgen serve`)."""
from __future__ import annotations

import os
import secrets
import threading
import webbrowser
from typing import Callable

from formgen.web.security import ACCOUNT_IDLE_SECONDS, Access, operator_name

__all__ = ["new_token", "address", "actor_for", "serve", "access_for"]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def address(host: str, port: int, token: str | None) -> str:
    """The address to open, token included (the first visit trades it for a cookie); with accounts, the sign-in page."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "login")


def actor_for(token: str) -> str:
    """How the audit log names what this server did: web:<token id> (<OS user>); never the token itself."""
    return operator_name(token)


def access_for(ws, host: str, port: int, token: str, idle_seconds: float = ACCOUNT_IDLE_SECONDS,
               public_url: str = "") -> Access:
    """Accounts mode when the workspace has accounts (FG186 off this machine without them), else the token."""
    from formgen import api

    if api.serving_accounts(ws, host):
        return Access.for_accounts(lambda name: api.account(ws, name), host, port, public_url, idle_seconds)
    return Access.for_address(token, host, port, public_url)


def serve(ws, host: str, port: int, token: str, open_browser: bool = False,
          on_ready: Callable[[str], None] = print, idle_seconds: float = ACCOUNT_IDLE_SECONDS,
          public_url: str = "") -> None:
    """Serve ws at host:port; with accounts people sign in, else the token is the key (audited as web:<token id>)."""
    import uvicorn

    from formgen.web.app import create_app

    access = access_for(ws, host, port, token, idle_seconds, public_url)
    if not access.accounts:
        os.environ["FORMGEN_ACTOR"] = actor_for(token)
    app = create_app(ws, access)
    url = public_url.rstrip("/") + "/login" if public_url and access.accounts else \
        address(host, port, None if access.accounts else token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            server_header=False, date_header=False)
    server = uvicorn.Server(config)
    started = server.startup

    async def startup(*args, **kwargs):  # print the address only once the socket listens
        await started(*args, **kwargs)
        if server.started:
            on_ready(url)
            if open_browser:
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    server.startup = startup
    server.run()
