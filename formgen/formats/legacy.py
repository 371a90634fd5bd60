"""Running LibreOffice on untrusted old-format and OpenDocument files: a private profile with macros off, a memory
ceiling, a time limit without progress, and a kill of its whole process group when it stalls."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

__all__ = ["CONVERT_SECONDS", "CONVERT_MB", "TARGET", "PROFILE_SETTINGS", "convert_batch"]

CONVERT_SECONDS = float(os.environ.get("FORMGEN_CONVERT_SECONDS", "60"))  # per file, without progress
CONVERT_MB = int(os.environ.get("FORMGEN_WORKER_MB", "2048"))  # LibreOffice's address space
TARGET = {"doc": "docx", "xls": "xlsx", "odt": "docx", "ods": "xlsx"}


def convert_batch(exe: str, files: list[Path], kind: str, folder: Path) -> dict[int, str]:
    """Convert the files (named <index>.<kind>) into folder/out in one LibreOffice run (it converts
    them in order, skipping a file it cannot load), restarted after a file that stalls or crashes it;
    {index: 'failed' | 'timeout' | 'start: <reason>'} for the files without a converted copy."""
    outdir = folder / "out"
    outdir.mkdir(exist_ok=True)

    def copy(f: Path) -> Path:
        return outdir / f"{f.stem}.{TARGET[kind]}"

    def done(f: Path) -> bool:
        return copy(f).is_file()

    failures: dict[int, str] = {}
    pending = list(files)
    while pending:
        try:
            proc = _start(exe, folder / "profile", outdir, TARGET[kind], pending)
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
