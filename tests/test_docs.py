"""The documentation's promises hold: the forms.md example is a valid form."""
import re
from pathlib import Path

from formgen.forms.catalogue import parse

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_complete_example_in_forms_md_passes_forms_check():
    text = (DOCS / "forms.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example:start -->\s*```yaml\n(.*?)```", text, re.S).group(1)
    d = parse(block, "docs/forms.md")
    assert d.id == "praktik-kort" and [i.key for i in d.items] == ["samarbejde", "moedestabilitet"]
    assert "moedestabilitet" not in {f.key for f in d.fields("borger")}


def test_every_command_is_documented_in_the_readme():
    from formgen.cli import cli

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from walk(cmd, prefix + [name])
            else:
                yield " ".join(prefix + [name])

    missing = [c for c in walk(cli, ["formgen"]) if c not in readme]
    assert missing == []


def test_the_library_example_in_the_readme_runs(tmp_path, monkeypatch, capsys):
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it as a library", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORMGEN_WORKSPACE", raising=False)
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    forms = tmp_path / "mit-jobcenter" / "output" / "forms" / "samtaleskema" / "runde-1"
    assert sorted(p.name for p in forms.glob("*.docx")) == ["S-0042_borger_samtaleskema.docx",
                                                             "S-0042_konsulent_samtaleskema.docx"]
    assert "S-0042 borger samtaleskema missing" in out
    assert (tmp_path / "mit-jobcenter" / "output" / "export" / "scores.csv").is_file()


def test_the_package_root_loads_its_api_lazily():
    import subprocess
    import sys

    script = ("import sys, formgen; assert 'formgen.api' not in sys.modules; "
              "names = [n for n in formgen.__all__ if n != '__version__']; "
              "missing = [n for n in names if not callable(getattr(formgen, n))]; assert not missing, missing; "
              "from formgen.cli import cli; print('ok')")
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout == "ok\n"
