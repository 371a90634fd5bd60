"""Workspaces: a folder with formgen.toml, intake/, output/, forms/ and the database."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formgen.core.errors import fail
from formgen.core.private import private_dir, write_private

__all__ = [
    "CONFIG", "FORMS", "DB", "ENV_VAR", "Workspace", "locate", "find", "checked", "load", "TOML_TEMPLATE",
    "init", "NETWORK_FS", "network_share",
]

if TYPE_CHECKING:
    from formgen.core.config import Config

CONFIG = "formgen.toml"
FORMS = "forms"  # the workspace's own form definitions
DB = "formgen.db"  # the SQLite database, unless --db names another
ENV_VAR = "FORMGEN_WORKSPACE"


@dataclass(frozen=True)
class Workspace:
    """A located, validated workspace."""

    root: Path
    config: Config
    db_url: str | None = None  # --db / FORMGEN_DB; default: SQLite at <workspace>/formgen.db

    @property
    def intake(self) -> Path:
        return self.root / "intake"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def processed(self) -> Path:
        """Returns stored exactly once are moved here."""
        return self.intake / "processed"

    @property
    def quarantine(self) -> Path:
        """Rejected returns, each beside its <name>.problems.txt."""
        return self.intake / "quarantine"

    @property
    def forms_out(self) -> Path:
        """Generated forms, one folder per batch."""
        return self.output / "forms"

    @property
    def reports(self) -> Path:
        """Reports: one folder per citizen, plus overview/ and company/."""
        return self.output / "reports"

    @property
    def import_reports(self) -> Path:
        """One workbook per intake run."""
        return self.output / "import"

    @property
    def exports(self) -> Path:
        return self.output / "export"

    @property
    def forms_dir(self) -> Path:
        return self.root / FORMS

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def db_path(self) -> Path:
        return self.root / DB

    @property
    def db(self) -> str | Path:
        """Where the database is: a SQLAlchemy URL, or the SQLite file in the workspace."""
        return self.db_url or self.db_path

    @property
    def unit(self) -> str:
        """The office this workspace's rows belong to in the database ([organisation] office)."""
        return self.config.organisation.office

    @property
    def logo(self) -> Path | None:
        logo = self.config.organisation.logo
        return (self.root / logo) if logo else None


def locate(start: Path | str | None = None) -> Path:
    """The workspace folder: explicit dir, else $FORMGEN_WORKSPACE, else the cwd and its parents."""
    if start is None and os.environ.get(ENV_VAR):
        start = os.environ[ENV_VAR]
    if start is not None:
        root = Path(start).expanduser().resolve()
        if not (root / CONFIG).is_file():
            raise fail("FG100", str(root), f"no {CONFIG} here",
                       f"create a workspace with 'formgen init {start}' or point --workspace at one")
        return root
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file():
            return folder
    raise fail("FG100", str(here), f"not inside a formgen workspace (no {CONFIG} here or in any parent folder)",
               "run 'formgen init' here, use --workspace DIR, or set FORMGEN_WORKSPACE")


def find(start: Path | str | None = None) -> Workspace:
    """Locate and load the workspace (see locate)."""
    return load(locate(start))


def checked(start: Path | str | None = None) -> Path:
    """The folder find() would load, after the same checks, without keeping the settings.

    Whether a formgen.toml is valid depends only on its text, so a text that passed before is
    remembered (formgen.cache) and passes again without TOML or pydantic being imported.
    """
    from formgen.core import cache

    root = locate(start)
    path = root / CONFIG
    text = _read(path)
    if cache.recall("configs", text) is not True:
        _config(path, text)
        cache.remember("configs", text, True)  # saved by the command, once (forms.listing)
    return root


def load(root: Path) -> Workspace:
    """Read and validate formgen.toml."""
    path = root / CONFIG
    return Workspace(root, _config(path, _read(path)))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("FG101", str(path), f"cannot read the file: {exc}", "check the file's permissions")


def _config(path: Path, text: str) -> Config:
    import tomllib

    from pydantic import ValidationError

    from formgen.core.config import Config

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail("FG101", str(path), f"not valid TOML: {exc}",
                   "fix the line named above; text values need quotes, e.g. name = \"Jobcenter Eksempelby\"")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise fail("FG101", f"{path}, {where}", err["msg"].removeprefix("Value error, "),
                   "see the comments in a fresh 'formgen init' workspace for the allowed settings")


TOML_TEMPLATE = """\
# formgen workspace settings. Edit freely; 'formgen forms list' checks that the workspace still loads.

[organisation]
name = {name}          # printed in the header of every form and report
unit = {unit}          # e.g. "Virksomhedsservice"
office = {office}      # offices sharing one database each see only their own citizens and forms
contact = {contact}    # footer/contact line
logo = {logo}          # PNG or JPEG, relative to this folder
colour = "{colour}"    # main colour, #RRGGBB

[defaults]
scale_steps = 5            # used by custom forms that do not set scale.steps
weeks_between_rounds = 8
"""


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def init(root: Path, name: str, logo: Path | None = None, unit: str = "", contact: str = "",
         colour: str = "#1F4E79", office: str = "") -> Workspace:
    """Create a workspace (refuses to overwrite an existing formgen.toml)."""
    from formgen.core.logo import check_logo, placeholder_logo  # Pillow only when needed
    from formgen.core.config import Organisation

    root = Path(root).expanduser().resolve()
    if (root / CONFIG).exists():
        raise fail("FG101", str(root / CONFIG), "a workspace already exists here",
                   "edit its formgen.toml, or choose another folder")
    from formgen.core.config import DEFAULT_OFFICE

    office = office or DEFAULT_OFFICE
    Organisation(name=name, colour=colour, office=office)  # validate before writing anything
    if logo is not None:
        check_logo(logo)
    private_dir(root)
    for sub in ("intake", "output", "forms", "templates"):
        private_dir(root / sub)
    if logo is not None:
        logo_name = "logo" + Path(logo).suffix.lower()
        write_private(root / logo_name, Path(logo).read_bytes())
    else:
        logo_name = "logo.png"
        write_private(root / logo_name, placeholder_logo(name, colour))
    text = TOML_TEMPLATE.format(name=_q(name), unit=_q(unit), office=_q(office), contact=_q(contact or name),
                                logo=_q(logo_name), colour=colour.upper())
    write_private(root / CONFIG, text.encode())
    write_private(root / "forms" / "README.md",
                  b"Put your own form definitions (*.yaml) here; see docs/forms.md. They appear in 'formgen forms list'.\n")
    write_private(root / "templates" / "README.md",
                  b"Copy templates/form.docx here and restyle it in Word to change how this workspace's forms look.\n")
    return load(root)


NETWORK_FS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "afs", "glusterfs", "ceph", "davfs"}


def network_share(path: Path, mounts_text: str | None = None) -> str | None:
    """The file system type when path lives on a network share (SQLite's locking is unsafe there)."""
    try:
        mounts = (mounts_text if mounts_text is not None else Path("/proc/mounts").read_text()).splitlines()
    except OSError:
        return None
    best, kind = "", None
    target = str(Path(path).resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")) \
                and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return kind if kind in NETWORK_FS else None
