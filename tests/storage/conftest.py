"""Storage tests run against SQLite and against a real PostgreSQL server.

`postgres_server` starts a throwaway PostgreSQL cluster (Debian's `postgresql` package:
initdb + pg_ctl under /usr/lib/postgresql/*/bin) in a temporary folder on a free loopback
port, once per test session, and stops it afterwards. PostgreSQL refuses to run as root, so
as root the cluster belongs to the `postgres` system user the package creates. Without the
binaries the tests FAIL (they are not skipped): .ci/run must install `postgresql`.

`db_url` is parametrized over both databases; each test gets an empty database.
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
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.storage import db, migrate
from bot.storage.store import Store
from tests.servers import free_port

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin "
    "or on PATH: .ci/run must install Debian's `postgresql` package "
    "(apt-get update && apt-get install -y postgresql)"
)


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"test_{uuid.uuid4().hex[:12]}"
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
    pytest.fail(INSTALL_HINT, pytrace=False)


def _as_cluster_owner() -> tuple[list[str], int | None]:
    """The command prefix that runs a server binary as a non-root user, and that user's uid
    (None when we are not root)."""
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root and there is no `postgres` system user: " + INSTALL_HINT,
                    pytrace=False)
    return ["runuser", "-u", "postgres", "--"], owner.pw_uid


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = postgres_bin()
    prefix, uid = _as_cluster_owner()
    home = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    if uid is not None:
        os.chown(home, uid, -1)
    data, log = home / "data", home / "server.log"
    port = free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            logs = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}{logs}",
                        pytrace=False)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
        "-E", "UTF8", "--no-locale", "-N")
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off " \
              "-c full_page_writes=off -c synchronous_commit=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t",
        "60", "start")
    try:
        yield PostgresServer("127.0.0.1", port, "postgres")
    finally:
        db.dispose_all()
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """An empty database: an SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trackers.db'}"
        db.dispose_all()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        db.dispose_all()
        server.drop_database(url)


@pytest.fixture
def store(db_url) -> Store:
    """A migrated database."""
    migrate.upgrade(db_url)
    return Store(db_url)
