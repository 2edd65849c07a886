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

It also keeps the trackers of recent conversations in memory (`TrackerCache`): Rasa's SQL store
reads every event of the conversation back and replays it on every turn, so a turn cost more the
longer the conversation (a fifth of the Rasa server's busy time, py-spy under `make bench`),
and `save` counted the stored events to find the new ones. A cached tracker is used only when
the database still ends with the events this process last wrote for it (the id and timestamp
of the conversation's latest event, one indexed query): after another Rasa process answered
(a cluster), a deletion, retention, or a turn that failed before its save, the store reads the
database as Rasa does. The size is `cache_size` in endpoints.yml's tracker_store section
(default 256 conversations; 0 turns the cache off).

Of the project's code only bot/storage/events.py is imported (the slots' names and the SQLite
settings, shared with the action server's side), and it imports nothing else of the project:
Rasa silently falls back to an in-memory store when a custom tracker store cannot be imported.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.events import DELETED_SLOT, PENDING_SLOT, use_wal

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 256


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


def holds_one_session(tracker: DialogueStateTracker) -> bool:
    """The tracker is what Rasa's `retrieve` would read back: no event older than the
    latest session start (its query keeps events whose timestamp is at least that of the
    latest `session_started`). A turn that started a session (a conversation's first, or one
    after an idle hour) is therefore not cached, and the next turn reads the database."""
    starts = [event.timestamp for event in tracker.events if isinstance(event, SessionStarted)]
    if not starts:
        return True
    latest = max(starts)
    return all(event.timestamp >= latest for event in tracker.events)


@dataclass
class CachedTracker:
    """A tracker as this process last saved it, and the database's mark of that save."""

    tracker: DialogueStateTracker
    stored_events: int  # how many of tracker.events are in the database
    mark: tuple[Any, Any]  # (id, timestamp) of the conversation's latest stored event
    in_use: bool = False  # handed to a turn that has not saved it yet


class TrackerCache:
    """The trackers of the most recently saved conversations, least recent evicted first.

    A tracker is handed to one turn at a time (Rasa's lock store serialises a conversation's
    turns): `take` marks it in use, and only its `put` after a successful save makes it
    usable again, so a turn that fails half-way never leaves its unsaved events behind.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, CachedTracker] = OrderedDict()

    def take(self, sender_id: str, mark: tuple[Any, Any]) -> DialogueStateTracker | None:
        entry = self._entries.get(sender_id)
        if entry is None or entry.in_use or entry.mark != mark:
            self._entries.pop(sender_id, None)
            return None
        entry.in_use = True
        return entry.tracker

    def stored_events(self, tracker: DialogueStateTracker) -> int | None:
        """How many of this very tracker object's events are stored, if this cache knows."""
        entry = self._entries.get(tracker.sender_id)
        return entry.stored_events if entry and entry.tracker is tracker else None

    def put(self, tracker: DialogueStateTracker, mark: tuple[Any, Any]) -> None:
        if self.size <= 0:
            return
        self._entries[tracker.sender_id] = CachedTracker(tracker, len(tracker.events), mark)
        self._entries.move_to_end(tracker.sender_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        self._entries.pop(sender_id, None)


class PrivacySQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (same constructor, same `events` table) that does not write back a
    conversation being deleted, keeps recent trackers in memory, and on SQLite commits in WAL
    mode (the module's docstring and bot/storage/events.py `use_wal` say why)."""

    def __init__(self, *args: Any, cache_size: int | str = DEFAULT_CACHE_SIZE,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_wal(self.engine)
        self.cache = TrackerCache(int(cache_size))
        # SQLAlchemy Core, not the ORM, for the two statements of every turn: a third of the
        # store's time was the ORM's session and unit of work (py-spy, issue 14)
        self._events_table = self.SQLEvent.__table__
        self._mark_query = sa.select(
            sa.func.max(self._events_table.c.id), sa.func.max(self._events_table.c.timestamp)
        ).where(self._events_table.c.sender_id == sa.bindparam("sender"))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        if self.cache.size > 0:
            cached = self.cache.take(sender_id, self._latest_mark(sender_id))
            if cached is not None:
                return cached
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # no sender id or text in the logs: the id can stand for a phone number
        if deletion_completed(tracker):
            logger.info("conversation deleted at the patient's request: turn not saved")
            self.cache.forget(tracker.sender_id)
            return
        if deletion_pending(tracker):
            logger.info("conversation waiting for its deletion: turn not saved")
            self.cache.forget(tracker.sender_id)
            return
        stored = self.cache.stored_events(tracker)
        self.cache.forget(tracker.sender_id)  # until this save has succeeded
        if stored is None:
            await super().save(tracker)  # Rasa's own: counts what is stored
            mark = self._latest_mark(tracker.sender_id) if self.cache.size > 0 else None
        else:
            mark = await self._save_new_events(tracker, stored)
        if mark is not None and holds_one_session(tracker):
            self.cache.put(tracker, mark)

    async def _save_new_events(self, tracker: DialogueStateTracker,
                               stored: int) -> tuple[Any, Any] | None:
        """Rasa's `save`, told how many events are stored instead of counting them; returns
        the conversation's mark, read in the same transaction as the insert."""
        await self.stream_events(tracker)
        new = list(tracker.events)[stored:]
        with self.engine.begin() as connection:
            if new:
                connection.execute(self._events_table.insert(),
                                   [self._row(tracker.sender_id, event) for event in new])
            return tuple(connection.execute(self._mark_query, {"sender": tracker.sender_id})
                         .one())

    @staticmethod
    def _row(sender_id: str, event: Any) -> dict[str, Any]:
        """One events row, with the columns Rasa's `save` fills."""
        data = event.as_dict()
        intent = data.get("parse_data", {}).get("intent", {}).get("name")
        return {"sender_id": sender_id, "type_name": event.type_name,
                "timestamp": data.get("timestamp"), "intent_name": intent,
                "action_name": data.get("name"), "data": json.dumps(data)}

    def _latest_mark(self, sender_id: str) -> tuple[Any, Any]:
        """(id, timestamp) of the conversation's latest stored event, (None, None) if none."""
        with self.engine.connect() as connection:
            return tuple(connection.execute(self._mark_query, {"sender": sender_id}).one())
