"""Files formgen writes hold personal data: they are private to the user (0600/0700) by default."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FILE_MODE", "DIR_MODE", "private_umask", "private_dir", "write_private"]

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_umask() -> None:
    """Make every file this process creates private, including those written by libraries."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    """Create a folder (and parents) readable only by the user."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write a file atomically with mode 0600 (a crash never leaves half a file)."""
    import tempfile

    path = Path(path)
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
