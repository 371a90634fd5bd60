"""Why the database failed, in plain words and with the fix (FG150), never with a password.

A failure is recognised from what the driver reports (its error class, PostgreSQL's SQLSTATE, the
message of SQLite or libpq) and from the errno of a failed file operation. The causes a user can act
on each have their own message: the server is down or unreachable, the login was refused, the
database is missing, the user may not create tables, no driver is installed, the disk is full, the
database or its folder is read-only, the SQLite file cannot be opened or is not a database.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from formgen.core.errors import Problem
from formgen.core.redact import hide, mask_url, scrub

__all__ = ["INSTALL_POSTGRES", "URL_FORM", "ESCAPES", "check_url", "database_problem", "explain", "sqlite_path"]

INSTALL_POSTGRES = "pip install 'formgen[postgres]'"
URL_FORM = "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
ESCAPES = "write @ as %40, : as %3A, / as %2F and % as %25 in the password"
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_DENIED = {errno.EACCES, errno.EPERM}


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database (a plain path or a sqlite:/// URL); None for a server."""
    if "://" not in url:
        return Path(url)
    if not url.startswith("sqlite"):
        return None
    rest = url.split(":///", 1)[-1] if ":///" in url else ""
    rest = rest.removeprefix("file:").split("?", 1)[0]
    return Path(unquote(rest)) if rest and rest != ":memory:" else None


def _server(url: str) -> tuple[str, str, str, str]:
    """(host:port, user, database, dialect) of a server URL, as far as they can be read."""
    try:
        parts = urlsplit(url)
        port = parts.port or (5432 if parts.scheme.startswith("postgres") else "")
        host = f"{parts.hostname or 'localhost'}:{port}" if port else parts.hostname or "localhost"
        return host, unquote(parts.username or ""), parts.path.lstrip("/"), parts.scheme.split("+")[0]
    except ValueError:
        return "the server", "", "", url.split(":", 1)[0]


def _first_line(exc: BaseException) -> str:
    """The first line of the driver's message, scrubbed: drivers may quote the URL or its password."""
    text = scrub(str(getattr(exc, "orig", None) or exc)).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _errno(exc: BaseException) -> int | None:
    for e in (exc, getattr(exc, "orig", None), exc.__cause__, exc.__context__):
        if isinstance(e, OSError) and e.errno:
            return e.errno
    return None


def _driver(exc: BaseException, url: str) -> tuple[str, str] | None:
    name = getattr(exc, "name", None) or ""
    dialect = _server(url)[3]
    if exc.__class__.__name__ == "NoSuchModuleError":
        return (f"'{dialect}' is not a database formgen can use",
                f"use SQLite (a file path, the default) or PostgreSQL: --db {URL_FORM} ({INSTALL_POSTGRES})")
    if not isinstance(exc, ImportError):
        return None
    if dialect.startswith("postgres") or name.startswith("psycopg"):
        return ("no PostgreSQL driver is installed (the psycopg module is missing)",
                f"install it: {INSTALL_POSTGRES}, then run the command again")
    return (f"no driver for {dialect} is installed (module {name or '?'} is missing)",
            f"formgen supports SQLite and PostgreSQL: --db {URL_FORM} ({INSTALL_POSTGRES})")


def _postgres(exc: BaseException, url: str) -> tuple[str, str] | None:
    orig = getattr(exc, "orig", None)
    if orig is None or not orig.__class__.__module__.startswith("psycopg"):
        return None
    state, text = getattr(orig, "sqlstate", None) or "", str(orig).lower()
    host, user, database, _ = _server(url)
    name, port, who, where = host.split(":")[0], host.rsplit(":", 1)[-1], user or "USER", "in --db / FORMGEN_DB"
    if state in ("28P01", "28000") or "password authentication failed" in text or "no password supplied" in text:
        return (f"the PostgreSQL server at {host} refused the login: authentication failed for user '{user}'",
                f"correct the user name and password {where} ({ESCAPES}); the server's pg_hba.conf must "
                "let this user in from here")
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return (f"the database '{database}' does not exist on the PostgreSQL server at {host}",
                f"create it (createdb -h {name} -p {port} -U {who} -O {who} {database}) or correct its name {where}; "
                "formgen creates its own tables in it")
    if "failed to resolve host" in text or "could not translate host name" in text:
        return (f"the database server's host name {name} cannot be found",
                f"correct the host {where}")
    if "connection refused" in text or "could not connect" in text or "timeout expired" in text \
            or "no such file or directory" in text or "is the server running" in text:
        return (f"the PostgreSQL server at {host} is not running or refuses connections",
                f"start it (systemctl start postgresql) or correct the host and port {where}; "
                f"pg_isready -h {name} -p {port} shows whether it answers")
    if state == "42501":
        return (f"the database user '{user}' may not create formgen's tables ({_first_line(orig)})",
                f"make the user the owner of the database (ALTER DATABASE {database} OWNER TO {user}) or "
                f"GRANT CREATE ON SCHEMA public TO {user}")
    if state == "53100":
        return (f"the PostgreSQL server's disk is full ({host})", "the server's administrator must free disk space")
    if state == "25006":
        return (f"the PostgreSQL server at {host} is read-only (a standby, or default_transaction_read_only)",
                "point --db / FORMGEN_DB at the primary server")
    return None


def _sqlite(exc: BaseException, url: str) -> tuple[str, str] | None:
    path = sqlite_path(url)
    if path is None:
        return None
    text, number = _first_line(exc).lower(), _errno(exc)
    folder = path.parent
    if "disk is full" in text or number in _FULL:
        return (f"the disk is full (or a file size limit was reached) where {path.name} is written",
                f"free disk space on the disk of {folder} (df -h {folder}), then run the command again")
    if number == errno.EROFS:
        return (f"{folder} is on a read-only file system", "use a workspace or --db on a writable disk")
    if "disk i/o error" in text:
        return _io_error(folder)
    if "readonly database" in text or "read-only" in text:
        return _read_only(path)
    if "not a database" in text:
        return (f"{path} is not a SQLite database (the file is damaged or another kind of file)",
                "point --db at the workspace's formgen.db, or restore formgen.db from a backup")
    if "database is locked" in text:
        return ("another program holds the database locked (waited 60 seconds)",
                f"close the other program using {path} (a database browser?), then run the command again")
    if "unable to open" in text or number in _DENIED or number in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
        return _cannot_open(path)
    return None


def _os_error(exc: OSError) -> tuple[str, str] | None:
    """A file operation that failed (the database's, or any file formgen writes): said of that file."""
    path = Path(exc.filename) if exc.filename else None
    if path is None:
        return None
    if exc.errno == errno.EFBIG or exc.errno in _FULL:
        limited = exc.errno == errno.EFBIG and _size_limit() is not None
        return _limited() if limited else (
            f"the disk is full writing {path}", f"free disk space on the disk of {path.parent} (df -h {path.parent}), "
            "then run the command again")
    if exc.errno in _DENIED:
        return (f"no permission to write {path}", f"give this user write access to {path.parent} (chmod u+w), or run "
                "formgen as the user who owns it")
    if exc.errno == errno.EROFS:
        return (f"{path.parent} is on a read-only file system", "use a workspace and --db on a writable disk")
    return (f"{exc.strerror or exc.__class__.__name__}: {path}", "check that this file and its folder can be written")


def _size_limit() -> int | None:
    """The process's file size limit in bytes (ulimit -f), None when unlimited or unknown (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if limit == resource.RLIM_INFINITY else limit


def _limited() -> tuple[str, str]:
    return (f"writing failed: a file size limit is set for formgen (RLIMIT_FSIZE, ulimit -f: {_size_limit()} bytes), "
            "so the disk counts as full", "raise or remove the limit (ulimit -f unlimited), then run the command again")


def _io_error(folder: Path) -> tuple[str, str]:
    """SQLite reports a write refused by a size limit, and some full disks, only as 'disk I/O error'."""
    import shutil

    if _size_limit() is not None:
        return _limited()
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < 1024 * 1024:
        return (f"the disk of {folder} is full ({free} bytes free)",
                f"free disk space on the disk of {folder} (df -h {folder}), then run the command again")
    return (f"writing the database in {folder} failed (disk I/O error): the disk is failing, full or a network share",
            f"check the disk (df -h {folder}; dmesg) and keep the workspace on a local disk")


def _read_only(path: Path) -> tuple[str, str]:
    if path.exists() and not os.access(path, os.W_OK):
        return (f"the database file {path} is read-only for this user",
                f"make it writable (chmod u+w {path}) or run formgen as the user who owns it")
    if not os.access(path.parent, os.W_OK):
        return (f"the folder {path.parent} is read-only for this user (SQLite writes its journal next to the file)",
                f"make the folder writable (chmod u+w {path.parent}) or run formgen as the user who owns it")
    return (f"the database {path} was opened read-only", "open it without mode=ro, on a writable disk")


def _cannot_open(path: Path) -> tuple[str, str]:
    if path.is_dir():
        return (f"{path} is a folder, not a database file", "point --db at a file, e.g. <workspace>/formgen.db")
    folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("/"))
    if folder != path.parent:
        return (f"the folder {path.parent} does not exist", "create it or correct the path of the database")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        return (f"the SQLite file {path} cannot be opened: no permission for this user",
                f"give this user read and write access to {path} and its folder (chmod u+rw), or run formgen "
                "as the user who owns them")
    return (f"the SQLite file {path} cannot be opened", f"check that {path} and its folder exist and are writable")


def explain(exc: BaseException, url: str) -> tuple[str, str]:
    """(cause, fix) of a database or disk failure, both free of passwords."""
    url = str(url)
    found = _driver(exc, url) or _postgres(exc, url) or (_os_error(exc) if isinstance(exc, OSError) else None) \
        or _sqlite(exc, url)
    if found is None and (exc.__class__.__name__ == "ArgumentError" or isinstance(exc, ValueError)):
        # not the parser's message: it quotes the piece it could not read, which may be part of the password
        found = (f"the database URL {mask_url(url)} is not valid", f"write it as {URL_FORM} ({ESCAPES})")
    if found is None and _errno(exc) in _FULL:
        found = ("the disk is full (or a file size limit was reached)", "free disk space, then run the command again")
    if found is None:
        found = (f"the database cannot be used ({exc.__class__.__name__}: {_first_line(exc)})",
                 "check --db / FORMGEN_DB and that the database is reachable and writable; "
                 "FORMGEN_DEBUG=1 shows the details")
    return hide(found[0], url), hide(found[1], url)  # the parts from the URL are masked already


def check_url(url: str) -> Problem | None:
    """FG150 for a URL whose password holds an unescaped '@': it would be read as part of the host, and a
    piece of the password would appear in the driver's messages."""
    if "://" not in url or url.startswith("sqlite"):
        return None
    if url.split("://", 1)[1].split("?", 1)[0].count("@") > 1:  # user:pass@host/db has one
        return Problem("FG150", mask_url(url), "the password in the database URL contains an '@' that is not "
                       "escaped, so the URL cannot be read correctly", f"{ESCAPES}, e.g. {URL_FORM}")
    return None


def database_problem(exc: BaseException, url: str, context: str = "", where: str | None = None) -> Problem:
    """The FG150 problem for a failure of the database at url (context: what was going on, e.g. 'intake
    stopped'; where: the file concerned, default the database)."""
    cause, fix = explain(exc, url)
    path = sqlite_path(str(url))
    where = hide(str(where)) if where else str(path) if path else mask_url(str(url))
    return Problem("FG150", where, f"{context}: {cause}" if context else cause, fix)
