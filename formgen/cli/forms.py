"""formgen forms list|show|check|new|add: the form definitions."""
from __future__ import annotations

from pathlib import Path

import click

from formgen.cli.common import Ctx, ExampleLastGroup, optional

__all__ = ["forms"]


@click.group(cls=ExampleLastGroup)
def forms() -> None:
    """List, show and check form definitions.

    \b
    Example:
      formgen forms list
    """


@forms.command("list")
@click.pass_obj
def forms_list(obj: Ctx) -> None:
    """List the built-in presets and the workspace's own forms.

    \b
    Example:
      formgen forms list
    """
    from formgen.api import list_forms

    root = optional(obj, obj.root)
    rows = [("id", "version", "kind", "respondents", "items", "source"), *list_forms(root)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


@forms.command("show")
@click.argument("form_id")
@click.pass_obj
def forms_show(obj: Ctx, form_id: str) -> None:
    """Show a readable outline of one form.

    \b
    Example:
      formgen forms show samtaleskema
    """
    from formgen.api import form_outline

    click.echo(form_outline(form_id, optional(obj, obj.workspace)))


@forms.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def forms_check(file: str) -> None:
    """Check a form definition (YAML or .xlsx workbook); exit 0 when valid, 1 with messages when not.

    \b
    Example:
      formgen forms check MIT-SKEMA.xlsx
    """
    from formgen.api import check_form

    d = check_form(Path(file))
    click.echo(f"OK: {d.id} version {d.version} ({d.kind}), {len(d.fields())} answer fields, fingerprint {d.fingerprint}")


@forms.command("new")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--from", "from_id", metavar="FORM", help="Start from this form (an id from 'formgen forms list').")
@click.pass_obj
def forms_new(obj: Ctx, file: str, from_id: str | None) -> None:
    """Write a definition workbook (.xlsx) to design a form in Excel; never over an existing file.

    \b
    Example:
      formgen forms new MIT-SKEMA.xlsx --from opfoelgning
    """
    from formgen.api import new_form_workbook

    path = new_form_workbook(Path(file), from_id, optional(obj, obj.workspace) if from_id else None)
    click.echo(f"Wrote {path}: fill it in, then 'formgen forms check {path.name}' and 'formgen forms add {path.name}'")


@forms.command("add")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.pass_obj
def forms_add(obj: Ctx, file: str) -> None:
    """Check a definition (YAML or .xlsx workbook) against the stored answers and copy it into the workspace's forms/.

    A changed definition gets the next free version. A key with stored answers renamed or removed, or
    the scale's steps changed, is refused unless tidligere_nøgle, Udgåede nøgler or Tidligere trin
    say how the old answers map (docs/forms.md).

    \b
    Example:
      formgen forms add MIT-SKEMA.xlsx
    """
    from formgen.api import add_form, check_form

    given = check_form(Path(file)).version
    d = add_form(obj.workspace(), Path(file))
    if d.version != given:
        click.echo(f"The definition changed and version {given} was taken: it is version {d.version} now "
                   "(written into the copy in forms/)")
    click.echo(f"Added {d.id} version {d.version} ({d.kind}) to the workspace's forms/: 'formgen generate {d.id}' makes it")
