"""Error catalogue and exception tree: every problem formgen reports has a code, a place, what is
wrong and how to fix it.

The exceptions formgen raises, all carrying `Problem`s (never a bare message):

    Exception
    ├── FormgenError      a command cannot go on (usage, configuration, storage); the CLI prints its
    │                     problems and exits 1 or 2, the web page shows them
    └── FileProblem       one returned file cannot be read as it is; intake records it and goes on
        ├── Refused       not parsed at all: wrong type, encrypted, damaged, over a budget → rejected
        ├── NotFillable   a PDF without form fields (printed, flattened, scanned) → review
        └── FileTimeout   reading took longer than the per-file limit → rejected

`fail(code, where, what, fix)` builds a FormgenError; `Refused` is built by `formats.package.refuse`.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "FileProblem", "FileTimeout", "FormgenError", "NotFillable", "Problem", "Refused", "fail"]

# Codes are stable: scripts and the import report refer to them.
CATALOGUE: dict[str, str] = {
    "FG100": "workspace not found",
    "FG101": "workspace configuration invalid",
    "FG102": "logo unusable",
    "FG110": "form definition file unreadable",
    "FG111": "form definition invalid",
    "FG112": "form not found",
    "FG113": "form definitions clash",
    "FG114": "form definition workbook invalid",
    "FG115": "form change would change what stored answers mean",
    "FG120": "roster unreadable",
    "FG121": "roster row invalid",
    "FG122": "CPR number refused",
    "FG130": "option invalid",
    "FG140": "template unusable",
    "FG150": "database error",
    "FG160": "no data for the report",
    "FG170": "LibreOffice missing",
    "FG171": "PDF conversion failed",
    # The web page (formgen serve)
    "FG180": "web request refused",
    "FG181": "upload too large",
    "FG182": "page or item not found",
    # Accounts and roles (formgen users, the sign-in page)
    "FG183": "not allowed for this role",
    "FG184": "sign-in refused",
    "FG185": "account problem",
    "FG186": "serving beyond this machine needs accounts",
    # Returned files (intake): what the file is
    "FG201": "empty file",
    "FG202": "not a Word or Excel form",
    "FG203": "password-protected file",
    "FG204": "legacy .doc/.xls file",
    "FG205": "file with macros",
    "FG206": "zip bomb or too many parts",
    "FG207": "unsafe or duplicate part names",
    "FG208": "DTD in an XML part",
    "FG209": "damaged or unreadable file",
    "FG210": "form code not sent from this workspace",
    "FG211": "no formgen identity",
    "FG212": "form version does not match the dispatch",
    "FG213": "PDF without form fields (printed or scanned)",
    "FG214": "password-protected PDF",
    # Returned files: values that cannot be decided
    "FG220": "not a step on the scale",
    "FG221": "between two steps",
    "FG222": "more than one value",
    "FG223": "outside the scale",
    "FG224": "field appears twice with different values",
    "FG225": "'Ved ikke' not allowed",
    "FG226": "not a number",
    "FG227": "not a date",
    "FG230": "conflict: a different file for the same form",
    "FG231": "note: the same answers as an earlier return (a duplicate)",
    "FG232": "note: a newer version of a kompetencekort (the earlier is superseded)",
    "FG240": "file too large",
    "FG241": "reading the file took too long",
    "FG242": "reading the file needed too much memory",
    "FG243": "oversize picture in the file",
    "FG244": "old-format file could not be converted",
    "FG245": "reading the file crashed the reader",
    "FG246": "OpenDocument .odt/.ods file, LibreOffice missing",
    "FG247": "scan cannot be read (not a picture, damaged, or over the pixel limit)",
    "FG250": "a row of boxes on a scan needs a person (two ticks, a faint mark)",
    "FG251": "a scanned page cannot be read (markers or QR code not found)",
    "FG252": "note: scanned pages wait for the rest of their form",
    "FG253": "note: a page scanned twice (a duplicate)",
    "FG999": "internal error",
}


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong: where, what, and how to fix it."""

    code: str
    where: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        if self.fix:
            text += f"\n    → {self.fix}"
        return f"[{self.code}] {text}"


class FormgenError(Exception):
    """A user-facing failure carrying one or more problems (never shown as a traceback)."""

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # rebuilt from its problems when it comes back from a worker process
        return FormgenError, (self.problems,)


class FileProblem(Exception):
    """One returned file that cannot be read as it is; carries the problem to record."""

    def __init__(self, problem: Problem | None = None):
        self.problem = problem
        super().__init__(str(problem) if problem else self.__class__.__name__)


class Refused(FileProblem):
    """A file formgen will not parse (type, encryption, damage, budgets): it is rejected."""

    def __init__(self, problem: Problem):
        super().__init__(problem)

    def __reduce__(self):
        return Refused, (self.problem,)


class NotFillable(FileProblem):
    """A PDF without form fields (printed to PDF, flattened or scanned): it goes to review, never guessed at."""

    def __init__(self, problem: Problem, code: str | None = None):
        self.code = code  # a form code found in its text, if any
        super().__init__(problem)

    def __reduce__(self):
        return NotFillable, (self.problem, self.code)


class FileTimeout(FileProblem):
    """One file took longer than the per-file limit to read."""


def fail(code: str, where: str, what: str, fix: str = "") -> FormgenError:
    """Build a FormgenError with a single problem (raise the result)."""
    return FormgenError(Problem(code, where, what, fix))
