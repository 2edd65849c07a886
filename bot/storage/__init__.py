"""The project's own tables and the conversation data in Rasa's tracker store.

- `models.py`: the tables (SQLAlchemy 1.4), created and upgraded only by the Alembic
  migrations in `migrations/` (`python -m bot.storage migrate`, see `migrate.py`).
- `db.py`: which database (DATABASE_URL / TRACKER_DB_URL / an SQLite file under DATA_DIR).
- `store.py`: reading and writing, deletion and retention (`Store`).
- `hooks.py`: what the action server calls; failures are logged and never break a chat.
- `cli.py`: `python -m bot.storage migrate | purge --older-than-days N | delete --sender ID`.

No Rasa imports here: the action server, the Rasa server and the staff pages all use it.
"""
