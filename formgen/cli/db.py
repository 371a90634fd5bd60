"""The database itself: db init creates formgen's tables (also in a PostgreSQL database made by hand)."""
from __future__ import annotations

import click

from formgen.cli.common import Ctx, ExampleLast, ExampleLastGroup

__all__ = ["db"]


@click.group(cls=ExampleLastGroup)
def db() -> None:
    """The database formgen keeps its data in (SQLite by default, or PostgreSQL with --db).

    \b
    Example:
      formgen db init --db postgresql://formgen@db.example.dk/formgen
    """


@db.command(cls=ExampleLast)
@click.option("--db", "url", metavar="URL", help="The database to set up (default: the one `formgen --db` or the "
                                                 "workspace names).")
@click.pass_obj
def init(obj: Ctx, url: str | None) -> None:
    """Create formgen's tables in an existing, empty database; a database already set up is left as it is.

    Any other command creates them too when they are missing; this does it explicitly, e.g. when the
    database administrator prepares the server.

    \b
    Example:
      formgen db init --db postgresql://formgen@db.example.dk/formgen
    """
    from formgen.api import init_database
    from formgen.core.redact import mask_url, remember

    target = url or obj.db or str(obj.workspace().db)
    remember(target)
    obj.db_in_use = target
    found, now = init_database(target)
    where = mask_url(target)
    if found == now:
        click.echo(f"formgen's tables already exist in {where} (schema {now}): nothing to do")
    elif found:
        click.echo(f"formgen's tables in {where} upgraded from schema {found} to {now}")
    else:
        click.echo(f"formgen's tables created in {where} (schema {now})")
