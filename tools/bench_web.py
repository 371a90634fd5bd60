#!/usr/bin/env python3
"""The web page's benchmark (`make bench` runs it after tools/bench.py): pages with 1,000 citizens, an upload of 1,000 returns.

Pages: every page and API answer rendered in process (Starlette's TestClient) on a workspace with
1,000 citizens × 2 dispatched forms; the best of 3. Upload: the same 1,000 filled returns read by
`formgen intake` (the CLI, its own process) and by POST /api/intake (streamed upload, then intake in
the server's worker thread), each on a fresh workspace; the ratio is what to compare between runs.
Nothing here passes or fails on time: this is not a test.

    python tools/bench_web.py [--citizens 1000]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # filling.py: returns filled as Word stores a choice

from filling import fill_docx  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from formgen import api  # noqa: E402
from formgen.forms.catalogue import available  # noqa: E402
from formgen.generate.roster import Citizen  # noqa: E402
from formgen.generate.run import generate  # noqa: E402
from formgen.web.app import create_app  # noqa: E402
from formgen.web.security import Access  # noqa: E402

PAGES = ("/", "/borgere", "/borgere/S-0001", "/behandling", "/indlaes", "/ny-runde", "/rapporter", "/skemaer",
         "/api/status", "/api/citizens")


def client(ws) -> TestClient:
    return TestClient(create_app(ws, Access.for_address("bench", "127.0.0.1", 8765)), base_url="http://127.0.0.1:8765",
                      headers={"Authorization": "Bearer bench"})


def prepared(base: Path, name: str, people: list, roles: list[str]) -> tuple:
    ws = api.init_workspace(base / name, "Jobcenter Bench")
    files = generate(ws, available()["samtaleskema"].definition, "docx", people, roles).files
    return ws, files


def pages(base: Path, people: list) -> None:
    ws, _ = prepared(base, "pages", people, ["borger", "konsulent"])
    c = client(ws)
    for path in PAGES:
        c.get(path)
        best = min(_timed(lambda: c.get(path)) for _ in range(3))
        print(f"  {path:<18} {best * 1000:6.0f} ms")


def _timed(call) -> float:
    t = time.perf_counter()
    r = call()
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return time.perf_counter() - t


def upload(base: Path, people: list) -> None:
    runs = {}
    for name in ("cli", "web"):
        ws, files = prepared(base, name, people, ["borger"])
        folder = base / f"{name}-returns"
        folder.mkdir()
        for p in files:
            fill_docx(p, {"fg:faglige_kompetencer:now": "3"})
            shutil.move(p, folder / p.name)
        runs[name] = (ws, sorted(folder.iterdir()), folder)
    ws, _, folder = runs["cli"]
    t = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "formgen"), "-w", str(ws.root), "intake", str(folder)],
                   capture_output=True, check=False)
    cli = time.perf_counter() - t
    ws, paths, _ = runs["web"]
    c = client(ws)
    t = time.perf_counter()
    r = c.post("/api/intake", files=[("files", (p.name, p.read_bytes())) for p in paths])
    job = c.app.state.jobs.get(r.json()["job"])
    c.app.state.jobs.wait(job, 3600)
    web = time.perf_counter() - t
    print(f"  {len(paths)} returns: CLI intake {cli:.1f} s, web upload + intake {web:.1f} s, ratio {web / cli:.2f}"
          f" ({job.result.counts['imported']} imported)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--citizens", type=int, default=1000)
    n = ap.parse_args().citizens
    people = [Citizen(f"S-{i:04d}", f"Borger {i}", f"Firma {i % 40}", "Mentor", "Konsulent") for i in range(1, n + 1)]
    with tempfile.TemporaryDirectory(prefix="formgen-bench-web-") as tmp:
        print(f"Web pages with {n} citizens (best of 3):")
        pages(Path(tmp), people)
        print("Upload:")
        upload(Path(tmp), people)


if __name__ == "__main__":
    main()
