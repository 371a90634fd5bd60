"""Intake: read returned forms in bulk, store each good one exactly once, explain every problem.

One transaction per file (BEGIN IMMEDIATE), decided by content hash; the file is moved only after
its outcome is committed, so a crash at any point leaves it to be decided again, never lost.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import insert, select, update

from . import store
from .definition import FormDefinition
from .errors import Problem, fail
from .file import Refused, is_lock_file, open_package
from .identity import normalise
from .private import private_dir, write_private
from .submission import interpret
from .workspace import Workspace

SKIP_NAMES = {"README.md", "README.txt", ".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"}
OUTCOMES = ("imported", "duplicate", "review", "rejected", "skipped")


@dataclass(frozen=True)
class FileResult:
    """What happened to one returned file."""

    name: str
    status: str  # imported | duplicate | review | rejected | skipped
    sha256: str = ""
    code: str = ""
    form: str = ""
    role: str = ""
    round: int | None = None
    citizen_ref: str = ""
    problems: tuple[Problem, ...] = ()
    moved_to: str = ""


@dataclass(frozen=True)
class IntakeResult:
    """A whole intake run."""

    files: tuple[FileResult, ...]
    report: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.counts.get("review") or self.counts.get("rejected"))


@dataclass(frozen=True)
class Source:
    """A file to read: on disk, or a member of a .zip archive on disk."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}!{self.member}" if self.member else self.path.name

    def read(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.member)


def intake(ws: Workspace, paths: list[Path] | None = None, keep: bool = False,
           progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None) -> IntakeResult:
    """Read every file under paths (default: the workspace's intake/), store, move and report."""
    roots = [Path(p) for p in paths] if paths else [ws.intake]
    for p in roots:
        if not p.exists():
            raise fail("FG130", str(p), "no such file or folder", "check the path")
    sources = list(gather(roots, ws))
    if on_total:
        on_total(len(sources))
    engine = store.connect(ws.db)
    results: list[FileResult] = []
    archives: dict[Path, list[FileResult]] = {}
    for src in sources:
        result = process(engine, ws, src)
        if not keep:
            result = settle(ws, src, result, engine)
        results.append(result)
        if src.member is not None:
            archives.setdefault(src.path, []).append(result)
        if progress:
            progress(1)
    if not keep:
        for archive in archives:
            _move(archive, ws.intake / "processed")
    counts = {k: sum(r.status == k for r in results) for k in OUTCOMES}
    with engine.begin() as conn:
        store.record_log(conn, "intake", {"files": len(results), **counts})
    engine.dispose()
    report = write_report(ws, results)
    return IntakeResult(tuple(results), report, counts)


def gather(roots: list[Path], ws: Workspace) -> Iterator[Source]:
    """Files under the roots, recursively; .zip archives are opened; our own folders are skipped."""
    own = {(ws.intake / "processed").resolve(), (ws.intake / "quarantine").resolve()}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if any(parent in own for parent in path.resolve().parents) or path.name in SKIP_NAMES \
                    or path.name.startswith(".") or path.name.endswith(".problems.txt"):
                continue
            if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path) and not _is_office(path):
                yield from _members(path)
            else:
                yield Source(path)


def _is_office(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return "[Content_Types].xml" in zf.namelist()


def _members(path: Path) -> Iterator[Source]:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
                continue
            yield Source(path, name)


def process(engine, ws: Workspace, src: Source) -> FileResult:
    """Decide one file. Any failure inside the file becomes a rejection, never an exception."""
    name = src.name
    if is_lock_file(Path(name).name):
        return FileResult(name, "skipped")
    try:
        data = src.read()
    except (OSError, zipfile.BadZipFile, KeyError, NotImplementedError) as exc:
        return FileResult(name, "rejected", problems=(Problem("FG209", name, f"cannot read the file ({exc})",
                                                              "check that the file is complete and readable"),))
    sha = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        if conn.execute(select(store.submissions.c.id).where(store.submissions.c.sha256 == sha)).first():
            return FileResult(name, "duplicate", sha)
    try:
        result = _read_and_store(engine, data, sha, name)
    except Refused as exc:
        result = FileResult(name, "rejected", sha, problems=(exc.problem,))
    except Exception as exc:  # the boundary: a parser failure on one file must not stop the batch
        result = FileResult(name, "rejected", sha, problems=(Problem(
            "FG209", name, f"the file could not be read ({exc.__class__.__name__})",
            "open it in Word/Excel, save it again and import the new copy"),))
    if result.problems:
        _record_problems(engine, result)
    return result


def _read_and_store(engine, data: bytes, sha: str, name: str) -> FileResult:
    pkg = open_package(data, name)
    fmt = _format(pkg.kind)
    props, visible = fmt.identify(pkg.parts)
    code = normalise(props.get("fg_code", "")) or visible
    if not code:
        return FileResult(name, "review", sha, problems=(Problem(
            "FG211", name, "the file has no formgen form code (not in its properties, not in its text)",
            "find out who sent it and type the answers into a new form generated for that citizen"),))
    with engine.connect() as conn:
        row = conn.execute(select(store.dispatch).where(store.dispatch.c.code == code)).mappings().first()
        d_json = conn.execute(select(store.definitions.c.definition).where(
            store.definitions.c.fingerprint == row["fingerprint"])).scalar() if row else None
    if row is None:
        return FileResult(name, "rejected", sha, code=code, problems=(Problem(
            "FG210", name, f"form code {code} was not sent out from this workspace",
            "import it in the workspace that generated it, or check the code on the form"),))
    base = dict(sha256=sha, code=code, form=row["form"], role=row["role"], round=row["round"],
                citizen_ref=row["citizen_ref"] or "")
    if props.get("fg_version") and (props.get("fg_version"), props.get("fg_fingerprint")) != (row["form_version"], row["fingerprint"]):
        return FileResult(name, "review", **base, problems=(Problem(
            "FG212", name, f"the file says form version {props.get('fg_version')}, but {code} was sent out as "
            f"version {row['form_version']}", "check that the answers belong to this form; generate a new form if not"),))
    d = FormDefinition.model_validate(json.loads(d_json))
    extract = fmt.read(pkg.parts, d, row["role"])
    reading = interpret(extract, d, row["role"], name)
    if reading.problems:
        return FileResult(name, "review", **base, problems=reading.problems)
    return _store(engine, row, pkg.kind, reading, extract.meta, name, base)


def _format(kind: str):
    if kind == "docx":
        from . import docx as fmt
    else:
        from . import xlsx as fmt
    return fmt


def _store(engine, row, kind: str, reading, meta: dict, name: str, base: dict) -> FileResult:
    """One transaction: re-check the hash, detect a conflict, insert submission and answers."""
    with engine.begin() as conn:
        if conn.execute(select(store.submissions.c.id).where(store.submissions.c.sha256 == base["sha256"])).first():
            return FileResult(name, "duplicate", **base)
        earlier = conn.execute(select(store.submissions.c.original_name).where(
            store.submissions.c.code == base["code"], store.submissions.c.status == "imported")).scalar()
        status = "conflict" if earlier else "imported"
        sub_id = conn.execute(insert(store.submissions).values(
            sha256=base["sha256"], status=status, code=base["code"], form=row["form"], form_version=row["form_version"],
            fingerprint=row["fingerprint"], role=row["role"], round=row["round"], citizen_ref=row["citizen_ref"],
            format=kind, original_name=name, stored_name=None, submitted_at=store.now(),
            filled_by=meta.get("filled_by"), filled_date=meta.get("date"))).inserted_primary_key[0]
        conn.execute(insert(store.answers), [
            dict(submission_id=sub_id, item=a.key, field=a.field, value=a.value, raw=a.raw, how=a.how)
            for a in reading.answers])
        store.record_log(conn, "import", {"file": name, "code": base["code"], "status": status}, row["citizen_ref"])
    if earlier:
        return FileResult(name, "review", **base, problems=(Problem(
            "FG230", name, f"form {base['code']} was already imported from '{earlier}', and this file differs",
            "both are kept: compare them and run 'formgen review --keep FILE' to choose"),))
    return FileResult(name, "imported", **base)


def _record_problems(engine, r: FileResult) -> None:
    with engine.begin() as conn:
        conn.execute(insert(store.problems), [
            dict(sha256=r.sha256 or "-", file_name=r.name, status=r.status, code=p.code, where=p.where,
                 what=p.what, fix=p.fix, at=store.now()) for p in r.problems])


def settle(ws: Workspace, src: Source, r: FileResult, engine) -> FileResult:
    """Move a decided file: stored ones to processed/, the rest to quarantine/ with a reason."""
    from dataclasses import replace

    if r.status == "skipped":
        return r
    stored = r.status in ("imported", "duplicate") or (r.status == "review" and any(p.code == "FG230" for p in r.problems))
    if src.member is not None:
        if stored:
            return r  # the archive itself moves to processed/ at the end
        target = _unique(ws.intake / "quarantine" / f"{src.path.stem}__{Path(src.member).name}", r.sha256)
        write_private(target, src.read())
    else:
        if not src.path.exists():  # another intake run moved it first
            return r
        target = _move(src.path, ws.intake / ("processed" if stored else "quarantine"), r.sha256)
    if not stored:
        write_private(target.with_name(target.name + ".problems.txt"), problems_text(r).encode("utf-8"))
    if stored and r.status != "duplicate":
        with engine.begin() as conn:
            conn.execute(update(store.submissions).where(store.submissions.c.sha256 == r.sha256)
                         .values(stored_name=target.name))
    return replace(r, moved_to=str(target.relative_to(ws.root)) if target.is_relative_to(ws.root) else str(target))


def _unique(target: Path, sha: str = "") -> Path:
    if not target.exists():
        return target
    return target.with_name(f"{target.stem}-{(sha or hashlib.sha256(str(target).encode()).hexdigest())[:8]}{target.suffix}")


def _move(path: Path, folder: Path, sha: str = "") -> Path:
    private_dir(folder)
    target = _unique(folder / path.name, sha)
    shutil.move(str(path), target)
    return target


def problems_text(r: FileResult) -> str:
    """The note left next to a quarantined file, for the administrator."""
    lines = [f"formgen intake: {r.name}", f"Status: {r.status}", ""]
    for p in r.problems:
        lines += [f"[{p.code}] {p.where}", f"  What: {p.what}", f"  Fix:  {p.fix}", ""]
    return "\n".join(lines)


def write_report(ws: Workspace, results: list[FileResult]) -> Path | None:
    """output/import/<timestamp>.xlsx: one row per file with status and problems."""
    import datetime as dt

    from .exports import write_xlsx

    if not results:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = ws.output / "import" / f"{stamp}.xlsx"
    header = ["file", "status", "form_code", "form", "role", "round", "citizen_ref", "problems", "moved_to"]
    rows = [[r.name, r.status, r.code, r.form, r.role, r.round, r.citizen_ref,
             "\n".join(f"[{p.code}] {p.what} → {p.fix}" for p in r.problems), r.moved_to] for r in results]
    buf = io.BytesIO()
    write_xlsx(buf, "Import", header, rows)
    write_private(path, buf.getvalue())
    return path
