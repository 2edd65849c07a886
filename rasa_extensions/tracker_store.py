"""Rasa's SQL tracker store, which never writes back a conversation being deleted.

'Delete my data' is carried out by the action server (bot/storage/deletion.py, the one path
every deletion takes): it deletes the conversation's stored events and the project's rows
during the turn. Rasa holds the tracker in memory during a turn and saves it afterwards;
`SQLTrackerStore.save` inserts the events it thinks are missing (it counts the stored ones),
so a plain save would put every deleted event back. This store therefore does not save:

- the turn in which the deletion completed (the action set `data_deleted`): the next message
  starts a new, empty conversation;
- any later turn of a conversation whose deletion is pending (it failed and is retried, the
  `deletion_pending` slot was set in an earlier turn): nothing more is stored for it, and a
  retry that runs while such a turn is in flight cannot be undone by its save.

The turn in which a deletion failed is saved as usual: its `deletion_pending` slot is the
record the retry finds even when the project's tables could not be written.

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
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DELETED_SLOT = "data_deleted"  # set by the action whose deletion completed (domain.yml)
PENDING_SLOT = "deletion_pending"  # set by the action whose deletion failed


def _split_at_last_message(tracker: DialogueStateTracker) -> tuple[list, list]:
    """The events before the latest user message, and from it on (this turn)."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[:index], events[index:]
    return [], events


def deletion_completed(tracker: DialogueStateTracker) -> bool:
    """This turn's action deleted the conversation."""
    _, turn = _split_at_last_message(tracker)
    return any(isinstance(e, SlotSet) and e.key == DELETED_SLOT and e.value is True
               for e in turn)


def deletion_pending(tracker: DialogueStateTracker) -> bool:
    """A deletion failed in an earlier turn and has not been carried out yet."""
    earlier, _ = _split_at_last_message(tracker)
    for event in reversed(earlier):
        if isinstance(event, SlotSet) and event.key == PENDING_SLOT:
            return event.value is True
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


class PrivacySQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (same constructor, same `events` table) that does not write back a
    conversation being deleted (see the module's docstring), and on SQLite commits in WAL
    mode (`use_wal`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_wal(self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # no sender id or text in the logs: the id can stand for a phone number
        if deletion_completed(tracker):
            logger.info("conversation deleted at the patient's request: turn not saved")
            return
        if deletion_pending(tracker):
            logger.info("conversation waiting for its deletion: turn not saved")
            return
        await super().save(tracker)
