"""Command line: parse options, call one library function, print a short summary.

Each command group lives in its own module; this one holds the top group and `main` (the console script).
Heavy libraries are imported inside the commands that need them, so `formgen --help` starts fast.
"""
from __future__ import annotations

import sys

import click

from formgen.cli import data, db, forms, generate, intake, report, serve, users, workspace
from formgen.cli.common import Ctx, ExampleLastGroup, show_problems, unexpected
from formgen.core.errors import FormgenError
from formgen.core.version import __version__

__all__ = ["cli", "main"]


@click.group(cls=ExampleLastGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="formgen")
@click.option("--workspace", "-w", metavar="DIR", envvar="FORMGEN_WORKSPACE",
              help="Workspace folder (default: $FORMGEN_WORKSPACE, else the current folder or a parent).")
@click.option("--db", metavar="URL", envvar="FORMGEN_DB",
              help="Database URL (default: SQLite in <workspace>/formgen.db; e.g. postgresql://host/formgen).")
@click.option("--user", "-u", metavar="NAME", envvar="FORMGEN_USER",
              help="Act as this account (once the workspace has accounts; the password is asked, or read from "
                   "$FORMGEN_PASSWORD). Without accounts, formgen acts as the local operator (administrator).")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None, db: str | None, user: str | None) -> None:
    """formgen turns progressionsmåling into branded Word/Excel forms and reads them back.

    \b
    Example:
      formgen init mit-jobcenter --name "Jobcenter Eksempelby"
      cd mit-jobcenter && formgen generate samtaleskema --format docx --citizen S-0001 --name "Ida Holm"
    """
    ctx.obj = Ctx(workspace, db, user)


for _command in (workspace.init, forms.forms, generate.generate, intake.intake, intake.status, data.export,
                 intake.review, report.report, data.audit, data.forget, data.purge, workspace.demo, serve.serve,
                 db.db, users.users):
    cli.add_command(_command)
del _command


def main() -> None:
    """Entry point: user errors print as problems (exit 1), never as tracebacks."""
    from formgen.core.private import private_umask

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
        show_problems(exc.problems)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last boundary: a clear message, never a traceback (FORMGEN_DEBUG=1 shows it)
        unexpected(exc)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
