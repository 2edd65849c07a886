"""Which database, and engines for it.

One URL by default for everything: Rasa's tracker store (the `events` table) and the project's
own tables live in the same database, an SQLite file under DATA_DIR unless a URL says
otherwise (read by bot/settings.py `database_urls`):

    DATABASE_URL    the project's tables; falls back to TRACKER_DB_URL
    TRACKER_DB_URL  Rasa's tracker store; falls back to DATABASE_URL
    default         sqlite:///<DATA_DIR>/trackers.db  (DATA_DIR defaults to ./var)

PostgreSQL by setting `postgresql://user:password@host:5432/db` (psycopg2 is installed with
Rasa).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

from bot.settings import database_urls
from bot.storage import events

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    """The project's tables: DATABASE_URL, else TRACKER_DB_URL, else the SQLite default."""
    return database_urls().project


def tracker_url() -> str:
    """Rasa's tracker store: TRACKER_DB_URL, else DATABASE_URL, else the SQLite default."""
    return database_urls().tracker


def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per URL and process."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = sa.create_engine(url, **_engine_options(url))
            events.use_wal(engine)  # the same settings as Rasa's tracker store on the file
        return engine


def dispose_all() -> None:
    """Close every pooled connection (tests, and before a process exits)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for in-memory databases and other backends)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file_pool() -> dict[str, Any]:
    """Engine options that pool an SQLite file's connections.

    SQLAlchemy 1.4 opens a new connection (and runs the WAL pragmas) for every use of a file's
    engine: the website's revocation check, asked twice a socket.io turn, spent 43% of its time
    connecting, and 11% of the Rasa server's busy time went to the check (py-spy under
    `scripts.loadtest --channels socketio`). A pooled connection is used by one thread at a
    time, so it may move between threads (`asyncio.to_thread`); the overflow leaves room for
    the action server's storage threads, so none waits for a connection. Rasa's own tracker
    store gets the same pool (rasa_extensions/patches/resilience.py)."""
    return {"poolclass": QueuePool, "pool_size": 4, "max_overflow": 12,
            "connect_args": {"check_same_thread": False}}


def _engine_options(url: str) -> dict[str, Any]:
    # Statement parameters hold patient answers: never put them in exception messages.
    options: dict[str, Any] = {"future": True, "hide_parameters": True}
    if is_sqlite(url):
        if sqlite_path(url) is not None:
            options.update(sqlite_file_pool())
        # Rasa, the action server and the web server share the file: wait for a lock rather
        # than fail at once.
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": 30}
    else:
        options["pool_pre_ping"] = True
    return options
