"""Form definitions: YAML parsed once into frozen, validated pydantic objects."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DONT_KNOW_VALUE",
    "ROLES", "ROLE_TITLES", "MARKS", "MARK_TITLES", "DONT_KNOW", "ASSESSMENTS", "LATER_RE", "KEY_RE",
    "SLUG_RE", "ROW_FIELDS", "Model", "Band", "Scale", "check_anchors", "TextAnswer", "Item", "Section",
    "TextSection", "Group", "FormDefinition", "later_field", "AnswerField",
]

ROLES: tuple[str, ...] = ("borger", "mentor", "konsulent")
ROLE_TITLES = {"borger": "Borger", "mentor": "Virksomhedsmentor", "konsulent": "Jobkonsulent"}
MARKS: tuple[str, ...] = ("now", "goal")
MARK_TITLES = {"now": "Nu", "goal": "Næste delmål"}
DONT_KNOW = "Ved ikke"
DONT_KNOW_VALUE = "ved ikke"  # how an answered "Ved ikke" is stored and exported
# A kompetencekort row can carry several assessments (the Excel card has a Dato/Niveau pair for
# each): the first is the definition's `dato`/`now`, later ones `dato_2`/`now_2`, `dato_3`/`now_3`.
ASSESSMENTS = 3
LATER_RE = re.compile(r"^(now|dato)_(\d+)$")

Role = Literal["borger", "mentor", "konsulent"]
Mark = Literal["now", "goal"]
Kind = Literal["samtaleskema", "opfoelgning", "kompetencekort", "survey"]

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]*$")
# Kompetencekort rows are addressed as <group>_<n>; these are their fields.
ROW_FIELDS: tuple[str, ...] = ("kompetence", "now", "sted", "dato")


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _key(value: str) -> str:
    if not KEY_RE.match(value):
        raise ValueError(
            f"'{value}' is not a valid key: use lower-case letters, digits and _ (snake_case),"
            " starting with a letter, e.g. 'sociale_kompetencer'"
        )
    return value


class Band(Model):
    """Anchor text for a band of steps, e.g. steps '1-4'."""

    steps: str
    text: str

    @property
    def span(self) -> tuple[int, int]:
        lo, _, hi = str(self.steps).partition("-")
        return int(lo), int(hi or lo)

    @field_validator("steps", mode="before")
    @classmethod
    def _steps(cls, v: object) -> str:
        s = str(v).replace(" ", "").replace("–", "-")
        if not re.match(r"^\d+(-\d+)?$", s):
            raise ValueError(f"steps '{v}' must be a step number or a range like '1-4'")
        return s


class Scale(Model):
    """A scale of 3-20 steps with an anchor text for every step or band."""

    steps: int = Field(ge=3, le=20)
    anchors: tuple[str, ...] | tuple[Band, ...]
    dont_know: bool = True
    # The steps stored answers were given on, when the author changed the scale on purpose (forms add).
    previous_steps: int | None = Field(default=None, ge=3, le=20)

    @model_validator(mode="after")
    def _cover(self) -> "Scale":
        check_anchors(self.anchors, self.steps)
        return self

    def bands(self, anchors: tuple[str, ...] | tuple[Band, ...] | None = None) -> list[Band]:
        """Anchors as bands (a plain list becomes one band per step)."""
        anchors = anchors or self.anchors
        if anchors and isinstance(anchors[0], str):
            return [Band(steps=str(i + 1), text=t) for i, t in enumerate(anchors)]
        return list(anchors)  # type: ignore[arg-type]

    def choices(self) -> list[str]:
        """The values a score field accepts, in order."""
        return [str(i) for i in range(1, self.steps + 1)] + ([DONT_KNOW] if self.dont_know else [])


def check_anchors(anchors: tuple, steps: int) -> None:
    """Every step must have exactly one anchor text."""
    if not anchors:
        raise ValueError("anchors are missing: give an anchor text for every step or band")
    if isinstance(anchors[0], str):
        if len(anchors) != steps:
            raise ValueError(
                f"{len(anchors)} anchor texts for a {steps}-step scale: give one per step,"
                " or bands like {steps: '1-4', text: ...}"
            )
        return
    covered: list[int] = []
    for band in anchors:
        lo, hi = band.span
        if lo > hi or lo < 1 or hi > steps:
            raise ValueError(f"band '{band.steps}' is outside the scale 1-{steps}")
        covered.extend(range(lo, hi + 1))
    if sorted(covered) != list(range(1, steps + 1)):
        missing = sorted(set(range(1, steps + 1)) - set(covered))
        twice = sorted({s for s in covered if covered.count(s) > 1})
        raise ValueError(
            f"bands must cover steps 1-{steps} exactly once (missing: {missing or 'none'},"
            f" covered twice: {twice or 'none'})"
        )


class TextAnswer(Model):
    """A free-text (or number/date) answer field."""

    key: str
    label: str
    type: Literal["text", "number", "date"] = "text"
    lines: int = Field(default=2, ge=1, le=20)
    help: str = ""

    _k = field_validator("key")(_key)

    @field_validator("key")
    @classmethod
    def _not_mark(cls, v: str) -> str:
        if v in MARKS:
            raise ValueError(f"'{v}' is reserved for scores: name the text answer something else")
        if LATER_RE.match(v):
            raise ValueError(f"'{v}' is reserved for later kompetencekort assessments: name the text answer "
                             "something else")
        return v


class Item(Model):
    """One indicator: scored now/goal by each respondent, with optional text answers."""

    key: str
    label: str
    description: str = ""
    question: dict[str, str]
    marks: tuple[Mark, ...] = ("now", "goal")
    help: tuple[str, ...] = ()
    texts: tuple[TextAnswer, ...] = ()
    respondents: tuple[Role, ...] | None = None
    evidence: str = ""
    anchors: tuple[str, ...] | tuple[Band, ...] | None = None
    previous_keys: tuple[str, ...] = ()  # keys this indicator had in earlier versions: their answers are its answers

    _k = field_validator("key")(_key)

    @field_validator("previous_keys")
    @classmethod
    def _previous(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_key(k) for k in v)

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, v: object) -> object:
        return {"default": v} if isinstance(v, str) else v

    @field_validator("question")
    @classmethod
    def _question_keys(cls, v: dict[str, str]) -> dict[str, str]:
        bad = set(v) - set(ROLES) - {"default"}
        if bad:
            raise ValueError(
                f"unknown respondent {sorted(bad)} in question: use borger, mentor, konsulent or default"
            )
        return v

    def wording(self, role: str) -> str:
        """The question as this respondent is asked it."""
        return self.question.get(role) or self.question.get("default", "")


class Section(Model):
    """A titled group of indicators."""

    title: str
    intro: str = ""
    items: tuple[Item, ...]


class TextSection(Model):
    """A form-level block of text answers, e.g. the arbejdsaftale."""

    key: str
    title: str
    intro: str = ""
    fields: tuple[TextAnswer, ...]
    respondents: tuple[Role, ...] | None = None

    _k = field_validator("key")(_key)


class Group(Model):
    """A kompetencekort group with free rows: competence, level, where observed, date."""

    key: str
    title: str
    description: str = ""
    rows: int = Field(default=4, ge=1, le=30)
    examples: tuple[str, ...] = ()

    _k = field_validator("key")(_key)


class FormDefinition(Model):
    """A whole form: identity, scale, respondents, sections, text sections and groups."""

    id: str
    version: str
    kind: Kind
    title: str
    intro: str = ""
    scale: Scale
    respondents: tuple[Role, ...]
    sections: tuple[Section, ...] = ()
    texts: tuple[TextSection, ...] = ()
    groups: tuple[Group, ...] = ()
    signatures: bool = True
    retired_keys: tuple[str, ...] = ()  # indicators taken out on purpose: their stored answers stay in earlier rounds

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError(f"'{v}' is not a valid form id: use lower-case letters, digits and -, e.g. 'mit-skema'")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> str:
        return str(v)

    @field_validator("respondents")
    @classmethod
    def _some(cls, v: tuple) -> tuple:
        if not v:
            raise ValueError("a form needs at least one respondent: borger, mentor or konsulent")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "FormDefinition":
        if not (self.sections or self.texts or self.groups):
            raise ValueError("the form asks nothing: add sections with items, texts or groups")
        seen: set[str] = set()
        for key in self.block_keys():
            if key in seen:
                raise ValueError(f"key '{key}' is used twice: keys must be unique in a form")
            seen.add(key)
        _check_previous(self.items, seen, self.retired_keys)
        for item in self.items:
            for role in self.roles_for(item.respondents):
                if not item.wording(role):
                    raise ValueError(f"item '{item.key}' has no question for {role}: add question.{role} or question.default")
            if item.respondents and set(item.respondents) - set(self.respondents):
                raise ValueError(f"item '{item.key}' names respondents the form does not have")
            if item.anchors:
                check_anchors(item.anchors, self.scale.steps)
            text_keys = [t.key for t in item.texts]
            if len(set(text_keys)) != len(text_keys):
                raise ValueError(f"item '{item.key}' has two text answers with the same key")
        return self

    @property
    def items(self) -> list[Item]:
        return [i for s in self.sections for i in s.items]

    def block_keys(self) -> list[str]:
        """Every key that addresses answers (items, text sections, kompetencekort rows)."""
        keys = [i.key for i in self.items] + [t.key for t in self.texts]
        keys += [f"{g.key}_{n}" for g in self.groups for n in range(1, g.rows + 1)]
        return keys

    def roles_for(self, restriction: tuple[str, ...] | None) -> tuple[str, ...]:
        return tuple(r for r in self.respondents if not restriction or r in restriction)

    def fields(self, role: str | None = None) -> list["AnswerField"]:
        """Every answer field, in document order; only those this respondent fills when role is given."""
        out: list[AnswerField] = []
        for item in self.items:
            if role and role not in self.roles_for(item.respondents):
                continue
            out += [AnswerField(item.key, m, "score", MARK_TITLES[m], item.label) for m in item.marks]
            out += [AnswerField(item.key, t.key, t.type, t.label, item.label) for t in item.texts]
        for sec in self.texts:
            if role and role not in self.roles_for(sec.respondents):
                continue
            out += [AnswerField(sec.key, f.key, f.type, f.label, sec.title) for f in sec.fields]
        for g in self.groups if not role or role in self.respondents else ():
            for n in range(1, g.rows + 1):
                out += [
                    AnswerField(f"{g.key}_{n}", "kompetence", "text", "Kompetence", g.title),
                    AnswerField(f"{g.key}_{n}", "now", "score", "Niveau", g.title),
                    AnswerField(f"{g.key}_{n}", "sted", "text", "Hvor er det observeret", g.title),
                    AnswerField(f"{g.key}_{n}", "dato", "date", "Dato", g.title),
                ]
        return out

    def later_fields(self, role: str | None = None) -> list["AnswerField"]:
        """The 2nd, 3rd … assessment of every kompetencekort row (Excel only; optional when reading)."""
        if role and role not in self.respondents:
            return []
        return [AnswerField(f"{g.key}_{r}", later_field(field, n), kind, f"{label} ({n}. vurdering)", g.title)
                for g in self.groups for r in range(1, g.rows + 1) for n in range(2, ASSESSMENTS + 1)
                for field, kind, label in (("dato", "date", "Dato"), ("now", "score", "Niveau"))]

    @property
    def fingerprint(self) -> str:
        """Hash of what reading back depends on: keys, fields, types, scale, and the labels the layout
        fallback finds rows by. Question wording, help and intro texts may change freely."""
        basis = {
            "id": self.id,
            "scale": [self.scale.steps, self.scale.dont_know],
            "fields": [[f.key, f.field, f.type, f.label, f.block] for f in self.fields()],
            "roles": [[i.key, list(self.roles_for(i.respondents))] for i in self.items],
        }
        if any(i.previous_keys for i in self.items):  # what old answers are reported under is part of the data
            basis["previous"] = [[i.key, list(i.previous_keys)] for i in self.items if i.previous_keys]
        raw = json.dumps(basis, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


def _check_previous(items: list[Item], keys: set[str], retired: tuple[str, ...]) -> None:
    """An earlier key is no key the form uses now, and names one indicator."""
    named: set[str] = set()
    for item in items:
        for old in item.previous_keys:
            if old in keys:
                raise ValueError(f"key '{old}' is used in the form and as an earlier key of '{item.key}': "
                                 "an earlier key must be one the form no longer has")
            if old in named:
                raise ValueError(f"key '{old}' is the earlier key of two indicators: its answers can belong to one")
            named.add(old)
    for key in retired:
        if key in keys or key in named:
            raise ValueError(f"key '{key}' is retired but still in the form: remove it from the retired keys")


def later_field(field: str, n: int) -> str:
    """The field name of assessment n (1-based) of a kompetencekort row: now, now_2, now_3 …"""
    return field if n == 1 else f"{field}_{n}"


@dataclass(frozen=True)
class AnswerField:
    """One answer a file carries: tag fg:<key>:<field>, Excel name fg.<key>.<field>."""

    key: str
    field: str
    type: str  # score | text | number | date
    label: str
    block: str  # the indicator/section/group label it belongs to

    @property
    def tag(self) -> str:
        return f"fg:{self.key}:{self.field}"

    @property
    def name(self) -> str:
        return f"fg.{self.key}.{self.field}"
