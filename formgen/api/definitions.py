"""Adding a form definition to a workspace: checked against the answers its earlier versions have in the database."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.api.guard import guarded

if TYPE_CHECKING:  # for the annotations only
    from formgen.core.workspace import Workspace
    from formgen.forms.definition import FormDefinition

__all__ = ["add_form", "check_form_change", "FormChange", "definition_preview_pdf"]


@dataclass(frozen=True)
class FormChange:
    """What adding a definition would do: the definition as it would be used (its version chosen) and the version it had."""

    definition: FormDefinition
    version_given: str
    replaces: Path | None  # the workspace's copy it replaces


def _read(path: Path) -> tuple[FormDefinition, dict]:
    """The definition in a file and where a problem with stored answers is named (a workbook's cells)."""
    from formgen.forms.catalogue import load_file

    if path.suffix.lower() == ".xlsx":
        from formgen.formats.definition_xlsx import read_definition

        cells: dict = {}
        return read_definition(path, cells), cells
    d = load_file(path)
    where = {("key", i.key): f"items key '{i.key}'" for i in d.items}
    where |= {("previous", i.key): f"previous_keys of '{i.key}'" for i in d.items}
    return d, where | {("keys",): "sections", ("retired",): "retired_keys", ("steps",): "scale.steps",
                       ("previous_steps",): "scale.previous_steps"}


@guarded("forms")
def check_form_change(ws: Workspace, path: Path | str, replace_own: bool = False) -> FormChange:
    """Check a definition as forms add would, without adding it (FG111/FG114 file, FG113 id, FG115 stored answers)."""
    # replace_own: the workspace's own definition with this id is replaced whatever its file is called
    # (the Skemaer page, where the workbook was downloaded for that form).
    from formgen.core.errors import FormgenError, Problem
    from formgen.forms import versions
    from formgen.forms.catalogue import current_copy
    from formgen.store.db import connect
    from formgen.store.manifest import stored_definitions

    path = Path(path)
    d, where = _read(path)
    current = current_copy(d, path, ws.forms_dir, replace_own)
    engine = connect(ws.db, ws.unit)
    try:
        stored = stored_definitions(engine, d.id)
    finally:
        engine.dispose()
    version = versions.choose_version(d, stored, current.definition if current else None)
    new = d.model_copy(update={"version": version})
    problems = versions.protect(new, stored, where)
    if problems:
        raise FormgenError([Problem(p.code, f"{path.name}, {p.where}", p.what, p.fix) for p in problems])
    return FormChange(new, d.version, current.source if current else None)


@guarded("rounds")
def add_form(ws: Workspace, path: Path | str, replace_own: bool = False) -> FormDefinition:
    """Check a definition (YAML or workbook) against the stored answers and copy it into forms/; returns it."""
    # A changed definition gets a new version (written into the copy). The definition is remembered in the
    # database at once, so its earlier keys (previous_keys) link old answers to the new keys in every report.
    from formgen.forms.catalogue import copy_definition, set_yaml_version
    from formgen.store.db import connect
    from formgen.store.manifest import remember_definition

    path = Path(path)
    change = check_form_change(ws, path, replace_own)
    d = change.definition
    target = copy_definition(path, ws.forms_dir, change.replaces)
    if d.version != change.version_given:
        if target.suffix.lower() == ".xlsx":
            from formgen.formats.definition_xlsx import set_version

            set_version(target, d.version)
        else:
            set_yaml_version(target, d.version)
    engine = connect(ws.db, ws.unit)
    try:
        remember_definition(engine, d.fingerprint, d.id, d.version, d.model_dump(mode="json"))
    finally:
        engine.dispose()
    return d


def definition_preview_pdf(ws: Workspace, definition: FormDefinition, folder: Path | str) -> Path:
    """A blank Word copy of a definition not in use yet, and its PDF, in folder (the Skemaer page's preview)."""
    from formgen.core.private import write_private
    from formgen.formats.convert import to_pdf
    from formgen.generate.run import preview_form

    docx = write_private(Path(folder) / f"{definition.id}.docx", preview_form(ws, definition, "docx"))
    return to_pdf([docx], Path(folder), workers=1)[0]
