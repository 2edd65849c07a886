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

Of the project's code only bot/storage/events.py is imported (the slots' names and the SQLite
settings, shared with the action server's side), and it imports nothing else of the project:
Rasa silently falls back to an in-memory store when a custom tracker store cannot be imported.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.events import DELETED_SLOT, PENDING_SLOT, use_wal

logger = logging.getLogger(__name__)



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


class PrivacySQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (same constructor, same `events` table) that does not write back a
    conversation being deleted (see the module's docstring), and on SQLite commits in WAL
    mode (bot/storage/events.py `use_wal` says why)."""

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
