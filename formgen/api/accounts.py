"""Accounts: formgen users add/list/disable/reset-password/assign, and signing in (the page, the command line)."""
from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from formgen.api.guard import guarded

if TYPE_CHECKING:
    from formgen.core.access import Person
    from formgen.core.workspace import Workspace

__all__ = ["LOCK_AFTER", "LOCK_MINUTES", "User", "add_user", "list_users", "disable_user", "enable_user",
           "reset_password", "assign_citizen", "unassign_citizen", "sign_in", "account", "is_loopback", "serving_accounts"]

LOCK_AFTER = 5  # wrong passwords in a row …
LOCK_MINUTES = 15  # … lock the account this long


@dataclass(frozen=True)
class User:
    """An account as `formgen users list` shows it (never its hash)."""

    name: str
    role: str
    full_name: str
    disabled: bool
    locked_until: str
    created_at: str
    assigned: int


def _engine(ws):
    from formgen.store import db as store

    return store.connect(ws.db, ws.unit)


def _name(name: str) -> str:
    from formgen.core.errors import fail

    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
        raise fail("FG185", name or "NAME", "an account name is 1–64 characters without spaces",
                   "use e.g. initials or the name the case system uses (kanr, karl.noergaard)")
    return name


def _role(role: str) -> str:
    from formgen.core.access import ROLES
    from formgen.core.errors import fail

    if role not in ROLES:
        raise fail("FG185", role, "there is no such role", f"use one of {', '.join(ROLES)}")
    return role


def _first_or_admin(ws, person):
    """The first account may be made by the local operator; after that only an administrator makes accounts."""
    from formgen.api.guard import resolve
    from formgen.core.access import permit

    who = resolve(ws, person)
    permit(who, "users", "users add")
    return who


def add_user(ws: Workspace, name: str, role: str, password: str, full_name: str = "", *,
             person: Person | None = None) -> User:
    """Create an account (argon2id hash); FG185 for a taken name, an unknown role or a weak password."""
    from formgen.core.access import acting_as
    from formgen.core.errors import fail
    from formgen.core.passwords import check_new_password, hash_password
    from formgen.store.accounts import add_user as insert

    name, role = _name(name), _role(role)
    check_new_password(password, name)
    who = _first_or_admin(ws, person)
    engine = _engine(ws)
    try:
        with acting_as(who):
            if not insert(engine, name, role, full_name.strip(), hash_password(password)):
                raise fail("FG185", name, "an account with this name exists", "choose another name, or use reset-password")
    finally:
        engine.dispose()
    return next(u for u in list_users(ws, person=who) if u.name == name)


@guarded("users")
def list_users(ws: Workspace) -> list[User]:
    from formgen.store.accounts import user_rows

    engine = _engine(ws)
    try:
        return [User(r.name, r.role, r.full_name or "", bool(r.disabled), r.locked_until or "", r.created_at,
                     r.assigned) for r in user_rows(engine)]
    finally:
        engine.dispose()


def _unknown(name: str):
    from formgen.core.errors import fail

    return fail("FG185", name, "there is no account with this name", "see formgen users list")


@guarded("users")
def disable_user(ws: Workspace, name: str, disabled: bool = True) -> None:
    """The account can no longer sign in (its sessions end at their next request; disabled=False undoes it); it stays in the audit log."""
    from formgen.store.accounts import set_disabled

    engine = _engine(ws)
    try:
        if not set_disabled(engine, name, disabled):
            raise _unknown(name)
    finally:
        engine.dispose()


def enable_user(ws: Workspace, name: str, *, person: Person | None = None) -> None:
    disable_user(ws, name, False, person=person)


@guarded("users")
def reset_password(ws: Workspace, name: str, password: str) -> None:
    """A new password for the account (and the lock lifted); FG185 for a weak one."""
    from formgen.core.passwords import check_new_password, hash_password
    from formgen.store.accounts import set_password

    check_new_password(password, name)
    engine = _engine(ws)
    try:
        if not set_password(engine, name, hash_password(password)):
            raise _unknown(name)
    finally:
        engine.dispose()


@guarded("users")
def assign_citizen(ws: Workspace, name: str, ref: str, remove: bool = False) -> bool:
    """Give a konsulent one more citizen (or take it back with remove); False when nothing changed."""
    from formgen.store.accounts import assign, unassign, user_row

    engine = _engine(ws)
    try:
        if user_row(engine, name) is None:
            raise _unknown(name)
        return (unassign if remove else assign)(engine, name, ref)
    finally:
        engine.dispose()


def unassign_citizen(ws: Workspace, name: str, ref: str, *, person: Person | None = None) -> bool:
    return assign_citizen(ws, name, ref, True, person=person)


def _refused(what: str):
    from formgen.core.errors import fail

    return fail("FG184", "sign-in", what, "check the name and password; after 5 wrong ones, wait 15 minutes or "
                "ask an administrator (formgen users reset-password)")


def sign_in(ws: Workspace, name: str, password: str, now: dt.datetime | None = None) -> Person:
    """The account's Person when name and password match; FG184 otherwise (wrong, disabled or locked: the same words
    for a wrong name as for a wrong password). 5 wrong passwords in a row lock the account for 15 minutes; all logged."""
    from formgen.core.access import Person, acting_as, operator
    from formgen.core.passwords import needs_rehash, hash_password, verify_password
    from formgen.store.accounts import record_failure, record_success, user_row

    now = now or dt.datetime.now(dt.timezone.utc)
    engine = _engine(ws)
    try:
        row = user_row(engine, name) if name and len(name) <= 64 else None
        if row is None:
            verify_password(_dummy_hash(), password)  # as long as for a known name: timing does not tell names
            with acting_as(operator("(unknown account)")):
                from formgen.store import db as store

                store.log_entries(engine, "sign-in-failed", {"user": "(unknown)"})
            raise _refused("wrong account name or password")
        with acting_as(Person(row.name, row.role, account=True)):
            if row.locked_until and dt.datetime.fromisoformat(row.locked_until) > now:
                from formgen.store import db as store

                store.log_entries(engine, "sign-in-locked", {"user": row.name})
                raise _refused("the account is locked for a while after too many wrong passwords")
            if not verify_password(row.password_hash, password):
                until = (now + dt.timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
                if record_failure(engine, row.name, LOCK_AFTER, until) >= LOCK_AFTER:
                    raise _refused("the account is locked for a while after too many wrong passwords")
                raise _refused("wrong account name or password")
            if row.disabled:
                from formgen.store import db as store

                store.log_entries(engine, "sign-in-disabled", {"user": row.name})
                raise _refused("the account is disabled")
            record_success(engine, row.name, hash_password(password) if needs_rehash(row.password_hash) else None)
    finally:
        engine.dispose()
    return Person(row.name, row.role, row.full_name or "")


@functools.cache
def _dummy_hash() -> str:
    from formgen.core.passwords import hash_password

    return hash_password(secrets.token_urlsafe(16))


def account(ws: Workspace, name: str) -> Person | None:
    """The account's Person as it is now (None: gone or disabled), so a session of a disabled account ends."""
    from formgen.core.access import Person
    from formgen.store.accounts import user_row

    engine = _engine(ws)
    try:
        row = user_row(engine, name)
    finally:
        engine.dispose()
    return None if row is None or row.disabled else Person(row.name, row.role, row.full_name or "")


def is_loopback(host: str) -> bool:
    """Whether host is this machine only (127.0.0.0/8, ::1, localhost); 0.0.0.0 and every other name are not."""
    import ipaddress

    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: reachable from elsewhere
        return False


def serving_accounts(ws: Workspace, host: str) -> bool:
    """Whether `formgen serve` signs people in (the workspace has accounts); FG186 for another address than this machine's
    without accounts: the token mode is for one person on 127.0.0.1."""
    from formgen.api.guard import has_accounts
    from formgen.core.errors import fail

    accounts = has_accounts(ws)
    if not accounts and not is_loopback(host):
        raise fail("FG186", f"--host {host}", "the page would be reachable from other machines, but the workspace has no "
                   "accounts (the access token is for one person on this machine)",
                   "create accounts (formgen users add NAME --role administrator), keep --host 127.0.0.1 and put a "
                   "TLS reverse proxy in front (docs/deployment.md)")
    return accounts
