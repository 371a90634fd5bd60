"""What data protection asks of the database: the audit log read back, a citizen's rows deleted, retention.

All within the office of the engine (store.own); forget and purge across every office only when asked
(every_office: a jobcentre-wide administrator's `--all-offices`)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import and_, delete, or_, select, text, true

from formgen.store import db as store

__all__ = ["COMPACTED", "log_rows", "traces", "scan_sources", "delete_citizen", "compact", "purge_before"]


def _mine(engine, every_office: bool):
    """table → the condition 'a row forget/purge may touch': the office's, or any office's."""
    return (lambda _t: true()) if every_office else (lambda t: store.own(t, engine))


def log_rows(engine, citizen_ref: str | None = None) -> list:
    """The office's audit log in order, optionally one citizen's entries."""
    q = select(store.log).where(store.own(store.log, engine)).order_by(store.log.c.id)
    if citizen_ref:
        q = q.where(store.log.c.citizen_ref == citizen_ref)
    with engine.connect() as conn:
        return conn.execute(q).all()


def traces(engine, ref: str, every_office: bool = False) -> tuple[str | None, list, bool]:
    """A citizen's roster name, (sha256, stored_name, original_name) per submission, and whether a form was made out to them."""
    s, c, d, mine = store.submissions, store.citizens, store.dispatch, _mine(engine, every_office)
    with engine.connect() as conn:
        name = conn.execute(select(c.c.name).where(mine(c), c.c.citizen_ref == ref)
                            .order_by(c.c.unit != store.unit_of(engine))).scalar()  # this office's name first
        subs = conn.execute(select(s.c.sha256, s.c.stored_name, s.c.original_name)
                            .where(mine(s), s.c.citizen_ref == ref)).all()
        known = conn.execute(select(d.c.code).where(mine(d), d.c.citizen_ref == ref)).first()
    return name, subs, known is not None


def scan_sources(engine, ref: str, every_office: bool = False) -> list[tuple[str, str, bool]]:
    """(sha256, name, shared) of each scanned file with a page of the citizen; shared: it also holds a
    page of someone else, or one nobody could read (whose it is is unknown)."""
    mine, out = _mine(engine, every_office), {}
    with engine.connect() as conn:
        for sx in (store.scan_pages, store.scan_crops):
            rows = conn.execute(select(sx.c.source_sha, sx.c.source_name).where(mine(sx), sx.c.citizen_ref == ref))
            for sha, name in rows:
                if sha:
                    out[sha] = name
        shared = set()
        for sx in (store.scan_pages, store.scan_crops):
            q = select(sx.c.source_sha).where(mine(sx), sx.c.source_sha.in_(list(out)),
                                              or_(sx.c.citizen_ref.is_(None), sx.c.citizen_ref != ref))
            shared |= {r[0] for r in conn.execute(q)} if out else set()
    return [(sha, name, sha in shared) for sha, name in out.items()]


def delete_citizen(engine, ref: str, shas: list[str], mentions: Callable[[str], bool],
                   every_office: bool = False) -> int:
    """Delete every row about a citizen (problems too: by file hash, or a file name that mentions them); the count."""
    s, a, p, mine = store.submissions, store.answers, store.problems, _mine(engine, every_office)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(s.c.id).where(mine(s), s.c.citizen_ref == ref))]
        n = conn.execute(delete(a).where(a.c.submission_id.in_(ids))).rowcount if ids else 0
        n += conn.execute(delete(s).where(mine(s), s.c.citizen_ref == ref)).rowcount
        named = [pid for pid, fname in conn.execute(select(p.c.id, p.c.file_name).where(mine(p))) if mentions(fname)]
        n += conn.execute(delete(p).where(mine(p), or_(p.c.sha256.in_(shas), p.c.id.in_(named)))).rowcount
        codes = select(store.dispatch.c.code).where(mine(store.dispatch), store.dispatch.c.citizen_ref == ref)
        for sx in (store.scan_pages, store.scan_crops):  # scanned pages and their pictures (handwriting) too
            n += conn.execute(delete(sx).where(mine(sx), or_(sx.c.citizen_ref == ref, sx.c.code.in_(codes)))).rowcount
        for t in (store.dispatch, store.citizens, store.log):
            n += conn.execute(delete(t).where(mine(t), t.c.citizen_ref == ref)).rowcount
    return n


# what forget and purge delete from
COMPACTED = ("answers", "submissions", "problems", "scan_pages", "scan_crops", "dispatch", "citizens", "log")


def compact(engine) -> None:
    """Leave no copy of deleted rows in the database's files (SQLite: free pages and the WAL; PostgreSQL: the tables)."""
    if engine.dialect.name == "postgresql":
        _vacuum_full(engine)
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


def _vacuum_full(engine) -> None:
    """PostgreSQL: a DELETE only marks rows dead; plain VACUUM makes their space reusable without
    promising to overwrite it; VACUUM FULL writes each table and its indexes anew, without them (outside
    a transaction). It locks each table for the seconds that takes; other formgen processes wait."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in COMPACTED:
            conn.execute(text(f"VACUUM FULL {table}"))


def purge_before(engine, iso: str, older_than_days: int, every_office: bool = False) -> tuple[int, list[str]]:
    """Delete what is older than iso (and citizens nothing refers to), logged: (rows deleted, their stored file names)."""
    s, a, c, d, mine = store.submissions, store.answers, store.citizens, store.dispatch, _mine(engine, every_office)
    with engine.begin() as conn:
        old = select(s.c.id).where(mine(s), s.c.submitted_at < iso)
        names = [r[0] for r in conn.execute(select(s.c.stored_name).where(mine(s), s.c.submitted_at < iso)) if r[0]]
        rows = conn.execute(delete(a).where(a.c.submission_id.in_(old))).rowcount
        rows += conn.execute(delete(s).where(mine(s), s.c.submitted_at < iso)).rowcount
        rows += conn.execute(delete(store.problems).where(mine(store.problems), store.problems.c.at < iso)).rowcount
        for sx in (store.scan_pages, store.scan_crops):
            rows += conn.execute(delete(sx).where(mine(sx), sx.c.at < iso)).rowcount
        rows += conn.execute(delete(d).where(mine(d), d.c.created_at < iso)).rowcount
        rows += conn.execute(delete(store.log).where(mine(store.log), store.log.c.at < iso)).rowcount  # the audit log's retention
        rows += conn.execute(delete(c).where(mine(c), ~_referred(c, d), ~_referred(c, s))).rowcount
        store.record_log(conn, "purge", {"older_than_days": older_than_days, "rows": rows}
                         | ({"every_office": True} if every_office else {}))
    return rows, names


def _referred(c, t):
    """A citizen some row of t (dispatch, submissions) of their own office still names."""
    return select(t.c.citizen_ref).where(and_(t.c.unit == c.c.unit, t.c.citizen_ref == c.c.citizen_ref)).exists()
