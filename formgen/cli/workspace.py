"""Commands that make a workspace: init, and demo (a whole fictional one)."""
from __future__ import annotations

from pathlib import Path

import click

from formgen.cli.common import ExampleLast

__all__ = ["init", "demo"]


@click.command(cls=ExampleLast)
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--name", default="Jobcenter Eksempelby", show_default=True, help="Organisation name printed on every form.")
@click.option("--logo", type=click.Path(dir_okay=False), help="PNG or JPEG logo (default: a badge with the name's initials).")
@click.option("--unit", default="", help="Unit or department, e.g. 'Virksomhedsservice'.")
@click.option("--office", default="", help="The office whose citizens and forms this workspace sees when "
              "several share one database (default: 'standard').")
@click.option("--contact", default="", help="Contact line for footers.")
@click.option("--colour", default="#1F4E79", show_default=True, help="Main colour as #RRGGBB.")
@click.option("--copy-templates", is_flag=True, help="Copy the document templates into the workspace to restyle them in Word.")
def init(directory: str, name: str, logo: str | None, unit: str, office: str, contact: str, colour: str,
         copy_templates: bool) -> None:
    """Create a workspace: formgen.toml, intake/, output/, forms/, templates/ and a logo.

    \b
    Example:
      formgen init mit-jobcenter --name "Jobcenter Eksempelby" --logo logo.png
    """
    from formgen.api import init_workspace

    ws = init_workspace(Path(directory), name, logo, unit=unit, contact=contact, colour=colour,
                        copy_templates=copy_templates, office=office)
    click.echo(f"Workspace for {ws.config.organisation.name} created in {ws.root}")


@click.command(cls=ExampleLast)
@click.option("--dir", "directory", default="output/demo", show_default=True, type=click.Path(file_okay=False),
              help="Where to build the demo workspace (replaced if it is a previous demo).")
def demo(directory: str) -> None:
    """Run the whole pipeline on built-in fictional data.

    \b
    Example:
      formgen demo --dir /tmp/formgen-demo
    """
    from formgen.demo import run_demo

    for line in run_demo(Path(directory)):
        click.echo(line)
