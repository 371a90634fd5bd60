#!/usr/bin/env python3
"""The paper route's benchmark (`make bench` runs it after the others): printed forms marked, degraded and read back.

Every preset's paper PDF for every respondent is generated once; its pages with boxes are the
templates. Per profile (office, phone, stress: tests/scan_degrade.py) pages are made from random
templates: rendered at 300 dpi, every row marked as a person would (tests/scan_marks.py: a tick or
cross, a correction, a double mark, an empty row, a pencil tick, strays), degraded, and stored
as grey .npy files; then the reader reads them with the fork pool and the results are compared
with the truth. Pages are added until a profile has --boxes boxes in accepted rows. Nothing here
passes or fails: this is not a test. The reader's time is read_page on a grey array (no file
decoding, no PDF rendering), as wall time over all of a profile's pages.

    python tools/bench_paper.py [--boxes 15000] [--profiles office,phone,stress] [--workers 2]
                                [--seed 1] [--markdown] [--json FILE] [--pictures DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the scan corpus: scan_marks.py, scan_degrade.py, scan_page.py

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from scan_degrade import PROFILES, apply, sample  # noqa: E402
from scan_marks import mark_row, mm_box_to_px  # noqa: E402
from scan_page import render_pdf  # noqa: E402

from formgen.api import generate_forms  # noqa: E402
from formgen.core.parallel import fork_map  # noqa: E402
from formgen.core.workspace import init  # noqa: E402
from formgen.formats.paper.geometry import Layout  # noqa: E402
from formgen.formats.scan import read_page  # noqa: E402
from formgen.formats.scan.locate import find_qr  # noqa: E402
from formgen.forms.catalogue import available  # noqa: E402
from formgen.store.lookup import Lookup  # noqa: E402

RENDER_DPI = (150, 200, 300)  # a clean page is rendered at one of these
SCENARIO_MIX = {"single": 0.78, "correction": 0.05, "double": 0.04, "empty": 0.10, "faint": 0.03}
STRAY_P = 0.1


@dataclass(frozen=True)
class Template:
    """One printed page with boxes: its PDF, page number, form code and rows as (key, field, boxes in mm)."""

    pdf: Path
    index: int  # 0-based page of the PDF
    code: str
    page: int
    layout_hash: str
    rows: tuple[tuple[str, str, tuple[tuple[str, tuple[float, float, float, float]], ...]], ...]


def templates(work: Path) -> tuple[list[Template], dict[str, Layout]]:
    """Every preset's paper forms for one citizen and every respondent; the pages that have boxes."""
    import pypdfium2 as pdfium

    ws = init(work / "ws", "Jobcenter Benchby")
    found, layouts, lookup = [], {}, Lookup(ws.db, ws.unit)
    for form in available():
        for path in generate_forms(ws, form, "paper", citizen="B-0001", name="Bench Borger").files:
            for index in range(len(pdfium.PdfDocument(path.read_bytes()))):
                code, page, lhash = find_qr(cv2.cvtColor(render_pdf(path.read_bytes(), 150, index), cv2.COLOR_RGB2GRAY))
                layouts.setdefault(lhash, Layout.from_json(lookup.layout(lhash)))
                geo = layouts[lhash].page(page)
                rows = tuple((r.key, r.field, tuple((b.value, (b.x, b.y, b.x + b.w, b.y + b.h)) for b in r.boxes))
                             for r in geo.rows)
                if rows:
                    found.append(Template(path, index, code, page, lhash, rows))
    return found, layouts


@cache
def clean(pdf: Path, index: int, dpi: int) -> np.ndarray:
    return render_pdf(pdf.read_bytes(), dpi, index)


def make_page(shared, item):
    """One marked, degraded page stored as grey .npy; returns its truth (in a worker).

    The page is rendered at the lowest of 150/200/300 dpi at or above the device's (as a scanner samples
    the sheet; a phone's page is resampled into its photo), then marked at that resolution."""
    tpls, out_dir, seed = shared
    profile, n = item
    rng = np.random.default_rng([seed, PROFILES.index(profile), n])
    t = tpls[int(rng.integers(len(tpls)))]
    plan = sample(profile, rng)
    dpi = next(d for d in RENDER_DPI if d >= plan.dpi)
    img = clean(t.pdf, t.index, dpi).copy()
    truth = mark_page(img, t, dpi, rng, SCENARIO_MIX, STRAY_P)
    back = tpls[int(rng.integers(len(tpls)))]
    out = apply(img, plan, rng, dpi, back=clean(back.pdf, back.index, dpi) if plan.bleed else None)
    grey = out if out.ndim == 2 else cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
    path = out_dir / f"{profile}-{n:05d}.npy"
    np.save(path, grey)
    return path, t.code, t.page, truth, {"flip": plan.flip, "dpi": plan.dpi}


def mark_page(img, t: Template, dpi: int, rng, mix: dict, stray_p: float) -> dict:
    """Every row of the page marked as `mix` draws its scenario; {(key, field): RowTruth}."""
    names, weights = list(mix), list(mix.values())
    truth = {}
    for key, fld, boxes in t.rows:
        px = [(v, mm_box_to_px(b, dpi)) for v, b in boxes]
        scenario = names[int(rng.choice(len(names), p=weights))]
        truth[(key, fld)] = mark_row(img, px, px[int(rng.integers(len(px)))][0], scenario, dpi, rng, stray_p)
    return truth


def read_one(layouts, path):
    """Read one stored page (in a worker); the reading without its pictures, and the seconds read_page took."""
    grey = np.load(path)
    start = time.perf_counter()
    r = read_page(grey, layouts.get)
    took = time.perf_counter() - start
    rows = {(x.key, x.field): (x.value, x.status, x.reason) for x in r.rows}
    return {"code": r.code, "page": r.page, "markers": r.markers, "problem": r.problem, "rows": rows, "took": took}


@dataclass
class Tally:
    """What one profile's pages came to."""

    pages: int = 0
    qr: int = 0
    markers4: int = 0
    located: int = 0  # page read (QR and markers fine, layout known)
    misread_pages: int = 0  # read as another form or page: must stay 0
    rows: int = 0
    review_double: int = 0
    review_faint: int = 0
    review_other: int = 0
    double_accepted: int = 0  # a genuine double mark read as one value: must stay 0
    boxes: int = 0  # boxes in accepted rows
    box_errors: int = 0
    unmarked: int = 0
    false_marks: int = 0
    marked: int = 0
    missed: int = 0
    wrong_rows: int = 0  # accepted rows whose value differs from the truth
    reasons: dict = field(default_factory=dict)
    examples: list = field(default_factory=list)  # (page file, row, truth, reading) of wrong accepted rows
    read_seconds: list = field(default_factory=list)
    wall: float = 0.0
    make_wall: float = 0.0

    def add(self, name, code, page, truth, reading, box_values) -> None:
        self.pages += 1
        self.qr += reading["code"] is not None
        self.markers4 += reading["markers"] == 4
        self.read_seconds.append(reading["took"])
        if reading["problem"]:
            return
        if (reading["code"], reading["page"]) != (code, page):
            self.misread_pages += 1
            return
        self.located += 1
        for key, t in truth.items():
            self.rows += 1
            value, status, reason = reading["rows"][key]
            if status == "review":
                kind = "double" if t.double else "faint" if t.faint else "other"
                setattr(self, f"review_{kind}", getattr(self, f"review_{kind}") + 1)
                if kind == "other":
                    short = reason.split("'")[0].strip()
                    self.reasons[short] = self.reasons.get(short, 0) + 1
                continue
            self.double_accepted += t.double
            self.wrong_rows += value != t.value
            if value != t.value and len(self.examples) < 30:
                self.examples.append([name, "/".join(key), t.value, [list(d) for d in t.drawn], value, status])
            for v in box_values[key]:
                said, true = v == value, v == t.value
                self.boxes += 1
                self.box_errors += said != true
                self.unmarked += not true
                self.false_marks += said and not true
                self.marked += true
                self.missed += true and not said

    def summary(self, workers: int) -> dict:
        pct = lambda a, b: round(100.0 * a / b, 4) if b else None  # noqa: E731
        return {"pages": self.pages, "qr_read_pct": pct(self.qr, self.pages), "markers4_pct": pct(self.markers4, self.pages),
                "located_pct": pct(self.located, self.pages), "misread_pages": self.misread_pages,
                "accepted_boxes": self.boxes, "box_accuracy_pct": pct(self.boxes - self.box_errors, self.boxes),
                "box_errors": self.box_errors, "false_mark_pct": pct(self.false_marks, self.unmarked),
                "false_marks": self.false_marks, "missed_pct": pct(self.missed, self.marked), "missed": self.missed,
                "wrong_rows": self.wrong_rows, "double_accepted": self.double_accepted, "rows": self.rows,
                "review_double_pct": pct(self.review_double, self.rows), "review_faint_pct": pct(self.review_faint, self.rows),
                "review_other_pct": pct(self.review_other, self.rows), "review_other_reasons": self.reasons,
                "read_ms_median_1_process": round(1000 * statistics.median(self.read_seconds), 1),
                "read_wall_s_per_page": round(self.wall / self.pages, 4), "pages_per_s": round(self.pages / self.wall, 2),
                "workers": workers, "make_wall_s": round(self.make_wall, 1), "wrong_examples": self.examples}


def run_profile(profile, tpls, layouts, args, work: Path) -> dict:
    """Make and read pages of one profile until --boxes accepted boxes."""
    out_dir = work / profile
    out_dir.mkdir()
    tally, n = Tally(), 0
    box_values = {(k, f): [v for v, _ in b] for t in tpls for k, f, b in t.rows}
    avg = statistics.mean(sum(len(b) for _, _, b in t.rows) for t in tpls)
    while tally.boxes < args.boxes:
        batch = max(8, int((args.boxes - tally.boxes) / avg / 0.85) + 2)
        items = [(profile, i) for i in range(n, n + batch)]
        n += batch
        start = time.perf_counter()
        made = [r for _, r in fork_map(make_page, items, args.workers, shared=(tpls, out_dir, args.seed))]
        tally.make_wall += time.perf_counter() - start
        start = time.perf_counter()
        readings = [r for _, r in fork_map(read_one, [m[0] for m in made], args.workers, shared=layouts)]
        tally.wall += time.perf_counter() - start
        for (path, code, page, truth, _), reading in zip(made, readings):
            tally.add(path.stem, code, page, truth, reading, box_values)
            path.unlink()
        print(f"  {profile}: {tally.pages} pages, {tally.boxes} accepted boxes", file=sys.stderr)
    return tally.summary(args.workers)


def pictures(tpls, out: Path, seed: int) -> None:
    """One degraded page per profile, 60–70 dpi and about 150 KB at most, for docs/paper.md (docs/paper-scan-<profile>.png)."""
    from PIL import Image, ImageFilter

    wanted = {"office": lambda p: abs(p.angle) > 0.8, "phone": lambda p: p.motion == 0 and p.blur < 1.0 and abs(p.angle) > 4,
              "stress": lambda p: p.copier and p.bleed > 0.1}
    t = max(tpls, key=lambda t: len(t.rows))
    for profile in PROFILES:
        for n in range(500):  # a page that shows the profile, upright
            rng = np.random.default_rng([seed, 99, PROFILES.index(profile), n])
            plan = sample(profile, rng)
            if not plan.flip and wanted[profile](plan):
                break
        img = clean(t.pdf, t.index, 300).copy()
        mix = {"single": 0.4, "correction": 0.15, "double": 0.15, "faint": 0.15, "empty": 0.15}
        mark_page(img, t, 300, rng, mix, 0.3)
        img = apply(img, plan, rng, 300, back=clean(tpls[-1].pdf, tpls[-1].index, 300))
        pic = Image.fromarray(img).convert("RGB")
        if profile == "phone":  # sensor noise does not compress: soften it before scaling down
            pic = pic.filter(ImageFilter.MedianFilter(3))
        k = (60 if profile == "phone" else 70) / plan.dpi
        pic = pic.resize((int(pic.width * k), int(pic.height * k)), Image.LANCZOS)
        pic = pic.quantize(colors=24, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        pic.save(out / f"paper-scan-{profile}.png", optimize=True)


def markdown(results: dict) -> str:
    cols = [("pages", "pages"), ("QR read", "qr_read_pct"), ("4 markers", "markers4_pct"), ("page read", "located_pct"),
            ("misread pages", "misread_pages"), ("accepted boxes", "accepted_boxes"), ("per-box accuracy %", "box_accuracy_pct"),
            ("false marks %", "false_mark_pct"), ("missed marks %", "missed_pct"), ("wrong rows", "wrong_rows"),
            ("review: double %", "review_double_pct"), ("review: faint %", "review_faint_pct"),
            ("review: other %", "review_other_pct"), ("read ms/page (1 process, median)", "read_ms_median_1_process"),
            ("pages/s (workers)", "pages_per_s")]
    lines = ["| profile | " + " | ".join(c for c, _ in cols) + " |", "|---|" + "---:|" * len(cols)]
    for profile, r in results.items():
        lines.append(f"| {profile} | " + " | ".join(str(r[k]) for _, k in cols) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boxes", type=int, default=15000, help="accepted boxes per profile (default 15000)")
    ap.add_argument("--profiles", default=",".join(PROFILES))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    ap.add_argument("--pictures", type=Path, help="write docs pictures (one degraded page per profile) and stop")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="formgen-bench-paper-"))
    try:
        tpls, layouts = templates(work)
        if args.pictures:
            pictures(tpls, args.pictures, args.seed)
            return 0
        print(f"{len(tpls)} printed pages with boxes; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
        results = {}
        for profile in args.profiles.split(","):
            results[profile] = run_profile(profile, tpls, layouts, args, work)
            if args.json:  # after each profile, so a long run stopped early keeps what it measured
                args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
        load = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(markdown(results) if args.markdown else json.dumps(results, indent=1))
    print(f"load average after: {load:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
