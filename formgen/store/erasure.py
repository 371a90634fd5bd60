"""What data protection asks of the database: the audit log read back, a citizen's rows deleted, retention."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import delete, or_, select, text

from formgen.store import db as store

__all__ = ["log_rows", "traces", "delete_citizen", "compact", "purge_before"]


def log_rows(engine, citizen_ref: str | None = None) -> list:
    """The audit log in order, optionally one citizen's entries."""
    q = select(store.log).order_by(store.log.c.id)
    if citizen_ref:
        q = q.where(store.log.c.citizen_ref == citizen_ref)
    with engine.connect() as conn:
        return conn.execute(q).all()


def traces(engine, ref: str) -> tuple[str | None, list, bool]:
    """A citizen's roster name, (sha256, stored_name, original_name) per submission, and whether a form was made out to them."""
    s = store.submissions
    with engine.connect() as conn:
        name = conn.execute(select(store.citizens.c.name).where(store.citizens.c.citizen_ref == ref)).scalar()
        subs = conn.execute(select(s.c.sha256, s.c.stored_name, s.c.original_name).where(s.c.citizen_ref == ref)).all()
        known = conn.execute(select(store.dispatch.c.code).where(store.dispatch.c.citizen_ref == ref)).first()
    return name, subs, known is not None


def delete_citizen(engine, ref: str, shas: list[str], mentions: Callable[[str], bool]) -> int:
    """Delete every row about a citizen (problems too: by file hash, or a file name that mentions them); the count."""
    s, a = store.submissions, store.answers
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(s.c.id).where(s.c.citizen_ref == ref))]
        n = conn.execute(delete(a).where(a.c.submission_id.in_(ids))).rowcount if ids else 0
        n += conn.execute(delete(s).where(s.c.citizen_ref == ref)).rowcount
        mine = [pid for pid, fname in conn.execute(select(store.problems.c.id, store.problems.c.file_name))
                if mentions(fname)]
        n += conn.execute(delete(store.problems).where(or_(store.problems.c.sha256.in_(shas),
                                                           store.problems.c.id.in_(mine)))).rowcount
        n += conn.execute(delete(store.dispatch).where(store.dispatch.c.citizen_ref == ref)).rowcount
        n += conn.execute(delete(store.citizens).where(store.citizens.c.citizen_ref == ref)).rowcount
        n += conn.execute(delete(store.log).where(store.log.c.citizen_ref == ref)).rowcount
    return n


def compact(engine) -> None:
    """Leave no copy in free pages or the WAL (secure_delete is on; VACUUM rewrites the file)."""
    if engine.dialect.name != "sqlite":
        return
    engine.dispose()  # no pooled connection may hold a read snapshot
    raw = engine.raw_connection()  # autocommit (isolation_level None): VACUUM cannot run in a transaction
    try:
        cur = raw.cursor()
        for sql in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
            cur.execute(sql)
        cur.close()
    finally:
        raw.close()


def purge_before(engine, iso: str, older_than_days: int) -> tuple[int, list[str]]:
    """Delete what is older than iso (and citizens nothing refers to), logged: (rows deleted, their stored file names)."""
    s, a = store.submissions, store.answers
    with engine.begin() as conn:
        old = select(s.c.id).where(s.c.submitted_at < iso)
        names = [r[0] for r in conn.execute(select(s.c.stored_name).where(s.c.submitted_at < iso)) if r[0]]
        rows = conn.execute(delete(a).where(a.c.submission_id.in_(old))).rowcount
        rows += conn.execute(delete(s).where(s.c.submitted_at < iso)).rowcount
        rows += conn.execute(delete(store.problems).where(store.problems.c.at < iso)).rowcount
        rows += conn.execute(delete(store.dispatch).where(store.dispatch.c.created_at < iso)).rowcount
        rows += conn.execute(delete(store.log).where(store.log.c.at < iso)).rowcount  # the audit log's retention
        rows += conn.execute(text("DELETE FROM citizens WHERE citizen_ref NOT IN (SELECT citizen_ref FROM dispatch "
                                  "WHERE citizen_ref IS NOT NULL) AND citizen_ref NOT IN (SELECT citizen_ref FROM "
                                  "submissions WHERE citizen_ref IS NOT NULL)")).rowcount
        store.record_log(conn, "purge", {"older_than_days": older_than_days, "rows": rows})
    return rows, names
