"""Command line: parse options, call one library function, print a short summary.

Heavy libraries are imported inside the commands that need them, so `formgen --help` starts fast.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import FormgenError


class ExampleLast(click.Command):
    """Help text whose 'Example:' block is printed last, after the options."""

    def _split(self) -> tuple[str, str]:
        import inspect

        main, sep, example = inspect.cleandoc(self.help or "").partition("\b\nExample:")
        return main.strip(), (sep + example.rstrip()) if sep else ""

    def format_help_text(self, ctx, formatter):
        main, _ = self._split()
        if main:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(main)

    def format_epilog(self, ctx, formatter):
        _, example = self._split()
        if example:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(example)


class ExampleLastGroup(ExampleLast, click.Group):
    command_class = ExampleLast


ExampleLastGroup.group_class = ExampleLastGroup


class Ctx:
    """What every command needs: where the workspace is (resolved lazily)."""

    def __init__(self, workspace: str | None):
        self.workspace_arg = workspace

    def workspace(self):
        from .workspace import find

        return find(self.workspace_arg)


@click.group(cls=ExampleLastGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="formgen")
@click.option("--workspace", "-w", metavar="DIR", envvar="FORMGEN_WORKSPACE",
              help="Workspace folder (default: $FORMGEN_WORKSPACE, else the current folder or a parent).")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None) -> None:
    """formgen turns progressionsmåling into branded Word/Excel forms and reads them back.

    \b
    Example:
      formgen init mit-jobcenter --name "Jobcenter Eksempelby"
      cd mit-jobcenter && formgen generate samtaleskema --format docx --citizen S-0001 --name "Ida Holm"
    """
    ctx.obj = Ctx(workspace)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--name", default="Jobcenter Eksempelby", show_default=True, help="Organisation name printed on every form.")
@click.option("--logo", type=click.Path(dir_okay=False), help="PNG or JPEG logo (default: a badge with the name's initials).")
@click.option("--unit", default="", help="Unit or department, e.g. 'Virksomhedsservice'.")
@click.option("--contact", default="", help="Contact line for footers.")
@click.option("--colour", default="#1F4E79", show_default=True, help="Main colour as #RRGGBB.")
@click.option("--copy-templates", is_flag=True, help="Copy the document templates into the workspace to restyle them in Word.")
def init(directory: str, name: str, logo: str | None, unit: str, contact: str, colour: str, copy_templates: bool) -> None:
    """Create a workspace: formgen.toml, intake/, output/, forms/, templates/ and a logo.

    \b
    Example:
      formgen init mit-jobcenter --name "Jobcenter Eksempelby" --logo logo.png
    """
    from .workspace import init as do_init

    ws = do_init(Path(directory), name, Path(logo) if logo else None, unit=unit, contact=contact, colour=colour)
    if copy_templates:
        from .templates import copy_templates as do_copy

        do_copy(ws)
    click.echo(f"Workspace for {ws.config.organisation.name} created in {ws.root}")


@cli.group()
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
    from .forms import available

    forms_dir = _optional_forms_dir(obj)
    rows = [("id", "version", "kind", "respondents", "items", "source")]
    for fid, lf in available(forms_dir).items():
        d = lf.definition
        n = len(d.items) or sum(g.rows for g in d.groups)
        rows.append((fid, d.version, d.kind, ", ".join(d.respondents), str(n), "built-in" if lf.builtin else lf.source.name))
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
    from .forms import get
    from .outline import outline

    click.echo(outline(get(form_id, _optional_forms_dir(obj)).definition))


@forms.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def forms_check(file: str) -> None:
    """Check a form definition file; exit 0 when valid, 1 with messages when not.

    \b
    Example:
      formgen forms check forms/mit-skema.yaml
    """
    from .forms import load_file

    d = load_file(Path(file))
    click.echo(f"OK: {d.id} version {d.version} ({d.kind}), {len(d.fields())} answer fields, fingerprint {d.fingerprint}")


def _optional_forms_dir(obj: Ctx) -> Path | None:
    """The workspace's forms/ when there is a workspace; presets alone otherwise."""
    try:
        return obj.workspace().forms_dir
    except FormgenError:
        if obj.workspace_arg:
            raise
        return None


@cli.command()
@click.argument("form_id", metavar="FORM")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx"]), default="docx", show_default=True,
              help="File format of the forms.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True),
              help="CSV or XLSX with one row per citizen (citizen_ref, name, company, mentor, consultant, programme).")
@click.option("--citizen", "citizen_ref", metavar="REF", help="One citizen's case number or pseudonym (not a CPR number).")
@click.option("--name", default="", help="The citizen's name (with --citizen).")
@click.option("--company", default="", help="The placement company (with --citizen).")
@click.option("--round", "round_no", type=click.IntRange(1, 999), default=1, show_default=True, help="Round number.")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), help="Date printed on the forms (default: today).")
@click.option("--role", "roles", multiple=True, type=click.Choice(["borger", "mentor", "konsulent"]),
              help="Respondent(s) to generate for (default: every respondent the form has).")
@click.option("--logo", type=click.Path(dir_okay=False), help="Use this logo instead of the workspace's.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: output/forms/<form>/runde-<N>/).")
@click.pass_obj
def generate(obj: Ctx, form_id: str, fmt: str, roster: str | None, citizen_ref: str | None, name: str, company: str,
             round_no: int, date, roles: tuple[str, ...], logo: str | None, out_dir: str | None) -> None:
    """Generate branded, fillable forms: blank, for one citizen, or for a whole roster.

    \b
    Example:
      formgen generate opfoelgning --format docx --roster roster.csv --round 2
      formgen generate samtaleskema --citizen S-0042 --name "Ida Holm" --role borger
    """
    from .forms import get
    from .generate import generate as do_generate
    from .roster import Citizen, read

    if roster and citizen_ref:
        raise click.UsageError("use either --roster or --citizen, not both")
    ws = obj.workspace()
    d = get(form_id, ws.forms_dir).definition
    citizens = read(Path(roster)) if roster else ([Citizen(citizen_ref, name, company)] if citizen_ref else None)
    total = len(citizens or [None]) * len(roles or d.respondents)
    with _progress(total, f"Generating {form_id}") as advance:
        result = do_generate(ws, d, fmt, citizens, list(roles) or None, round_no,
                             date.date() if date else None, Path(out_dir) if out_dir else None,
                             Path(logo) if logo else None, progress=advance)
    who = f"{result.citizens} citizen(s)" if citizens else "a blank form"
    click.echo(f"Wrote {len(result.files)} {fmt} file(s) for {who} × {', '.join(result.roles)} in {result.out_dir}")


class _progress:
    """A rich progress bar for large batches; silent for small ones."""

    def __init__(self, total: int, label: str, threshold: int = 20):
        self.total, self.label, self.show = total, label, total >= threshold and sys.stderr.isatty()

    def __enter__(self):
        if not self.show:
            return lambda n=1: None
        from rich.progress import Progress

        self._p = Progress(transient=True)
        self._p.start()
        task = self._p.add_task(self.label, total=self.total)
        return lambda n=1: self._p.advance(task, n)

    def __exit__(self, *exc):
        if self.show:
            self._p.stop()
        return False


@cli.command()
@click.option("--dir", "directory", default="output/demo", show_default=True, type=click.Path(file_okay=False),
              help="Where to build the demo workspace (replaced if it is a previous demo).")
def demo(directory: str) -> None:
    """Run the whole pipeline on built-in fictional data.

    \b
    Example:
      formgen demo --dir /tmp/formgen-demo
    """
    from .demo import run_demo

    for line in run_demo(Path(directory)):
        click.echo(line)


def main() -> None:
    """Entry point: user errors print as problems (exit 1), never as tracebacks."""
    from .private import private_umask

    private_umask()
    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except FormgenError as exc:
        for p in exc.problems:
            click.secho(str(p), fg="red", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(rv if isinstance(rv, int) else 0)
