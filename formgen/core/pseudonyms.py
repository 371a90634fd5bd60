"""Pseudonyms for exports: a keyed HMAC of the citizen_ref, the key kept beside the workspace, not in its database."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from formgen.core.private import write_private

__all__ = ["KEY_FILE", "key", "pseudonym"]

KEY_FILE = "formgen.key"


def key(ws) -> bytes:
    """The workspace's pseudonym key (created on first use, mode 0600, never in the database)."""
    path = ws.root / KEY_FILE
    if not path.exists():
        write_private(path, base64.b64encode(secrets.token_bytes(32)) + b"\n")
    return base64.b64decode(path.read_bytes().strip())


def pseudonym(secret: bytes, citizen_ref: str) -> str:
    """A stable pseudonym for a ref: P- and 13 base32 characters of HMAC-SHA256."""
    digest = hmac.new(secret, citizen_ref.encode("utf-8"), hashlib.sha256).digest()
    return "P-" + base64.b32encode(digest).decode()[:13]
