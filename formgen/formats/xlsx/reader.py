"""Reading a returned workbook: identity, then answers by defined name (the layout when names are gone)."""
from __future__ import annotations

from pathlib import Path

from formgen.forms.definition import FormDefinition
from formgen.forms.view import META
from formgen.formats.extract import Extract, Found
from formgen.formats.ooxml import read_custom, read_parts
from formgen.formats.registry import open_ooxml
from formgen.formats.xlsx.book import Book
from formgen.formats.xlsx.fallback import Layout, meta_by_label
from formgen.formats.xlsx.sheet import KIND

__all__ = [
    "read", "identify", "properties", "book_identity", "answers_by_name", "named_answer", "answers_for",
    "read_file", "open_return",
]


def read(parts: dict[str, bytes], definition: FormDefinition | None = None, role: str | None = None,
         identity=None) -> Extract:
    """Everything a returned workbook says: identity, visible code, answers by defined name (else by row).

    Without a definition every fg.<key>.<field> name found is returned; with one, exactly the
    fields of the definition for `role` (default: the file's fg_role), and fields whose names are
    gone are looked up in the layout (how="row").
    """
    book = _book(parts)
    props, code = identity or book_identity(book)
    meta = {key: val for key, _ in META if (val := named_answer(book, "meta", key)) is not None}
    if len(meta) < len(META):
        meta = {**meta_by_label(book), **meta}
    if definition is None:
        answers = answers_by_name(book)
    else:
        answers = answers_for(book, definition, role or props.get("fg_role"))
    return Extract(props=props, visible_code=code, answers=tuple(answers), meta=meta)


def identify(parts: dict[str, bytes]) -> tuple[dict[str, str], str | None]:
    """The file's identity properties and a form code found in its visible cells (as docx.identify)."""
    return book_identity(_book(parts))


_BOOK: list = [None, (), None]  # [parts, their (name, bytes) items, Book]: identify() and read() share one


def _book(parts: dict[str, bytes]) -> Book:
    """The workbook of these exact parts, parsed once for identify() and read() of the same file."""
    cached, items, book = _BOOK
    if cached is not parts or (isinstance(parts, dict) and (  # a dict can change between calls; Parts cannot
            len(parts) != len(items) or any(parts.get(k) is not v for k, v in items))):
        book = Book(parts)
        _BOOK[:] = [parts, tuple(parts.items()) if isinstance(parts, dict) else (), book]
    return book


def properties(parts: dict[str, bytes]) -> dict[str, str]:
    """The identity properties alone: custom properties, the hidden _formgen rows filling in for lost ones."""
    book = _book(parts)
    return {**book.hidden_identity(), **read_custom(book.parts)}


def book_identity(book: Book) -> tuple[dict[str, str], str | None]:
    """Custom properties (the hidden _formgen rows fill in for lost ones) and the visible code."""
    return properties(book.parts), book.visible_code()


def answers_by_name(book: Book) -> list[Found]:
    """Every fg.<key>.<field> answer name (not meta)."""
    out = []
    for name in book.names:
        bits = name.split(".")
        if len(bits) != 3 or bits[0] != "fg" or bits[1] == "meta":
            continue
        raw = book.named(name)
        if raw is not None:
            out.append(Found(bits[1], bits[2], raw, "name"))
    return out


def named_answer(book: Book, key: str, field: str) -> str | None:
    """The cell named fg.<key>.<field>, or fg_<key>_<field> as LibreOffice 7.4's .xls export renames it."""
    raw = book.named(f"fg.{key}.{field}")
    return book.named(f"fg_{key}_{field}") if raw is None else raw


def answers_for(book: Book, d: FormDefinition, role: str | None) -> list[Found]:
    """The definition's fields for this role: by defined name, else by the layout."""
    layout: Layout | None = None  # built only when a name is missing
    out = []
    role = role if role in d.respondents else None
    for f, later in [(f, False) for f in d.fields(role)] + [(f, True) for f in d.later_fields(role)]:
        how, raw = "name", named_answer(book, f.key, f.field)
        if raw is None:
            layout = layout or Layout(book)
            how, raw = "row", layout.find(d, f.key, f.field)
        # A later kompetencekort assessment is optional: only one written in is an answer.
        if raw is not None and (raw.strip() or not later):
            out.append(Found(f.key, f.field, raw, how))
    return out


def read_file(path: Path, definition: FormDefinition | None = None, role: str | None = None) -> Extract:
    """read() for a file on disk."""
    return read(read_parts(Path(path).read_bytes()), definition, role)


def open_return(data: bytes, name: str, package=None):
    """A returned .xlsx opened for intake: identity now, answers when read (the FormFormat protocol)."""
    return open_ooxml(KIND, data, name, package, properties, identify, read)
