#!/usr/bin/env python3
"""Scanned forms through the whole intake (`make bench` runs it after bench_paper.py): pages per second.

bench_paper.py times the reader on images already decoded; this times what an administrator waits
for: `intake` of scanned PDFs (one per form, as an office scanner writes them at 200 dpi, JPEG pages),
with 2 readers, from the inbox to the stored answers. The floor, measured in the same run on the same
files, is decoding alone: rendering every page of the PDFs to a grey image, as intake must. Not a test.

    python tools/bench_scan_intake.py [--forms 60] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # paper_marks.py: pen marks and scanner effects

import cv2  # noqa: E402
from paper_marks import degrade, marked, to_pdf  # noqa: E402

from formgen.api import generate_forms, intake_returns  # noqa: E402
from formgen.core.workspace import init  # noqa: E402
from formgen.formats.scan import pages  # noqa: E402


def scanned_pdf(ws, path: Path, rng: random.Random) -> tuple[bytes, int]:
    """The printed form marked by pen on every row and scanned as one PDF of JPEG pages; (PDF, pages)."""
    imgs, _ = marked(ws, path, rng, empty=0.0)
    scans = [degrade(img, angle=rng.uniform(-1.5, 1.5), noise=2, seed=rng.randrange(1 << 30)) for img in imgs]
    return to_pdf(scans, dpi=200), len(imgs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=60, help="filled forms (samtaleskema, borger), one PDF each")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="formgen-bench-scan-"))
    try:
        ws = init(work / "ws", "Jobcenter Benchby")
        rng, total, files = random.Random(1), 0, []
        for i in range(args.forms):
            [path] = generate_forms(ws, "samtaleskema", "paper", citizen=f"B-{i:04d}", roles=["borger"]).files
            data, n = scanned_pdf(ws, path, rng)
            total += n
            files.append(ws.intake / f"scan-{i:04d}.pdf")
            files[-1].write_bytes(data)
        start = time.perf_counter()
        for f in files:
            for page in pages(f.read_bytes()):
                cv2.countNonZero(page)  # decoded for real
        floor = time.perf_counter() - start
        os.environ["FORMGEN_WORKERS"] = str(args.workers)
        start = time.perf_counter()
        result = intake_returns(ws)
        took = time.perf_counter() - start
        imported = result.counts["imported"]
        if imported != args.forms:
            sys.exit(f"only {imported} of {args.forms} scanned forms were imported: the bench found a bug")
        print(f"scanned intake: {args.forms} forms, {total} pages, {args.workers} readers, load {os.getloadavg()[0]:.2f}")
        print(f"  decoding alone (the floor, 1 process) {floor:7.2f} s  {total / floor:6.1f} pages/s")
        print(f"  intake, inbox to stored answers       {took:7.2f} s  {total / took:6.1f} pages/s"
              f"  ratio to the floor {took / floor:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
