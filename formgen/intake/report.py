"""The import report: output/import/<timestamp>.xlsx, one row per file with its outcome and problems."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from formgen.core.private import write_private
from formgen.core.workspace import Workspace
from formgen.formats.tables import table_xlsx
from formgen.intake.types import FileResult

__all__ = ["write_report"]


def write_report(ws: Workspace, results: list[FileResult]) -> Path | None:
    """output/import/<timestamp>.xlsx: one row per file with status and problems."""
    if not results:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = ws.import_reports / f"{stamp}.xlsx"
    header = ["file", "status", "form_code", "form", "role", "round", "citizen_ref", "problems", "moved_to", "converted",
              "application"]
    rows = [[r.name, r.status, r.code, r.form, r.role, r.round, r.citizen_ref,
             "\n".join(f"[{p.code}] {p.what} → {p.fix}" for p in r.problems), r.moved_to,
             f"from .{r.converted} with LibreOffice" if r.converted else "", r.application] for r in results]
    write_private(path, table_xlsx("Import", header, rows))
    return path
