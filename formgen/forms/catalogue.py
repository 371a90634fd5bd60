"""Finding and loading form definitions: built-in presets plus a workspace's own forms/ folder."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.core.errors import FormgenError, Problem, fail

__all__ = [
    "PRESET_DIR", "FIXES", "LoadedForm", "parse", "load_file", "definition_files", "available", "summary",
    "listing", "get", "READERS", "register_reader", "current_copy", "copy_definition",
    "set_yaml_version",
]

if TYPE_CHECKING:  # YAML and pydantic are imported when a definition is parsed, not by `forms list` from the cache
    import yaml

    from formgen.forms.definition import FormDefinition

PRESET_DIR = Path(__file__).parent / "presets"
# Readers for definition files that are not YAML, by suffix. The definition workbook (.xlsx) is read
# by formgen.formats, a floor above this one, so the API layer registers its reader here.
READERS: dict[str, Callable[[Path], "FormDefinition"]] = {}


def register_reader(suffix: str, read: Callable[[Path], "FormDefinition"]) -> None:
    """Let load_file, available and listing read definition files ending in suffix (e.g. '.xlsx')."""
    READERS[suffix.lower()] = read

FIXES = {
    "missing": "add this field",
    "extra_forbidden": "remove it or check the spelling (see docs/forms.md for the allowed fields)",
    "literal_error": "use one of the allowed values",
    "int_parsing": "write a whole number",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "string_type": "write it as text (put it in quotes if it looks like a number)",
    "tuple_type": "write it as a list (lines starting with '- ')",
    "dict_type": "write it as a mapping (key: value lines)",
}


@dataclass(frozen=True)
class LoadedForm:
    """A definition and where it came from."""

    definition: FormDefinition
    source: Path
    builtin: bool


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~20x faster


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each YAML path (keys and list indices) to its 1-based line number."""
    import yaml

    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out[path + (k.value,)] = k.start_mark.line + 1
            _line_map(v, path + (k.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_map(v, path + (i,), out)
    return out


def _where(source: str, loc: tuple, lines: dict[tuple, int]) -> str:
    # pydantic adds union-branch names like 'tuple[str, ...]' to loc; they are not YAML keys.
    path = tuple(p for p in loc if isinstance(p, int) or "[" not in str(p))
    shown = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
    line = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), None)
    return f"{source}, {shown or 'top level'}" + (f" (line {line})" if line else "")


def parse(text: str, source: str = "<form>") -> FormDefinition:
    """Parse YAML text into a FormDefinition, or raise FormgenError naming file, path and fix."""
    import yaml
    from pydantic import ValidationError

    from formgen.forms.definition import FormDefinition

    try:
        data = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}" + (f" (line {mark.line + 1}, column {mark.column + 1})" if mark else "")
        raise fail("FG110", where, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                   "check indentation (spaces, not tabs) and that every 'key: value' has a space after ':'")
    if not isinstance(data, dict):
        raise fail("FG111", source, "the file does not describe a form (expected 'id:', 'title:', ... at the top level)",
                   "start from an example in docs/forms.md")
    try:
        return FormDefinition.model_validate(data)
    except ValidationError as exc:
        # Line numbers only when they are needed: composing the node tree is the slow part.
        node = yaml.compose(text, Loader=_loader())
        lines = _line_map(node) if node is not None else {}
        problems = []
        for err in exc.errors(include_url=False):
            if err["type"] == "union_tag_invalid":
                continue
            msg = err["msg"].removeprefix("Value error, ")
            fix = FIXES.get(err["type"], "")
            problems.append(Problem("FG111", _where(source, err["loc"], lines), msg, fix))
        raise FormgenError(_dedupe(problems))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    # A wrong value in a union (anchors: list of text OR list of bands) is reported once per branch.
    seen, out = set(), []
    for p in problems:
        if (p.where.split(" (line")[0], p.what) not in seen:
            seen.add((p.where.split(" (line")[0], p.what))
            out.append(p)
    return out


def load_file(path: Path) -> FormDefinition:
    """Load one definition file: YAML, or a format with a registered reader (the .xlsx workbook)."""
    suffix = Path(path).suffix.lower()
    if suffix in READERS:
        return READERS[suffix](Path(path))
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise fail("FG114", str(path), "no reader for definition workbooks is loaded here",
                   "use the formgen command (formgen forms check) or formgen.api, which read workbooks")
    return parse(_read(path), str(path))


def _contents(path: Path) -> str:
    """What the listing cache is keyed by: a YAML file's text, a workbook's hash."""
    if Path(path).suffix.lower() not in READERS:
        return _read(path)
    try:
        return f"{path.suffix.lower()}:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise fail("FG114", str(path), f"cannot read the file ({exc.__class__.__name__})", "check the path")


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("FG110", str(path), f"cannot read the file ({exc.__class__.__name__}: {exc})",
                   "check the path and that the file is saved as UTF-8 text")


def definition_files(forms_dir: Path | None = None) -> list[tuple[Path, bool]]:
    """(file, built-in) of every definition, in the order they are loaded: the presets, then the workspace's own."""
    files = [(path, True) for path in sorted(PRESET_DIR.glob("*.yaml"))]
    if forms_dir and forms_dir.is_dir():
        own = [*forms_dir.glob("*.yaml"), *forms_dir.glob("*.yml"), *forms_dir.glob("*.xlsx")]
        # '~$name.xlsx' is the lock file Excel keeps next to a workbook that is open.
        files += [(path, False) for path in sorted(own) if not path.name.startswith("~$")]
    return files


def _check_new(form_id: str, path: Path, taken: Path | None) -> None:
    """A workspace's form may not reuse an id that is already taken."""
    if taken is not None:
        raise fail("FG113", str(path), f"form id '{form_id}' is already used by {taken.name}",
                   "give your form its own id (e.g. add your municipality's name)")


def available(forms_dir: Path | None = None) -> dict[str, LoadedForm]:
    """Every form by id: the presets, then the workspace's own (which may not reuse a preset id)."""
    found: dict[str, LoadedForm] = {}
    for path, builtin in definition_files(forms_dir):
        d = load_file(path)
        if not builtin:
            _check_new(d.id, path, found[d.id].source if d.id in found else None)
        found[d.id] = LoadedForm(d, path, builtin)
    return found


def summary(d: FormDefinition) -> list[str]:
    """What `formgen forms list` shows of a definition: id, version, kind, respondents, number of items."""
    return [d.id, d.version, d.kind, ", ".join(d.respondents), str(len(d.items) or sum(g.rows for g in d.groups))]


def listing(forms_dir: Path | None = None) -> list[tuple[str, ...]]:
    """The summary and source ('built-in' or the file name) of every form, as available() finds them.

    The same files, order, checks and errors as available(). A summary depends only on the file's
    text, so it is remembered (formgen.cache) and a text seen before is neither parsed nor validated.
    """
    from formgen.core import cache

    rows, taken = [], {}
    try:
        for path, builtin in definition_files(forms_dir):
            text = _contents(path)
            row = cache.recall("forms", text)
            if not (isinstance(row, list) and len(row) == 5 and all(isinstance(c, str) for c in row)):
                row = summary(parse(text, str(path)) if path.suffix.lower() not in READERS else load_file(path))
                cache.remember("forms", text, row)
            if not builtin:
                _check_new(row[0], path, taken.get(row[0]))
            taken[row[0]] = path
            rows.append((*row, "built-in" if builtin else path.name))
    finally:
        cache.save()
    return rows


def get(form_id: str, forms_dir: Path | None = None) -> LoadedForm:
    """One form by id, with a helpful error listing the ids that exist."""
    found = available(forms_dir)
    if form_id not in found:
        raise fail("FG112", form_id, "no form with this id",
                   f"use one of: {', '.join(sorted(found))} (see 'formgen forms list')")
    return found[form_id]


def current_copy(d: FormDefinition, path: Path, forms_dir: Path, replace_own: bool = False) -> LoadedForm | None:
    """The workspace's own definition that path (defining d) replaces, if any; FG113 when the id is taken otherwise
    (replace_own: any own file with d's id is replaced, whatever its name)."""
    taken = available(forms_dir).get(d.id)
    same_file = taken is not None and taken.source.resolve() == (forms_dir / path.name).resolve()
    if taken and (taken.builtin or not (same_file or replace_own)):
        raise fail("FG113", str(path), f"form id '{d.id}' is already used by {taken.source.name}",
                   "give your form its own id (e.g. add your municipality's name)")
    return taken


def copy_definition(path: Path, forms_dir: Path, replaces: Path | None = None) -> Path:
    """Copy a definition file into forms_dir; a different older copy, and the file it replaces under
    another name, go to replaced/. Returns the copy."""
    import shutil

    target = forms_dir / path.name
    if target.resolve() == path.resolve():
        return target
    if target.exists() and target.read_bytes() != path.read_bytes():
        _keep_replaced(target, forms_dir)
    if replaces is not None and replaces.resolve() != target.resolve() and replaces.is_file():
        _keep_replaced(replaces, forms_dir)
    forms_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return target


def _keep_replaced(old: Path, forms_dir: Path) -> None:
    import datetime as dt

    (forms_dir / "replaced").mkdir(parents=True, exist_ok=True)
    stem = forms_dir / "replaced" / f"{old.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    # Two adds in one second: a free name, so no replaced copy is written over.
    free = next(p for n in range(1, 10**6) if not (p := Path(f"{stem}{f'-{n}' if n > 1 else ''}{old.suffix}")).exists())
    old.replace(free)


def set_yaml_version(path: Path, version: str) -> None:
    """Write version into a YAML definition's top-level version line (added after the id when missing)."""
    import re

    text = _read(path)
    line = f'version: "{version}"'
    new, n = re.subn(r"^version:[^\n]*", line, text, count=1, flags=re.M)
    if not n:
        new = re.sub(r"^(id:[^\n]*\n)", lambda m: m.group(1) + line + "\n", text, count=1, flags=re.M)
    path.write_text(new, encoding="utf-8")
