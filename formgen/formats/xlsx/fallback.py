"""The reader's fallback: answers found by the labels and column titles of the Skema sheet."""
from __future__ import annotations

from formgen.forms.definition import LATER_RE, MARK_TITLES, FormDefinition, Group, Item, TextSection
from formgen.forms.view import META
from formgen.formats.xlsx.book import Book
from formgen.formats.xlsx.sheet import CODE_LABEL, GROUP_HEAD, SHEET

__all__ = ["norm", "Layout", "meta_by_label"]


def norm(text: str) -> str:
    """First line of a cell, case and spacing folded, for matching labels."""
    return " ".join(text.split("\n", 1)[0].split()).casefold().rstrip(":")


class Layout:
    """The fallback: answers found by the labels and column titles of the Skema sheet."""

    def __init__(self, book: Book):
        sheet = SHEET if SHEET in book.sheets else next((n for n, (_, shown) in book.sheets.items() if shown), "")
        self.cells = book.cells(sheet) if sheet else {}
        self.rows: dict[str, list[int]] = {}  # label in column A -> its rows
        self.titles: dict[int, dict[str, int]] = {}  # row -> {cell text: column}
        for (r, c), text in sorted(self.cells.items()):
            self.titles.setdefault(r, {}).setdefault(norm(text), c)
            if c == 1:
                self.rows.setdefault(norm(text), []).append(r)

    def at(self, r: int, c: int) -> str:
        """The text of a cell ('' when empty)."""
        return self.cells.get((r, c), "")

    def header_row(self, below: int, first: str) -> int | None:
        """The nearest table header above row `below` whose titles include `first`."""
        want = norm(first)
        return next((r for r in range(below - 1, 0, -1) if want in self.titles.get(r, {})), None)

    def header(self, below: int, first: str) -> dict[str, int]:
        """Column titles of that header: the first column of each title."""
        r = self.header_row(below, first)
        return dict(self.titles[r]) if r else {}

    def first_row(self, label: str, after: int = 0) -> int | None:
        """The first row after `after` whose column A starts with label."""
        return next((r for r in self.rows.get(norm(label), []) if r > after), None)

    def find(self, d: FormDefinition, key: str, field: str) -> str | None:
        """The text in the cell where the layout puts key/field, or None when it cannot be found."""
        item = next((i for i in d.items if i.key == key), None)
        if item is not None:
            return self.item(item, field)
        sec = next((s for s in d.texts if s.key == key), None)
        if sec is not None:
            return self.text(sec, field)
        group, _, n = key.rpartition("_")
        g = next((g for g in d.groups if g.key == group), None)
        return self.group(g, int(n), field) if g is not None and n.isdigit() else None

    def item(self, item: Item, field: str) -> str | None:
        """An indicator's answer: its label's row, the column titled Nu / Næste delmål / the text label."""
        r = self.first_row(item.label)
        if r is None:
            return None
        head = self.header(r, MARK_TITLES["now"])
        title = MARK_TITLES.get(field) or next((t.label for t in item.texts if t.key == field), "")
        col = head.get(norm(title))
        return None if col is None else self.at(r, col)

    def text(self, sec: TextSection, field: str) -> str | None:
        """A text section's answer: the field label's row after the section title, first cell right of it."""
        top = self.first_row(sec.title)
        f = next((f for f in sec.fields if f.key == field), None)
        r = self.first_row(f.label, top) if top is not None and f is not None else None
        if r is None:
            return None
        return next((self.cells[(r, c)] for c in range(2, 100) if (r, c) in self.cells), "")

    def group(self, g: Group, n: int, field: str) -> str | None:
        """A kompetencekort row's answer: n rows below the group title, in the column titled for the field."""
        top = self.first_row(g.title)
        if top is None or n > g.rows:
            return None
        base, k = (m[1], int(m[2])) if (m := LATER_RE.match(field)) else (field, 1)
        want = norm({"kompetence": GROUP_HEAD[0], "sted": GROUP_HEAD[1], "dato": GROUP_HEAD[2], "now": GROUP_HEAD[3]}[base])
        # Dato and Niveau repeat once per assessment: the k-th column with the title is assessment k.
        rows = {self.header_row(top, GROUP_HEAD[0]), self.header_row(top, GROUP_HEAD[2])}
        cols = sorted(c for (r, c), text in self.cells.items() if r in rows and norm(text).startswith(want))
        return self.at(top + n, cols[k - 1]) if len(cols) >= k else None


def meta_by_label(book: Book) -> dict[str, str]:
    """Metadata found by its Danish label in the rows down to the Skema-id row."""
    layout = Layout(book)
    code_row = next((r for (r, c), t in layout.cells.items() if norm(t) == norm(CODE_LABEL)), None)
    if code_row is None:
        return {}
    labels = {norm(label): key for key, label in META}
    stops = set(labels) | {norm(CODE_LABEL)}
    out: dict[str, str] = {}
    for (r, c), text in sorted(layout.cells.items()):
        if r > code_row or norm(text) not in labels:
            continue
        value = ""
        for (rr, cc), t in sorted(layout.cells.items()):
            if rr == r and cc > c:
                value = "" if norm(t) in stops else t
                break
        out.setdefault(labels[norm(text)], value)
    return out
