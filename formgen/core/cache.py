"""A small private cache of answers that depend only on a file's text, so that quick commands
(`formgen forms list`) need neither YAML, TOML nor pydantic once they have seen a file.

Each answer is stored under the SHA-256 of the text it was worked out from, not under a file
name, time or size: a changed file can never be taken for the one that was read before, however
quickly it was changed (and the cache holds no copy of the texts, e.g. the organisation's contact). What else an answer depends on (formgen's version and source files,
Python, pydantic and PyYAML) is the answers' stamp: answers with another stamp are not used.
Only successes are kept; a file with problems is read and reported in full every time.

The cache lives in the user's cache folder ($XDG_CACHE_HOME/formgen, else ~/.cache/formgen),
private to the user like every file formgen writes. If it cannot be read or written, formgen
works as it would without it.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from formgen.core.version import __version__

__all__ = ["NAME", "KEEP", "STAMPS", "SOURCES", "LIBRARIES", "path", "stamp", "recall", "remember", "save"]

NAME = "cache.json"
KEEP = 64  # answers kept per section; the least recently stored go first
STAMPS = 4  # stamps kept (several checkouts or virtual environments share the cache folder)
SOURCES = ("core/cache.py", "core/config.py", "forms/definition.py", "forms/catalogue.py", "core/workspace.py")  # what decides the answers
LIBRARIES = ("pydantic", "pydantic_core", "yaml")

_file: dict = {}  # json.dumps(stamp) -> section -> sha256 of the text -> answer
_state: dict | None = None  # this stamp's sections
_dirty = False


def path() -> Path | None:
    """Where the cache is kept (None when the user has no home folder)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:
        return None
    return root / "formgen" / NAME


def stamp() -> list:
    """What the cached answers depend on besides the texts themselves."""
    from importlib.util import find_spec

    here = Path(__file__).parent.parent  # formgen/
    files = [here / name for name in SOURCES]
    for name in LIBRARIES:
        spec = find_spec(name)
        files.append(Path(spec.origin) if spec and spec.origin else Path(name))
    out: list = [__version__, sys.version]
    for f in files:
        try:
            st = f.stat()
            out.append([str(f), st.st_mtime_ns, st.st_size])
        except OSError:
            out.append([str(f)])
    return out


def _load() -> dict:
    """The answers with this stamp, by section (the file holds those of the last STAMPS stamps)."""
    global _file, _state
    if _state is None:
        where = path()
        try:
            _file = json.loads(where.read_bytes()) if where else {}
        except (OSError, ValueError):
            _file = {}
        if not isinstance(_file, dict):
            _file = {}
        key = json.dumps(stamp())
        _state = _file.pop(key, None)
        if not isinstance(_state, dict):
            _state = {}
        _file[key] = _state  # the most recently used last
        while len(_file) > STAMPS:
            del _file[next(iter(_file))]
    return _state


def recall(section: str, text: str):
    """The answer stored for this text, or None."""
    found = _load().get(section)
    return found.get(_key(text)) if isinstance(found, dict) else None


def remember(section: str, text: str, answer) -> None:
    """Store an answer (kept by save())."""
    global _dirty
    entries, key = _load().setdefault(section, {}), _key(text)
    entries.pop(key, None)
    entries[key] = answer
    while len(entries) > KEEP:
        del entries[next(iter(entries))]
    _dirty = True


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def save() -> None:
    """Write what was remembered, atomically and privately; a cache that cannot be written is skipped."""
    global _dirty
    where = path()
    if not _dirty or where is None:
        return
    from formgen.core.private import write_private

    try:
        write_private(where, json.dumps(_file, ensure_ascii=False).encode("utf-8"))
    except OSError:
        pass
    _dirty = False
