"""Accounts in the database: users, their extra citizens, failed sign-ins; and which citizens a konsulent sees."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from formgen.store import db as store

__all__ = ["count_users", "user_row", "user_rows", "add_user", "set_password", "set_disabled", "record_failure",
           "record_success", "assign", "unassign", "assigned", "visible_refs"]


def count_users(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(store.users)).scalar() or 0


def user_row(engine, name: str):
    """The account's row (name, role, full_name, password_hash, disabled, failed_attempts, locked_until, created_at), or None."""
    with engine.connect() as conn:
        return conn.execute(select(store.users).where(store.users.c.name == name)).first()


def user_rows(engine) -> list:
    """Every account without its hash, by name, with how many citizens are assigned to it."""
    u, a = store.users, store.user_citizens
    extra = select(func.count()).where(a.c.name == u.c.name, store.own(a, engine)).scalar_subquery()
    with engine.connect() as conn:
        return conn.execute(select(u.c.name, u.c.role, u.c.full_name, u.c.disabled, u.c.failed_attempts,
                                   u.c.locked_until, u.c.created_at, extra.label("assigned")).order_by(u.c.name)).all()


def add_user(engine, name: str, role: str, full_name: str, password_hash: str) -> bool:
    """Insert the account, logged; False when the name is taken (nothing changed)."""
    with engine.begin() as conn:
        if conn.execute(select(store.users.c.name).where(store.users.c.name == name)).first():
            return False
        conn.execute(insert(store.users).values(name=name, role=role, full_name=full_name or None,
                                                password_hash=password_hash, disabled=0, failed_attempts=0,
                                                created_at=store.now()))
        store.record_log(conn, "user-add", {"user": name, "role": role})
    return True


def _change(engine, name: str, action: str, detail: dict, **values) -> bool:
    with engine.begin() as conn:
        n = conn.execute(update(store.users).where(store.users.c.name == name).values(**values)).rowcount
        if n:
            store.record_log(conn, action, {"user": name, **detail})
    return bool(n)


def set_password(engine, name: str, password_hash: str, action: str = "user-reset-password") -> bool:
    """A new hash (unlocks the account too); False for an unknown name."""
    return _change(engine, name, action, {}, password_hash=password_hash, failed_attempts=0, locked_until=None)


def set_disabled(engine, name: str, disabled: bool) -> bool:
    return _change(engine, name, "user-disable" if disabled else "user-enable", {}, disabled=int(disabled))


def record_failure(engine, name: str, lock_after: int, locked_until: str) -> int:
    """Count a wrong password; at lock_after in a row the account is locked until locked_until. The count now."""
    u = store.users
    with engine.begin() as conn:
        conn.execute(update(u).where(u.c.name == name).values(failed_attempts=u.c.failed_attempts + 1))
        count = conn.execute(select(u.c.failed_attempts).where(u.c.name == name)).scalar() or 0
        if count >= lock_after:
            conn.execute(update(u).where(u.c.name == name).values(locked_until=locked_until, failed_attempts=0))
        store.record_log(conn, "sign-in-failed", {"user": name, "attempt": count,
                                                  **({"locked_until": locked_until} if count >= lock_after else {})})
    return count


def record_success(engine, name: str, new_hash: str | None = None) -> None:
    values = {"failed_attempts": 0, "locked_until": None} | ({"password_hash": new_hash} if new_hash else {})
    with engine.begin() as conn:
        conn.execute(update(store.users).where(store.users.c.name == name).values(**values))
        store.record_log(conn, "sign-in", {"user": name})


def assign(engine, name: str, ref: str) -> bool:
    """One more citizen for the account, logged; False when it was assigned already."""
    a = store.user_citizens
    with engine.begin() as conn:
        if conn.execute(select(a.c.name).where(store.own(a, conn), a.c.name == name, a.c.citizen_ref == ref)).first():
            return False
        conn.execute(insert(a).values(name=name, unit=store.unit_of(conn), citizen_ref=ref, assigned_at=store.now()))
        store.record_log(conn, "user-assign", {"user": name}, ref)
    return True


def unassign(engine, name: str, ref: str) -> bool:
    a = store.user_citizens
    with engine.begin() as conn:
        n = conn.execute(delete(a).where(store.own(a, conn), a.c.name == name, a.c.citizen_ref == ref)).rowcount
        if n:
            store.record_log(conn, "user-unassign", {"user": name}, ref)
    return bool(n)


def assigned(engine, name: str) -> list[str]:
    a = store.user_citizens
    with engine.connect() as conn:
        return list(conn.execute(select(a.c.citizen_ref).where(store.own(a, conn), a.c.name == name).order_by(a.c.citizen_ref)).scalars())


def visible_refs(engine, names: list[str]) -> set[str]:
    """The citizens whose roster consultant is one of names (case and spaces ignored), and those assigned to names[0]."""
    c = store.citizens
    wanted = {n.strip().casefold() for n in names if n and n.strip()}
    with engine.connect() as conn:
        rows = conn.execute(select(c.c.citizen_ref, c.c.consultant).where(store.own(c, conn), c.c.consultant.is_not(None))).all()
    refs = {ref for ref, consultant in rows if (consultant or "").strip().casefold() in wanted}
    return refs | set(assigned(engine, names[0]))
