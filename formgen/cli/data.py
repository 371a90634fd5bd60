"""The data itself: export, audit, forget, purge."""
from __future__ import annotations

from pathlib import Path

import click

from formgen.cli.common import Ctx, ExampleLast

__all__ = ["export", "audit", "forget", "purge"]


@click.command(cls=ExampleLast)
@click.option("--what", type=click.Choice(["scores", "texts"]), default="scores", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (default: output/export/<what>.<format>).")
@click.option("--pseudonymise", is_flag=True,
              help="Replace citizen_ref with a keyed pseudonym (for statistics and sharing; the key stays in the workspace).")
@click.pass_obj
def export(obj: Ctx, what: str, fmt: str, out: str | None, pseudonymise: bool) -> None:
    """Export tidy data: one row per answer, formula-safe.

    \b
    Example:
      formgen export --what scores --format xlsx --out scores.xlsx
      formgen export --what scores --pseudonymise
    """
    from formgen.api import export as write

    result = write(obj.workspace(), what, fmt, Path(out) if out else None, pseudonymise)
    click.echo(f"Wrote {result.rows} row(s) to {result.path}")


@click.command(cls=ExampleLast)
@click.option("--citizen", "citizen_ref", metavar="REF", help="Only what was done with this citizen's data.")
@click.pass_obj
def audit(obj: Ctx, citizen_ref: str | None) -> None:
    """Show the audit log: who did what, when, with which citizen's data (administrators only, once there are accounts).

    Every read and change is there: pages, API and command line, named by the account (or, without
    accounts, the operating-system user; the web page's token as web:<token id>).

    \b
    Example:
      formgen audit --citizen S-0042
    """
    from formgen.api import audit as do_audit

    rows = do_audit(obj.workspace(), citizen_ref)
    for e in rows:
        click.echo(f"{e.at}  {e.actor:<16} {e.action:<14} {e.citizen_ref:<12} {e.detail}")
    click.echo(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")


@click.command(cls=ExampleLast)
@click.argument("ref")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.option("--all-offices", is_flag=True, help="Delete REF's rows in every office sharing the database, "
              "not only this workspace's office (a jobcentre-wide administrator).")
@click.pass_obj
def forget(obj: Ctx, ref: str, yes: bool, all_offices: bool) -> None:
    """Delete everything about one citizen for real (database rows, forms, returns, reports).

    \b
    Example:
      formgen forget S-0042 --yes
    """
    from formgen.api import forget as do_forget

    if not yes:
        raise click.UsageError(f"this deletes every trace of {ref} and cannot be undone: add --yes to confirm")
    r = do_forget(obj.workspace(), ref, all_offices)
    click.echo(f"Forgot {ref}: {r.rows} database row(s), {r.files} file(s) deleted or cleaned.")
    for path in r.leftovers:
        click.secho(f"  still mentioned in {path} (not written by formgen): delete or edit it yourself", fg="yellow", err=True)
    for path in r.shared_scans:
        click.secho(f"  kept {path}: the scan holds other citizens' pages too; remove {ref}'s pages from it "
                    "yourself, or delete it once the others are imported", fg="yellow", err=True)


@click.command(cls=ExampleLast)
@click.option("--older-than", "days", type=int, required=True, metavar="DAYS", help="Delete data older than this many days.")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.option("--all-offices", is_flag=True, help="Purge every office sharing the database, not only this "
              "workspace's office (a jobcentre-wide administrator).")
@click.pass_obj
def purge(obj: Ctx, days: int, yes: bool, all_offices: bool) -> None:
    """Retention: delete returns, dispatch records and files older than DAYS.

    \b
    Example:
      formgen purge --older-than 1825 --yes
    """
    from formgen.api import purge as do_purge

    if not yes:
        raise click.UsageError(f"this deletes all data older than {days} days: add --yes to confirm")
    r = do_purge(obj.workspace(), days, all_offices)
    click.echo(f"Purged data from before {r.cutoff}: {r.rows} database row(s), {r.files} file(s).")
