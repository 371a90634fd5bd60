"""docs/deployment.md is what CI runs: its `sh test=NAME` blocks, its service's ExecStart and its backup script run
for real against a fresh PostgreSQL server; what needs root (apt-get, useradd, systemctl, the proxy) is checked.

The marker and what the test replaces are explained at the top of the page itself.
"""
from __future__ import annotations

import http.client
import os
import shlex
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

import pg_cluster
from deploy_doc import assignments, files, named_block, settings, superuser_lines

VENV_BIN = Path(sys.executable).parent
ENV_FILE, UNIT = "/etc/formgen/formgen.env", "/etc/systemd/system/formgen.service"
BACKUP_SCRIPT = "/usr/local/bin/formgen-backup"
SOCKET = "/var/run/postgresql"
# typed at the blocks' `read` prompts: spaces (also at the ends), quotes, $ and a backslash must arrive as typed
PASSWORDS = {"admin": " admin kodeord $HOME 'x' \\n 1", "kanr": 'karls "kodeord" 1234 ', "lene": " lenes-kodeord-1234"}


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server with no formgen role or database yet, as on a fresh Debian."""
    cluster = pg_cluster.start(bare=True)
    try:
        yield cluster
    finally:
        pg_cluster.stop(cluster)


def environment(cluster, tmp_path: Path) -> dict[str, str]:
    """The formgen user's shell: the settings file's variables with the test's values, the venv first on PATH."""
    doc = assignments(files()[ENV_FILE])
    assert set(doc) == {"FORMGEN_WORKSPACE", "FORMGEN_DB", "BACKUP_DIR"}
    db = urlsplit(doc["FORMGEN_DB"])
    assert db.password is None and dict(parse_qsl(db.query)) == {"host": SOCKET}, doc["FORMGEN_DB"]
    query = urlencode({"host": cluster.socket_dir, "port": cluster.port}, safe="/")
    (tmp_path / "backups").mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMGEN_", "PG"))}
    env.update(PATH=f"{VENV_BIN}{os.pathsep}{env['PATH']}", FORMGEN_WORKSPACE=str(tmp_path / "workspace"),
               FORMGEN_DB=db._replace(query=query).geturl(), BACKUP_DIR=str(tmp_path / "backups"))
    return env


def run_block(name: str, env: dict, stdin: str = "") -> str:
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", named_block(name)], env=env, input=stdin,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"sh test={name} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def as_superuser(cluster, name: str) -> None:
    """The block's `sudo -u postgres COMMAND` lines, as the test server's superuser."""
    pg_env = ["env", f"PATH={cluster.bin}{os.pathsep}{os.environ['PATH']}", f"PGHOST={cluster.socket_dir}",
              f"PGPORT={cluster.port}", "PGUSER=postgres"]
    for command in superuser_lines(named_block(name)):
        r = subprocess.run([*cluster.as_postgres, *pg_env, *command], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{shlex.join(command)}: {r.stderr}"


def accounts(listing: str) -> dict[str, list[str]]:
    """`formgen users list`'s rows: name → the words after it."""
    return {row.split()[0]: row.split()[1:] for row in listing.splitlines() if " assigned: " in row}


def formgen(env: dict, *args: str, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "formgen"), *args], env={**env, **extra}, capture_output=True, text=True,
                          timeout=120)


def test_the_deployment_runs_as_the_page_says(server, tmp_path):
    env = environment(server, tmp_path)
    as_superuser(server, "postgres")
    run_block("workspace", env)
    workspace = Path(env["FORMGEN_WORKSPACE"])
    assert (workspace / "formgen.toml").stat().st_mode & 0o777 == 0o600 and workspace.stat().st_mode & 0o777 == 0o700
    assert server.sql("SELECT tableowner FROM pg_tables WHERE tablename = 'users'", "formgen").split() == ["formgen"]
    refused_without_accounts(env)

    listed = accounts(run_block("accounts", env, "".join(p + "\n" for p in PASSWORDS.values())))
    assert listed == {"admin": ["administrator", "-", "active", "assigned:", "0"],
                      "kanr": ["konsulent", "Karl", "Nørgaard", "active", "assigned:", "0"],
                      "lene": ["leder", "-", "active", "assigned:", "0"]}
    served_as_the_unit_says(env)

    backup_restored(env, tmp_path)
    upgraded = run_block("upgrade", env)
    assert "already exist" in upgraded and "nothing to do" in upgraded


def refused_without_accounts(env: dict) -> None:
    """No accounts yet: --host 0.0.0.0 is refused, and the message points here and shows the unit's command line."""
    r = formgen(env, "serve", "--host", "0.0.0.0", "--port", str(pg_cluster.free_port()))
    assert r.returncode == 1 and "FG186" in r.stderr and "docs/deployment.md" in r.stderr
    unit_command = settings(files()[UNIT])["ExecStart"].split("/bin/", 1)[1]
    assert unit_command in r.stderr


def served_as_the_unit_says(env: dict) -> None:
    """The unit's ExecStart (port swapped): the Danish sign-in page under --public-url's name, the konsulent and the
    leder sign in (an HTTPS-only cookie each), a request under another name is refused."""
    argv = shlex.split(settings(files()[UNIT])["ExecStart"])
    assert argv[:2] == ["/opt/formgen/venv/bin/formgen", "serve"] and argv[argv.index("--host") + 1] == "127.0.0.1"
    port, public = pg_cluster.free_port(), urlsplit(argv[argv.index("--public-url") + 1])
    argv[argv.index("--port") + 1] = str(port)
    proc = subprocess.Popen([str(VENV_BIN / "formgen"), *argv[1:]], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(proc, port)
        status, headers, body = request(port, "GET", "/login", {"Host": public.netloc})
        assert status == 200 and '<html lang="da">' in body and "<h1>Log ind</h1>" in body
        for name, start in (("kanr", "/"), ("lene", "/rapporter")):  # as Caddy and nginx pass the browser's request
            form = urlencode({"name": name, "password": PASSWORDS[name]})
            status, headers, _ = request(port, "POST", "/login", {
                "Host": public.netloc, "Origin": f"{public.scheme}://{public.netloc}", "X-Forwarded-Proto": "https",
                "Content-Type": "application/x-www-form-urlencoded"}, form)
            cookie = headers.get("set-cookie", "")
            assert (status, headers.get("location")) == (303, start), name
            assert "formgen_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
        assert request(port, "GET", "/login", {"Host": "other.example.dk"})[0] == 403
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def wait_listening(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("formgen serve did not listen within 60 s")


def request(port: int, method: str, path: str, headers: dict, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8")
    finally:
        conn.close()


def backup_restored(env: dict, tmp_path: Path) -> None:
    """formgen-backup as written, then a change, then the restore block: the backup's accounts and folder are back."""
    script = tmp_path / "formgen-backup"
    script.write_text(files()[BACKUP_SCRIPT], encoding="utf-8")
    script.chmod(0o755)
    r = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    [backup] = list(Path(env["BACKUP_DIR"]).iterdir())
    assert sorted(p.name for p in backup.iterdir()) == ["formgen.dump", "workspace.tar.gz"]
    with tarfile.open(backup / "workspace.tar.gz") as tar:
        assert "workspace/formgen.toml" in tar.getnames()

    admin = {"FORMGEN_USER": "admin", "FORMGEN_PASSWORD": PASSWORDS["admin"]}
    assert formgen(env, "users", "disable", "lene", **admin).returncode == 0
    workspace = Path(env["FORMGEN_WORKSPACE"])
    (workspace / "after-the-backup.txt").write_text("gone after the restore")
    listed = accounts(run_block("restore", env, PASSWORDS["admin"] + "\n"))
    assert listed["lene"][-3] == "active" and set(listed) == {"admin", "kanr", "lene"}
    assert (workspace / "formgen.toml").is_file() and not (workspace / "after-the-backup.txt").exists()
    [aside] = tmp_path.glob("workspace.before-restore-*")
    assert (aside / "after-the-backup.txt").is_file()
