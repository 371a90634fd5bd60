"""docs/deployment.md's steps that need root or systemd, checked since the test cannot run them: the packages exist,
every --option exists, the units verify, the paths agree, and the proxies forward to the unit's port and name."""
from __future__ import annotations

import glob
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deploy_doc import DOC, assignments, blocks, commands, files, settings

VENV_BIN = Path(sys.executable).parent
VENV = "/opt/formgen/venv"
ENV_FILE = "/etc/formgen/formgen.env"
UNITS = ("formgen.service", "formgen-backup.service", "formgen-backup.timer")
NEEDED = {"python3-venv", "postgresql", "libreoffice-writer-nogui", "libreoffice-calc-nogui", "poppler-utils",
          "fonts-crosextra-carlito", "caddy"}


def root_commands() -> list[list[str]]:
    """The commands of the blocks the test does not run, `sudo -u USER` left off."""
    out = []
    for block in blocks():
        if block.lang == "sh" and not block.name:
            for command in commands(block.text):
                command = command[3:] if command[:2] == ["sudo", "-u"] else command
                while command and command[0].startswith("-"):  # sudo's own options (-H)
                    command = command[1:]
                out.append(command)
    return [c for c in out if c]


def unit(name: str) -> dict[str, str]:
    return settings(files()[f"/etc/systemd/system/{name}"])


def serve_argv() -> list[str]:
    return shlex.split(unit("formgen.service")["ExecStart"])


def test_the_packages_exist_in_debian():
    installs = [c for c in root_commands() if c[:2] == ["apt-get", "install"]]
    packages = {w for c in installs for w in c[2:] if not w.startswith("-")}
    assert NEEDED <= set(installs[0][2:])
    if not shutil.which("apt-cache") or not glob.glob("/var/lib/apt/lists/*Packages*"):
        pytest.skip("no apt package lists on this machine (apt-get update) to look the packages up in")
    shown = subprocess.run(["apt-cache", "show", "--no-all-versions", *sorted(packages)], capture_output=True,
                           text=True, timeout=120).stdout
    assert packages - set(re.findall(r"^Package: (\S+)$", shown, re.M)) == set()


def help_text(command: list[str]) -> str | None:
    """`CMD --help` (and `CMD SUBCOMMAND --help`), or None when CMD is not on this machine."""
    exe = command[0].replace(f"{VENV}/bin/", f"{VENV_BIN}/")
    if not shutil.which(exe):
        return None
    text = ""
    for args in ([exe, "--help"], [exe, command[1], "--help"] if len(command) > 1 and command[1][0] != "-" else []):
        if args:
            r = subprocess.run(args, capture_output=True, text=True, timeout=60)
            text += r.stdout + r.stderr
    return text


def test_every_option_of_the_root_commands_exists():
    checked, wrong = set(), []
    for command in root_commands():
        options = [w.split("=", 1)[0] for w in command[1:] if w.startswith("--")]
        text = help_text(command) if options else None
        if text is None:
            continue
        checked.add(Path(command[0]).name)
        wrong += [f"{shlex.join(command)}: {o}" for o in options if not re.search(rf"{re.escape(o)}\b", text)]
    assert wrong == []
    assert {"useradd", "systemctl", "pip"} <= checked  # the check really ran


def test_the_paths_agree():
    env, all_commands = assignments(files()[ENV_FILE]), root_commands()
    assert ["python3", "-m", "venv", VENV] in all_commands and serve_argv()[0] == f"{VENV}/bin/formgen"
    bashrc = files()["/srv/formgen/.bashrc"]
    assert f". {ENV_FILE};" in bashrc and f"PATH={VENV}/bin:$PATH" in bashrc
    assert all(unit(u)["EnvironmentFile"] == ENV_FILE for u in UNITS[:2])
    assert unit("formgen-backup.service")["ExecStart"] in files() and unit("formgen.service")["User"] == "formgen"
    [useradd] = [c for c in all_commands if c[0] == "useradd"]
    assert useradd[useradd.index("--home-dir") + 1] == str(Path(env["FORMGEN_WORKSPACE"]).parent)
    assert ["install", "-d", "-o", "formgen", "-g", "formgen", "-m", "700", env["BACKUP_DIR"]] in all_commands
    extras = tomllib.loads((DOC.parent.parent / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    installs = [c[-1] for c in all_commands if c[0] == f"{VENV}/bin/pip" and c[-1].startswith("/opt/formgen/src[")]
    assert installs and {i.split("[", 1)[1].rstrip("]") for i in installs} <= set(extras)


def test_the_proxies_forward_to_the_unit_under_its_public_name():
    from formgen.web.uploads import MAX_REQUEST_BYTES

    argv = serve_argv()
    port, host = argv[argv.index("--port") + 1], urlsplit(argv[argv.index("--public-url") + 1]).netloc
    caddy = files()["/etc/caddy/Caddyfile"]
    assert caddy.startswith(host + " {") and f"reverse_proxy 127.0.0.1:{port}\n" in caddy
    nginx = files()["/etc/nginx/sites-available/formgen"]
    assert nginx.count(f"server_name {host};") == 2 and f"proxy_pass http://127.0.0.1:{port};" in nginx
    assert "proxy_set_header Host $host;" in nginx
    body = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))
    assert body * 2**20 > MAX_REQUEST_BYTES  # formgen, not nginx, answers a too-large upload (in Danish)


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    script = tmp_path / "formgen-backup"
    script.write_text(files()["/usr/local/bin/formgen-backup"])
    script.chmod(0o755)
    for name in UNITS:  # the programs where the test has them; the rest as written
        text = files()[f"/etc/systemd/system/{name}"].replace(f"{VENV}/bin/", f"{VENV_BIN}/")
        (tmp_path / name).write_text(text.replace("/usr/local/bin/formgen-backup", str(script)))
    r = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == "", r.stderr
