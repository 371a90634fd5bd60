"""`formgen serve`: the web page on this workspace, until Ctrl-C."""
from __future__ import annotations

import importlib

import click

from formgen.cli.common import Ctx, ExampleLast, show_problems
from formgen.core.errors import FormgenError

__all__ = ["serve", "PROXY_HOWTO"]


@click.command(cls=ExampleLast)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (only this machine by default).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option("--workspace", "-w", "workspace", type=click.Path(file_okay=False),
              help="The workspace to serve (as formgen's own -w/--workspace, which it overrides).")
@click.option("--idle-minutes", default=30, show_default=True, type=click.IntRange(1, 24 * 60),
              help="With accounts: a session not used this long ends (sign in again).")
@click.option("--public-url", default="", metavar="URL",
              help="The address people use behind a TLS reverse proxy (e.g. https://formgen.jobcenter.dk): its "
                   "Host is accepted and the session cookie is HTTPS-only.")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, open_browser: bool, workspace: str | None, idle_minutes: int,
          public_url: str) -> None:
    """Serve the web page (Danish) where a round is run without a terminal.

    Without accounts: prints the address with a secret access token (one person, this machine
    only); the first visit trades it for a cookie, and a request without either gets 403. Once the
    workspace has accounts (formgen users add), people sign in with their account and role instead.
    A --host other than 127.0.0.1/::1 is refused without accounts. Stop with Ctrl-C.

    \b
    Example:
      formgen serve
      formgen serve --workspace output/demo --open
      formgen serve --public-url https://formgen.jobcenter.dk --idle-minutes 30
    """
    if workspace:
        obj.workspace_arg = workspace
    ws = obj.workspace()
    # cli and web are independent front ends on the top floor: the command hands over by name only
    web = importlib.import_module("formgen.web.server")
    token = web.new_token()

    def ready(url: str) -> None:
        how = ("Open the address in a browser (keep it secret: it is the key)." if "?token=" in url else
               "Open the address in a browser and sign in with your account.")
        click.echo(f"formgen serves {ws.config.organisation.name} at:\n\n    {url}\n\n{how} Stop with Ctrl-C.")
    try:
        web.serve(ws, host, port, token, open_browser, on_ready=ready, idle_seconds=idle_minutes * 60,
                  public_url=public_url)
    except FormgenError as exc:
        if exc.problems[0].code == "FG186":
            show_problems(exc.problems)
            click.echo(PROXY_HOWTO, err=True)
            raise SystemExit(1) from None
        raise


PROXY_HOWTO = """
To let colleagues use formgen from their own machines:

  1. create the accounts (the first one is an administrator):
       formgen users add admin --role administrator
       formgen --user admin users add kanr --role konsulent --full-name "Karl Nørgaard"
  2. keep formgen on this machine only, behind a TLS reverse proxy:
       formgen serve --host 127.0.0.1 --port 8765 --public-url https://formgen.example.dk
  3. the proxy (Caddy, /etc/caddy/Caddyfile; it fetches the certificate itself):
       formgen.example.dk {
           reverse_proxy 127.0.0.1:8765
       }
     or nginx (server { listen 443 ssl; server_name formgen.example.dk; … }):
       location / { proxy_pass http://127.0.0.1:8765; proxy_set_header Host $host;
                    client_max_body_size 500m; proxy_read_timeout 600s; }

Every step, a systemd unit and PostgreSQL: docs/deployment.md"""
