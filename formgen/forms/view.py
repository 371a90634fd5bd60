"""What a form shows one respondent, independent of the file format (Word and Excel share it)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from formgen.forms.definition import DONT_KNOW, ROLE_TITLES, Band, FormDefinition, Group, Item, Section, TextSection

__all__ = ["META", "FormView", "Prefill", "Person", "view", "prefill"]

# Metadata fields: (key, Danish label). Tags fg:meta:<key>, Excel names fg.meta.<key>.
META = (
    ("citizen", "Borger"), ("company", "Virksomhed"), ("mentor", "Mentor"), ("consultant", "Konsulent"),
    ("round", "Runde"), ("date", "Dato"), ("filled_by", "Udfyldt af"),
)


@dataclass(frozen=True)
class FormView:
    """The parts of a definition one respondent fills in."""

    definition: FormDefinition
    role: str
    sections: tuple[Section, ...]
    texts: tuple[TextSection, ...]
    groups: tuple[Group, ...]

    @property
    def role_title(self) -> str:
        return ROLE_TITLES[self.role]

    @property
    def items(self) -> list[Item]:
        return [i for s in self.sections for i in s.items]

    @property
    def has_scores(self) -> bool:
        return any(i.marks for i in self.items) or bool(self.groups)

    def bands(self, item: Item | None = None) -> list[Band]:
        return self.definition.scale.bands(item.anchors if item else None)

    @property
    def choices(self) -> list[str]:
        return self.definition.scale.choices()

    def anchor_text(self, item: Item | None = None) -> str:
        """All anchors on one line, e.g. for an Excel input message."""
        text = "; ".join(f"{b.steps}: {b.text}" for b in self.bands(item))
        return text + (f"; {DONT_KNOW}" if self.definition.scale.dont_know else "")


def view(d: FormDefinition, role: str) -> FormView:
    """Filter a definition to what this respondent is asked (sections left empty are dropped)."""
    if role not in d.respondents:
        from formgen.core.errors import fail

        raise fail("FG130", f"--role {role}", f"the form '{d.id}' is not filled by {role}",
                   f"use one of: {', '.join(d.respondents)}")
    sections = []
    for sec in d.sections:
        items = tuple(i for i in sec.items if role in d.roles_for(i.respondents))
        if items:
            sections.append(sec.model_copy(update={"items": items}))
    texts = tuple(t for t in d.texts if role in d.roles_for(t.respondents))
    return FormView(d, role, tuple(sections), texts, d.groups)


class Person(Protocol):
    """What prefill reads from a roster row (generate.roster.Citizen); a protocol so forms needs no generate import."""

    citizen_ref: str
    name: str
    company: str
    mentor: str
    consultant: str


@dataclass(frozen=True)
class Prefill:
    """Values printed into one form's metadata block ('' leaves the field for the respondent)."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def prefill(citizen: Person | None, role: str, round_no: int | None, date: dt.date | None) -> Prefill:
    """Metadata for a citizen × role (blank form when citizen is None)."""
    values = {"round": str(round_no) if round_no else "", "date": date.strftime("%d-%m-%Y") if date else ""}
    if citizen is not None:
        who = f"{citizen.name} ({citizen.citizen_ref})" if citizen.name else citizen.citizen_ref
        filled_by = {"borger": citizen.name, "mentor": citizen.mentor, "konsulent": citizen.consultant}[role]
        values.update(citizen=who, company=citizen.company, mentor=citizen.mentor,
                      consultant=citizen.consultant, filled_by=filled_by)
    return Prefill(values)
