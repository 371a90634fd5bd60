"""Read-only queries intake makes while examining files (a hash stored? a code dispatched? its definition)."""
from __future__ import annotations

import json

from sqlalchemy import bindparam, select

from formgen.forms.definition import FormDefinition
from formgen.store import db as store

__all__ = ["Lookup"]




class Lookup:
    """Read-only database access for examining files: plain reads that take no write lock (WAL readers
    never block the writer), one connection, definitions parsed once per fingerprint. A workspace's
    own SQLite file is read with sqlite3 directly; other databases through SQLAlchemy."""

    def __init__(self, db, unit: str):
        self.db, self.unit, self.engine, self.conn, self.raw = db, unit, None, None, None
        self.definitions: dict[str, FormDefinition] = {}
        self.layouts: dict[str, str | None] = {}
        s, d, f, lt = store.submissions, store.dispatch, store.definitions, store.layouts
        self._dup = select(s.c.id).where(s.c.sha256 == bindparam("sha"), s.c.unit == bindparam("unit")).limit(1)
        self._row = select(d).where(d.c.code == bindparam("code"), d.c.unit == bindparam("unit"))
        self._def = select(f.c.definition).where(f.c.fingerprint == bindparam("fp"))
        self._layout = select(lt.c.geometry).where(lt.c.hash == bindparam("hash"))
        self._sql = {  # the same queries for sqlite3
            "dup": f"SELECT 1 FROM {s.name} WHERE sha256 = ? AND unit = ? LIMIT 1",
            "row": f"SELECT {', '.join(c.name for c in d.columns)} FROM {d.name} WHERE code = ? AND unit = ?",
            "def": f"SELECT definition FROM {f.name} WHERE fingerprint = ?",
            "layout": f"SELECT geometry FROM {lt.name} WHERE hash = ?",
        }

    def _c(self):
        if self.conn is None and self.raw is None:
            url = str(self.db)
            if "://" not in url:
                import sqlite3

                self.raw = sqlite3.connect(url, timeout=60, isolation_level=None)  # autocommit: no BEGIN
                return None
            from sqlalchemy import create_engine

            self.engine = create_engine(store.engine_url(url), connect_args={"timeout": 60} if url.startswith("sqlite") else {})
            self.conn = self.engine.connect()
        return self.conn

    def _read(self, which: str, stmt, params: dict, fetch):
        conn = self._c()
        if self.raw is not None:
            return fetch(self.raw.execute(self._sql[which], tuple(params.values())))
        try:
            return fetch(conn.execute(stmt, params))
        finally:
            conn.rollback()  # end the read, so the next one sees the latest commits

    def duplicate(self, sha: str) -> bool:
        """A return with these bytes is stored in this office."""
        return self._read("dup", self._dup, {"sha": sha, "unit": self.unit}, lambda r: r.fetchone()) is not None

    def dispatch(self, code: str) -> dict | None:
        """The office's manifest row of a form code (another office's code is unknown here)."""
        if self._c() is None:
            row = self.raw.execute(self._sql["row"], (code, self.unit)).fetchone()
            return dict(zip((c.name for c in store.dispatch.columns), row)) if row is not None else None
        row = self._read("row", self._row, {"code": code, "unit": self.unit}, lambda r: r.mappings().first())
        return dict(row) if row is not None else None

    def definition(self, fingerprint: str) -> FormDefinition:
        """The definition a file was generated from (parsed once per run and process)."""
        d = self.definitions.get(fingerprint)
        if d is None:
            row = self._read("def", self._def, {"fp": fingerprint}, lambda r: r.fetchone())
            d_json = row[0] if row is not None else None
            d = self.definitions[fingerprint] = FormDefinition.model_validate(json.loads(d_json))
        return d

    def layout(self, layout_hash: str) -> str | None:
        """The geometry JSON of a printed form recorded under its layout hash (None: not from this workspace)."""
        if layout_hash not in self.layouts:
            row = self._read("layout", self._layout, {"hash": layout_hash}, lambda r: r.fetchone())
            self.layouts[layout_hash] = row[0] if row is not None else None
        return self.layouts[layout_hash]

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()
            self.raw = None
        if self.conn is not None:
            self.conn.close()
            self.engine.dispose()
            self.conn = self.engine = None


