"""Document templates: the shipped ones in templates/, overridable per workspace."""
from __future__ import annotations

import shutil
from pathlib import Path

from formgen.core.errors import fail

__all__ = ["SHIPPED", "template_path", "copy_templates"]

SHIPPED = Path(__file__).resolve().parents[2] / "templates"


def template_path(name: str, workspace=None) -> Path:
    """The workspace's copy of a template when it has one, else the shipped template."""
    if workspace is not None:
        own = workspace.templates_dir / name
        if own.is_file():
            return own
    path = SHIPPED / name
    if not path.is_file():
        raise fail("FG140", str(path), "the shipped template is missing",
                   "reinstall formgen from its repository (make install), or run tools/make_templates.py")
    return path


def copy_templates(workspace) -> list[Path]:
    """Copy the shipped templates into the workspace to restyle them in Word."""
    out = []
    for src in sorted(SHIPPED.glob("*.docx")):
        dst = workspace.templates_dir / src.name
        if not dst.exists():
            shutil.copyfile(src, dst)
            out.append(dst)
    return out
