"""Fill a generated form inside LibreOffice the way a person does, through UNO, and save it.

Run with the system python that has Debian's python3-uno (not the project's venv):

    /usr/bin/python3 tests/uno_fill.py FORM.docx|FORM.xlsx ANSWERS.json OUT.docx|.xlsx|.odt|.ods

ANSWERS.json maps a content-control tag (`fg:key:field`, Word) or a defined name (`fg.key.field`,
Excel) to what the person picks or types; a value with "\\n" is typed as several lines. The output's
extension chooses the format LibreOffice saves (.odt/.ods for the ODF returns). soffice runs headless
with a profile of its own (Danish locale, macros off) and a pipe, and is stopped by its pid: no
process is left behind, also when filling fails. Prints the LibreOffice version on success.

FORMGEN_SOFFICE names another soffice to drive (default: `soffice` on the PATH), e.g. a LibreOffice
unpacked into a folder of its own; run this script with that LibreOffice's python3-uno then.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

__all__ = ["main"]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FILTERS = {".docx": "MS Word 2007 XML", ".odt": "writer8", ".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8"}
CONNECT_SECONDS = 120  # a cold first start of soffice with a new profile takes a while on a busy machine


def prop(name: str, value) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def start(profile: Path, pipe: str) -> subprocess.Popen:
    """soffice headless with its own profile, listening on a named pipe."""
    return subprocess.Popen(
        [os.environ.get("FORMGEN_SOFFICE", "soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
         "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def connect(proc: subprocess.Popen, pipe: str):
    """The remote component context, once soffice accepts connections."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"soffice did not accept a connection (exit code {proc.poll()})")
            time.sleep(0.3)


SETTINGS = (  # a Danish user (the locale decides how typed numbers and dates are understood), no macros
    ("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", "da-DK"),
    ("/org.openoffice.Setup/L10N", "ooLocale", "da-DK"),
    ("/org.openoffice.Office.Linguistic/General", "DefaultLocale", "da-DK"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
)


def profile(folder: Path) -> Path:
    """A new LibreOffice profile with SETTINGS, written before soffice starts (it reads them once)."""
    items = "".join(f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
                    for path, name, value in SETTINGS)
    user = folder / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        f'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{items}'
        '</oor:items>', encoding="utf-8")
    return folder


def docx_tags(path: Path) -> list[str]:
    """The content-control tags of the body in document order (what LibreOffice 7.4 forgets)."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("word/document.xml"))
    return [t.get(W + "val") for t in root.iter(W + "tag")]


def _controls(text, out: list) -> None:
    """Content controls and input fields of a text, tables and nested tables included, in document order."""
    paragraphs = text.createEnumeration()
    while paragraphs.hasMoreElements():
        par = paragraphs.nextElement()
        if par.supportsService("com.sun.star.text.TextTable"):
            for name in par.getCellNames():
                _controls(par.getCellByName(name), out)
            continue
        portions = par.createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            kind = portion.TextPortionType
            if kind == "ContentControl":
                out.append(("control", portion.ContentControl))
            elif kind == "TextField" and portion.TextField.supportsService("com.sun.star.text.TextField.Input"):
                out.append(("input", portion.TextField))


def _tag(kind: str, obj) -> str | None:
    """The tag LibreOffice kept (25 keeps content-control tags; 7.4 has none)."""
    info = obj.getPropertySetInfo()
    return obj.Tag or None if kind == "control" and info.hasPropertyByName("Tag") else None


def _alias(kind: str, obj) -> str | None:
    if kind == "input":
        return dict((g.Name, g.Value) for g in obj.InteropGrabBag).get("ooxml:CT_SdtPr_alias")
    return obj.Alias if obj.getPropertySetInfo().hasPropertyByName("Alias") else None


def fill_writer(doc, source: Path, answers: dict[str, str]) -> None:
    """Pick each choice from its drop-down and type each text into its field."""
    found: list = []
    _controls(doc.getText(), found)
    tags = docx_tags(source)
    if len(found) != len(tags):
        raise SystemExit(f"LibreOffice shows {len(found)} controls, the file has {len(tags)} tags")
    aliases = _aliases(source)
    for (kind, obj), tag in zip(found, tags):
        kept = _tag(kind, obj)
        if kept and kept != tag or (_alias(kind, obj) or aliases[tag]) != aliases[tag]:
            raise SystemExit(f"control order differs: {tag} found as {kept or _alias(kind, obj)}")
        if tag in answers:
            (pick if kind == "control" else type_into)(obj, answers[tag], tag)
    missing = set(answers) - set(tags)
    if missing:
        raise SystemExit(f"no control for {sorted(missing)}")


def _aliases(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("word/document.xml"))
    out = {}
    for pr in root.iter(W + "sdtPr"):
        tag, alias = pr.find(W + "tag"), pr.find(W + "alias")
        if tag is not None:
            out[tag.get(W + "val")] = alias.get(W + "val") if alias is not None else None
    return out


def pick(control, value: str, tag: str) -> None:
    """A choice from a drop-down content control: its display text replaces the placeholder."""
    items = [dict((p.Name, p.Value) for p in item) for item in control.ListItems]
    if items:
        shown = [i.get("DisplayText") or i.get("Value") for i in items]
        if value not in shown:
            raise SystemExit(f"{tag}: {value!r} is not one of the choices {shown}")
    # The control's text (its placeholder until now) replaced, as choosing from the list does. A cursor
    # of the control starts inside it; one made from its anchor would write outside it.
    old = control.getAnchor().getString()
    cursor = control.createTextCursor()
    cursor.getText().insertString(cursor, value, False)
    cursor.goRight(len(old), True)
    cursor.setString("")
    control.ShowingPlaceHolder = False


def type_into(field, value: str, tag: str) -> None:
    """Text typed into an input field (LibreOffice 7.4's form of a plain-text control); Enter makes a new line."""
    field.Content = value
    field.update()


def fill_calc(doc, answers: dict[str, str]) -> None:
    """Each value entered into its named cell as typed: FormulaLocal is read like keyboard input in the
    Danish locale (22,5 a number, 24-11-2026 a date, unless the cell is text-formatted). Picking from a
    list validation enters the item's text the same way. (.uno:EnterString through the view would be
    closer still, but a cell's input message then crashes a headless LibreOffice 7.4 now and then.)"""
    names = doc.NamedRanges
    for name, value in answers.items():
        if not names.hasByName(name):
            raise SystemExit(f"no defined name {name}")
        names.getByName(name).getReferredCells().getCellByPosition(0, 0).FormulaLocal = value


def main(argv: list[str]) -> int:
    source, answers_path, out = (Path(a).resolve() for a in argv[1:4])
    answers = json.loads(answers_path.read_text(encoding="utf-8"))
    if out.suffix not in FILTERS:
        raise SystemExit(f"cannot save as {out.suffix}")
    with tempfile.TemporaryDirectory(prefix="fg-uno-") as tmp:
        pipe = f"fg_uno_{os.getpid()}"
        proc = start(profile(Path(tmp) / "profile"), pipe)
        try:
            ctx = connect(proc, pipe)
            smgr = ctx.ServiceManager
            desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            # a private copy: LibreOffice's lock file beside it never outlives a failed run
            copy = Path(tmp) / source.name
            shutil.copyfile(source, copy)
            doc = desktop.loadComponentFromURL(copy.as_uri(), "_blank", 0, (prop("Hidden", True),))
            if doc is None:
                raise SystemExit(f"LibreOffice could not open {source}")
            if doc.supportsService("com.sun.star.text.TextDocument"):
                fill_writer(doc, source, answers)
            else:
                fill_calc(doc, answers)
            doc.storeToURL(out.as_uri(), (prop("FilterName", FILTERS[out.suffix]), prop("Overwrite", True)))
            version = _version(smgr, ctx)
            doc.close(True)
            try:
                desktop.terminate()
            except Exception:  # the bridge goes away while soffice quits
                pass
        finally:
            _stop(proc)
    print(version)
    return 0


def _version(smgr, ctx) -> str:
    provider = smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", ctx)
    access = provider.createInstanceWithArguments("com.sun.star.configuration.ConfigurationAccess",
                                                  (prop("nodepath", "/org.openoffice.Setup/Product"),))
    return f"{access.ooName} {access.ooSetupVersionAboutBox}"


def _stop(proc: subprocess.Popen) -> None:
    """Stop soffice by its pid (its own session, so its child oosplash/soffice.bin goes too)."""
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
    try:  # anything of its session still running (soffice.bin outliving oosplash) goes too
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv))
