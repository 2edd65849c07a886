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


class PrivacySQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (same constructor, same `events` table) that deletes a conversation
    instead of saving it when the patient asked for their data to be deleted."""

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
        return deleted
