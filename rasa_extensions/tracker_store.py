"""Rasa's SQL tracker store, with the patient's 'delete my data' carried out where it can stick.

Rasa holds the tracker in memory during a turn and saves it after the actions have run;
`SQLTrackerStore.save` inserts the events it thinks are missing (it counts the stored ones), so
rows deleted by the action server during the turn would all come back. This store therefore
deletes at save time: when the tracker being saved has run `action_delete_data` since its last
user message, every stored event of that sender (all sessions) is deleted instead of saving,
and the next message starts a new, empty conversation. The action server deletes the project's
own rows (bot/storage) in the same turn.

Configured in endpoints.yml:

    tracker_store:
      type: rasa_extensions.tracker_store.PrivacySQLTrackerStore
      url: ${TRACKER_DB_URL}

Nothing here imports the project's code: Rasa silently falls back to an in-memory store when a
custom tracker store cannot be imported.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DELETE_ACTION = "action_delete_data"


def deletion_requested(tracker: DialogueStateTracker) -> bool:
    """The tracker ran the deletion action after its last user message (in this turn)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == DELETE_ACTION:
            return True
    return False


def use_wal(engine: sa.engine.Engine) -> None:
    """On SQLite: write-ahead logging, and sync at checkpoints rather than at every commit.

    Measured with py-spy under `make load`: a third of the Rasa server's time went to saving
    the tracker, half of it in the commit's fsync. In WAL mode with synchronous=NORMAL a commit
    survives the process being killed (the fault tests kill Rasa mid-screening); only a power
    loss or an operating-system crash can lose the last commits, never corrupt the file.
    Readers (the staff pages, the action server) no longer block the writer either. A
    deployment that cannot accept that uses PostgreSQL, as any multi-user one should.
    secure_delete overwrites deleted rows, so 'delete my data' does not leave the text in
    free pages of the file.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    engine.dispose()  # connections opened before the listener get it when reopened


def clear_wal(engine: sa.engine.Engine) -> None:
    """After a deletion on SQLite, copy the write-ahead log into the file and empty it: the
    log still holds the pages as they were before the deletion."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class PrivacySQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (same constructor, same `events` table) that deletes a conversation
    instead of saving it when the patient asked for their data to be deleted, and on SQLite
    commits in WAL mode (`use_wal`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_wal(self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if deletion_requested(tracker):
            deleted = self.delete_conversation(tracker.sender_id)
            # no sender id or text: the id can be a phone number
            logger.info("conversation deleted at the patient's request (%d events)", deleted)
            return
        await super().save(tracker)

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of `sender_id`, across all sessions; returns how many."""
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        clear_wal(self.engine)
        return deleted
