"""Serving the page with uvicorn until Ctrl-C (called by `formgen serve`)."""
from __future__ import annotations

import getpass
import os
import secrets
import threading
import webbrowser
from typing import Callable

from formgen.web.security import Access, token_id

__all__ = ["new_token", "address", "actor_for", "serve"]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def address(host: str, port: int, token: str) -> str:
    """The address to open, token included (the first visit trades it for a cookie)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/?token={token}"


def actor_for(token: str) -> str:
    """How the audit log names what this server did: web:<token id> (<OS user>); never the token itself."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = str(os.getuid())
    return f"web:{token_id(token)} ({user})"[:64]


def serve(ws, host: str, port: int, token: str, open_browser: bool = False,
          on_ready: Callable[[str], None] = print) -> None:
    """Serve ws at host:port; the audit log names this server's decisions web:<token id> (<OS user>)."""
    import uvicorn

    from formgen.web.app import create_app

    os.environ["FORMGEN_ACTOR"] = actor_for(token)
    app = create_app(ws, Access.for_address(token, host, port))
    url = address(host, port, token)
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
