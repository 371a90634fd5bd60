"""What every command shares: help with the example last, the workspace context, a progress bar."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from formgen.core.errors import FormgenError

__all__ = ["ExampleLast", "ExampleLastGroup", "Ctx", "optional", "progress_bar", "unexpected", "show_problems"]


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

    current: Ctx | None = None  # this run's context, for the last-boundary handler (unexpected)

    def __init__(self, workspace: str | None, db: str | None = None, user: str | None = None):
        from formgen.core.redact import remember

        self.workspace_arg, self.db, self.db_in_use, self.user = workspace, db, db, user
        self.person = None
        remember(db)  # from here on its password is hidden in everything printed
        Ctx.current = self

    def workspace(self):
        from formgen.api import open_workspace

        ws = open_workspace(self.workspace_arg, self.db)
        self.db_in_use = str(ws.db)
        self._warn_network_share(ws.root)
        if self.user and self.person is None:
            self._sign_in(ws)
        return ws

    def _sign_in(self, ws) -> None:
        """--user NAME: the password from $FORMGEN_PASSWORD or asked without echo; every call then acts as that account."""
        import os

        from formgen.api import sign_in
        from formgen.core.access import acting_as

        password = os.environ.get("FORMGEN_PASSWORD") or click.prompt(f"Password for {self.user}", hide_input=True,
                                                                        err=True)
        self.person = sign_in(ws, self.user, password)
        click.get_current_context().with_resource(acting_as(self.person))

    def root(self) -> Path:
        """The workspace folder, checked as workspace() checks it, without loading its settings (fast)."""
        from formgen.core.workspace import checked

        root = checked(self.workspace_arg)
        self._warn_network_share(root)
        return root

    def _warn_network_share(self, root: Path) -> None:
        if not self.db:
            from formgen.core.workspace import DB, network_share

            kind = network_share(root)
            if kind:
                click.secho(f"warning: the database {root / DB} is on a network share ({kind}); SQLite's "
                            "locking is not safe there: keep the workspace on a local disk or use --db with a "
                            "database server", fg="yellow", err=True)


def optional(obj: Ctx, find):
    """find() (obj.workspace or obj.root) when there is a workspace; None (the presets alone) otherwise."""
    try:
        return find()
    except FormgenError:
        if obj.workspace_arg:
            raise
        return None


def show_problems(problems) -> None:
    """Print problems in red on stderr, with any known password hidden."""
    from formgen.core.redact import hide

    for p in problems:
        click.secho(hide(str(p)), fg="red", err=True)


def unexpected(exc: Exception) -> None:
    """The last boundary: a failure no command caught, in plain words (database and disk: cause and fix);
    FORMGEN_DEBUG=1 adds the traceback, with any known password hidden in it too."""
    import os

    from formgen.api import explain_failure

    if os.environ.get("FORMGEN_DEBUG"):
        import traceback

        from formgen.core.redact import scrub

        click.echo(scrub("".join(traceback.format_exception(exc))), err=True)
    show_problems([explain_failure(exc, Ctx.current.db_in_use if Ctx.current else None)])


class progress_bar:
    """A rich progress bar for large batches; silent for small ones."""

    def __init__(self, total: int, label: str, threshold: int = 20):
        self.total, self.label, self.threshold = total, label, threshold
        self._p = self._task = None

    def set_total(self, total: int) -> None:
        self.total = total
        self._start()

    def _start(self) -> None:
        if self._p is None and self.total >= self.threshold and sys.stderr.isatty():
            from rich.progress import Progress

            self._p = Progress(transient=True)
            self._p.start()
            self._task = self._p.add_task(self.label, total=self.total)

    def __enter__(self):
        self._start()
        return lambda n=1: self._p.advance(self._task, n) if self._p is not None else None

    def __exit__(self, *exc):
        if self._p is not None:
            self._p.stop()
        return False
