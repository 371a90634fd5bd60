#!/usr/bin/env python3
"""formgen's benchmark (`make bench`): a roster of 1,000 citizens through the whole pipeline.

Generates a roster, generates the forms (.docx and .xlsx, one process and forked workers), fills
them as respondents would, imports them (one process and forked workers, in a fresh process whose
memory is measured), writes progression reports and times the command line's start-up.

Every step is compared with a floor measured in the same run on the same files: copying the
finished files for generation, unzipping every part and parsing the main part for intake, a bare
`python -c pass` for start-up. Absolute numbers depend on the machine and on what else it is doing
(the load average is printed); the ratios are what to compare between runs. Nothing here passes
or fails on time: this is not a test.

    python tools/bench.py [--citizens 1000] [--reports 40] [--workers N] [--pdf 0] [--dir DIR] [--json FILE]
"""
from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # PYTHONPATH=<another checkout> benches that formgen instead
    sys.path.insert(0, str(ROOT))

FORM = "opfoelgning"  # three respondents: 1,000 citizens make 3,000 forms per format
TEXTS = ["Møder stabilt og til tiden.", "Har selv bedt om flere opgaver.", "Trives med kollegerne & kunderne.",
         "Skal øve sig i at sige til, når noget er svært.", "Flere timer, når det går godt i fire uger."]
NAMES = ["Ida Holm", "Ahmad Rahimi", "Sofie Lund", "Mikkel Østergaard", "Hanne Kjær", "Jamal Yusuf", "Bo Berg"]
COMPANIES = ["Jensen & Søn ApS", "Café Åen I/S", "Eksempelby Genbrug", "Tømrer Hansen"]


# --- the table --------------------------------------------------------------------------------

class Table:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, step: str, items: int, seconds: float, floor: str = "", floor_seconds: float | None = None,
            note: str = "") -> dict:
        row = dict(step=step, items=items, seconds=seconds, per_second=items / seconds if seconds else 0.0,
                   ms_per_item=1000 * seconds / items if items else 0.0, floor=floor,
                   ratio=(seconds / floor_seconds) if floor_seconds else None, note=note)
        self.rows.append(row)
        print(f"  {step:<44} {items:>6} items {seconds:8.2f} s {row['per_second']:9.0f}/s "
              f"{row['ms_per_item']:8.2f} ms" + (f"   {row['ratio']:.2f} × {floor}" if row["ratio"] else "")
              + (f"   ({note})" if note else ""), flush=True)
        return row

    def print(self, markdown: bool = False) -> None:
        head = ["step", "items", "seconds", "items/s", "ms/item", "ratio to floor", "floor (same run)"]
        lines = []
        for r in self.rows:
            lines.append([r["step"], str(r["items"]), f"{r['seconds']:.2f}", f"{r['per_second']:.0f}",
                          f"{r['ms_per_item']:.2f}", f"{r['ratio']:.2f}" if r["ratio"] else "–", r["floor"] or "–"])
        if markdown:
            print("| " + " | ".join(head) + " |")
            print("|" + "|".join("---" if i in (0, 6) else "---:" for i in range(len(head))) + "|")
            for line in lines:
                print("| " + " | ".join(line) + " |")
            return
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w) if i in (0, 6) else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))))
        for line in lines:
            print("  ".join(c.ljust(w) if i in (0, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))


def machine() -> dict:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    except OSError:
        pass
    import lxml
    import sqlalchemy

    return {"cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "cpu": model or platform.processor(), "python": platform.python_version(), "os": platform.platform(),
            "lxml": lxml.__version__, "sqlalchemy": sqlalchemy.__version__, "sqlite": sqlite3.sqlite_version,
            "load_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "date": dt.datetime.now().isoformat(timespec="seconds")}


def settle_disk() -> None:
    """Write back what earlier steps left in the page cache, so no step pays for another's writes."""
    if hasattr(os, "sync"):
        os.sync()


def timed(fn, *args, **kw):
    settle_disk()
    start = time.perf_counter()
    result = fn(*args, **kw)
    return result, time.perf_counter() - start


def fork_map(fn, items, workers: int, chunksize: int = 16):
    """fn over items in forked workers (bench helpers: filling, reports)."""
    import multiprocessing

    if workers <= 1:
        return [fn(x) for x in items]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(fn, items, chunksize)


# --- the steps --------------------------------------------------------------------------------

def roster_csv(path: Path, n: int) -> None:
    lines = ["borger_id;navn;virksomhed;mentor;konsulent;indsats"]
    for i in range(n):
        lines.append(f"B-{i:05d};{NAMES[i % len(NAMES)]} {i};{COMPANIES[i % len(COMPANIES)]};Mentor {i % 37};"
                     f"Konsulent {i % 11};{'Virksomhedspraktik' if i % 3 else 'Løntilskud'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def copy_floor(files: list[Path], out: Path) -> float:
    """Seconds to copy these finished files (the floor of writing them)."""
    out.mkdir(parents=True, exist_ok=True)
    settle_disk()
    start = time.perf_counter()
    for p in files:
        shutil.copyfile(p, out / p.name)
    return time.perf_counter() - start


def rewrite_reference(files: list[Path], out: Path) -> float:
    """Seconds to copy the files with one part (docProps/custom.xml) rewritten in each (ooxml.replace_parts)."""
    from formgen.formats import ooxml
    from formgen.formats.ooxml import custom_xml

    if not hasattr(ooxml, "replace_parts"):
        return None
    replace_parts = ooxml.replace_parts
    out.mkdir(parents=True, exist_ok=True)
    settle_disk()
    start = time.perf_counter()
    for n, p in enumerate(files):
        data = replace_parts(p.read_bytes(), {"docProps/custom.xml": custom_xml({"fg_code": f"{n:011d}"})})
        (out / p.name).write_bytes(data)
    return time.perf_counter() - start


def read_floor(files: list[Path]) -> float:
    """Seconds to read each file, inflate every part and parse its main part with lxml (no formgen code)."""
    import io
    import zipfile

    from lxml import etree

    settle_disk()
    start = time.perf_counter()
    for p in files:
        with zipfile.ZipFile(io.BytesIO(p.read_bytes())) as zf:
            parts = {i.filename: zf.read(i) for i in zf.infolist()}
        main = parts.get("word/document.xml") or parts["xl/worksheets/sheet1.xml"]
        etree.fromstring(main, etree.XMLParser(resolve_entities=False, no_network=True))
    return time.perf_counter() - start


def answers(d, role: str, seed: int, excel: bool) -> dict[str, str]:
    """Plausible answers for one respondent: every score, most texts."""
    out = {}
    for n, f in enumerate(d.fields(role)):
        key = f.name if excel else f.tag
        if f.type == "score":
            out[key] = str(1 + (seed + n) % d.scale.steps)
        elif f.type == "number":
            out[key] = str(10 + seed % 20)
        elif f.type == "date":
            out[key] = f"{1 + seed % 28:02d}-06-2026"
        elif (seed + n) % 3:
            out[key] = TEXTS[(seed + n) % len(TEXTS)]
    return out


_FILL: dict = {}


def _fill_one(job: tuple[Path, Path, int]) -> int:
    """Fill one form; the number of answers given."""
    src, dst, seed = job
    d = _FILL["definition"]
    role = src.name.split("_")[1]
    values = answers(d, role, seed, excel=src.suffix == ".xlsx")
    if src.suffix == ".docx":
        from formgen.formats.docx import fill_answers

        dst.write_bytes(fill_answers(src.read_bytes(), values))
    else:
        dst.write_bytes(fill_xlsx(src.read_bytes(), values))
    return len(values)


def fill_xlsx(data: bytes, values: dict[str, str]) -> bytes:
    """Type values into the named cells the way Excel stores them (numbers as numbers)."""
    import io
    import zipfile

    from formgen.formats import ooxml
    from formgen.formats.ooxml import xml_text

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = zf.read("xl/workbook.xml").decode("utf-8")
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    refs = {name: col + row for name, col, row in
            re.findall(r'<definedName name="([^"]+)"[^>]*>[^<]*!\$([A-Z]+)\$(\d+)</definedName>', book)}
    for name, value in values.items():
        ref = refs.get(name)
        if not ref:
            continue
        body = (f"><v>{value}</v></c>" if value.isdigit() else
                f' t="inlineStr"><is><t xml:space="preserve">{xml_text(value)}</t></is></c>')
        sheet = re.sub(rf'<c r="{ref}"( s="\d+")?(?: t="n")?(?:/>|></c>)', lambda m: f'<c r="{ref}"{m.group(1) or ""}{body}',
                       sheet, count=1)
    if hasattr(ooxml, "replace_parts"):
        return ooxml.replace_parts(data, {"xl/worksheets/sheet1.xml": sheet.encode("utf-8")})
    parts = ooxml.read_parts(data)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    return ooxml.write_parts(parts)


def tree_pss(pid: int) -> int:
    """Proportional set size (bytes) of a process and all its descendants (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:")) * 1024
        except (OSError, StopIteration):
            pass
    return total


INTAKE = """
import inspect, json, sys, time
import formgen
from formgen.intake.run import intake
from formgen.core.workspace import find
ws = find(sys.argv[1])
kw = {"workers": int(sys.argv[2])} if "workers" in inspect.signature(intake).parameters else {}
start = time.perf_counter()
r = intake(ws, **kw)
print(json.dumps({"seconds": time.perf_counter() - start, "counts": r.counts, "formgen": formgen.__file__}))
"""


def run_intake(ws_root: Path, workers: int) -> tuple[dict, int]:
    """intake() in a fresh process (timed inside it); the peak memory of it and its workers."""
    settle_disk()
    proc = subprocess.Popen([sys.executable, "-c", INTAKE, str(ws_root), str(workers)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(ws_root))  # not ROOT: its formgen/ would win
    peak = [0]

    def sample():
        while proc.poll() is None:
            if os.path.exists("/proc/self/smaps_rollup"):
                peak[0] = max(peak[0], tree_pss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"intake failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1]), peak[0]


def fresh_intake(ws, returns: list[Path], snapshot: Path) -> None:
    """The workspace as it was before any intake, with the returns waiting in intake/."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ws.db_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, ws.db_path)
    os.chmod(ws.db_path, 0o600)
    for sub in ("processed", "quarantine"):
        shutil.rmtree(ws.intake / sub, ignore_errors=True)
    for p in ws.intake.glob("*.*"):
        if p.suffix in (".docx", ".xlsx"):
            p.unlink()
    for p in returns:
        shutil.copyfile(p, ws.intake / p.name)


def snapshot_db(ws, path: Path) -> None:
    src, dst = sqlite3.connect(ws.db_path), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()


def fill_and_intake(ws, d, files: list[Path], seed: int) -> None:
    """Fill .docx forms as respondents would and import them."""
    from formgen.formats.docx import fill_answers
    from formgen.intake.run import intake

    for i, p in enumerate(files):
        (ws.intake / p.name).write_bytes(fill_answers(p.read_bytes(), answers(d, p.name.split("_")[1], i + seed,
                                                                                 excel=False)))
    intake(ws)


def second_round(ws, d, sample, out: Path) -> None:
    """Round 2 of the form for the sample, filled and imported: their reports show a trend."""
    from formgen.generate.run import generate

    fill_and_intake(ws, d, generate(ws, d, "docx", sample, None, round_no=2, date=dt.date(2026, 8, 1),
                                    out_dir=out).files, 3)


_REPORT: dict = {}


def _report_one(ref: str) -> float:
    from formgen.reports.citizen import citizen_report

    start = time.perf_counter()
    citizen_report(_REPORT["ws"], ref, "docx")
    return time.perf_counter() - start


def startup(cmd: list[str], cwd: Path, runs: int = 7) -> float:
    """Median wall time of a command (fresh process each run)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=str(cwd), capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- main -------------------------------------------------------------------------------------

def export_rows(table, sizes: list[int]) -> None:
    """Write score-export-shaped rows as .xlsx and as .csv (the floor) with the exports' own writers."""
    try:
        from formgen.formats.tables import write_csv, write_xlsx
        from formgen.reports.exports import SCORE_COLUMNS
    except ImportError:  # formgen before the one table writer
        return
    import io

    for n in sizes:
        rows = [[f"S-{i % 1000:04d}", 1 + i % 3, ("borger", "mentor", "konsulent")[i % 3], FORM, "1", f"item_{i % 7}",
                 str(1 + i % 10), str(1 + (i + 3) % 10), 10, "2026-06-01T10:00:00", f"S-{i % 1000:04d}_borger.docx"]
                for i in range(n)]
        _, floor = timed(lambda: write_csv(io.StringIO(), SCORE_COLUMNS, rows))
        _, s = timed(lambda: write_xlsx(io.BytesIO(), "scores", SCORE_COLUMNS, rows))
        table.add(f"export .xlsx, {n:,} rows", n, s, "csv export", floor)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--citizens", type=int, default=1000)
    ap.add_argument("--reports", type=int, default=40, help="citizens with a report (two rounds each); 0 skips")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    ap.add_argument("--pdf", type=int, default=0, help="also convert this many reports to PDF (needs LibreOffice)")
    ap.add_argument("--dir", default=str(ROOT / "output" / "bench"), help="work folder (replaced)")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--export-rows", type=lambda t: [int(x) for x in t.split(",")], default=[10_000, 100_000],
                    help="rows of the export-writer step, comma-separated (default 10000,100000)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()

    from formgen.core.private import private_umask

    private_umask()
    info = machine()
    workers = args.workers or info["cpus"] or 1
    print(f"formgen bench: {args.citizens} citizens × {FORM}; {info['cpus']} CPU(s) ({info['cpu']}), "
          f"Python {info['python']}, SQLite {info['sqlite']}, load {info['load_before']}")
    work = Path(args.dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    from formgen.forms.catalogue import get
    from formgen.generate.run import generate
    from formgen.generate.roster import read
    from formgen.core.workspace import init

    table = Table()
    ws = init(work / "ws", "Jobcenter Benchby", unit="Virksomhedsservice", contact="Jobcenter Benchby · Torvet 1")
    d = get(FORM).definition
    roster = work / "roster.csv"
    roster_csv(roster, args.citizens)
    citizens, s = timed(read, roster)
    table.add("roster: read and check", len(citizens), s)

    # generation
    made: dict[str, list[Path]] = {}
    parallel = "workers" in inspect.signature(generate).parameters  # False for formgen before the fast paths
    # the .xlsx forms are the next round: the .docx and .xlsx of one citizen's round are one return
    # (intake counts the second as a duplicate or a conflict), and every return here is to be imported
    for round_no, fmt in enumerate(("docx", "xlsx"), start=1):
        for n in sorted({1, workers}) if parallel else [1]:
            out = work / "forms" / f"{fmt}-{n}"
            result, s = timed(generate, ws, d, fmt, citizens, None, round_no=round_no, date=dt.date(2026, 6, round_no),
                              out_dir=out, **({"workers": n} if parallel else {}))
            files = list(result.files)
            floor = copy_floor(files, work / "floor" / f"{fmt}-{n}")
            table.add(f"generate .{fmt}, {n} process{'es' if n > 1 else ''}", len(files), s, "file copy", floor,
                      note="incl. rendering the masters" if n == 1 else "")
            made[fmt] = files
        ref = rewrite_reference(made[fmt], work / "floor" / f"{fmt}-rewrite")
        if ref is not None:
            table.add(f"  reference: copy .{fmt} rewriting one part", len(made[fmt]), ref, "file copy", floor)

    # filling (a bench helper, in forked workers; not a target)
    returns_dir = work / "returns"
    returns_dir.mkdir()
    _FILL["definition"] = d
    jobs = [(p, returns_dir / p.name, i) for i, p in enumerate(made["docx"] + made["xlsx"])]
    given, s = timed(fork_map, _fill_one, jobs, workers)
    table.add(f"fill (bench helper, {workers} processes)", len(jobs), s)
    returns = sorted(returns_dir.iterdir())

    # intake: one process, then forked workers, each from the same starting point
    floor, _ = timed(read_floor, returns)
    snapshot = work / "before-intake.db"
    snapshot_db(ws, snapshot)
    peaks = {}
    from formgen.intake.run import intake as intake_fn

    for n in sorted({1, workers}) if "workers" in inspect.signature(intake_fn).parameters else [1]:
        fresh_intake(ws, returns, snapshot)
        out, peak = run_intake(ws.root, n)
        stored = sqlite3.connect(ws.db_path).execute("SELECT count(*) FROM answers WHERE value IS NOT NULL").fetchone()[0]
        if out["counts"]["imported"] != len(returns) or stored != sum(given):
            sys.exit(f"intake imported {out['counts']} of {len(returns)} returns with {stored} of {sum(given)} "
                     "answers: the bench found a bug")
        peaks[n] = peak
        table.add(f"intake, {n} process{'es' if n > 1 else ''}", len(returns), out["seconds"], "unzip + parse", floor,
                  note=f"peak memory {peak / 2**20:.0f} MB" if peak else "")
    table.add("  floor: unzip every part + parse the main part", len(returns), floor)

    # reports for a sample, whose two rounds show a trend
    if args.reports:
        sample = citizens[:args.reports]
        # the sample already has two rounds: the .docx round 1 and the .xlsx round 2
        from formgen.reports import charts

        spent = {"charts": 0.0}
        for name in ("spider", "trends"):
            original = getattr(charts, name)

            def wrapped(*a, _f=original, **kw):
                start = time.perf_counter()
                try:
                    return _f(*a, **kw)
                finally:
                    spent["charts"] += time.perf_counter() - start
            setattr(charts, name, wrapped)
        _REPORT["ws"] = ws
        refs = [c.citizen_ref for c in sample]
        _report_one(refs[0])  # imports pandas, matplotlib, docxtpl once (start-up, not per report)
        spent["charts"] = 0.0
        _, s = timed(lambda: [_report_one(r) for r in refs])
        table.add("citizen report (.docx, no PDF), 1 process", len(refs), s,
                  note=f"charts {1000 * spent['charts'] / len(refs):.0f} ms of each")
        if workers > 1:
            _, s = timed(fork_map, _report_one, refs, workers, 1)
            table.add(f"citizen report (.docx, no PDF), {workers} processes", len(refs), s)
        # report all: a workspace whose every citizen has the two rounds, so it writes len(sample) reports
        from formgen.reports.citizen import all_reports

        small = init(work / "ws-reports", "Jobcenter Benchby", unit="Virksomhedsservice")
        first = generate(small, d, "docx", sample, None, round_no=1, date=dt.date(2026, 6, 1),
                         out_dir=work / "forms" / "reports-1")
        fill_and_intake(small, d, first.files, 0)
        second_round(small, d, sample, work / "forms" / "reports-2")
        batch = "workers" in inspect.signature(all_reports).parameters  # False before the batch path
        for n in sorted({1, workers}) if batch else [1]:
            shutil.rmtree(small.output / "reports", ignore_errors=True)
            done, s = timed(all_reports, small, **({"workers": n} if batch else {}))
            table.add(f"report all, {n} process{'es' if n > 1 else ''}", len(done), s,
                      note="after the rows above (imports done)")
        if args.pdf:
            from formgen.formats.convert import to_pdf

            docs = sorted((ws.output / "reports").glob("*/progressionsrapport_*.docx"))[:args.pdf]
            _, s = timed(to_pdf, docs, None, workers)
            table.add(f"PDF via LibreOffice, {workers} batches", len(docs), s)

    # exports: the table writer the scores/texts exports use, .xlsx against .csv of the same rows
    export_rows(table, args.export_rows)

    # start-up
    exe = str(Path(sys.executable).parent / "formgen")
    if os.path.exists(exe):
        bare = startup([sys.executable, "-c", "pass"], ws.root)
        table.add("start-up: formgen --help", 1, startup([exe, "--help"], ws.root), "python -c pass", bare)
        table.add("start-up: formgen forms list", 1, startup([exe, "forms", "list"], ws.root), "python -c pass", bare)

    info["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print()
    print(f"Machine: {info['cpus']} CPU(s), {info['cpu']}; Python {info['python']}; {info['os']}; "
          f"load average before {info['load_before']}, after {info['load_after']}")
    if len(peaks) > 1:
        print(f"Intake peak memory (PSS of the process and its workers): "
              + ", ".join(f"{n} process(es) {p / 2**20:.0f} MB" for n, p in peaks.items()))
    table.print(markdown=args.markdown)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "rows": table.rows}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
