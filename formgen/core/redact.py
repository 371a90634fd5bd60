"""Passwords out of everything formgen prints or stores: URLs masked, known passwords scrubbed.

A database URL's password is remembered when formgen is given the URL (`remember`), so that
`scrub` can remove it from any text later, also from a driver's own message that quotes it in
another spelling (URL-escaped or not) or without the URL around it.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["MASK", "hide", "mask_url", "passwords", "remember", "scrub"]

MASK = "***"
# scheme://user:password@host — the password runs to the last '@' before the host (an unescaped '@' in a
# password is common), and never over a space or a slash after that '@'.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s:/@]*:)(?P<pw>[^\s]*)(?P<tail>@[^\s@/]*)")
_QUERY_PASSWORD = re.compile(r"(?i)(?P<head>\bpassword=)(?P<pw>[^\s&;]+)")
_known: set[str] = set()


def passwords(url: str) -> set[str]:
    """The password of a URL (in the user info or a password= parameter), escaped and unescaped."""
    found = {m.group("pw") for m in _URL_PASSWORD.finditer(url)}
    try:
        found |= {value for key, value in parse_qsl(urlsplit(url).query) if key.lower() == "password"}
    except ValueError:  # not a URL at all: nothing to find in its query
        pass
    found |= {m.group("pw") for m in _QUERY_PASSWORD.finditer(url)}
    return {spelling for pw in found if pw for spelling in (pw, unquote(pw)) if spelling}


def remember(url: str | None) -> None:
    """Note a URL's password, so that scrub() removes it from any text in this process."""
    if url:
        _known.update(passwords(str(url)))


def mask_url(url: str) -> str:
    """The URL with its password shown as ***: postgresql://user:***@host/db."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK + m.group("tail"), str(url))
    return _QUERY_PASSWORD.sub(lambda m: m.group("head") + MASK, text)


def hide(text: str, *urls: str | None) -> str:
    """text with every known password (and those of urls) replaced by ***, in any context."""
    secrets = set(_known)
    for url in urls:
        secrets |= passwords(str(url)) if url else set()
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: one password may contain another
        text = text.replace(secret, MASK)
    return text


def scrub(text: str, *urls: str | None) -> str:
    """text with the password of every URL in it masked and every known password hidden: for foreign text
    (a driver's message, an exception)."""
    return hide(mask_url(str(text)), *urls)
