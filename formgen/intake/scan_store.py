"""Storing a scan (the single writer): its pages kept until their form is complete, then the form imported.

One transaction per scanned file: every page stored (a page already stored is a duplicate, FG253),
its review rows and handwriting kept as pictures, and each form whose pages have now all arrived
imported like any returned file (answers how="omr" with their confidence; rows for a person stay
unanswered until decided, FG250). A page that cannot be read (FG251) sends the file to review.
"""
from __future__ import annotations

import hashlib
import json

from formgen.core.errors import Problem
from formgen.formats.extract import Extract, Found
from formgen.intake.judge import judge_answers
from formgen.intake.interpret import interpret
from formgen.intake.types import FileResult
from formgen.store import db as store
from formgen.store import scans
from formgen.store.intake_writer import on_connection, record_problems, store_reading

__all__ = ["store_scan"]


def store_scan(engine, src, ex, planned_name: str | None = None) -> FileResult:
    """Store the pages of one scanned file and import every form they complete; the file's result."""
    name, sha = src.name, ex.base["sha256"]
    problems: list[Problem] = []
    touched: dict[str, object] = {}
    new_pages = 0
    with engine.begin() as conn:
        store.lock_writers(conn)
        for sp in ex.scan:
            added = _page(conn, sp, name, sha, problems)
            new_pages += added
            if added:
                touched[sp.reading.code] = sp
        for sp in touched.values():
            _complete(conn, engine, sp, name, planned_name, problems)
        status = _status(problems, new_pages)
        if problems:
            record_problems(on_connection(engine, conn), sha, name, status, problems)
    first = next(iter(touched.values()), None)
    row = first.row if first is not None else {}
    return FileResult(name, status, sha, code=row.get("code", ""), form=row.get("form", ""), role=row.get("role", ""),
                      round=row.get("round"), citizen_ref=row.get("citizen_ref") or "", problems=tuple(problems))


def _status(problems: list[Problem], new_pages: int) -> str:
    if any(p.code in ("FG251", "FG210", "FG230") for p in problems):
        return "review"  # a page nobody can read: the file waits in quarantine for a new scan
    if not new_pages:
        return "duplicate"
    return "imported"


def _page(conn, sp, name: str, sha: str, problems: list[Problem]) -> int:
    """Store one page (1) or say why not (0)."""
    r = sp.reading
    where = f"{name}, page {sp.index}"
    if r.problem or sp.row is None:
        what = r.problem or f"form code {r.code} was not sent out from this workspace"
        code = "FG251" if r.problem else "FG210"
        scans.add_crop(conn, code=r.code, page=r.page, kind="page", label=f"side {sp.index}", reason=what,
                       png=r.preview or b"", status="unreadable", source_name=name, source_sha=sha)
        problems.append(Problem(code, where, what, "scan the page again, whole and flat, and import the new file"))
        return 0
    ref = sp.row["citizen_ref"]
    if r.page in scans.stored_pages(conn, r.code):
        problems.append(Problem("FG253", where, f"page {r.page} of form {r.code} was scanned before; the first scan "
                                "counts", "nothing to do"))
        return 0
    values = [{"key": x.key, "field": x.field, "value": x.value, "status": x.status, "confidence": x.confidence}
              for x in r.rows]
    scans.add_page(conn, code=r.code, page=r.page, layout_hash=r.layout_hash, source_sha=sha, source_name=name,
                   reading=json.dumps({"rows": values, "of": sp.of}), citizen_ref=ref)
    for x in r.review:
        scans.add_crop(conn, code=r.code, page=r.page, item=x.key, field=x.field, kind="row", label=x.label,
                       reason=x.reason, confidence=x.confidence, png=x.crop, status="open", source_name=name,
                       source_sha=sha, citizen_ref=ref)
        problems.append(Problem("FG250", f"{where}: {x.label}", f"not read by itself: {x.reason}",
                                "look at the row's picture and choose the value: formgen review"))
    for a in r.areas:
        scans.add_crop(conn, code=r.code, page=r.page, item=a.key, field=a.field, kind="area", label=a.label,
                       png=a.png, status="blank" if a.blank else "text", source_name=name, source_sha=sha,
                       citizen_ref=ref)
    return 1


def _complete(conn, engine, sp, name: str, planned_name: str | None, problems: list[Problem]) -> bool:
    """Import the form of a page when all its pages are stored; else note which are missing (FG252)."""
    code, row = sp.reading.code, sp.row
    pages = scans.stored_pages(conn, code)
    missing = [n for n in range(1, sp.of + 1) if n not in pages]
    if missing or not sp.of:
        problems.append(Problem("FG252", f"{name}: form {code}", f"page(s) {', '.join(map(str, sorted(pages)))} of "
                                f"{sp.of} stored; the form is imported when page(s) {', '.join(map(str, missing))} "
                                "arrive", "scan and import the missing pages"))
        return False
    from formgen.forms.definition import FormDefinition

    d = FormDefinition.model_validate(json.loads(scans.definition_json(conn, row["fingerprint"])))
    decided = {(c["item"], c["field"]): c for c in scans.crops_of(conn, code, "row") if c["status"] == "decided"}
    found, confidence = _found(pages, decided)
    areas = {(c["item"], c["field"]) for c in scans.crops_of(conn, code, "area")}
    found += [Found(k, f, "", "omr", placeholder=True) for k, f in areas]
    reading = interpret(Extract({}, code, tuple(found)), d, row["role"], name)
    from dataclasses import replace

    answers = [replace(a, confidence=confidence.get((a.key, a.field))) for a in reading.answers]
    form_sha = hashlib.sha256(("scan|" + code + "|" + "|".join(f"{n}:{p['source_sha']}" for n, p in sorted(pages.items())))
                              .encode()).hexdigest()
    base = dict(sha256=form_sha, code=code)
    tx = on_connection(engine, conn)
    status, _ = store_reading(tx, row, "paper", answers, {}, name, base, planned_name, judge_answers(answers))
    if status in ("conflict", "duplicate"):
        problems.append(Problem("FG230" if status == "conflict" else "FG231", f"{name}: form {code}",
                                "this form was already imported from another file, and its answers differ"
                                if status == "conflict" else "the same answers as a return already imported",
                                "compare them in 'formgen review' and keep one" if status == "conflict"
                                else "nothing to do"))
    sid = scans.submission_by_sha(conn, form_sha)
    if sid is not None:
        scans.link_crops(conn, code, sid)
    scans.use_pages(conn, code)
    problems.extend(reading.problems)
    return status == "imported"


def _found(pages: dict[int, dict], decided: dict) -> tuple[list[Found], dict]:
    """Every row of every page as a found answer (a decided review row with its value), and the confidences."""
    found, confidence = [], {}
    for page in pages.values():
        for x in json.loads(page["reading"])["rows"]:
            k = (x["key"], x["field"])
            confidence[k] = x["confidence"]
            if x["status"] == "answered":
                found.append(Found(*k, x["value"], "omr"))
            elif x["status"] == "empty":
                found.append(Found(*k, "", "omr", placeholder=True))
            elif k in decided:
                found.append(Found(*k, decided[k]["value"], "omr-reviewed"))
    return found, confidence
