"""Uploads streamed to a private folder, stopped at the limits intake applies (413, never a full disk).

Starlette's own form parser spools files of any size to the system's temp folder; this one writes
each part straight into the job's folder in the workspace (0700) and gives up the moment a file or
the request is over its limit, deleting what it wrote.
"""
from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from formgen.api import intake_limits
from formgen.core.errors import Problem
from formgen.core.private import FILE_MODE, private_dir

__all__ = ["MAX_ARCHIVE_BYTES", "MAX_REQUEST_BYTES", "MAX_FILES", "TooLarge", "Upload", "receive_files", "safe_name"]

MAX_FILE_BYTES, MAX_ENTRIES = intake_limits()
MAX_ARCHIVE_BYTES = 10 * MAX_FILE_BYTES  # a .zip holds a whole round: its members meet MAX_FILE_BYTES each
MAX_REQUEST_BYTES = MAX_ARCHIVE_BYTES
MAX_FILES = MAX_ENTRIES
MAX_FIELD_BYTES = 4096
_UNSAFE = re.compile(r"[^\w.\- ()&+,æøåÆØÅ]")


class TooLarge(Exception):
    """The upload broke a limit; carries the problem for the 413 answer."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Upload:
    """The files written (in the order sent) and the small text fields of the form."""

    files: list[Path] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


def safe_name(name: str) -> str:
    """A browser's file name as a plain name in one folder: no folders, no leading dot, no control characters."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" .")[-120:].lstrip(".")
    return base or "upload"


def _unique(folder: Path, name: str) -> Path:
    path, n = folder / name, 1
    while path.exists():
        n += 1
        path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
    return path


def _too_large(where: str, what: str) -> TooLarge:
    return TooLarge(Problem("FG181", where, what, "upload fewer files at a time, or a smaller archive; nothing was kept"))


class _Receiver:
    """The parser's callbacks: one part at a time, each file written as it arrives."""

    def __init__(self, folder: Path, max_file_bytes: int | None = None):
        self.folder, self.upload, self.total, self.max_file_bytes = folder, Upload(), 0, max_file_bytes
        self._headers: dict[str, str] = {}
        self._field = self._value = b""
        self._out = self._path = self._name = None
        self._size = self._limit = 0

    def callbacks(self) -> dict:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done, "on_part_data": self._data, "on_part_end": self._end}

    def _begin(self) -> None:
        self._headers, self._field, self._value, self._data_bytes = {}, b"", b"", b""

    def _header_field(self, data, start, end) -> None:
        self._field += data[start:end]

    def _header_value(self, data, start, end) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("utf-8", "replace")
        self._field = self._value = b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", ""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._out = None
        if filename:  # a form's file field with nothing chosen sends filename="": no file
            if len(self.upload.files) >= MAX_FILES:
                raise _too_large("upload", f"more than {MAX_FILES} files in one upload")
            self._path = _unique(self.folder, safe_name(filename.decode("utf-8", "replace")))
            self._limit = MAX_ARCHIVE_BYTES if self._path.suffix.lower() == ".zip" else MAX_FILE_BYTES
            self._limit = min(self._limit, self.max_file_bytes or self._limit)
            self._out, self._size = open(self._path, "xb"), 0
            self._path.chmod(FILE_MODE)

    def _data(self, data, start, end) -> None:
        if self._out is None:
            self._data_bytes += data[start:end]
            if len(self._data_bytes) > MAX_FIELD_BYTES:
                raise _too_large(self._name, "a text field of the form is too long")
            return
        self._size += end - start
        if self._size > self._limit:
            raise _too_large(self._path.name, f"the file is over the {self._limit // 2**20} MB limit")
        self._out.write(data[start:end])

    def _end(self) -> None:
        if self._out is None:
            self.upload.fields[self._name] = self._data_bytes.decode("utf-8", "replace")
            return
        self._out.close()
        self._out = None
        self.upload.files.append(self._path)  # an empty file too: intake rejects it with FG201, it is not lost

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


async def receive_files(request: Request, folder: Path, max_file_bytes: int | None = None) -> Upload:
    """Stream a multipart upload into folder (created 0700); TooLarge (and folder deleted) past a limit
    (max_file_bytes: a smaller limit per file, and for the request, e.g. for a definition workbook)."""
    declared = request.headers.get("content-length")
    limit = min(MAX_REQUEST_BYTES, (max_file_bytes or MAX_REQUEST_BYTES) + MAX_FIELD_BYTES)
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large("upload", f"the upload is over the {limit // 2**20} MB limit")
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise TooLarge(Problem("FG130", "upload", "the upload is not a multipart form",
                               "send the files as multipart/form-data, field 'files'"))
    receiver = _Receiver(private_dir(folder), max_file_bytes)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks())
    try:
        async for chunk in request.stream():
            receiver.total += len(chunk)
            if receiver.total > limit:
                raise _too_large("upload", f"the upload is over the {limit // 2**20} MB limit")
            parser.write(chunk)
        parser.finalize()
    except BaseException:
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return receiver.upload
