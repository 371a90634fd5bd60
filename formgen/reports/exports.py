"""Tidy exports (scores, texts) as CSV or XLSX, through formats.tables' formula-safe writers."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from formgen.formats.tables import write_csv, write_xlsx
from formgen.store import db as store
from formgen.store import queries
from formgen.core.errors import fail

__all__ = ["SCORE_COLUMNS", "TEXT_COLUMNS", "Export", "score_rows", "text_rows", "export"]

SCORE_COLUMNS = ["citizen_ref", "round", "respondent", "form", "form_version", "item", "now", "goal",
                 "scale_steps", "submitted_at", "source_file"]
# new columns go at the end: scripts read these by position too
TEXT_COLUMNS = ["citizen_ref", "round", "respondent", "form", "item", "field", "text", "source_file", "form_code",
                "raw"]


@dataclass(frozen=True)
class Export:
    """What was exported."""

    path: Path
    rows: int


def score_rows(engine) -> list[list]:
    """One row per imported submission × indicator: now and goal side by side."""
    answers, defs = queries.score_export(engine)
    steps = {fp: d["scale"]["steps"] for fp, d in defs.items()}
    rows: dict[tuple, list] = {}
    for r in answers:
        if r["field"] not in ("now", "goal"):
            continue
        key = (r["id"], r["item"])
        if key not in rows:
            rows[key] = [r["citizen_ref"], r["round"], r["role"], r["form"], r["form_version"], r["item"],
                         None, None, steps.get(r["fingerprint"]), r["submitted_at"], r["original_name"]]
        rows[key][6 if r["field"] == "now" else 7] = r["value"]
    return list(rows.values())


def text_rows(engine) -> list[list]:
    """One row per non-empty text answer of an imported submission: the value as read (text), and as typed (raw)."""
    return queries.text_export(engine)


def export(ws, what: str, fmt: str, out: Path | None = None, pseudonymise: bool = False) -> Export:
    """Write the scores or texts export as CSV or XLSX (citizen_ref replaced by a keyed pseudonym if asked)."""
    if what not in ("scores", "texts"):
        raise fail("FG130", f"--what {what}", "unknown export", "use scores or texts")
    engine = store.connect(ws.db, ws.unit)
    header, rows = (SCORE_COLUMNS, score_rows(engine)) if what == "scores" else (TEXT_COLUMNS, text_rows(engine))
    if pseudonymise:
        from formgen.core.pseudonyms import key, pseudonym

        secret = key(ws)
        rows = [[pseudonym(secret, r[0]) if r[0] else r[0], *r[1:]] for r in rows]
        if what == "scores":  # the source file name carries the ref
            rows = [r[:-1] + [""] for r in rows]
        else:  # the file name carries the ref; the form code leads back to it through the dispatch manifest
            rows = [r[:7] + ["", ""] + r[9:] for r in rows]
    store.log_entries(engine, "export", {"what": what, "format": fmt, "rows": len(rows), "pseudonymised": pseudonymise})
    engine.dispose()
    out = Path(out) if out else ws.exports / f"{what}{'-pseudonymised' if pseudonymise else ''}.{fmt}"
    from formgen.core.private import write_private

    if fmt == "csv":
        buf = io.StringIO()
        write_csv(buf, header, rows)
        write_private(out, buf.getvalue().encode("utf-8-sig"))
    else:
        buf = io.BytesIO()
        write_xlsx(buf, what, header, rows)
        write_private(out, buf.getvalue())
    return Export(out, len(rows))
