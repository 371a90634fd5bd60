"""Form codes: short, typeable ids with a check character, e.g. 7F3K-9QX2-M."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

__all__ = ["ALPHABET", "CODE_RE", "TYPO", "PROPS", "check_char", "new_code", "normalise", "Identity"]

# Crockford's base32: no I, L, O, U, so codes survive handwriting and retyping.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_RE = re.compile(r"\b([0-9A-Z]{4})-([0-9A-Z]{4})-([0-9A-Z])\b")
TYPO = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

# Custom document property names (docx and xlsx alike); documented in docs/file-format.md.
PROPS = ("fg_code", "fg_form", "fg_version", "fg_fingerprint", "fg_role", "fg_round", "fg_citizen_ref", "fg_generator")


def check_char(body: str) -> str:
    """Luhn mod 32 over the alphabet: catches any single typo and most swaps of neighbours."""
    factor, total, n = 2, 0, len(ALPHABET)
    for ch in reversed(body):
        addend = factor * ALPHABET.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    """A fresh random form code (40 random bits + check character)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}-{check_char(body)}"


def normalise(text: str) -> str | None:
    """A valid code found in text (tolerating case and O/I/L/U typos), or None."""
    for m in CODE_RE.finditer(text.upper().translate(TYPO)):
        body = m.group(1) + m.group(2)
        if all(c in ALPHABET for c in body) and check_char(body) == m.group(3):
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return None


@dataclass(frozen=True)
class Identity:
    """What a generated file says about itself."""

    code: str
    form: str
    version: str
    fingerprint: str
    role: str
    round: int
    citizen_ref: str

    def props(self) -> dict[str, str]:
        from formgen.core.version import __version__

        return {"fg_code": self.code, "fg_form": self.form, "fg_version": self.version,
                "fg_fingerprint": self.fingerprint, "fg_role": self.role, "fg_round": str(self.round),
                "fg_citizen_ref": self.citizen_ref, "fg_generator": f"formgen {__version__}"}
