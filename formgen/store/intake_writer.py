"""The intake writer: its statements built once, run in one transaction per group of files.

On SQLite they run on the pooled DBAPI connection inside BEGIN IMMEDIATE … COMMIT (what
engine.begin() issues, without SQLAlchemy's per-statement work); other databases go through SQLAlchemy.
On PostgreSQL each transaction first takes formgen's writer lock (store.lock_writers, an advisory lock),
so the check-then-insert of store_reading is decided by one writer at a time, as on SQLite; the
unique indexes of db.PG_UNIQUE are the database's own guarantee behind it.
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager

from sqlalchemy import and_, bindparam, insert, or_, select, update

from formgen.store import db as store

__all__ = ["STORAGE_ERRORS", "Writer", "writer", "close_writer", "store_reading", "record_problems",
           "set_stored_name", "on_connection"]


def _storage_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, sqlite3.Error, OSError)


STORAGE_ERRORS = _storage_errors()  # the database or the disk failed, not the file being read


_SUBMISSION = ("unit", "sha256", "status", "code", "form", "form_version", "fingerprint", "role", "round", "citizen_ref",
               "format", "original_name", "stored_name", "submitted_at", "filled_by", "filled_date")
_ANSWER = ("submission_id", "item", "field", "value", "raw", "how", "confidence")
_LOG = ("unit", "at", "actor", "action", "citizen_ref", "detail")
_PROBLEM = ("unit", "sha256", "file_name", "status", "code", "where", "what", "fix", "at")


class Writer:
    """The single writer's statements, built once. On SQLite they run on the pooled DBAPI connection
    (set up by store.connect: autocommit, WAL) inside BEGIN IMMEDIATE … COMMIT, exactly what
    engine.begin() issues, without SQLAlchemy's per-statement work; errors are raised as the same
    SQLAlchemy exceptions. Other databases go through SQLAlchemy."""

    def __init__(self, engine):
        s, a = store.submissions, store.answers
        self.engine, self.raw, self.unit = engine, None, store.unit_of(engine)
        self.stmts = {  # "check": is the hash stored, and is an earlier return counted (one round trip)
            "check": (select(select(s.c.id).where(s.c.unit == bindparam("unit"), s.c.sha256 == bindparam("sha")).limit(1).scalar_subquery(),
                             select(s.c.id).where(_same_return(s)).limit(1).scalar_subquery()), None),
            "submission": (insert(s), _SUBMISSION), "answers": (insert(a), _ANSWER),
            "log": (insert(store.log), _LOG), "problems": (insert(store.problems), _PROBLEM),
            # only when an earlier return is counted: what it said, to compare (rare, so plain statements)
            "earlier": (select(s.c.id, s.c.code, s.c.status, s.c.original_name, s.c.stored_name)
                        .where(_same_return(s)).order_by(s.c.id), None),
            "said": (select(a.c.item, a.c.field, a.c.value)
                     .where(a.c.submission_id == bindparam("sid"), a.c.value.is_not(None)), None),
            "kind": (select(store.definitions.c.definition).where(store.definitions.c.fingerprint == bindparam("fp")),
                     None),
            "supersede": (update(s).where(s.c.id == bindparam("sid")).values(status="superseded"), None),
        }
        self.sqlite = engine.dialect.name == "sqlite"
        self.sql = {}
        if self.sqlite:
            for key, (stmt, cols) in self.stmts.items():
                c = stmt.compile(dialect=engine.dialect, column_keys=list(cols) if cols else None)
                self.sql[key] = (str(c), tuple(c.positiontup), dict(c.params))
                # insert_rows passes tuples straight through: in the declared order, as compiled
                assert not cols or tuple(c.positiontup) == cols, (key, c.positiontup)

    def transaction(self):
        return _SqliteTx(self) if self.sqlite else _EngineTx(self)

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()  # back to the pool
            self.raw = None


def _same_return(s):
    """Counted submissions for the same return: the same form code, or (for a citizen's form with a
    round) the same citizen × respondent × round × form under another code (the .docx and the .xlsx)."""
    counted = and_(s.c.unit == bindparam("unit"), or_(s.c.status == "imported", s.c.status == "conflict"))
    same = and_(s.c.citizen_ref == bindparam("ref"), s.c.round == bindparam("round"),
                s.c.role == bindparam("role"), s.c.form == bindparam("form"))
    return and_(counted, or_(s.c.code == bindparam("code"), same))  # NULL ref or round: the code alone


class _EngineTx:
    def __init__(self, w: Writer):
        self.w = w

    def __enter__(self):
        self.ctx = self.w.engine.begin()
        self.conn = self.ctx.__enter__()
        _intake_lock(self.ctx, self.conn)
        return self

    def __exit__(self, *exc):
        return self.ctx.__exit__(*exc)

    def savepoint(self):
        return self.conn.begin_nested()

    def one(self, key: str, params: dict) -> tuple:
        return tuple(self.conn.execute(self.w.stmts[key][0], params).one())

    def all(self, key: str, params: dict) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(self.w.stmts[key][0], params)]

    def run(self, key: str, params: dict) -> None:
        self.conn.execute(self.w.stmts[key][0], params)

    def insert(self, key: str, params: dict) -> int:
        return self.conn.execute(self.w.stmts[key][0], params).inserted_primary_key[0]

    def insert_many(self, key: str, rows: list[dict]) -> None:
        if rows:
            self.conn.execute(self.w.stmts[key][0], rows)

    def insert_rows(self, key: str, rows: list[tuple]) -> None:
        self.insert_many(key, [dict(zip(self.w.stmts[key][1], r)) for r in rows])


def on_connection(engine, conn) -> _EngineTx:
    """The writer's statements on a connection whose transaction the caller holds (scans: pages and forms in one)."""
    tx = _EngineTx(writer(engine))
    tx.conn = conn
    return tx


def _intake_lock(ctx, conn) -> None:
    """Wait for the other writers' transactions to end (store.lock_writers), closing ctx if that fails.

    Row-by-row ON CONFLICT alone is not enough here: a group of files is one transaction, and two
    groups inserting the same codes in another order would deadlock; one writer at a time cannot."""
    try:
        store.lock_writers(conn)
    except BaseException:
        ctx.__exit__(*sys.exc_info())
        raise


class _SqliteTx:
    def __init__(self, w: Writer):
        self.w = w

    def __enter__(self):
        if self.w.raw is None:
            self.w.raw = self.w.engine.raw_connection()
        self.db = self.w.raw.driver_connection
        self._run("BEGIN IMMEDIATE", ())
        return self

    def __exit__(self, kind, exc, tb):
        try:
            if kind is None:
                self._run("COMMIT", ())
        finally:
            if self.db.in_transaction:  # not committed; on a full disk SQLite has already rolled back (NOTES.md)
                self.db.rollback()
        return False

    @contextmanager
    def savepoint(self):
        """One file's statements: undone alone when the file fails, so the group goes on."""
        self._run("SAVEPOINT fg_file", ())
        try:
            yield
        except BaseException:
            if self.db.in_transaction:
                self._run("ROLLBACK TO fg_file", ())
                self._run("RELEASE fg_file", ())
            raise
        self._run("RELEASE fg_file", ())

    def _run(self, sql: str, args, many: bool = False):
        import sqlite3

        from sqlalchemy.exc import DBAPIError

        try:
            return self.db.executemany(sql, args) if many else self.db.execute(sql, args)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, args, exc, sqlite3.Error, dialect=self.w.engine.dialect) from exc

    def _args(self, key: str, params: dict) -> tuple:
        _, names, defaults = self.w.sql[key]
        return tuple(params[n] if n in params else defaults[n] for n in names)

    def one(self, key: str, params: dict) -> tuple:
        rows = self._run(self.w.sql[key][0], self._args(key, params)).fetchall()
        if len(rows) != 1:
            from sqlalchemy.exc import NoResultFound

            raise NoResultFound("No row was found when one was required")
        return tuple(rows[0])

    def all(self, key: str, params: dict) -> list[tuple]:
        return [tuple(r) for r in self._run(self.w.sql[key][0], self._args(key, params)).fetchall()]

    def run(self, key: str, params: dict) -> None:
        self._run(self.w.sql[key][0], self._args(key, params))

    def insert(self, key: str, params: dict) -> int:
        return self._run(self.w.sql[key][0], self._args(key, params)).lastrowid

    def insert_many(self, key: str, rows: list[dict]) -> None:
        if rows:
            self._run(self.w.sql[key][0], [self._args(key, r) for r in rows], many=True)

    def insert_rows(self, key: str, rows: list[tuple]) -> None:
        """Rows as tuples in the statement's declared column order (the answers: one per field)."""
        if rows:
            self._run(self.w.sql[key][0], rows, many=True)


_WRITERS: dict = {}  # engine -> Writer (one per intake run)


def writer(engine) -> Writer:
    """The engine's writer, built once per run."""
    w = _WRITERS.get(id(engine))
    if w is None or w.engine is not engine:
        w = _WRITERS[id(engine)] = Writer(engine)
    return w


def close_writer(engine) -> None:
    """Give the writer's connection back (at the end of a run)."""
    w = _WRITERS.pop(id(engine), None)
    if w is not None:
        w.close()


def store_reading(tx, row, kind: str, answers, meta: dict, name: str, base: dict,
                  stored_name: str | None = None, judge=None) -> tuple[str, object]:
    """One savepoint: re-check the hash, compare with an earlier return, insert submission and answers.

    ("duplicate", None) when the hash is stored; ("imported", None) for a first return. When an
    earlier return of the same form is counted, judge(earlier, form_kind) decides: earlier are its
    rows (dicts: id, code, status, name, answers as a set of (item, field, value)), oldest first; it
    returns (status to store, ids to mark superseded, what to report), and the status and what to
    report are returned. stored_name: the name the file will have in processed/ (moved there after the commit)."""
    same = {"unit": tx.w.unit, "code": base["code"], "ref": row["citizen_ref"], "round": row["round"], "role": row["role"],
            "form": row["form"]}
    with tx.savepoint():
        dup, counted = tx.one("check", {"sha": base["sha256"], **same})
        if dup is not None:
            return "duplicate", None
        status, supersede, found = "imported", (), None
        if counted is not None:
            status, supersede, found = judge(_earlier(tx, same), _kind(tx, row["fingerprint"]))
        for sid in supersede:  # first: PostgreSQL checks its unique index of imported rows row by row
            tx.run("supersede", {"sid": sid})
        sub_id = tx.insert("submission", dict(
            unit=tx.w.unit, sha256=base["sha256"], status=status, code=base["code"], form=row["form"], form_version=row["form_version"],
            fingerprint=row["fingerprint"], role=row["role"], round=row["round"], citizen_ref=row["citizen_ref"],
            format=kind, original_name=name, stored_name=stored_name, submitted_at=store.now(),
            filled_by=meta.get("filled_by"), filled_date=meta.get("date")))
        tx.insert_rows("answers", [(sub_id, a.key, a.field, a.value, a.raw, a.how, getattr(a, "confidence", None))
                                   for a in answers])  # _ANSWER order
        # as store.record_log
        tx.insert("log", dict(unit=tx.w.unit, at=store.now(), actor=_actor(), action="import", citizen_ref=row["citizen_ref"],
                              detail=json.dumps({"file": name, "code": base["code"], "status": status}
                                                | ({"supersedes": list(supersede)} if supersede else {}),
                                                ensure_ascii=False)))
    return status, found


def _earlier(tx, same: dict) -> list[dict]:
    """The counted submissions of the same return, each with its non-empty answers."""
    rows = tx.all("earlier", same)
    return [dict(id=sid, code=code, status=status, name=stored or original,
                 answers=frozenset(tx.all("said", {"sid": sid})))
            for sid, code, status, original, stored in rows]


def _kind(tx, fingerprint: str) -> str:
    """The form definition's kind (kompetencekort, …)."""
    found = tx.all("kind", {"fp": fingerprint})
    return json.loads(found[0][0]).get("kind", "") if found else ""


_ACTOR: list[str] = []


def _actor() -> str:
    """store.actor(), asked once per process (the user does not change during a run)."""
    if not _ACTOR:
        _ACTOR.append(store.actor())
    return _ACTOR[0]


def record_problems(tx, sha: str, name: str, status: str, problems) -> None:
    """One problems row per Problem of a file (code, where, what, fix)."""
    tx.insert_rows("problems", [(tx.w.unit, sha or "-", name, status, p.code, p.where, p.what, p.fix, store.now())
                                for p in problems])  # _PROBLEM order


def set_stored_name(engine, sha: str, name: str | None) -> None:
    """Correct the processed/ name stored with a submission (the file went elsewhere)."""
    with engine.begin() as conn:
        conn.execute(update(store.submissions).where(store.own(store.submissions, conn), store.submissions.c.sha256 == sha)
                     .values(stored_name=name))
