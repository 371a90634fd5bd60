"""One registry of form formats, so that generate and intake never branch on a file's kind.

Every form format is one module with the same four names (the FormFormat protocol):
`build_master` and `personalise` write a form; `detect` and `open_return` read one back.
A new format is one more module in FORMATS.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    from formgen.formats.extract import Extract
    from formgen.forms.definition import FormDefinition

__all__ = ["FORMATS", "FormFormat", "Opened", "get", "open_return"]

FORMATS = {"docx": "formgen.formats.docx", "xlsx": "formgen.formats.xlsx", "pdf": "formgen.formats.pdf"}


@dataclass(frozen=True)
class Opened:
    """A returned file whose format is known: its identity, and how to read its answers."""

    kind: str
    props: dict[str, str]  # the identity properties (fg_code, fg_version, …); empty when stripped
    visible: str | None  # the form code printed on the form, the fallback identity
    read: Callable[["FormDefinition", str], "Extract"]


class FormFormat(Protocol):
    """What every format module provides."""

    KIND: str

    def build_master(self, v, org, logo, template, round_no, date_str, blank): ...
    def personalise(self, master, identity, pre) -> bytes: ...
    def detect(self, data: bytes, kind: str | None) -> bool: ...
    def open_return(self, data: bytes, name: str, package=None) -> Opened: ...


def get(kind: str) -> FormFormat:
    """The format module for a kind (imported on first use: each pulls in its own libraries)."""
    return importlib.import_module(FORMATS[kind])  # type: ignore[return-value]


def open_return(data: bytes, name: str) -> Opened:
    """Recognise a returned file by its content and open it, or raise Refused / NotFillable."""
    if data.startswith(b"%PDF"):
        return get("pdf").open_return(data, name)
    from formgen.formats.package import open_package

    pkg = open_package(data, name)
    return get(pkg.kind).open_return(data, name, package=pkg)
