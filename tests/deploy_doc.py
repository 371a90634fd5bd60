"""docs/deployment.md as tests/test_deployment_doc.py reads it: its shell blocks, the files it writes, their settings."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOC", "Block", "blocks", "named_block", "files", "assignments", "settings", "commands", "superuser_lines"]

DOC = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"
FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```$", re.S | re.M)
HEREDOC = re.compile(r"^cat (>>?) (\S+) <<'EOF'\n(.*?)^EOF\n", re.S | re.M)
SUPERUSER = "sudo -u postgres "


@dataclass(frozen=True)
class Block:
    """A fenced block: its language, its test name (`sh test=NAME`; '' when the test does not run it), its text."""

    lang: str
    name: str
    text: str


def blocks() -> list[Block]:
    found = []
    for lang, info, text in FENCE.findall(DOC.read_text(encoding="utf-8")):
        name = re.fullmatch(r"\s*test=([\w-]+)\s*", info)
        assert name or not info.strip(), f"unknown info string {lang}{info!r} in {DOC.name}"
        found.append(Block(lang, name.group(1) if name else "", text))
    return found


def named_block(name: str) -> str:
    """The one block marked `sh test=NAME`."""
    found = [b.text for b in blocks() if b.name == name]
    assert len(found) == 1, f"{DOC.name} has {len(found)} blocks marked sh test={name}"
    return found[0]


def files() -> dict[str, str]:
    """Every file the page writes with `cat > FILE <<'EOF'` (`>>` appends): path → content."""
    out: dict[str, str] = {}
    for block in blocks():
        for how, path, content in HEREDOC.findall(block.text):
            out[path] = (out.get(path, "") if how == ">>" else "") + content
    return out


def assignments(content: str) -> dict[str, str]:
    """NAME=VALUE lines of an environment file (comments and blank lines left out)."""
    lines = [line for line in content.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def settings(unit: str) -> dict[str, str]:
    """Key=value lines of a systemd unit (the last one of each key)."""
    return dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))


def commands(text: str) -> list[list[str]]:
    """The commands of a shell block as word lists, the bodies of here-documents left out, split at ; && || |."""
    text = HEREDOC.sub(lambda m: f"cat {m.group(1)} {m.group(2)}\n", text)
    out: list[list[str]] = []
    for line in text.replace("\\\n", " ").splitlines():
        words: list[str] = []
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        for word in lexer:
            if word in (";", "&&", "||", "|"):
                out.append(words)
                words = []
            else:
                words.append(word)
        out.append(words)
    return [c for c in out if c]


def superuser_lines(text: str) -> list[list[str]]:
    """A block of `sudo -u postgres …` lines only: each line's command without the prefix."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(line.startswith(SUPERUSER) for line in lines), f"mixes sudo -u postgres with other lines:\n{text}"
    return [shlex.split(line[len(SUPERUSER):]) for line in lines]
