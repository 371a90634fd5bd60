"""One registry of form formats, so that generate and intake never branch on a file's kind.

Every form format is one package with the same six names (the FormFormat protocol): `KIND`;
`build_master` and `personalise` write a form; `open_return`, `identify` and `read` read one back.
A new format is one more package in FORMATS.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pathlib import Path

    from formgen.core.config import Organisation
    from formgen.core.identity import Identity
    from formgen.formats.extract import Extract
    from formgen.formats.package import Package
    from formgen.forms.definition import FormDefinition
    from formgen.forms.view import FormView, Prefill

__all__ = ["FORMATS", "FormFormat", "Opened", "get", "open_return", "open_ooxml"]

FORMATS = {"docx": "formgen.formats.docx", "xlsx": "formgen.formats.xlsx", "pdf": "formgen.formats.pdf",
           "paper": "formgen.formats.paper"}


@dataclass(frozen=True)
class Opened:
    """A returned file whose format is known: its identity, and how to read its answers."""

    kind: str
    props: dict[str, str]  # the identity properties (fg_code, fg_version, …); empty when stripped
    visible: str | None  # the form code printed on the form, the fallback identity
    read: Callable[["FormDefinition", str], "Extract"]
    application: str = ""  # the program that last saved it (docProps/app.xml), e.g. LibreOffice/7.4.7.2…


@runtime_checkable
class FormFormat(Protocol):
    """What every format package provides (docx, xlsx, pdf); extra parameters of a format have defaults.

    A format's `source` is the file as it reads it: the zip parts (`Package.parts`) for docx and
    xlsx, the file's bytes for pdf.
    """

    KIND: str  # the key of the format in FORMATS

    def build_master(self, v: FormView, org: Organisation, logo: Path, template: Path | None,
                     round_no: int | None, date_str: str, blank: bool) -> Any:
        """The form rendered once for a form × role × round (docx needs its template; pdf and xlsx ignore it)."""

    def personalise(self, master: Any, identity: Identity, pre: Prefill) -> bytes:
        """One finished file: the master with this file's code, metadata and identity properties."""

    def open_return(self, data: bytes, name: str, package: Package | None = None) -> Opened:
        """A returned file opened for intake: its identity now, its answers when read."""

    def identify(self, source: Any) -> tuple[dict[str, str], str | None]:
        """The identity properties and the form code visible on the form (None when not searched or not found)."""

    def read(self, source: Any, definition: FormDefinition | None = None, role: str | None = None,
             identity: tuple[dict[str, str], str | None] | None = None) -> Extract:
        """Every answer in the file; identity: identify()'s result when the caller has it already."""


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


def open_ooxml(kind: str, data: bytes, name: str, package, properties, identify, read) -> Opened:
    """open_return for a Word or Excel package: the format module gives its own properties, identify and read."""
    from formgen.core.identity import normalise
    from formgen.formats.ooxml import application
    from formgen.formats.package import open_package

    parts = (package or open_package(data, name)).parts
    props = properties(parts)
    # The visible code is only the fallback identity: searched for only when the properties lack one.
    visible = None if normalise(props.get("fg_code", "")) else identify(parts)[1]
    return Opened(kind, props, visible, lambda d, role: read(parts, d, role, identity=(props, visible)),
                  application(parts))
