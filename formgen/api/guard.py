"""The library's door: who acts (a Person), whether their role allows the function, which citizens they see.

Every function that reads or changes citizens' data is wrapped in `guarded(action)`: it takes a keyword
`person` (a Person; None: the person the caller already acts as, else, while the workspace has no
accounts, the local operator as administrator), refuses a role the action is not for (FG183), and runs
with that person as the audit log's actor. A konsulent's citizen list, status and reports are filtered
to their own citizens; any other citizen is answered as unknown (FG182, not FG183: its existence is
not revealed).
"""
from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING

from formgen.core.access import Person, acting, acting_as, not_found, operator, permit

if TYPE_CHECKING:
    from formgen.core.workspace import Workspace

__all__ = ["guarded", "resolve", "has_accounts", "visible", "check_citizen", "permit_action"]


def has_accounts(ws: Workspace) -> bool:
    """Whether any account exists (then nobody acts without signing in)."""
    from formgen.store import db as store
    from formgen.store.accounts import count_users

    engine = store.connect(ws.db, ws.unit)
    try:
        return count_users(engine) > 0
    finally:
        engine.dispose()


def resolve(ws: Workspace, person: Person | None) -> Person:
    """The person given, else the one acting now, else the local operator while there are no accounts (FG184 once there are)."""
    import os

    from formgen.core.errors import fail

    person = person or acting()
    if person is not None:
        return person
    if has_accounts(ws):
        raise fail("FG184", "user", "this workspace has accounts: formgen acts only for a signed-in person",
                   "give --user NAME (and the password when asked, or in $FORMGEN_PASSWORD)")
    return operator(os.environ.get("FORMGEN_ACTOR") or None)


def guarded(action: str):
    """Wrap an api function taking ws first: resolve the person, check the role, act as them (see the module docstring)."""
    def wrap(fn):
        wants = "person" in inspect.signature(fn).parameters

        @functools.wraps(fn)
        def run(ws, *args, person: Person | None = None, **kwargs):
            who = resolve(ws, person)
            permit(who, action, fn.__name__)
            with acting_as(who):
                return fn(ws, *args, **kwargs, **({"person": who} if wants else {}))
        return run
    return wrap


def visible(ws: Workspace, person: Person) -> set[str] | None:
    """The refs the person may see (None: every citizen): a konsulent's own and assigned citizens, a leder none."""
    if person.is_admin:
        return None
    if person.role != "konsulent":
        return set()
    from formgen.store import db as store
    from formgen.store.accounts import visible_refs

    engine = store.connect(ws.db, ws.unit)
    try:
        return visible_refs(engine, [person.name, person.full_name])
    finally:
        engine.dispose()


def check_citizen(ws: Workspace, person: Person, ref: str) -> None:
    """FG182 for a citizen the person may not see (the same answer as for a ref nobody knows)."""
    refs = visible(ws, person)
    if refs is not None and ref not in refs:
        raise not_found(ref)


@guarded("sign_in")
def permit_action(ws: Workspace, action: str, *, person: Person) -> Person:
    """FG183 unless the person may do action (for a front end's own steps, e.g. a job's page); the person."""
    permit(person, action)
    return person
