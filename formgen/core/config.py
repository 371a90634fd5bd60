"""formgen.toml's settings, validated with pydantic (imported only by the commands that read them)."""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["DEFAULT_OFFICE", "Organisation", "Defaults", "Config"]

DEFAULT_OFFICE = "standard"  # the office of a workspace that names none, and of rows made before offices existed


class Organisation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1)
    unit: str = ""  # printed under the name; not the office below
    # the office whose citizens, forms and log this workspace sees in a shared database (its rows' unit)
    office: str = Field(default=DEFAULT_OFFICE, min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")
    contact: str = ""
    logo: str = ""
    colour: str = "#1F4E79"

    @field_validator("colour")
    @classmethod
    def _colour(cls, v: str) -> str:
        if not re.match(r"^#[0-9A-Fa-f]{6}$", v):
            raise ValueError(f"'{v}' is not a colour: write it as #RRGGBB, e.g. #1F4E79")
        return v.upper()


class Defaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    scale_steps: int = Field(default=5, ge=3, le=20)
    weeks_between_rounds: int = Field(default=8, ge=1, le=52)


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    organisation: Organisation
    defaults: Defaults = Defaults()
