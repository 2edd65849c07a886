"""A throwaway PostgreSQL server on a free loopback port, for the storage tests and the cluster.

`throwaway_postgres()` runs Debian's `postgresql` binaries (initdb + pg_ctl under
/usr/lib/postgresql/*/bin, else PATH) in a temporary folder and stops the server and deletes
the folder on exit. PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` system user the package creates. Missing binaries raise PostgresUnavailable with the
install hint: the storage tests turn it into a failure (never a skip), scripts/cluster.py into
an error message.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from devkit import markers
from devkit.servers import free_port

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin "
    "or on PATH: .ci/run must install Debian's `postgresql` package "
    "(apt-get update && apt-get install -y postgresql)"
)


class PostgresUnavailable(RuntimeError):
    """The server could not be found or started; the message says why."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        name = name or f"test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = sa.engine.make_url(url).database
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def postgres_bin() -> Path:
    """The folder holding initdb and pg_ctl: the newest Debian install, else PATH."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", path.parent.parent.name)) or (0,)

    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if installed:
        return installed[-1].parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(INSTALL_HINT)


def as_cluster_owner() -> tuple[list[str], int | None]:
    """The command prefix that runs a server binary as a non-root user, and that user's uid
    (None when we are not root)."""
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no `postgres` system user: " + INSTALL_HINT
        ) from None
    return ["runuser", "-u", "postgres", "--"], owner.pw_uid


@contextmanager
def throwaway_postgres(prefix: str = "pytest-postgres-") -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster (trust authentication, loopback only, no fsync), stopped and
    deleted on exit."""
    markers.require("postgres", "throwaway_postgres")
    bindir = postgres_bin()
    command_prefix, uid = as_cluster_owner()
    home = Path(tempfile.mkdtemp(prefix=prefix))
    if uid is not None:
        os.chown(home, uid, -1)
    data, log = home / "data", home / "server.log"
    port = free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*command_prefix, *args], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            logs = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(
                f"{' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}{logs}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-locale", "-N")
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off " \
                  "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t",
            "60", "start")
        yield PostgresServer("127.0.0.1", port, "postgres")
    finally:
        subprocess.run([*command_prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m",
                        "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)
