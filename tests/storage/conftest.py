"""Storage tests run against SQLite and against a real PostgreSQL server.

`postgres_server` starts a throwaway PostgreSQL cluster (Debian's `postgresql` package;
devkit/postgres.py) in a temporary folder on a free loopback port, once per test session,
and stops it afterwards. Without the binaries the tests FAIL (they are not skipped): .ci/run
must install `postgresql`.

`db_url` is parametrized over both databases; each test gets an empty database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from bot.storage import db, migrate
from bot.storage.store import Store
from devkit.postgres import PostgresServer, PostgresUnavailable, throwaway_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with ExitStack() as stack:
        try:
            server = stack.enter_context(throwaway_postgres())
        except PostgresUnavailable as error:
            pytest.fail(str(error), pytrace=False)
        try:
            yield server
        finally:
            db.dispose_all()


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
