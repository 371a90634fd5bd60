"""`formgen serve`: the web page on this workspace, until Ctrl-C."""
from __future__ import annotations

import importlib

import click

from formgen.cli.common import Ctx, ExampleLast

__all__ = ["serve"]


@click.command(cls=ExampleLast)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (only this machine by default).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option("--workspace", "-w", "workspace", type=click.Path(file_okay=False),
              help="The workspace to serve (as formgen's own -w/--workspace, which it overrides).")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, open_browser: bool, workspace: str | None) -> None:
    """Serve the web page (Danish) where a round is run without a terminal.

    Prints the address with a secret access token; the first visit trades it for a cookie, and a
    request without either gets 403. Stop with Ctrl-C.

    \b
    Example:
      formgen serve
      formgen serve --workspace output/demo --open
    """
    if workspace:
        obj.workspace_arg = workspace
    ws = obj.workspace()
    # cli and web are independent front ends on the top floor: the command hands over by name only
    web = importlib.import_module("formgen.web.server")
    token = web.new_token()

    def ready(url: str) -> None:
        click.echo(f"formgen serves {ws.config.organisation.name} at:\n\n    {url}\n\n"
                   "Open the address in a browser (keep it secret: it is the key). Stop with Ctrl-C.")
    web.serve(ws, host, port, token, open_browser, on_ready=ready)
