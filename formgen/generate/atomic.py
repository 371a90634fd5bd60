"""Forms appear under their final names only once their manifest rows are committed.

A form is written to a temporary name in its own folder, `.<final name>.<pid>.fgtmp` (the pid of
the generate run), its manifest row is committed, and only then is it renamed (os.replace, atomic
on one file system). A run killed in between leaves temporary files, never a final-named file
without a row. Temporary names start with '.', so intake never reads them as returns; the next
generate in the folder removes those whose run is no longer alive.
"""
from __future__ import annotations

import os
from pathlib import Path

from formgen.core.private import FILE_MODE

__all__ = ["SUFFIX", "temp_path", "write_temp", "publish", "is_temp", "clean_temps"]

SUFFIX = ".fgtmp"


def temp_path(final: Path, run_pid: int) -> Path:
    """The temporary name of a form made by the run run_pid, in the folder of its final name."""
    return final.with_name(f".{final.name}.{run_pid}{SUFFIX}")


def write_temp(final: Path, run_pid: int, data: bytes) -> Path:
    """Write a form's bytes under its temporary name, private (0600) from the first byte."""
    path = temp_path(final, run_pid)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def publish(final: Path, run_pid: int) -> Path:
    """Give a written form its final name (replacing an earlier version of the same form)."""
    os.replace(temp_path(final, run_pid), final)
    return final


def is_temp(path: Path) -> bool:
    """Whether a file name is a generate run's temporary name."""
    return path.name.startswith(".") and path.name.endswith(SUFFIX)


def clean_temps(folder: Path, only_pid: int | None = None) -> int:
    """Remove temporary forms of runs that are over (or of only_pid); how many were removed."""
    n = 0
    for path in Path(folder).glob(f".*{SUFFIX}") if Path(folder).is_dir() else []:
        pid = _pid(path)
        if (pid == only_pid) if only_pid is not None else not _alive(pid):
            path.unlink(missing_ok=True)
            n += 1
    return n


def _pid(path: Path) -> int | None:
    tail = path.name[:-len(SUFFIX)].rsplit(".", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int | None) -> bool:
    """Whether the run that wrote a temporary file may still be working (our own pid counts as over)."""
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
