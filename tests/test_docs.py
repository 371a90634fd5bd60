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
