"""Deleting conversations: the one path every deletion takes.

A patient's 'delete my data' (the action server, through bot/storage/hooks.py), the command
line (`python -m bot.storage delete`), retention (`purge`, the daily run) and the retry of a
deletion that failed all come here. One conversation's deletion removes, in one transaction
when the tracker store shares the database:

- its events in Rasa's tracker store (every session);
- its rows in the project's tables (results, notes, tags, overrides, contact requests);
- its public id from every audit entry (the entries stay, naming no conversation; their
  details hold ids and counts, never note or tag text), and its pending-deletion row;

then the audit log gets one entry saying that a deletion happened, naming no conversation,
and the steps after a deletion run (`_after_deletion`). The Rasa server does not delete
anything: it only does not save the turn in which the deletion completed, and never saves a
conversation whose deletion is pending (rasa_extensions/tracker_store.py), so that deleted
events cannot come back.

A patient's deletion that fails (the database unreachable or too slow) is recorded here
(`record_pending`, best effort) and in the conversation itself (the `deletion_pending` slot,
which the Rasa server saves), and retried by the web server's scheduler (`retry_pending`,
bot/storage/retention.py) until it is done. Staff see the pending ones on the list page.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.identity import WEB, namespace_of
from bot.storage import audit, events, web_sessions
from bot.storage.base import BATCH, Database, StorageError
from bot.storage.events import PENDING_SLOT
from bot.storage.models import (
    AuditEntry,
    ContactRequest,
    Conversation,
    ConversationTag,
    PendingDeletion,
    ReviewNote,
    ScreeningResult,
    TrialResult,
    VerdictOverride,
    utcnow,
)

logger = logging.getLogger(__name__)

#: Children of a conversation, deleted before it (also ON DELETE CASCADE in the schema).
CHILDREN = (TrialResult, ScreeningResult, ReviewNote, ConversationTag, VerdictOverride,
            ContactRequest)


@dataclass(frozen=True)
class Deleted:
    conversation: bool  # a row in the project's tables was deleted
    events: int  # rows deleted from the tracker store


@dataclass(frozen=True)
class Purged:
    conversations: int  # senders whose data was deleted
    events: int


@dataclass(frozen=True)
class Retried:
    done: int
    still_pending: int


def delete_conversation(store: Database, sender_id: str, actor: str,
                        now: datetime | None = None) -> Deleted:
    """Delete everything about one conversation (see the module's docstring)."""
    now = now or utcnow()
    with store.session() as session:
        found = _delete_senders(session, [sender_id])
        deleted = _delete_events(store, [sender_id], session) if store.shared_database else 0
        audit.record(session, now, actor, "delete_conversation")  # naming no conversation
    if not store.shared_database:
        deleted = _delete_events(store, [sender_id], None)
    _checkpoint(store)
    _after_deletion(store, [sender_id])
    return Deleted(found > 0, deleted)


def purge(store: Database, older_than_days: int, actor: str,
          now: datetime | None = None) -> Purged:
    """Retention: delete every conversation whose latest activity (tracker event or recorded
    patient activity) is more than `older_than_days` days old, from the tracker store and the
    project's tables, in batches; audit-logs that a purge happened and how many it deleted."""
    if not isinstance(older_than_days, int) or older_than_days < 1:
        raise StorageError("older_than_days must be a whole number of days, at least 1")
    now = now or utcnow()
    senders = _expired_senders(store, now - timedelta(days=older_than_days))
    conversations = deleted = 0
    try:
        for batch in _chunks(sorted(senders), BATCH):
            with store.session() as session:
                _delete_senders(session, batch)
                if store.shared_database:
                    deleted += _delete_events(store, batch, session)
            if not store.shared_database:
                deleted += _delete_events(store, batch, None)
            _after_deletion(store, batch)
            conversations += len(batch)
    except Exception:
        with contextlib.suppress(Exception):  # best effort: the first error matters
            _audit_purge(store, actor, now, older_than_days, conversations, deleted, False)
        raise
    _audit_purge(store, actor, now, older_than_days, conversations, deleted, True)
    _checkpoint(store)
    return Purged(conversations, deleted)


def _after_deletion(store: Database, sender_ids: Sequence[str]) -> None:
    """--- POST-DELETION STEPS: the one place for what must follow a deletion. ---

    Runs after the conversations' data is gone (committed), for a patient's deletion, the
    command line, a retry and retention alike. Each step is idempotent (a retry runs it
    again) and logs no patient text; a step that fails is logged and does not undo the
    deletion.

    - The website's session id is revoked (bot/storage/web_sessions.py): a copy of its id and
      proof taken before reaches nothing afterwards.
    """
    for sender_id in sender_ids:
        _revoke_web_session(store, sender_id)


def _revoke_web_session(store: Database, sender_id: str) -> None:
    """A website conversation's session id reaches nothing from now on (best effort)."""
    if namespace_of(sender_id) != WEB:
        return
    try:
        web_sessions.revoke(sender_id, url=store.url)
    except sa.exc.SQLAlchemyError as error:
        logger.warning("revoking a website session after a deletion failed (%s)",
                       type(error).__name__)


# --- deletions that failed ------------------------------------------------------------------


def patient_deletion_failed(store: Database, sender_id: str, now: datetime | None = None
                            ) -> None:
    """After a patient's 'delete my data' that could not be done: record it for the retry
    (best effort; the action also marks the conversation itself), and end the website's
    session id now, before the retry completes, so that a copy of its id and proof taken
    before reaches nothing afterwards."""
    record_pending(store, sender_id, "not completed", now)
    _revoke_web_session(store, sender_id)


def record_pending(store: Database, sender_id: str, error: str,
                   now: datetime | None = None) -> bool:
    """Remember a patient's deletion that failed, for the retry; False when even this could
    not be written (the conversation's own `deletion_pending` slot is the other record)."""
    now = now or utcnow()
    try:
        with store.session() as session:
            row = session.get(PendingDeletion, sender_id)
            if row is None:
                public_id = session.execute(sa.select(Conversation.public_id).where(
                    Conversation.sender_id == sender_id)).scalar_one_or_none()
                row = PendingDeletion(sender_id=sender_id, public_id=public_id,
                                      requested_at=now, attempts=0)
                session.add(row)
            row.attempts, row.last_attempt_at, row.last_error = row.attempts + 1, now, error
        return True
    except Exception as failure:  # the database is what failed: say so, do not raise
        logger.error("storage: could not record a pending deletion (%s)", type(failure).__name__)
        return False


def retry_pending(store: Database, now: datetime | None = None,
                  scan_events: bool = False) -> Retried:
    """Carry out every pending deletion: the recorded ones, and with `scan_events` also any
    conversation whose own events say a deletion is pending (its record may never have been
    written). A failure is counted on its row and tried again next time."""
    now = now or utcnow()
    senders = set(_recorded_pending(store))
    if scan_events:
        senders |= _pending_in_events(store)
    done = failed = 0
    for sender_id in sorted(senders):
        try:
            delete_conversation(store, sender_id, "retention:retry", now)
            done += 1
        except Exception as failure:
            failed += 1
            record_pending(store, sender_id, type(failure).__name__[:128], now)
    if done or failed:
        logger.info("pending deletions: %d done, %d still pending", done, failed)
    return Retried(done, failed)


def pending_deletions(store: Database) -> list[PendingDeletion]:
    """The deletions still waiting, oldest first (the staff list's notice)."""
    with store.session() as session:
        return list(session.execute(
            sa.select(PendingDeletion).order_by(PendingDeletion.requested_at)).scalars())


def _recorded_pending(store: Database) -> list[str]:
    with store.session() as session:
        return list(session.execute(sa.select(PendingDeletion.sender_id)).scalars())


def _pending_in_events(store: Database) -> set[str]:
    """Senders with a `deletion_pending: true` slot event in the tracker store."""
    return events.senders_marked(store.tracker_engine, PENDING_SLOT)


# --- the statements ---------------------------------------------------------------------------


def _delete_events(store: Database, senders: Sequence[str], session: Session | None) -> int:
    """Delete the senders' tracker-store events: in the project's transaction (`session`)
    when the tracker store shares the database, else in a transaction of its own, after the
    project's rows (so that a failure there still lets the retry be recorded, and the
    conversation's events, with its pending mark, are still there to find)."""
    return events.delete_senders(store.tracker_engine, senders, session)


def _delete_senders(session: Session, senders: Sequence[str]) -> int:
    """The senders' project rows, their public ids in the audit log, their pending rows."""
    rows = session.execute(
        sa.select(Conversation.id, Conversation.public_id)
        .where(Conversation.sender_id.in_(list(senders)))
    ).all()
    ids, public_ids = [row.id for row in rows], [row.public_id for row in rows]
    if ids:
        for model in CHILDREN:
            session.execute(sa.delete(model).where(model.conversation_id.in_(ids)))
        session.execute(sa.delete(Conversation).where(Conversation.id.in_(ids)))
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.conversation.in_(public_ids))
            .values(conversation=None)
        )
    session.execute(sa.delete(PendingDeletion).where(
        PendingDeletion.sender_id.in_(list(senders))))
    return len(ids)


def _expired_senders(store: Database, cutoff: datetime) -> set[str]:
    """Senders with no tracker event and no recorded activity since `cutoff`."""
    with store.session() as session:
        recorded = dict(session.execute(
            sa.select(Conversation.sender_id, Conversation.last_activity_at)
        ).all())
    old_recorded = {s for s, at in recorded.items() if at < cutoff}
    stamp = cutoff.timestamp()
    last_event = events.last_event_times(store.tracker_engine)
    expired = {s for s, at in last_event.items() if at is not None and at < stamp}
    expired = {s for s in expired if s not in recorded or s in old_recorded}
    # a conversation recorded long ago whose patient came back keeps everything
    return expired | {s for s in old_recorded if s not in last_event}


def _audit_purge(store: Database, actor: str, now: datetime, days: int, conversations: int,
                 deleted_events: int, complete: bool) -> None:
    detail = {"older_than_days": days, "conversations": conversations,
              "events": deleted_events}
    with store.session() as session:
        audit.record(session, now, actor, "purge" if complete else "purge_incomplete", None,
                     detail)


def _checkpoint(store: Database) -> None:
    """Leave no deleted text in SQLite's write-ahead log (events.checkpoint)."""
    for sql_engine in {store.engine, store.tracker_engine}:
        events.checkpoint(sql_engine)


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
