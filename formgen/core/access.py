"""Who is acting, and what each role may do: the one table the library, the command line and the page share.

A Person is an account (name, role) or, without accounts, the local operator. The library checks the
role before it does anything (`permit`) and filters what a konsulent sees to their own citizens; the
page only hides what the role may not use.
"""
from __future__ import annotations

import getpass
import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from formgen.core.errors import FormgenError, fail

__all__ = ["ROLES", "ACTIONS", "Person", "operator", "acting_as", "acting", "may", "permit", "NO_SUCH_CITIZEN", "not_found"]

ROLES = ("administrator", "konsulent", "leder")

# action → the roles that may do it. administrator may do everything (not listed per action).
ACTIONS: dict[str, frozenset[str]] = {
    "rounds": frozenset(),            # generate forms, the workspace's roster, add a form
    "intake": frozenset(),            # read returns, import again, the import report
    "review": frozenset(),            # conflicts, quarantine, keep a return
    "users": frozenset(),             # accounts, assignments
    "audit": frozenset(),             # read the audit log
    "erase": frozenset(),             # forget, purge
    "report_all": frozenset(),        # every citizen's report, company sheets
    "export": frozenset({"leder"}),   # leder: the scores with pseudonyms only (checked by export itself)
    "export_named": frozenset(),      # an export with refs, or the free texts
    "overview": frozenset({"leder"}),  # the management overview: never a name, small groups suppressed
    "citizens": frozenset({"konsulent"}),  # konsulent: their own citizens only (filtered)
    "status": frozenset({"konsulent"}),    # konsulent: their own citizens' rows only
    "forms": frozenset({"konsulent", "leder"}),  # the form definitions: no personal data
    "sign_in": frozenset({"konsulent", "leder"}),
}


@dataclass(frozen=True)
class Person:
    """Who acts: an account's name and role (the audit log names `name`); `full_name` is matched against the roster."""

    name: str
    role: str
    full_name: str = ""
    account: bool = True  # False: the local operator or the token of a single-person page, not an account

    @property
    def is_admin(self) -> bool:
        return self.role == "administrator"


def operator(name: str | None = None) -> Person:
    """The local operator without accounts: an administrator, named by the OS user (or as given, e.g. 'web:<token id> (<user>)')."""
    if name is None:
        try:
            name = getpass.getuser()
        except Exception:  # no user name in some containers
            name = str(os.getuid())
    return Person(name[:64], "administrator", account=False)


_acting: ContextVar[Person | None] = ContextVar("formgen_acting", default=None)


@contextmanager
def acting_as(person: Person):
    """Within this block (this thread), the library acts for person: its checks and its audit entries."""
    token = _acting.set(person)
    try:
        yield person
    finally:
        _acting.reset(token)


def acting() -> Person | None:
    """The person the library acts for just now (None: nobody said)."""
    return _acting.get()


def may(person: Person, action: str) -> bool:
    """Whether the person's role allows the action (an unknown action: administrators only)."""
    return person.is_admin or person.role in ACTIONS.get(action, frozenset())


NO_SUCH_CITIZEN = ("formgen knows no citizen with this ref", "choose a citizen from the list on Borgere")


def permit(person: Person, action: str, where: str = "") -> None:
    """FG183 unless the person's role allows the action."""
    if not may(person, action):
        raise fail("FG183", where or action, f"the role '{person.role}' may not do this ({action})",
                   "ask an administrator (formgen users) if your work needs it")


def not_found(ref: str) -> FormgenError:
    """The answer for a citizen the person may not see: the same as for one that does not exist (404, FG182)."""
    return fail("FG182", ref, *NO_SUCH_CITIZEN)

