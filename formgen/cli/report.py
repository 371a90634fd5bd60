"""formgen report citizen|all|overview|company|kompetencekort."""
from __future__ import annotations

from pathlib import Path

import click

from formgen.cli.common import Ctx, ExampleLastGroup, progress_bar

__all__ = ["report"]


@click.group(cls=ExampleLastGroup)
def report() -> None:
    """Reports: a citizen's progression, everyone's, the management overview, company sheets, kompetencekort.

    \b
    Example:
      formgen report citizen S-0001 --format pdf
    """


@report.command("citizen")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx", show_default=True)
@click.option("--round", "round_no", type=int, help="Report as of this round (default: the latest).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: output/reports/<ref>/).")
@click.pass_obj
def report_citizen(obj: Ctx, ref: str, fmt: str, round_no: int | None, out_dir: str | None) -> None:
    """Write one citizen's progression report and a draft journalnotat.

    \b
    Example:
      formgen report citizen S-0001 --format pdf --round 2
    """
    from formgen.api import report_citizen as write

    r = write(obj.workspace(), ref, fmt, round_no, Path(out_dir) if out_dir else None)
    click.echo(f"Report: {r.pdf or r.docx}")
    click.echo(f"Journalnotat (draft): {r.journal}")


@report.command("all")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx", show_default=True)
@click.option("--round", "round_no", type=int, help="Report as of this round (default: the latest).")
@click.option("--merge", is_flag=True, help="With --format pdf: also one merged PDF for printing, a bookmark per citizen.")
@click.pass_obj
def report_all(obj: Ctx, fmt: str, round_no: int | None, merge: bool) -> None:
    """Write a progression report for every citizen with imported answers.

    \b
    Example:
      formgen report all --round 3 --format pdf --merge
    """
    from formgen.api import merge_reports, report_all as write_all

    if merge and fmt != "pdf":
        raise click.UsageError("--merge needs --format pdf")
    ws = obj.workspace()
    bar = progress_bar(0, "Writing reports")
    with bar as advance:
        results = write_all(ws, fmt, round_no, progress=advance, on_total=bar.set_total)
    click.echo(f"Wrote {len(results)} report(s) in {ws.output / 'reports'}")
    if merge and results:
        click.echo(f"Merged for printing: {merge_reports(ws, results, round_no)}")


@report.command("overview")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First date of the period (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last date of the period (YYYY-MM-DD).")
@click.option("--by", type=click.Choice(["programme", "company", "consultant"]), default="programme", show_default=True,
              help="Group the citizens by indsats, company or consultant.")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx", show_default=True)
@click.pass_obj
def report_overview(obj: Ctx, date_from, date_to, by: str, fmt: str) -> None:
    """Write the management overview (Word + Excel): no names or refs; groups under 5 citizens suppressed.

    \b
    Example:
      formgen report overview --from 2026-01-01 --to 2026-06-30 --by company
    """
    from formgen.api import report_overview as write

    r = write(obj.workspace(), date_from.date() if date_from else None, date_to.date() if date_to else None,
              by, fmt)
    click.echo(f"Overview ({r.overview.citizens} citizens, {r.overview.period}): {r.pdf or r.docx}")
    click.echo(f"Tables: {r.xlsx}")


@report.command("company")
@click.argument("name")
@click.option("--round", "round_no", type=int, help="Round (default: the latest with mentor answers).")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx", show_default=True)
@click.pass_obj
def report_company(obj: Ctx, name: str, round_no: int | None, fmt: str) -> None:
    """Write a company's feedback sheet for its mentor: their own ratings, what moved, the agreed delmål.

    \b
    Example:
      formgen report company "Jensen & Søn ApS" --round 2
    """
    from formgen.api import report_company as write

    r = write(obj.workspace(), name, round_no, fmt)
    click.echo(f"Feedback sheet for {r.company}, runde {r.round} ({len(r.citizens)} citizen(s)): {r.pdf or r.docx}")


@report.command("kompetencekort")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx", show_default=True)
@click.pass_obj
def report_kompetencekort(obj: Ctx, ref: str, fmt: str) -> None:
    """Write the candidate's kompetencekort document: a reference for future employers.

    \b
    Example:
      formgen report kompetencekort S-0001 --format pdf
    """
    from formgen.api import report_kompetencekort as write

    r = write(obj.workspace(), ref, fmt)
    click.echo(f"Kompetencekort: {r.pdf or r.docx}")
