"""Alembic environment for the project's tables (run through bot/storage/migrate.py).

Only the tables in bot/storage/models.py are managed: Rasa's `events` table, in the same
database, is Rasa's and is never touched by a migration or by autogenerate.
"""

from __future__ import annotations

from alembic import context

from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table":
        return name in target_metadata.tables
    table = getattr(obj, "table", None)
    return table is None or table.name in target_metadata.tables


def run() -> None:
    options = {
        "target_metadata": target_metadata,
        "include_object": include_object,
        "render_as_batch": True,  # SQLite cannot ALTER most things: copy-and-move instead
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"),
                          literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes["connection"]
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


run()
