"""Versions of one form: the next free version, earlier keys (renames), and what stored answers forbid."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from formgen.core.errors import Problem

if TYPE_CHECKING:
    from formgen.forms.definition import FormDefinition

__all__ = ["CODE", "Answered", "version_key", "next_version", "renames", "renamed_definition", "block_keys",
           "choose_version", "unknown_previous", "protect"]

CODE = "FG115"


@dataclass(frozen=True)
class Answered:
    """A stored definition of the form and how many returns have answers under each of its keys."""

    fingerprint: str
    version: str
    definition: dict  # the stored JSON
    counts: dict[str, int] = field(default_factory=dict)  # block key → returns with an answer under it


def version_key(version: str) -> tuple:
    """Versions in order: the numbers in them (1.9 < 1.10 < 2.0), then the text."""
    return tuple(int(n) for n in re.findall(r"\d+", version)), version


def next_version(version: str, taken: Iterable[str]) -> str:
    """A version after every taken one: the highest with its last number raised (1.0 → 1.1, 2 → 3, v → v.1)."""
    top = max([version, *taken], key=version_key)
    raised = re.sub(r"(\d+)(\D*)$", lambda m: f"{int(m.group(1)) + 1}{m.group(2)}", top, count=1)
    return raised if raised != top else f"{top}.1"


def choose_version(new: FormDefinition, stored: list[Answered], current: FormDefinition | None) -> str:
    """new's version, or the next free one when it is taken: a changed definition always gets a new version."""
    # Taken: a version a stored definition with another fingerprint has, one below the copy new replaces (or
    # its own, when anything changed), or (for a definition not stored yet) one not above every stored version.
    taken = {a.version: a.fingerprint for a in stored}
    v = new.version
    clash = taken.get(v, new.fingerprint) != new.fingerprint
    same = current is not None and current.model_dump(exclude={"version"}) == new.model_dump(exclude={"version"})
    if current is not None:  # versions only grow; the same version is the same definition
        clash |= version_key(v) < version_key(current.version) or (current.version == v and not same)
    if new.fingerprint not in taken.values():
        clash |= any(version_key(t) >= version_key(v) for t in taken)
    if clash and same:  # the copy in use again, from a file that still has the version it had before
        return current.version
    return next_version(v, [*taken, *([current.version] if current else [])]) if clash else v


def unknown_previous(new: FormDefinition, stored: list[Answered], where: dict) -> list[Problem]:
    """An earlier key (tidligere_nøgle) that no stored version of the form has: a typing error loses the link."""
    if not stored:
        return []
    known = {k for a in stored for k in block_keys(a.definition)}
    versions = ", ".join(dict.fromkeys(a.version for a in stored))
    return [Problem(CODE, where.get(("previous", i.key), f"previous_keys of '{i.key}'"),
                    f"'{old}' is not a key in any stored version of {new.id} ({versions})",
                    "write the key exactly as the earlier version had it, or leave tidligere_nøgle empty")
            for i in new.items for old in i.previous_keys if old not in known]


def _items(raw: dict) -> list[dict]:
    return [i for s in raw.get("sections", ()) for i in s.get("items", ())]


def block_keys(raw: dict) -> list[str]:
    """The keys a stored definition's answers hang on (indicators and text sections)."""
    return [i["key"] for i in _items(raw)] + [t["key"] for t in raw.get("texts", ())]


def _ordered(definitions: dict[str, dict]) -> dict[str, list[tuple[str, dict]]]:
    """(fingerprint, definition) per form id, oldest version first (versions only grow: forms add sees to it)."""
    forms: dict[str, list[tuple[str, dict]]] = {}
    for fp, raw in definitions.items():
        forms.setdefault(raw.get("id", ""), []).append((fp, raw))
    return {f: sorted(defs, key=lambda d: version_key(str(d[1].get("version", "")))) for f, defs in forms.items()}


def renames(definitions: dict[str, dict]) -> dict[str, dict[str, str]]:
    """For each stored definition, {its key: the key its answers are reported under} after later versions' previous_keys."""
    # Rules apply in version order, each only to older definitions, so chains (a → b → c) and a key renamed back hold.
    out: dict[str, dict[str, str]] = {}
    for defs in _ordered(definitions).values():
        rules = [(n, old, i["key"]) for n, (_, raw) in enumerate(defs) for i in _items(raw)
                 for old in i.get("previous_keys", ())]
        for n, (fp, raw) in enumerate(defs):
            now = {k: k for k in block_keys(raw)}
            for later, old, new in rules:
                for k, cur in now.items():
                    # Never onto a key this definition has itself: two indicators' answers would mix.
                    if later > n and cur == old and new not in now.values():
                        now[k] = new
            if moved := {k: v for k, v in now.items() if k != v}:
                out[fp] = moved
    return out


def renamed_definition(raw: dict, moved: dict[str, str]) -> dict:
    """A stored definition's JSON with its indicators under the keys their answers are reported under."""
    if not moved:
        return raw
    sections = [{**s, "items": [{**i, "key": moved.get(i["key"], i["key"])} for i in s.get("items", ())]}
                for s in raw.get("sections", ())]
    texts = [{**t, "key": moved.get(t["key"], t["key"])} for t in raw.get("texts", ())]
    return {**raw, "sections": sections, "texts": texts}


def _key_problems(new: FormDefinition, stored: list[Answered], where: dict) -> list[Problem]:
    """Keys with stored answers that the new definition would leave without an indicator."""
    fresh = {k for a in stored for k in block_keys(a.definition)}
    added = [i.key for i in new.items if i.key not in fresh and not i.previous_keys]
    moved = renames({**{a.fingerprint: a.definition for a in stored}, "new": new.model_dump(mode="json")})
    lost: dict[str, list[Answered]] = {}
    for a in stored:
        for key, n in a.counts.items():
            key = moved.get(a.fingerprint, {}).get(key, key)
            if n and key not in new.block_keys() and key not in new.retired_keys:
                lost.setdefault(key, []).append(a)
    out = []
    for key, found in lost.items():
        n, versions = sum(a.counts.get(key, 0) for a in found), ", ".join(dict.fromkeys(a.version for a in found))
        if len(added) == 1:
            at, what = where.get(("key", added[0]), added[0]), (
                f"'{key}' has answers in {n} stored return(s) (version {versions}) and is no longer in the form; "
                f"'{added[0]}' is new")
            fix = (f"if '{added[0]}' is '{key}' renamed, write {key} in tidligere_nøgle "
                   f"({where.get(('previous', added[0]), 'its earlier key')}) so its old answers stay its answers; ")
        else:
            at = where.get(("keys",), "the indicators")
            what = f"'{key}' has answers in {n} stored return(s) (version {versions}) and is no longer in the form"
            fix = "if an indicator is it renamed, write " + key + " in that indicator's tidligere_nøgle; "
        fix += (f"if it is taken out on purpose, write {key} in Udgåede nøgler ({where.get(('retired',), 'retired keys')}); "
                "or keep the indicator with this key")
        out.append(Problem(CODE, at, what, fix))
    return out


def _scale_problems(new: FormDefinition, stored: list[Answered], where: dict) -> list[Problem]:
    """A scale whose steps changed while answers on the old steps are stored, unless previous_steps says so."""
    old = {int(a.definition["scale"]["steps"]) for a in stored if any(a.counts.values())} - {new.scale.steps}
    if not old or new.scale.previous_steps in old:
        return []
    steps = ", ".join(str(s) for s in sorted(old))
    return [Problem(CODE, where.get(("steps",), "scale.steps"),
                    f"the scale has {new.scale.steps} steps, but stored answers were given on {steps} steps",
                    f"keep {steps} steps; or, if the change is meant, write {max(old)} in Tidligere trin "
                    f"({where.get(('previous_steps',), 'scale.previous_steps')}): old and new answers are then "
                    "compared in per cent and on the five common bands, not step by step; or give the form a new id")]


def protect(new: FormDefinition, stored: list[Answered], where: dict | None = None) -> list[Problem]:
    """What the new definition would do to stored answers of its form: a renamed or removed key, changed steps."""
    # where maps ("key", k), ("previous", k), ("keys",), ("retired",), ("steps",), ("previous_steps",) to the
    # place to name (a workbook's Sheet!Cell, a YAML path).
    where = where or {}
    return unknown_previous(new, stored, where) + _key_problems(new, stored, where) + _scale_problems(new, stored, where)
