"""Reading a returned PDF with pypdf: identity from the document info, answers from the fg.<key>.<field> fields."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from formgen.core.errors import NotFillable, Problem
from formgen.core.identity import PROPS, normalise
from formgen.formats.pdf.layout import KIND
from formgen.formats.registry import Opened

__all__ = ["PDF_FIX", "NO_FIELDS_FIX", "identify", "FIELD_RE", "read", "open_return"]


@dataclass
class _Pdf:
    """What identify and read need from one parsed PDF."""

    data: bytes
    reader: object
    fields: dict
    info: dict
    _text: list | None = None

    def text(self, pages: int = 3) -> str:
        """The visible text of the first pages (pypdf's text layer)."""
        if self._text is None:
            self._text = [p.extract_text() or "" for p in list(self.reader.pages)[:pages]]
        return "\n".join(self._text)


_LAST: list = [None, None]  # [data, _Pdf]: identify() and read() of the same file share the parse

PDF_FIX = "ask the sender to save the filled-in PDF again and send it"
NO_FIELDS_FIX = ("type the answers into a new form generated for this citizen, or ask the sender for the "
                 "fillable PDF (or the Word/Excel form), filled in on screen and saved")


def _refuse(code: str, name: str, what: str, fix: str):
    from formgen.core.errors import Refused

    return Refused(Problem(code, name, what, fix))


def _open(data: bytes, name: str) -> _Pdf:
    """Parse a returned PDF once: Refused when it is encrypted or damaged, NotFillable when it has no fields."""
    if _LAST[0] is data:
        pdf = _LAST[1]
    else:
        pdf = _parse(data, name)
        _LAST[:] = [data, pdf]
    if not pdf.fields:
        raise _not_fillable(pdf, name)
    return pdf


def _parse(data: bytes, name: str) -> _Pdf:
    from pypdf import PdfReader

    if not data.startswith(b"%PDF") or b"%%EOF" not in data[-2048:]:
        raise _refuse("FG209", name, "the PDF is incomplete (its end is missing: cut off while copying or sending?)",
                      PDF_FIX)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise _refuse("FG214", name, "the PDF is password-protected, so its answers cannot be read",
                          "open it, remove the password (save or print a copy without protection) and send it again")
        fields = reader.get_fields() or {}
        info = {str(k).lstrip("/"): str(v) for k, v in (reader.metadata or {}).items()}
        return _Pdf(data, reader, fields, info)
    except Exception as exc:  # the boundary: pypdf raises many kinds of errors on damaged files
        from formgen.formats.package import Refused

        if isinstance(exc, Refused):
            raise
        raise _refuse("FG209", name, f"the PDF is damaged ({exc.__class__.__name__})", PDF_FIX) from exc


def _opens_without_password(reader) -> bool:
    """An encrypted PDF that opens without a password (only its permissions are restricted)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 - unknown algorithm, missing crypto library: not readable
        return False


def _not_fillable(pdf: _Pdf, name: str) -> NotFillable:
    """Say what a field-less PDF is: printed or flattened (it has text), or a scan (it has none)."""
    try:
        text = pdf.text()
    except Exception:  # noqa: BLE001 - a text layer we cannot read counts as none
        text = ""
    code = normalise(pdf.info.get("fg_code", "")) or normalise(text)
    if pdf.info.get("fg_code"):
        what = ("the PDF was made by formgen but has no form fields left: it was flattened, printed to PDF or "
                "damaged, so its answers are not read")
    elif text.strip():
        where = f" (form code {code})" if code else ""
        what = (f"the PDF has no form fields{where}: it was printed or saved as PDF (e.g. from Word or a "
                "browser's print), so the answers are only a picture of text and are not read")
    else:
        what = "the PDF has no form fields and no text: it is a scan or photo of a paper form"
    return NotFillable(Problem("FG213", name, what, NO_FIELDS_FIX), code)


def identify(data: bytes, name: str = "") -> tuple[dict[str, str], str | None]:
    """Identity from the document info (/fg_code …); the form code in the visible text only when the info has none."""
    pdf = _open(data, name)
    props = {k: v for k, v in pdf.info.items() if k in PROPS}
    if normalise(props.get("fg_code", "")):
        return props, None  # reading the text layer costs more than the rest of the file
    try:
        return props, normalise(pdf.text(1)) or normalise(pdf.text())
    except Exception:  # noqa: BLE001 - a text layer pypdf cannot read: no visible code
        return props, None


def _value(field) -> tuple[str, bool]:
    """A field's raw value and whether it is unanswered (an empty dropdown shows ' ')."""
    v = field.get("/V") if hasattr(field, "get") else None
    if v is None:
        return "", True
    if hasattr(v, "get_object"):
        v = v.get_object()
    if isinstance(v, (list, tuple)):
        text = ", ".join(str(x) for x in v)
    elif isinstance(v, bytes):
        text = v.decode("latin-1")
    else:
        text = str(v)
    text = text.lstrip("/") if type(v).__name__ == "NameObject" else text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ("", True) if not text.strip() else (text, False)


FIELD_RE = re.compile(r"^fg\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


def read(data: bytes, definition=None, role: str | None = None, identity=None, name: str = ""):
    """Every fg.<key>.<field> value in the PDF (how='field'); the metadata fields fg.meta.* as meta.

    With a definition and role, a PDF that lacks any of the role's fields is refused as damaged: PDF
    viewers cannot delete fields, and a partly readable file must not import as partly answered.
    identity: (properties, visible code) when the caller has found them already."""
    from formgen.formats.extract import Extract, Found

    props, code = identity or identify(data, name)
    pdf = _open(data, name)
    found: list[Found] = []
    meta: dict[str, str] = {}
    try:
        for qualified, field in pdf.fields.items():
            m = FIELD_RE.match(qualified)
            if m is None or field.get("/FT") is None and "/Kids" in field:
                continue
            raw, empty = _value(field)
            if m.group(1) == "meta":
                meta[m.group(2)] = raw.strip()
            else:
                found.append(Found(m.group(1), m.group(2), raw, "field", empty))
    except Exception as exc:  # noqa: BLE001 - a field tree pypdf cannot walk is a damaged file
        raise _refuse("FG209", name, f"the PDF's form fields are damaged ({exc.__class__.__name__})", PDF_FIX) from exc
    if definition is not None and role:
        _check_complete(pdf, definition.fields(role), name)
    return Extract(props, code, tuple(found), meta)


def _check_complete(pdf: _Pdf, fields: list, name: str) -> None:
    """Refuse a PDF that lacks some of the fields its form has (damaged, or edited in a PDF editor)."""
    missing = [f.name for f in fields if f.name not in pdf.fields]
    if missing:
        raise _refuse("FG209", name, f"the PDF lacks {len(missing)} of its form's {len(fields)} answer fields "
                      f"(e.g. {missing[0]}): it is damaged or was changed in a PDF editor",
                      "ask the sender to send the PDF again as saved by their PDF viewer, or type the answers "
                      "into a new form generated for this citizen")


def open_return(data: bytes, name: str, package=None):
    """A returned PDF opened for intake (the FormFormat protocol); a PDF without fields raises NotFillable."""
    props, visible = identify(data, name)
    return Opened(KIND, props, visible, lambda d, role: read(data, d, role, identity=(props, visible), name=name))
