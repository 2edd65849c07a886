"""The project's own tables and the conversation data in Rasa's tracker store.

- `models.py`: the tables (SQLAlchemy 1.4), created and upgraded only by the Alembic
  migrations in `migrations/` (`python -m bot.storage migrate`, see `migrate.py`).
- `db.py`: which database (bot/settings.py `database_urls`) and one engine per URL.
- `base.py`: `Database` (engines, transactions) and `StorageError`, shared by the parts below.
- `patient.py`, `review.py`, `queries.py`: patient writes, staff review writes, the staff
  pages' reads, each owning its tables; `store.py`'s `Store` puts the three together.
- `audit.py`: the audit log (`record`); `accounts.py`, `sign_in.py`: staff accounts.
- `deletion.py`: the one path every deletion takes; `retention.py`: the daily run.
- `events.py`: Rasa's `events` table and the SQLite settings, shared with the Rasa server's
  tracker store; it imports nothing else of the project.
- `hooks.py`: what the action server calls; failures are logged and never break a chat.
- `cli.py`: `python -m bot.storage migrate | retention | purge | delete | create-staff ...`.

No Rasa imports here: the action server, the Rasa server and the staff pages all use it.
"""
