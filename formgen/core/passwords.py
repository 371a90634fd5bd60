"""Password hashes (argon2id, argon2-cffi's defaults) and the rules a new password must meet."""
from __future__ import annotations

from formgen.core.errors import fail

__all__ = ["MIN_LENGTH", "hash_password", "verify_password", "needs_rehash", "check_new_password"]

MIN_LENGTH = 12  # a passphrase of a few words; length beats composition rules (NIST SP 800-63B)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_new_password(password: str, name: str) -> None:
    """FG185 for a password too short, or one that is the account's name (never echoing it)."""
    if len(password) < MIN_LENGTH:
        raise fail("FG185", name, f"the password is shorter than {MIN_LENGTH} characters",
                   "choose a longer one, e.g. three or four words")
    if password.strip().casefold() == name.casefold():
        raise fail("FG185", name, "the password is the account's name", "choose another password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether password matches the stored hash (False for a wrong one or a damaged hash, never an exception)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's defaults (then it is replaced at sign-in)."""
    return _hasher().check_needs_rehash(stored)
