"""Old-format .doc/.xls returns, converted through LibreOffice for `formgen intake --convert-legacy`.

The original is never touched: its bytes are copied into a private temporary folder (0700) and
LibreOffice converts the copy to .docx/.xlsx (its own profile, a time limit per file, a memory
ceiling), one LibreOffice run for all files of a kind. The converted copy is then read like any
returned form; the original is what is hashed, stored, moved to processed/ or quarantine/, and
named in the report. The temporary folder is deleted when the run ends.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formgen.formats.convert import INSTALL, find_soffice
from formgen.core.errors import Problem
from formgen.core.errors import Refused
from formgen.formats.package import MAX_FILE_BYTES, OLE_MAGIC
from formgen.intake.types import FileResult, Source

CONVERT_SECONDS = float(os.environ.get("FORMGEN_CONVERT_SECONDS", "60"))  # per file, without progress
CONVERT_MB = int(os.environ.get("FORMGEN_WORKER_MB", "2048"))  # LibreOffice's address space
TARGET = {"doc": "docx", "xls": "xlsx"}
_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}  # the main stream of each kind


def legacy_kind(data: bytes) -> str | None:
    """'doc' or 'xls' for an old-format (OLE) Word document or Excel workbook that is not
    encrypted and not over the size limit; None for anything else (it is judged as it is)."""
    if not data.startswith(OLE_MAGIC) or len(data) > MAX_FILE_BYTES or _has_stream(data, "EncryptionInfo"):
        return None  # an encrypted .docx/.xlsx is an OLE file too: FG203, not converted
    for kind, streams in _STREAMS.items():
        if any(_has_stream(data, s) for s in streams):
            return kind
    return None


def _has_stream(data: bytes, name: str) -> bool:
    """Whether the OLE directory has an entry of this name: entries are 128 bytes, aligned to 128
    from the file's start, and begin with the name in UTF-16 with a terminating zero (so the same
    text inside the document does not count)."""
    needle = name.encode("utf-16-le") + b"\0\0"
    at = data.find(needle)
    while at != -1:
        if at % 128 == 0:
            return True
        at = data.find(needle, at + 1)
    return False


@dataclass(frozen=True)
class Converted(Source):
    """A legacy file and what converting it gave: the copy to read, or the problem to report."""

    kind: str = ""  # doc | xls
    copy: Path | None = None
    problem: Problem | None = None

    def content(self, data: bytes) -> bytes:
        if self.problem is not None:
            raise Refused(self.problem)
        return self.copy.read_bytes()

    def mark(self, result: FileResult) -> FileResult:
        from dataclasses import replace

        return replace(result, converted=self.kind) if self.copy is not None else result


class Conversions:
    """The legacy files of one intake run, converted into a private temporary folder."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="formgen-legacy-"))  # 0700

    def convert(self, sources: list[Source], duplicate: Callable[[bytes], bool]) -> list[Source]:
        """The sources, with each legacy .doc/.xls replaced by a Converted. duplicate(data) says
        whether a file is already stored (it is then not converted: intake calls it a duplicate)."""
        legacy: dict[int, str] = {}
        for n, src in enumerate(sources):
            data = _legacy_bytes(src)
            kind = legacy_kind(data) if data else None
            if kind and not duplicate(data):
                copy = self.folder / "in" / f"{n:06d}.{kind}"
                copy.parent.mkdir(exist_ok=True)
                copy.write_bytes(data)
                legacy[n] = kind
        if not legacy:
            return sources
        exe = find_soffice()
        out = list(sources)
        for kind in TARGET:
            batch = [n for n, k in legacy.items() if k == kind]
            if not batch:
                continue
            failures = ({n: "missing" for n in batch} if exe is None else
                        self._run(exe, [self.folder / "in" / f"{n:06d}.{kind}" for n in batch], kind))
            for n in batch:
                src, why = sources[n], failures.get(n)
                copy = self.folder / "out" / f"{n:06d}.{TARGET[kind]}"
                out[n] = Converted(src.path, src.member, kind, None if why else copy,
                                   _problem(src.name, kind, why) if why else None)
        return out

    def _run(self, exe: str, files: list[Path], kind: str) -> dict[int, str]:
        """Convert the files in one LibreOffice run (it converts them in order, skipping a file it
        cannot load), restarted after a file that stalls or crashes it; {index: 'failed' |
        'timeout' | 'start: <reason>'} for the files without a converted copy."""
        outdir = self.folder / "out"
        outdir.mkdir(exist_ok=True)

        def copy(f: Path) -> Path:
            return outdir / f"{f.stem}.{TARGET[kind]}"

        def done(f: Path) -> bool:
            return copy(f).is_file()

        failures: dict[int, str] = {}
        pending = list(files)
        while pending:
            try:
                proc = _start(exe, self.folder / "profile", outdir, TARGET[kind], pending)
            except OSError as exc:
                failures.update({int(f.stem): f"start: {exc.strerror or exc}" for f in pending})
                break
            last, since, stalled = -1, time.monotonic(), False  # last: the latest file with a copy
            while proc.poll() is None:
                time.sleep(0.05)
                newest = max((i for i in range(last + 1, len(pending)) if done(pending[i])), default=last)
                if newest > last:
                    last, since = newest, time.monotonic()
                elif time.monotonic() - since > CONVERT_SECONDS:  # no progress: the next file stalls it
                    _stop(proc)
                    stalled = True
            if not stalled:  # (after a stall, a copy that appeared while it was stopped is not trusted)
                last = max((i for i, f in enumerate(pending) if done(f)), default=-1)
            failures.update({int(f.stem): "failed" for f in pending[:last] if not done(f)})  # skipped
            rest = pending[last + 1:]
            if not rest:
                break
            if stalled or proc.returncode != 0:  # stopped or crashed on rest[0]: the others get a new run
                for f in rest:  # never a half-written copy: these are converted again or not at all
                    copy(f).unlink(missing_ok=True)
                failures[int(rest[0].stem)] = "timeout" if stalled else "failed"
                pending = rest[1:]
            else:  # it finished, and could not load these
                failures.update({int(f.stem): "failed" for f in rest})
                break
        return failures

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _legacy_bytes(src: Source) -> bytes | None:
    """The file's bytes when it starts like an OLE file (legacy or encrypted Office), else None."""
    try:
        return src.read() if src.head(len(OLE_MAGIC)) == OLE_MAGIC else None
    except Exception:  # unreadable or gone: examining the file reports it
        return None


# The private profile starts with macros switched off entirely (LibreOffice's default only refuses
# unsigned ones): a returned file's macros never run while it is converted.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


def _start(exe: str, profile: Path, outdir: Path, to: str, files: list[Path]) -> subprocess.Popen:
    """LibreOffice in a session of its own (so a stall can be stopped with all its processes),
    with a private profile (macros off) and, on POSIX, an address-space ceiling."""
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(PROFILE_SETTINGS, encoding="utf-8")
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", to,
           "--outdir", str(outdir), *map(str, files)]
    if os.name == "posix":
        cmd = ["/bin/sh", "-c", 'ulimit -v "$0" 2>/dev/null; exec "$@"', str(CONVERT_MB * 1024), *cmd]
    tmp = profile.parent / "tmp"  # LibreOffice's own temporary files (copies of the document) stay in our folder
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=os.name == "posix", env={**os.environ, "TMPDIR": str(tmp)})


def _stop(proc: subprocess.Popen) -> None:
    """Kill LibreOffice and every process it started (soffice.bin runs under oosplash): SIGKILL to
    its session's process group stops them all before they run again."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL) if os.name == "posix" else proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def _problem(name: str, kind: str, why: str) -> Problem:
    ext, new = f".{kind}", f".{TARGET[kind]}"
    resave = f"open it in {'Word' if kind == 'doc' else 'Excel'} or LibreOffice, save it as {new} and import that copy"
    if why == "missing":
        return Problem("FG170", name, f"this is an old-format {ext} file, and LibreOffice, which --convert-legacy "
                       "uses to convert it, is not installed",
                       f"{INSTALL}; then move the file from intake/quarantine/ back to intake/ and run "
                       f"'formgen intake --convert-legacy' again (or {resave})")
    if why == "timeout":
        return Problem("FG244", name, f"converting this old-format {ext} file with LibreOffice took longer than "
                       f"{CONVERT_SECONDS:g} seconds", f"{resave}; if it will not open, ask the sender")
    if why.startswith("start: "):
        return Problem("FG244", name, f"LibreOffice could not be started to convert this {ext} file ({why[7:]})",
                       "check that 'soffice --headless --version' works, then run intake again")
    return Problem("FG244", name, f"LibreOffice could not convert this old-format {ext} file (it is damaged, "
                   "password-protected, or not really a " + ("Word document)" if kind == "doc" else "workbook)"),
                   f"{resave}; if it will not open, ask the sender for the form again")
