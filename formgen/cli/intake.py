"""Reading returns back: intake, status, review."""
from __future__ import annotations

from pathlib import Path

import click

from formgen.cli.common import Ctx, ExampleLast, progress_bar

__all__ = ["intake", "status", "review"]


@click.command(cls=ExampleLast)
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--keep", is_flag=True, help="Leave the files where they are (default: move them to processed/ or quarantine/).")
@click.option("--convert-legacy", is_flag=True,
              help="Read old .doc/.xls files from a copy LibreOffice converts to .docx/.xlsx (the original is kept "
                   "and moved as usual); without it they are rejected (FG204). OpenDocument .odt/.ods files "
                   "need no option: they are converted whenever LibreOffice is installed.")
@click.pass_obj
def intake(obj: Ctx, paths: tuple[str, ...], keep: bool, convert_legacy: bool) -> int:
    """Read returned forms (files, folders, .zip archives; default: the workspace's intake/).

    Exit code 0 when every file was imported or already imported, 1 when some need review or
    were rejected, 2 for usage errors.

    \b
    Example:
      formgen intake
      formgen intake ~/Downloads/runde-2.zip --keep
      formgen intake --convert-legacy
    """
    from formgen.api import intake_returns

    ws = obj.workspace()
    bar = progress_bar(0, "Reading returned forms")
    with bar as advance:
        result = intake_returns(ws, [Path(p) for p in paths], keep, progress=advance, on_total=bar.set_total,
                           convert_legacy=convert_legacy)
    for kinds, what in ((("doc", "xls"), "old-format .doc/.xls"), (("odt", "ods"), "OpenDocument .odt/.ods")):
        converted = sum(r.converted in kinds for r in result.files)
        if converted:
            click.echo(f"Converted {converted} {what} file(s) with LibreOffice to read them (the originals are kept)")
    c = result.counts
    click.echo(f"Imported {c['imported']}, already imported {c['duplicate']}, needs review {c['review']}, "
               f"rejected {c['rejected']}" + (f", skipped {c['skipped']} (lock files, or taken by another intake run)" if c["skipped"] else ""))
    for r in result.files:
        for p in r.problems:
            click.echo(f"  {r.status}: {p}", err=True)
    if result.report:
        click.echo(f"Import report: {result.report}")
    return 0 if result.ok else 1


@click.command(cls=ExampleLast)
@click.option("--round", "round_no", type=int, help="Only this round.")
@click.option("--missing", is_flag=True, help="List only the forms not yet returned.")
@click.pass_obj
def status(obj: Ctx, round_no: int | None, missing: bool) -> None:
    """Which forms came back, and which are still missing, by citizen and respondent.

    \b
    Example:
      formgen status --round 2 --missing
    """
    from formgen.api import status as expected

    rows = expected(obj.workspace(), round_no)
    for rnd in sorted({r.round for r in rows}):
        these = [r for r in rows if r.round == rnd]
        back = sum(r.returned for r in these)
        click.echo(f"Runde {rnd}: {back} of {len(these)} returned, {len(these) - back} missing")
        for r in these:
            if missing and r.returned:
                continue
            mark = "returned" if r.returned else "MISSING "
            click.echo(f"  {mark}  {r.citizen_ref:<12} {r.name:<24} {r.role:<10} {r.form:<16} {r.code}")
    _waiting(obj.workspace())


def _waiting(ws) -> None:
    """Scanned forms with pages still to come (they are imported when the last page arrives)."""
    from formgen.api import waiting_scans

    for w in waiting_scans(ws):
        click.echo(f"  waiting   {w['code']} {w['citizen_ref'] or ''}: scanned page(s) "
                   f"{', '.join(map(str, w['pages']))} of {w['of']} (from {', '.join(w['files'])})")


@click.command(cls=ExampleLast)
@click.option("--keep", "keep_file", metavar="FILE", help="Resolve a conflict: this file counts, the others are superseded.")
@click.option("--scan", "scan_id", type=int, metavar="ID", help="A row of tick boxes from a scan to decide (its number in the list).")
@click.option("--value", metavar="V", help="With --scan: the value the row says (a step, or 'Ved ikke').")
@click.option("--save-crop", type=click.Path(dir_okay=False), metavar="PNG",
              help="With --scan: save the picture of the row (or page) to this file, to look at it.")
@click.pass_obj
def review(obj: Ctx, keep_file: str | None, scan_id: int | None, value: str | None, save_crop: str | None) -> None:
    """List open conflicts and scanned rows a person must decide, and resolve them.

    \b
    Example:
      formgen review
      formgen review --keep S-0001_borger_samtaleskema-1a2b3c4d.docx
      formgen review --scan 12 --save-crop row-12.png
      formgen review --scan 12 --value 4
    """
    from formgen.api import keep_return, quarantined, review as conflicts

    ws = obj.workspace()
    if keep_file:
        c = keep_return(ws, keep_file)
        click.echo(f"{c.code}: {keep_file} now counts; the other file(s) are kept as superseded.")
        return
    if scan_id is not None:
        _scan(ws, scan_id, value, save_crop)
        return
    _scan_rows(ws)
    found = conflicts(ws)
    if not found:
        click.echo("No open conflicts.")
    for c in found:
        click.echo(f"{c.code}  {c.citizen_ref} {c.role} {c.form} runde {c.round}")
        click.echo(f"  counted now: {c.chosen}")
        for o in c.others:
            click.echo(f"  also returned: {o}")
    waiting = quarantined(ws)
    if waiting:
        click.echo(f"{len(waiting)} file(s) in {ws.quarantine} need attention: see the .problems.txt next to each.")


def _scan(ws, scan_id: int, value: str | None, save_crop: str | None) -> None:
    from formgen.api import decide_scan_row, scan_picture

    if save_crop:
        Path(save_crop).write_bytes(scan_picture(ws, scan_id)[1])
        click.echo(f"Saved the picture of #{scan_id} to {save_crop}")
    if value is not None:
        row = decide_scan_row(ws, scan_id, value)
        click.echo(f"#{scan_id} {row['code']} {row['label']}: {row['value']} (stored as omr-reviewed)")
    elif not save_crop:
        raise click.UsageError("--scan needs --value V or --save-crop PNG")


def _scan_rows(ws) -> None:
    """Scanned rows to decide, and pages nobody can read."""
    from formgen.api import scan_reviews

    for r in scan_reviews(ws):
        if r["kind"] == "row":
            click.echo(f"#{r['id']}  {r['code']} {r['citizen_ref'] or ''}  {r['label']}: {r['reason']} "
                       f"({r['source_name']}, page {r['page']}; choose from {', '.join(r['choices'])})")
        else:
            click.echo(f"#{r['id']}  unreadable page in {r['source_name']} ({r['label']}): {r['reason']}")
    _waiting(ws)
