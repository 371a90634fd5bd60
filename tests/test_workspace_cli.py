"""Workspace setup and the CLI: init, discovery, forms list/show/check, clear errors."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from formgen.cli import cli
from formgen.core.errors import FormgenError
from formgen.core.workspace import find, init


def run(*args, env=None, cwd=None):
    """Run the real console script (so exit codes and stderr are what a user sees)."""
    exe = Path(sys.executable).parent / "formgen"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd)


def test_init_creates_a_private_workspace_with_a_placeholder_logo(tmp_path):
    ws = init(tmp_path / "jc", "Jobcenter Eksempelby", unit="Virksomhedsservice")
    for name in ("formgen.toml", "intake", "output", "forms", "templates", "logo.png"):
        assert (ws.root / name).exists(), name
    assert (ws.root / "logo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert stat.S_IMODE((ws.root / "formgen.toml").stat().st_mode) == 0o600
    assert stat.S_IMODE((ws.root / "intake").stat().st_mode) == 0o700
    assert ws.config.organisation.name == "Jobcenter Eksempelby"
    assert ws.config.defaults.weeks_between_rounds == 8


def test_init_refuses_to_overwrite(tmp_path):
    init(tmp_path, "Jobcenter A")
    with pytest.raises(FormgenError, match="already exists"):
        init(tmp_path, "Jobcenter B")


def test_workspace_is_found_from_a_subfolder_and_from_the_environment(tmp_path, monkeypatch):
    ws = init(tmp_path / "jc", "Jobcenter A")
    monkeypatch.chdir(ws.root / "output")
    monkeypatch.delenv("FORMGEN_WORKSPACE", raising=False)
    assert find().root == ws.root
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORMGEN_WORKSPACE", str(ws.root))
    assert find().root == ws.root


def test_missing_workspace_says_what_to_do(tmp_path):
    r = run("generate", "samtaleskema", cwd=tmp_path, env={"FORMGEN_WORKSPACE": ""})
    assert r.returncode == 1
    assert "not inside a formgen workspace" in r.stderr and "formgen init" in r.stderr
    assert "Traceback" not in r.stderr


def test_init_office_names_the_office_and_a_workspace_without_one_is_standard(tmp_path):
    r = run("init", str(tmp_path / "nord"), "--name", "Jobcenter A", "--office", "Nord")
    assert r.returncode == 0, r.stderr
    assert find(tmp_path / "nord").unit == "Nord" and 'office = "Nord"' in (tmp_path / "nord" / "formgen.toml").read_text()
    old = init(tmp_path / "gammel", "Jobcenter A").root / "formgen.toml"
    old.write_text("".join(line for line in old.read_text().splitlines(True) if not line.startswith("office")))
    assert find(old.parent).unit == "standard"  # a formgen.toml from before offices
    r = run("init", str(tmp_path / "tom"), "--office", " Nord")
    assert r.returncode == 1 and "FG101" in r.stderr and "--office" in r.stderr and "not an office name" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "tom" / "formgen.toml").exists()


def test_invalid_config_names_the_setting(tmp_path):
    ws = init(tmp_path / "jc", "Jobcenter A")
    toml = ws.root / "formgen.toml"
    toml.write_text(toml.read_text().replace('colour = "#1F4E79"', 'colour = "blue"'))
    r = run("--workspace", str(ws.root), "generate", "samtaleskema")
    assert r.returncode == 1 and "organisation.colour" in r.stderr and "#RRGGBB" in r.stderr


def test_version_and_forms_list_show_the_five_presets(tmp_path):
    assert run("--version").stdout.startswith("formgen, version")
    r = run("forms", "list", cwd=tmp_path, env={"FORMGEN_WORKSPACE": ""})
    assert r.returncode == 0
    for fid in ("samtaleskema", "opfoelgning", "kompetencekort", "praktik-trivsel", "bip-inspireret"):
        assert fid in r.stdout


def test_custom_forms_in_the_workspace_appear_next_to_the_presets(tmp_path):
    ws = init(tmp_path / "jc", "Jobcenter A")
    (ws.forms_dir / "eget.yaml").write_text(
        "id: eget-skema\nversion: 1\nkind: survey\ntitle: Eget\nscale: {steps: 3, anchors: [a, b, c]}\n"
        "respondents: [borger]\nsections: [{title: S, items: [{key: k, label: K, question: 'Q?'}]}]\n")
    r = run("--workspace", str(ws.root), "forms", "list")
    assert "eget-skema" in r.stdout and "eget.yaml" in r.stdout


GOOD = ("id: eget-skema\nversion: 1\nkind: survey\ntitle: Eget\nscale: {steps: 3, anchors: [a, b, c]}\n"
        "respondents: [borger]\nsections: [{title: S, items: [{key: k, label: K, question: 'Q?'}]}]\n")


def test_forms_list_follows_every_edit_of_a_definition(tmp_path):
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    ws = init(tmp_path / "jc", "Jobcenter A")
    form = ws.forms_dir / "eget.yaml"
    form.write_text(GOOD)
    first = run("--workspace", str(ws.root), "forms", "list", env=cache)
    assert first.returncode == 0 and "eget-skema" in first.stdout
    stored = tmp_path / "cache" / "formgen" / "cache.json"
    assert stored.is_file() and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert b"Jobcenter A" not in stored.read_bytes()  # keyed by digests: no copy of the workspace's texts
    assert run("--workspace", str(ws.root), "forms", "list", env=cache).stdout == first.stdout
    # the same size and modification time: only the text tells the new version from the old
    before = form.stat()
    form.write_text(GOOD.replace("version: 1", "version: 2"))
    os.utime(form, ns=(before.st_atime_ns, before.st_mtime_ns))
    second = run("--workspace", str(ws.root), "forms", "list", env=cache)
    row, = [line.split() for line in second.stdout.splitlines() if line.startswith("eget-skema")]
    assert row[:3] == ["eget-skema", "2", "survey"] and row[-1] == "eget.yaml"
    assert first.stdout.replace("eget-skema       1  ", "eget-skema       2  ") == second.stdout


def test_forms_list_reports_a_broken_definition_as_forms_check_does(tmp_path):
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    ws = init(tmp_path / "jc", "Jobcenter A")
    form = ws.forms_dir / "eget.yaml"
    form.write_text(GOOD)
    assert run("--workspace", str(ws.root), "forms", "list", env=cache).returncode == 0
    form.write_text(GOOD.replace("respondents: [borger]", "respondents: [chef]"))
    for _ in range(2):  # the second time with every other file known to the cache
        r = run("--workspace", str(ws.root), "forms", "list", env=cache)
        assert r.returncode == 1 and r.stdout == ""
        assert r.stderr == run("forms", "check", str(form)).stderr
        assert "respondents[0] (line 6)" in r.stderr and "Traceback" not in r.stderr


def test_forms_list_checks_the_workspace_settings_after_every_edit(tmp_path):
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    ws = init(tmp_path / "jc", "Jobcenter A")
    assert run("--workspace", str(ws.root), "forms", "list", env=cache).returncode == 0
    toml = ws.root / "formgen.toml"
    toml.write_text(toml.read_text().replace('colour = "#1F4E79"', 'colour = "blue"'))
    r = run("--workspace", str(ws.root), "forms", "list", env=cache)
    assert r.returncode == 1 and "organisation.colour" in r.stderr and "#RRGGBB" in r.stderr


def test_help_and_a_known_forms_list_import_no_heavy_library(tmp_path):
    ws = init(tmp_path / "jc", "Jobcenter A")
    heavy = ("pydantic", "yaml", "tomllib", "sqlalchemy", "pandas", "matplotlib", "docx", "lxml", "openpyxl", "rich")
    script = ("import sys; from click.testing import CliRunner; from formgen.cli import cli; "
              "r = CliRunner().invoke(cli, sys.argv[1:]); assert r.exit_code == 0, r.output; "
              f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    python = [sys.executable, "-c", script, "--workspace", str(ws.root)]
    subprocess.run([*python, "forms", "list"], env=env, check=True, capture_output=True)  # fills the cache
    for args in (["--help"], ["forms", "list"]):
        r = subprocess.run([*python, *args], env=env, capture_output=True, text=True, check=True)
        assert r.stdout.strip() == "[]", args


def test_forms_show_outlines_wording_per_respondent():
    r = CliRunner().invoke(cli, ["forms", "show", "samtaleskema"])
    assert r.exit_code == 0
    assert "borger: Hvordan har du det med at samarbejde med kollegerne?" in r.output
    assert "konsulent: Hvordan vurderer du borgerens samarbejde med kollegerne?" in r.output


def test_forms_check_exit_codes(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("id: ok\nversion: 1\nkind: survey\ntitle: OK\nscale: {steps: 3, anchors: [a, b, c]}\n"
                    "respondents: [borger]\nsections: [{title: S, items: [{key: k, label: K, question: 'Q?'}]}]\n")
    assert run("forms", "check", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("respondents: [borger]", "respondents: [chef]"))
    r = run("forms", "check", str(bad))
    assert r.returncode == 1
    assert "respondents[0]" in r.stderr and "'borger', 'mentor' or 'konsulent'" in r.stderr
    assert "use one of the allowed values" in r.stderr and "Traceback" not in r.stderr


def test_every_command_help_ends_with_an_example():
    def walk(group, prefix):
        for name, cmd in group.commands.items():
            yield prefix + [name], cmd
            if hasattr(cmd, "commands"):
                yield from walk(cmd, prefix + [name])

    for path, cmd in walk(cli, []):
        r = CliRunner().invoke(cli, [*path, "--help"])
        assert r.exit_code == 0, path
        assert "Example:" in r.output and r.output.rstrip().splitlines()[-1].strip().startswith("formgen"), path


def test_the_commands_are_a_thin_shell_over_the_library_api():
    import ast

    cli_dir = Path(__file__).resolve().parent.parent / "formgen" / "cli"
    allowed = ("formgen.api.", "formgen.cli.", "formgen.demo.", "formgen.core.")  # the API, and the workspace lookup
    sources = sorted(cli_dir.glob("*.py"))
    assert len(sources) > 5
    reached = [f"{p.name}:{n.lineno} {n.module}" for p in sources for n in ast.walk(ast.parse(p.read_text()))
               if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("formgen")
               and not (n.module + ".").startswith(allowed)]
    assert reached == []
