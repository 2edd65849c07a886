"""Versioned migrations of the project's tables, with Alembic (bot/storage/migrations).

`upgrade(url)` brings a database from empty (or any earlier version) to the latest version and
does nothing when it is already there; the version is kept in Alembic's `alembic_version`
table. `python -m bot.storage migrate` calls it; the set-up runs that before the servers start.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.storage import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head() -> str:
    """The latest version in the code."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads, expected one: {heads}")
    return heads[0]


def current(engine: Engine) -> str | None:
    """The version the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current(engine) == head()


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database at `url`; returns the version before and after."""
    path = db.sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = db.engine_for(url)
    if path is not None:
        with engine.connect() as connection:
            # Rasa, the action server and the web pages share the file: with a write-ahead log
            # readers do not block the writer. The mode is kept in the file.
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    before = current(engine)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, current(engine)


def sql_script(url: str, revision: str = "head") -> None:
    """Print the SQL of the migrations for a database administrator (offline mode)."""
    command.upgrade(alembic_config(url), revision, sql=True)


def new_revision(url: str, message: str, autogenerate: bool = True) -> None:
    """Write a new migration file, compared against the database at `url` (developers)."""
    engine = db.engine_for(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=autogenerate)
