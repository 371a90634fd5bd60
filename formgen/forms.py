"""Finding and loading form definitions: built-in presets plus a workspace's own forms/ folder."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .definition import FormDefinition
from .errors import FormgenError, Problem, fail

PRESET_DIR = Path(__file__).parent / "presets"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~20x faster

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


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each YAML path (keys and list indices) to its 1-based line number."""
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
    try:
        data = yaml.load(text, Loader=LOADER)
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
        node = yaml.compose(text, Loader=LOADER)
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
    """Load one definition file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("FG110", str(path), f"cannot read the file ({exc.__class__.__name__}: {exc})",
                   "check the path and that the file is saved as UTF-8 text")
    return parse(text, str(path))


def available(forms_dir: Path | None = None) -> dict[str, LoadedForm]:
    """Every form by id: the presets, then the workspace's own (which may not reuse a preset id)."""
    found: dict[str, LoadedForm] = {}
    for path in sorted(PRESET_DIR.glob("*.yaml")):
        d = load_file(path)
        found[d.id] = LoadedForm(d, path, True)
    if forms_dir and forms_dir.is_dir():
        for path in sorted([*forms_dir.glob("*.yaml"), *forms_dir.glob("*.yml")]):
            d = load_file(path)
            if d.id in found:
                raise fail("FG113", str(path), f"form id '{d.id}' is already used by {found[d.id].source.name}",
                           "give your form its own id (e.g. add your municipality's name)")
            found[d.id] = LoadedForm(d, path, False)
    return found


def get(form_id: str, forms_dir: Path | None = None) -> LoadedForm:
    """One form by id, with a helpful error listing the ids that exist."""
    found = available(forms_dir)
    if form_id not in found:
        raise fail("FG112", form_id, "no form with this id",
                   f"use one of: {', '.join(sorted(found))} (see 'formgen forms list')")
    return found[form_id]
