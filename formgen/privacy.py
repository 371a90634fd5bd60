"""Data protection: keyed pseudonyms, the audit trail, forgetting a citizen, retention.

Assessments of health and psychological strength are special-category data: a plain hash of a
case number is enumerable, so pseudonyms are a keyed HMAC whose key lives outside the database.
"""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from formgen.store import db as store
from formgen.store import erasure
from formgen.core.errors import fail
from formgen.core.private import write_private
from formgen.core.pseudonyms import KEY_FILE, key, pseudonym  # re-exported: part of privacy's API

__all__ = ["WEB_FOLDER", "KEY_FILE", "key", "pseudonym", "AuditEntry", "audit", "Forgotten", "forget", "Purged", "purge"]

WEB_FOLDER = ".formgen-web"  # formgen serve's uploads and download copies, covered by forget and purge


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    citizen_ref: str
    detail: str


def audit(ws, citizen_ref: str | None = None) -> list[AuditEntry]:
    """The audit log, optionally for one citizen (answers a citizen's request for insight)."""
    engine = store.connect(ws.db, ws.unit)
    rows = [AuditEntry(r.at, r.actor, r.action, r.citizen_ref or "", r.detail or "")
            for r in erasure.log_rows(engine, citizen_ref)]
    engine.dispose()
    return rows


@dataclass(frozen=True)
class Forgotten:
    """What forget removed (counts only: the record must not keep the data)."""

    rows: int
    files: int
    leftovers: tuple[str, ...]  # files not written by formgen that still mention the citizen
    shared_scans: tuple[str, ...] = ()  # scanned files kept: they hold other citizens' pages too


def forget(ws, citizen_ref: str, every_office: bool = False) -> Forgotten:
    """Delete everything about one citizen for real: files, then rows (secure_delete), then compact.

    Files first: a run stopped half-way still has the rows that lead to what is left, so forget
    run again finishes it (rows first, the files would be left with nothing that finds them).
    The workspace's office only; every_office: the ref's rows in every office of the database (a
    jobcentre-wide administrator, knowingly; other workspaces' files are theirs to forget)."""
    engine = store.connect(ws.db, ws.unit)
    name, subs, known = erasure.traces(engine, citizen_ref, every_office)
    scanned = erasure.scan_sources(engine, citizen_ref, every_office)
    if name is None and not subs and not known:
        engine.dispose()
        raise fail("FG130", citizen_ref, "formgen has nothing about this citizen",
                   "check the ref with 'formgen status'; nothing was deleted")
    files, shared = _forget_files(ws, citizen_ref, name, subs, scanned)
    rows = erasure.delete_citizen(engine, citizen_ref, [s[0] for s in subs], lambda v: _mentions(v, citizen_ref),
                                  every_office)
    store.log_entries(engine, "forget", {"rows": rows} | ({"every_office": True} if every_office else {}))  # no ref
    erasure.compact(engine)
    engine.dispose()
    return Forgotten(rows, files, tuple(_leftovers(ws, [citizen_ref] + ([name] if name else []))),
                     tuple(str(p.relative_to(ws.root)) for p in shared))


def _forget_files(ws, ref: str, name: str | None, subs: list, scanned: list) -> tuple[int, list[Path]]:
    """Delete the citizen's files; (how many, the scans kept because they hold other citizens' pages)."""
    # the names the files were stored under; the name as returned only where none was stored (older
    # workspaces): another citizen's return may have been sent under the same name ("skema.docx")
    own_scans, shared = _scan_files(ws, scanned)
    names = {s[1] or Path(s[2]).name for s in subs} - {p.name for p in shared}  # a scan's form names its last file
    files = _delete_files(ws, ref, names)
    for path in own_scans:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".problems.txt").unlink(missing_ok=True)  # a quarantined scan's reason
    files += len(own_scans) + _scrub_reports(ws, ref, name)
    files += _forget_web(ws, ref, name)
    files += _forget_print_copies(ws, ref)
    return files, shared


def _scan_files(ws, scanned: list[tuple[str, str, bool]]) -> tuple[list[Path], list[Path]]:
    """The scanned files of the citizen's pages as intake stored them (found by name and content):
    (those holding only the citizen's pages, those holding other pages too)."""
    import hashlib

    own, shared = [], []
    for sha, name, is_shared in scanned:
        base = Path(name.split("!")[0]).name  # a page from an archive: the archive holds it
        for folder in (ws.processed, ws.quarantine):
            for candidate in (folder / base, folder / f"{Path(base).stem}-{sha[:8]}{Path(base).suffix}"):
                if candidate.is_file() and ("!" in name or hashlib.sha256(candidate.read_bytes()).hexdigest() == sha):
                    (shared if is_shared or "!" in name else own).append(candidate)
    return own, shared


def _mentions(value, ref: str, name: str | None = None) -> bool:
    """Exactly this citizen: the ref itself, a file named <ref>_… (or .<ref>_…, a generate run's temporary
    file left by a crash), or the full name (never 'S-1' in 'S-10')."""
    text_ = str(value or "")
    base = Path(text_.split("!")[-1]).name.removeprefix(".")
    return text_ == ref or base.startswith(f"{ref}_") or f"!{ref}_" in text_ or bool(name and name in text_)


def _delete_files(ws, ref: str, names: set[str]) -> int:
    """Generated forms, returns in processed/ and quarantine/, and the citizen's reports."""
    n = 0
    for folder in (ws.forms_out, ws.processed, ws.quarantine):
        for path in list(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and (_mentions(path.name, ref) or path.name in names
                                   or any(path.name.startswith(nm + ".problems") for nm in names)):
                path.unlink()
                n += 1
    reports = ws.reports / ref
    if reports.is_dir():
        n += sum(1 for p in reports.rglob("*") if p.is_file())
        shutil.rmtree(reports)
    return n


def _scrub_reports(ws, ref: str, name: str | None) -> int:
    """Import reports and exports list refs: drop the citizen's rows (they are regenerated tables)."""
    from formgen.formats.tables import drop_csv_rows, drop_rows

    n = 0
    hit = lambda v: _mentions(v, ref, name)  # noqa: E731
    for path in list((ws.import_reports).glob("*.xlsx")) + list((ws.exports).glob("*.xlsx")):
        kept = drop_rows(path.read_bytes(), hit)
        if kept is not None:
            write_private(path, kept)
            n += 1
    for path in (ws.exports).glob("*.csv"):
        kept = drop_csv_rows(path.read_bytes(), hit)
        if kept is not None:
            write_private(path, kept)
            n += 1
    return n


def _forget_web(ws, ref: str, name: str | None) -> int:
    """The web page's folder: uploads not (yet) imported and its download copies (a round's .zip, the print PDF).

    A download copy holding the citizen goes whole: its forms are copies of those in forms/ (deleted above).
    An uploaded archive is never deleted: it may hold other citizens' returns, not yet imported, so it
    stays and is named among the leftovers for a person to decide."""
    from formgen.formats.archive import is_archive

    folder = ws.root / WEB_FOLDER
    uploads = folder / "uploads"
    n = 0
    for path in list(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and _holds(path, ref, name) and not (path.is_relative_to(uploads) and is_archive(path)):
            path.unlink()
            n += 1
    return n


def _forget_print_copies(ws, ref: str) -> int:
    """`report all --merge` copies (compressed: the ref is in a bookmark "<name> (<ref>)") go whole; rerun to print."""
    from formgen.formats.pdf import bookmarks

    gone = [p for p in ws.reports.glob("*.pdf") if any(t.endswith(f"({ref})") for t in bookmarks(p))]
    for path in gone:
        path.unlink()
    return len(gone)


def _holds(path: Path, ref: str, name: str | None) -> bool:
    """The file is the citizen's: by its name, its bytes (a zip's member names, a PDF's field values), or the identity
    formgen wrote into a form (a return renamed to anything, its parts compressed)."""
    from formgen.formats.registry import open_return

    data = path.read_bytes()
    if _mentions(path.name, ref) or _words([ref] + ([name] if name else [])).search(data):
        return True
    try:
        return open_return(data, path.name).props.get("fg_citizen_ref") == ref
    except Exception:  # not a form formgen can open (a roster, a damaged file): its bytes were searched above
        return False


def _words(needles: list[str]):
    import re

    # Whole words only: forgetting S-1 must not flag S-10.
    return re.compile(b"|".join(rb"(?<![0-9A-Za-z])" + re.escape(n.encode()) + rb"(?![0-9A-Za-z])" for n in needles))


def _leftovers(ws, needles: list[str]) -> list[str]:
    """Plain files in the workspace that still mention the citizen (e.g. a roster the user put there)."""
    pattern = _words(needles)
    out = []
    for path in ws.root.rglob("*"):
        if not path.is_file() or path.suffix in (".db", ".db-wal", ".db-shm") or path.stat().st_size > 20_000_000:
            continue
        if pattern.search(path.read_bytes()):
            out.append(str(path.relative_to(ws.root)))
    return out


@dataclass(frozen=True)
class Purged:
    rows: int
    files: int
    cutoff: str


def purge(ws, older_than_days: int, every_office: bool = False) -> Purged:
    """Retention: delete the office's (every_office: all offices') submissions, dispatch records, and files older than the cutoff."""
    if older_than_days < 1:
        raise fail("FG130", f"--older-than {older_than_days}", "must be at least 1 day", "give a number of days, e.g. 1825")
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=older_than_days)
    iso = cutoff.astimezone().isoformat(timespec="seconds")
    engine = store.connect(ws.db, ws.unit)
    rows, names = erasure.purge_before(engine, iso, older_than_days, every_office)
    erasure.compact(engine)
    engine.dispose()
    files = 0
    stamp = cutoff.timestamp()
    for folder in (ws.processed, ws.quarantine, ws.forms_out, ws.import_reports, ws.root / WEB_FOLDER):
        for path in list(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and (path.name in names or path.stat().st_mtime < stamp):
                path.unlink()
                files += 1
    return Purged(rows, files, iso)
