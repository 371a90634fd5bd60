"""formgen generate: branded, fillable forms."""
from __future__ import annotations

import click

from formgen.cli.common import Ctx, ExampleLast, progress_bar

__all__ = ["generate"]


@click.command(cls=ExampleLast)
@click.argument("form_id", metavar="FORM")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "pdf", "paper"]), default="docx", show_default=True,
              help="File format of the forms (pdf: fillable in a browser or PDF reader, and printable; paper: "
                   "a PDF to print, fill in by pen and scan back, read by mark recognition).")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True),
              help="CSV or XLSX with one row per citizen (citizen_ref, name, company, mentor, consultant, programme).")
@click.option("--citizen", "citizen_ref", metavar="REF", help="One citizen's case number or pseudonym (not a CPR number).")
@click.option("--name", default="", help="The citizen's name (with --citizen).")
@click.option("--company", default="", help="The placement company (with --citizen).")
@click.option("--mentor", default="", help="The mentor at the company (with --citizen).")
@click.option("--consultant", default="", help="The jobcentre consultant (with --citizen).")
@click.option("--programme", default="", help="The programme (indsats), e.g. virksomhedspraktik (with --citizen).")
@click.option("--replace-roster", is_flag=True,
              help="Let empty cells, missing columns and options not given blank what is stored about a citizen "
                   "(default: only values given change anything).")
@click.option("--round", "round_no", type=click.IntRange(1, 999), default=1, show_default=True, help="Round number.")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), help="Date printed on the forms (default: today).")
@click.option("--role", "roles", multiple=True, type=click.Choice(["borger", "mentor", "konsulent"]),
              help="Respondent(s) to generate for (default: every respondent the form has).")
@click.option("--logo", type=click.Path(dir_okay=False), help="Use this logo instead of the workspace's.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: output/forms/<form>/runde-<N>/).")
@click.option("--merge", is_flag=True, help="With --format pdf or paper: also one PDF of every form, to print the round at once.")
@click.pass_obj
def generate(obj: Ctx, form_id: str, fmt: str, roster: str | None, citizen_ref: str | None, name: str, company: str,
             mentor: str, consultant: str, programme: str, replace_roster: bool, round_no: int, date,
             roles: tuple[str, ...], logo: str | None, out_dir: str | None, merge: bool) -> None:
    """Generate branded, fillable forms: blank, for one citizen, or for a whole roster.

    Only values given change the stored roster: an option left out, a missing column or an empty
    cell keeps what is known about the citizen (unless --replace-roster), and a form for one
    citizen is prefilled from what is stored. A re-run rewrites a citizen's forms with their codes.

    \b
    Example:
      formgen generate opfoelgning --format docx --roster roster.csv --round 2
      formgen generate samtaleskema --citizen S-0042 --name "Ida Holm" --role borger
      formgen generate opfoelgning --format paper --roster roster.csv --round 2 --merge
    """
    from formgen.api import generate_forms, merge_for_print

    if roster and citizen_ref:
        raise click.UsageError("use either --roster or --citizen, not both")
    if merge and fmt not in ("pdf", "paper"):
        raise click.UsageError("--merge needs --format pdf or --format paper")
    ws = obj.workspace()
    bar = progress_bar(0, f"Generating {form_id}")
    with bar as advance:
        result = generate_forms(ws, form_id, fmt, roster=roster, citizen=citizen_ref, name=name, company=company,
                                mentor=mentor, consultant=consultant, programme=programme,
                                replace_roster=replace_roster, roles=list(roles), round_no=round_no,
                                date=date.date() if date else None, out_dir=out_dir, logo=logo, progress=advance,
                                on_total=bar.set_total)
    who = f"{result.citizens} citizen(s)" if roster or citizen_ref else "a blank form"
    click.echo(f"Wrote {len(result.files)} {fmt} file(s) for {who} × {', '.join(result.roles)} in {result.out_dir}")
    if merge and result.files:
        name = f"samlet_{form_id}_runde-{round_no}" + (".papir.pdf" if fmt == "paper" else ".pdf")
        click.echo(f"Merged for printing: {merge_for_print(list(result.files), result.out_dir / name)}")
