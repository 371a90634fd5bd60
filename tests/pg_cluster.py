"""A private, throw-away PostgreSQL server for the tests (initdb + pg_ctl in a temporary folder).

No system service is used: the cluster lives in a folder of its own, listens on a free localhost port
(and a unix socket in that folder), takes passwords over TCP (scram-sha-256) and is stopped and removed
at the end of the test session. initdb refuses to run as root, so as root the server runs as the
`postgres` operating-system user (the Debian package creates it). Without the binaries the tests that
use it skip, except in CI (FORMGEN_REQUIRE_POSTGRES=1), where they fail.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

__all__ = ["Cluster", "postgres", "free_port", "start", "stop"]

INSTALL = "apt-get install postgresql (Debian) and pip install -e '.[test]' (psycopg)"
USER = "formgen"
PASSWORD = "Hemmelig:7q@Zx/9%"  # every character that needs escaping in a URL, to test both spellings


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _missing(why: str):
    if os.environ.get("FORMGEN_REQUIRE_POSTGRES"):
        pytest.fail(f"PostgreSQL is required here (FORMGEN_REQUIRE_POSTGRES=1): {why}; {INSTALL}")
    pytest.skip(f"{why}: {INSTALL}")


def free_port() -> int:
    """A localhost TCP port nothing listens on (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """The running server: where it listens and how to reach it."""

    bin: Path
    folder: Path
    port: int
    as_postgres: list[str]

    @property
    def socket_dir(self) -> Path:
        return self.folder / "run"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "formgen", password: str = PASSWORD, port: int | None = None,
            driver: str = "postgresql+psycopg") -> str:
        """A URL with the password escaped as a URL requires."""
        return f"{driver}://{USER}:{quote(password, safe='')}@127.0.0.1:{port or self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over the unix socket (trusted: only this user can reach the folder)."""
        r = subprocess.run([*self.as_postgres, str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", "-d", database,
                            "-c", statement], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def new_database(self, name: str) -> str:
        """A fresh, empty database owned by the test user; its URL."""
        self.sql(f'CREATE DATABASE "{name}" OWNER {USER}')
        return self.url(name)


def _runner() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _missing("no 'postgres' operating-system user to run the server as (initdb refuses root)")
    if not shutil.which("runuser"):
        _missing("running as root without runuser (util-linux) to start the server as 'postgres'")
    return ["runuser", "-u", "postgres", "--"]


def _must(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{' '.join(cmd)} failed: {r.stdout}{r.stderr}"


def _start(bin_dir: Path, as_postgres: list[str], folder: Path, bare: bool) -> Cluster:
    cluster = Cluster(bin_dir, folder, free_port(), as_postgres)
    cluster.socket_dir.mkdir()
    (folder / "pw").write_text("superuser-" + os.urandom(8).hex() + "\n")
    if as_postgres:
        for path in (folder, cluster.socket_dir, folder / "pw"):
            shutil.chown(path, "postgres", "postgres")
    run = [*as_postgres, str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-E", "UTF8",
           "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={folder / 'pw'}"]
    _must(run)
    options = f"-p {cluster.port} -k {cluster.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    _must([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(cluster.log_file),
           "-o", options, "-w", "-t", "60", "start"])
    if bare:  # no formgen role or database: as a fresh server (docs/deployment.md creates them)
        return cluster
    escaped = PASSWORD.replace("'", "''")
    cluster.sql(f"CREATE ROLE {USER} LOGIN PASSWORD '{escaped}'")
    cluster.new_database("formgen")
    return cluster


def start(bare: bool = False) -> Cluster:
    """Start a private server in a new folder under /tmp (the postgres user can reach it); stop() it after.

    bare: only the superuser `postgres`, without the formgen role and database the tests' URLs use."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        _missing("PostgreSQL's pg_ctl/initdb not found (PATH, /usr/lib/postgresql/*/bin)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("the psycopg driver is not installed")
    as_postgres = _runner()
    folder = Path(tempfile.mkdtemp(prefix="formgen-pg-"))
    try:
        return _start(bin_dir, as_postgres, folder, bare)
    except BaseException:
        _stop(bin_dir, as_postgres, folder)
        raise


def stop(cluster: Cluster) -> None:
    """Stop the server and remove its folder."""
    _stop(cluster.bin, cluster.as_postgres, cluster.folder)


def _stop(bin_dir: Path, as_postgres: list[str], folder: Path) -> None:
    if (folder / "data" / "postmaster.pid").exists():  # also after a failed start: stop whatever runs there
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w",
                        "stop"], capture_output=True, timeout=120)
    shutil.rmtree(folder, ignore_errors=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL server of this test session (see the module docstring).

    A test run ended by SIGTERM (a CI timeout, kill) stops as after Ctrl-C, so the server is stopped
    and removed too; kill -9 cannot be caught, and leaves it (its folder is under /tmp/formgen-pg-*)."""
    import signal

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    cluster = start()
    try:
        yield cluster
    finally:
        stop(cluster)


def main(argv: list[str]) -> int:
    """`start`: start a server and print its URL and folder (tab-separated); `stop FOLDER`: stop and remove it.

    For `.ci/run`, which starts one server for the whole test run and exports FORMGEN_TEST_POSTGRES."""
    if argv[:1] == ["start"]:
        cluster = start()
        print(f"{cluster.url()}\t{cluster.folder}")
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        _stop(_bin_dir(), _runner(), Path(argv[1]))
        return 0
    print("usage: pg_cluster.py start | stop FOLDER", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
