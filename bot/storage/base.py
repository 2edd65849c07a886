"""What every part of the project's storage shares: the database and its transactions.

`Database` holds the engines for the project's tables (`url`) and for Rasa's tracker store
(`tracker_url`, the `events` table, bot/storage/events.py); by default both are the same
database (bot/storage/db.py). Each part of the storage owns its tables and builds on it:
patient writes (patient.py), staff review writes (review.py), the staff pages' queries
(queries.py), deletion and retention (deletion.py, retention.py); `Store` (store.py) puts the
first three together for callers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import db

T = TypeVar("T")

BATCH = 500  # rows per statement or page when many are read or deleted


class StorageError(ValueError):
    """A request the store refuses (unknown conversation, invalid value); the message names
    what is wrong and holds no patient text.

    The message is English, for the command line and the logs. A refusal the staff pages can
    show also carries a language-neutral `key` and the `values` its wording needs: the pages
    word it in the interface's language (bot/web/staff/content.yaml `errors:`), since the
    store knows nothing of who reads it."""

    def __init__(self, message: str, key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


class Database:
    def __init__(self, url: str | None = None, tracker_url: str | None = None) -> None:
        self.url = url or db.database_url()
        self.tracker_url = tracker_url or (url if url else db.tracker_url())
        self.engine = db.engine_for(self.url)
        self.tracker_engine = db.engine_for(self.tracker_url)
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)

    @property
    def shared_database(self) -> bool:
        """The tracker store's events live in the same database as the project's tables."""
        return self.tracker_url == self.url

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed at the end, rolled back on an exception."""
        with self._sessions() as session, session.begin():
            yield session

    def _write(self, operation: Callable[[Session], T]) -> T:
        """Run a write in a transaction; once more if a concurrent writer created the same
        conversation first."""
        for attempt in (1, 2):
            try:
                with self.session() as session:
                    return operation(session)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def printable(text: str | None) -> str:
    """Staff text without control characters other than line breaks and tabs (PostgreSQL
    refuses NUL in text, and none of them means anything on a page)."""
    return "".join(c for c in text or "" if c in "\n\t" or c.isprintable() or c == " ")
