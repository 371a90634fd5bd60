"""Command line: parse options, call one library function, print a short summary.

Heavy libraries are imported inside the commands that need them, so `formgen --help` starts fast.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from formgen.core.version import __version__
from formgen.core.errors import FormgenError


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

    def __init__(self, workspace: str | None, db: str | None = None):
        self.workspace_arg, self.db = workspace, db

    def workspace(self):
        from dataclasses import replace

        from formgen.core.workspace import find

        ws = find(self.workspace_arg)
        self._warn_network_share(ws.root)
        return replace(ws, db_url=self.db) if self.db else ws

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


@click.group(cls=ExampleLastGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="formgen")
@click.option("--workspace", "-w", metavar="DIR", envvar="FORMGEN_WORKSPACE",
              help="Workspace folder (default: $FORMGEN_WORKSPACE, else the current folder or a parent).")
@click.option("--db", metavar="URL", envvar="FORMGEN_DB",
              help="Database URL (default: SQLite in <workspace>/formgen.db; e.g. postgresql://host/formgen).")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None, db: str | None) -> None:
    """formgen turns progressionsmåling into branded Word/Excel forms and reads them back.

    \b
    Example:
      formgen init mit-jobcenter --name "Jobcenter Eksempelby"
      cd mit-jobcenter && formgen generate samtaleskema --format docx --citizen S-0001 --name "Ida Holm"
    """
    ctx.obj = Ctx(workspace, db)


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
    from formgen.core.workspace import init as do_init

    ws = do_init(Path(directory), name, Path(logo) if logo else None, unit=unit, contact=contact, colour=colour)
    if copy_templates:
        from formgen.core.templates import copy_templates as do_copy

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
    from formgen.forms.catalogue import listing
    from formgen.core.workspace import FORMS

    root = _optional(obj, obj.root)
    rows = [("id", "version", "kind", "respondents", "items", "source"), *listing(root / FORMS if root else None)]
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
    from formgen.forms.catalogue import get
    from formgen.forms.outline import outline

    ws = _optional(obj, obj.workspace)
    click.echo(outline(get(form_id, ws.forms_dir if ws else None).definition))


@forms.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def forms_check(file: str) -> None:
    """Check a form definition file; exit 0 when valid, 1 with messages when not.

    \b
    Example:
      formgen forms check forms/mit-skema.yaml
    """
    from formgen.forms.catalogue import load_file

    d = load_file(Path(file))
    click.echo(f"OK: {d.id} version {d.version} ({d.kind}), {len(d.fields())} answer fields, fingerprint {d.fingerprint}")


def _optional(obj: Ctx, find):
    """find() (obj.workspace or obj.root) when there is a workspace; None (the presets alone) otherwise."""
    try:
        return find()
    except FormgenError:
        if obj.workspace_arg:
            raise
        return None


@cli.command()
@click.argument("form_id", metavar="FORM")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "pdf"]), default="docx", show_default=True,
              help="File format of the forms (pdf: fillable in a browser or PDF reader, and printable).")
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
    from formgen.forms.catalogue import get
    from formgen.generate.run import generate as do_generate
    from formgen.generate.roster import Citizen, read

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


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--keep", is_flag=True, help="Leave the files where they are (default: move them to processed/ or quarantine/).")
@click.option("--convert-legacy", is_flag=True,
              help="Read old .doc/.xls files from a copy LibreOffice converts to .docx/.xlsx (the original is kept "
                   "and moved as usual); without it they are rejected (FG204).")
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
    from formgen.intake.run import intake as do_intake

    ws = obj.workspace()
    bar = _progress(0, "Reading returned forms")
    with bar as advance:
        result = do_intake(ws, [Path(p) for p in paths] or None, keep, progress=advance, on_total=bar.set_total,
                           convert_legacy=convert_legacy)
    converted = sum(bool(r.converted) for r in result.files)
    if converted:
        click.echo(f"Converted {converted} old-format .doc/.xls file(s) with LibreOffice to read them "
                   "(the originals are kept)")
    c = result.counts
    click.echo(f"Imported {c['imported']}, already imported {c['duplicate']}, needs review {c['review']}, "
               f"rejected {c['rejected']}" + (f", skipped {c['skipped']} (lock files, or taken by another intake run)" if c["skipped"] else ""))
    for r in result.files:
        for p in r.problems:
            click.echo(f"  {r.status}: {p}", err=True)
    if result.report:
        click.echo(f"Import report: {result.report}")
    return 0 if result.ok else 1


@cli.command()
@click.option("--round", "round_no", type=int, help="Only this round.")
@click.option("--missing", is_flag=True, help="List only the forms not yet returned.")
@click.pass_obj
def status(obj: Ctx, round_no: int | None, missing: bool) -> None:
    """Which forms came back, and which are still missing, by citizen and respondent.

    \b
    Example:
      formgen status --round 2 --missing
    """
    from formgen.intake.status import status as do_status

    rows = do_status(obj.workspace(), round_no)
    for rnd in sorted({r.round for r in rows}):
        these = [r for r in rows if r.round == rnd]
        back = sum(r.returned for r in these)
        click.echo(f"Runde {rnd}: {back} of {len(these)} returned, {len(these) - back} missing")
        for r in these:
            if missing and r.returned:
                continue
            mark = "returned" if r.returned else "MISSING "
            click.echo(f"  {mark}  {r.citizen_ref:<12} {r.name:<24} {r.role:<10} {r.form:<16} {r.code}")


@cli.command()
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
    from formgen.reports.exports import export as do_export

    result = do_export(obj.workspace(), what, fmt, Path(out) if out else None, pseudonymise)
    click.echo(f"Wrote {result.rows} row(s) to {result.path}")


@cli.command()
@click.option("--keep", "keep_file", metavar="FILE", help="Resolve a conflict: this file counts, the others are superseded.")
@click.pass_obj
def review(obj: Ctx, keep_file: str | None) -> None:
    """List open conflicts (two different files for one form code) and resolve them.

    \b
    Example:
      formgen review
      formgen review --keep S-0001_borger_samtaleskema-1a2b3c4d.docx
    """
    from formgen.intake.review import conflicts, keep

    ws = obj.workspace()
    if keep_file:
        c = keep(ws, keep_file)
        click.echo(f"{c.code}: {keep_file} now counts; the other file(s) are kept as superseded.")
        return
    found = conflicts(ws)
    if not found:
        click.echo("No open conflicts.")
    for c in found:
        click.echo(f"{c.code}  {c.citizen_ref} {c.role} {c.form} runde {c.round}")
        click.echo(f"  counted now: {c.chosen}")
        for o in c.others:
            click.echo(f"  also returned: {o}")
    quarantine = ws.quarantine
    waiting = [p for p in quarantine.glob("*") if not p.name.endswith(".problems.txt")] if quarantine.is_dir() else []
    if waiting:
        click.echo(f"{len(waiting)} file(s) in {quarantine} need attention: see the .problems.txt next to each.")


@cli.group()
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
    from formgen.reports.citizen import citizen_report

    r = citizen_report(obj.workspace(), ref, fmt, round_no, Path(out_dir) if out_dir else None)
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
    from formgen.reports.citizen import all_reports, merge_reports

    if merge and fmt != "pdf":
        raise click.UsageError("--merge needs --format pdf")
    ws = obj.workspace()
    bar = _progress(0, "Writing reports")
    with bar as advance:
        results = all_reports(ws, fmt, round_no, progress=advance, on_total=bar.set_total)
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
    from formgen.reports.overview import overview_report

    r = overview_report(obj.workspace(), date_from.date() if date_from else None, date_to.date() if date_to else None,
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
    from formgen.reports.company import company_sheet

    r = company_sheet(obj.workspace(), name, round_no, fmt)
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
    from formgen.reports.kompetencekort import kompetencekort_doc

    r = kompetencekort_doc(obj.workspace(), ref, fmt)
    click.echo(f"Kompetencekort: {r.pdf or r.docx}")


@cli.command()
@click.option("--citizen", "citizen_ref", metavar="REF", help="Only what was done with this citizen's data.")
@click.pass_obj
def audit(obj: Ctx, citizen_ref: str | None) -> None:
    """Show the audit log: who did what, when, with which citizen's data.

    \b
    Example:
      formgen audit --citizen S-0042
    """
    from formgen.privacy import audit as do_audit

    rows = do_audit(obj.workspace(), citizen_ref)
    for e in rows:
        click.echo(f"{e.at}  {e.actor:<10} {e.action:<9} {e.citizen_ref:<12} {e.detail}")
    click.echo(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")


@cli.command()
@click.argument("ref")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.pass_obj
def forget(obj: Ctx, ref: str, yes: bool) -> None:
    """Delete everything about one citizen for real (database rows, forms, returns, reports).

    \b
    Example:
      formgen forget S-0042 --yes
    """
    from formgen.privacy import forget as do_forget

    if not yes:
        raise click.UsageError(f"this deletes every trace of {ref} and cannot be undone: add --yes to confirm")
    r = do_forget(obj.workspace(), ref)
    click.echo(f"Forgot {ref}: {r.rows} database row(s), {r.files} file(s) deleted or cleaned.")
    for path in r.leftovers:
        click.secho(f"  still mentioned in {path} (not written by formgen): delete or edit it yourself", fg="yellow", err=True)


@cli.command()
@click.option("--older-than", "days", type=int, required=True, metavar="DAYS", help="Delete data older than this many days.")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.pass_obj
def purge(obj: Ctx, days: int, yes: bool) -> None:
    """Retention: delete returns, dispatch records and files older than DAYS.

    \b
    Example:
      formgen purge --older-than 1825 --yes
    """
    from formgen.privacy import purge as do_purge

    if not yes:
        raise click.UsageError(f"this deletes all data older than {days} days: add --yes to confirm")
    r = do_purge(obj.workspace(), days)
    click.echo(f"Purged data from before {r.cutoff}: {r.rows} database row(s), {r.files} file(s).")


@cli.command()
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


def _unexpected(exc: Exception):
    """Database and disk failures in plain words; anything else as an internal error to report."""
    from formgen.core.errors import Problem

    if exc.__class__.__module__.startswith("sqlalchemy") or isinstance(exc, OSError):
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return Problem("FG150", "database/disk", f"formgen could not write its data ({detail})",
                       "check that the disk is not full and the workspace and database are writable, then run the "
                       "command again; files not yet imported stay in intake/")
    return Problem("FG999", exc.__class__.__name__, f"internal error: {exc}",
                   "please report this with the command you ran (FORMGEN_DEBUG=1 shows the details)")


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
        for p in exc.problems:
            click.secho(str(p), fg="red", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last boundary: a clear message, never a traceback (FORMGEN_DEBUG=1 shows it)
        import os

        if os.environ.get("FORMGEN_DEBUG"):
            raise
        click.secho(str(_unexpected(exc)), fg="red", err=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
