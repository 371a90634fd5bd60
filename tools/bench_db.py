#!/usr/bin/env python3
"""formgen's database bench (`make bench`, or `make bench-db`): intake on PostgreSQL vs SQLite, one run.

The same filled returns (6,000 by default: the opfoelgning of 2,000 citizens, three respondents each)
are imported four times, each from the same starting point (the dispatch manifest only): by one
intake on SQLite, by one intake on PostgreSQL, then by three intakes at once (each on a third of the
returns, as three administrators would) on SQLite and on PostgreSQL. Every run must end with every
return imported exactly once, or the bench stops: it found a bug. The ratio PostgreSQL / SQLite of
each pair is printed; numbers depend on the machine and its load (printed), so compare ratios.

PostgreSQL: --db URL (a database the user may create tables in; its formgen tables are emptied),
else a private throw-away server is started as the tests do (tests/pg_cluster.py). Not a test.

    python tools/bench_db.py [--returns 6000] [--db postgresql+psycopg://…] [--dir DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tools")]

from bench import answers, fork_map, machine, settle_disk  # noqa: E402  (the bench's helpers)

FORM = "opfoelgning"
INTAKE = """
import json, sys, time
from dataclasses import replace
from formgen.core.workspace import find
from formgen.intake.run import intake
ws = replace(find(sys.argv[1]), db_url=sys.argv[2] or None)
start = time.perf_counter()
r = intake(ws, [sys.argv[3]])
print(json.dumps({"seconds": time.perf_counter() - start, "counts": r.counts}))
"""
_DEF: dict = {}


def _fill(job: tuple[Path, Path, int]) -> None:
    from formgen.formats.docx import fill_answers

    src, dst, seed = job
    dst.write_bytes(fill_answers(src.read_bytes(), answers(_DEF["d"], src.name.split("_")[1], seed, excel=False)))


def prepare(work: Path, n: int, workers: int):
    """A workspace with n forms generated (the manifest), their filled returns, and a copy of the database."""
    from formgen.core.workspace import init
    from formgen.forms.catalogue import get
    from formgen.generate.roster import Citizen
    from formgen.generate.run import generate

    ws = init(work / "ws", "Jobcenter Benchby")
    d = _DEF["d"] = get(FORM).definition
    citizens = [Citizen(f"B-{i:05d}", f"Borger {i}") for i in range((n + 2) // 3)]
    files = list(generate(ws, d, "docx", citizens, None, date=dt.date(2026, 6, 1), workers=workers).files)[:n]
    returns = work / "returns"
    returns.mkdir()
    fork_map(_fill, [(p, returns / p.name, i) for i, p in enumerate(files)], workers)
    shutil.copyfile(ws.db_path, work / "before-intake.db")
    return ws, sorted(returns.iterdir())


def reset(ws, url: str | None, snapshot: Path) -> None:
    """The database as before any intake (SQLite: the copy; PostgreSQL: its rows), no file moved yet."""
    for sub in ("processed", "quarantine"):
        shutil.rmtree(ws.intake / sub, ignore_errors=True)
    if url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ws.db_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(snapshot, ws.db_path)
        return
    from sqlalchemy import create_engine, select, text

    from formgen.store import db as store

    store.create_schema(url)
    source, target = create_engine(f"sqlite:///{snapshot}"), create_engine(store.engine_url(url))
    with source.connect() as src, target.begin() as dst:
        dst.execute(text("TRUNCATE " + ", ".join(t.name for t in store.meta.sorted_tables
                                                 if t.name != "schema_version") + " RESTART IDENTITY"))
        for t in store.meta.sorted_tables:
            if t.name != "schema_version" and (rows := [dict(r) for r in src.execute(select(t)).mappings()]):
                dst.execute(t.insert(), rows)
                if "id" in t.c:  # the rows came with their ids: the next one is after them
                    dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                                     f"(SELECT max(id) FROM {t.name}))"))
    source.dispose()
    target.dispose()


def intakes(ws, url: str | None, folders: list[Path]) -> tuple[float, int]:
    """Intake processes started at once, one per folder: (seconds until the last ended, returns imported)."""
    settle_disk()
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", INTAKE, str(ws.root), url or "", str(f)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=str(ws.root)) for f in folders]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - start
    for p, (_, err) in zip(procs, outs):
        if p.returncode != 0:
            sys.exit(f"intake failed:\n{err}")
    return seconds, sum(json.loads(out.strip().splitlines()[-1])["counts"]["imported"] for out, _ in outs)


def folders_of(work: Path, returns: list[Path], parts: int) -> list[Path]:
    """The returns copied into parts folders (every part-th file in each)."""
    out = []
    for k in range(parts):
        folder = work / f"in-{parts}-{k}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for p in returns[k::parts]:
            shutil.copyfile(p, folder / p.name)
        out.append(folder)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--returns", type=int, default=6000, help="filled returns imported in each run")
    ap.add_argument("--db", help="a PostgreSQL URL (default: a private throw-away server)")
    ap.add_argument("--dir", default=str(ROOT / "output" / "bench-db"), help="work folder (replaced)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    from formgen.core.private import private_umask

    private_umask()
    info = machine()
    workers = info["cpus"] or 1
    work = Path(args.dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cluster = None
    if not args.db:
        import pg_cluster

        try:
            cluster = pg_cluster.start()
        except BaseException as why:  # pytest's skip outcome: no PostgreSQL here (make bench goes on without it)
            if isinstance(why, KeyboardInterrupt):
                raise
            print(f"formgen database bench skipped: {why}")
            return 0
    try:
        url = args.db or cluster.url()
        print(f"formgen database bench: {args.returns} returns; {info['cpus']} CPU(s), load {' '.join(f'{x:.2f}' for x in info['load_before'])}")
        ws, returns = prepare(work, args.returns, workers)
        results = {}
        for parts in (1, 3):
            for name, db in (("SQLite", None), ("PostgreSQL", url)):
                reset(ws, db, work / "before-intake.db")
                seconds, imported = intakes(ws, db, folders_of(work, returns, parts))  # intake moves them
                if imported != len(returns):
                    sys.exit(f"{name}: {imported} of {len(returns)} returns imported: the bench found a bug")
                results[(parts, name)] = seconds
                print(f"  {parts} intake{'s at once' if parts > 1 else ''} on {name:<10} {len(returns):>6} returns "
                      f"{seconds:8.2f} s {len(returns) / seconds:8.0f}/s", flush=True)
            print(f"  ratio PostgreSQL / SQLite, {parts} intake(s): {results[(parts, 'PostgreSQL')] / results[(parts, 'SQLite')]:.2f}")
        print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.json:
            Path(args.json).write_text(json.dumps({f"{p}x {n}": s for (p, n), s in results.items()}, indent=2))
    finally:
        if cluster is not None:
            import pg_cluster

            pg_cluster.stop(cluster)
    return 0


if __name__ == "__main__":
    sys.exit(main())
