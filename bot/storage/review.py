"""Staff review writes: reviewed or not, notes, tags, verdict overrides, contact requests.

Staff name a conversation by its public id (models.Conversation.public_id), never by the
sender id. Every write is audited in the same transaction (bot/storage/audit.py), with counts
and ids, never note or tag text, so that no staff text outlives a deleted conversation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.engine import VERDICTS
from bot.storage import audit
from bot.storage.base import Database, StorageError, printable
from bot.storage.models import (
    AuditEntry,
    ContactRequest,
    Conversation,
    ConversationTag,
    ReviewNote,
    TrialResult,
    VerdictOverride,
    utcnow,
)

MAX_TAG = 64  # characters (the column's width)


class ReviewWrites(Database):
    """The staff pages' changes; each is one transaction with its audit entry."""

    def mark_reviewed(self, public_id: str, reviewer: str, reviewed: bool = True,
                      now: datetime | None = None) -> None:
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = existing(session, public_id)
            conversation.review_status = "reviewed" if reviewed else "new"
            conversation.reviewed_at = now if reviewed else None
            conversation.reviewed_by = reviewer if reviewed else None
            audit.record(session, now, reviewer, "mark_reviewed" if reviewed else "mark_unreviewed",
                         public_id)

        self._write(write)

    def add_note(self, public_id: str, author: str, text: str,
                 now: datetime | None = None) -> int:
        text = printable(text).strip()
        if not text:
            raise StorageError("a note needs text", key="note_empty")
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = existing(session, public_id)
            note = ReviewNote(conversation_id=conversation.id, author=author, created_at=now,
                              text=text)
            session.add(note)
            session.flush()
            audit.record(session, now, author, "add_note", public_id, {"note": note.id})
            return note.id

        return self._write(write)

    def set_tags(self, public_id: str, tags: Iterable[str], author: str,
                 now: datetime | None = None) -> list[str]:
        """Replace the conversation's tags (trimmed, lower case, at most 64 characters)."""
        wanted = sorted({printable(t).strip().lower() for t in tags if printable(t).strip()})
        if any(len(t) > MAX_TAG for t in wanted):
            raise StorageError(f"a tag has at most {MAX_TAG} characters", key="tag_too_long",
                               count=MAX_TAG)
        now = now or utcnow()

        def write(session: Session) -> list[str]:
            conversation = existing(session, public_id)
            have = {t.tag: t for t in conversation.tags}
            for tag, row in have.items():
                if tag not in wanted:
                    session.delete(row)
            session.add_all(
                ConversationTag(conversation_id=conversation.id, tag=tag, author=author,
                                created_at=now)
                for tag in wanted if tag not in have
            )
            # counts, not the tags: staff text must not outlive a deleted conversation
            removed = sum(tag not in wanted for tag in have)
            audit.record(session, now, author, "set_tags", public_id,
                         {"tags": len(wanted), "added": len(set(wanted) - set(have)),
                          "removed": removed})
            return wanted

        return self._write(write)

    def add_override(self, public_id: str, nct_id: str, verdict: str, reason: str,
                     reviewer: str, now: datetime | None = None) -> int:
        """A reviewer's verdict for one trial. The patient's result is left as it was."""
        reason = printable(reason).strip()
        if verdict not in VERDICTS:
            raise StorageError(f"verdict must be one of {VERDICTS}", key="verdict_unknown")
        if not reason:
            raise StorageError("an override needs a reason", key="reason_missing")
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = existing(session, public_id)
            known = {r.nct_id for r in session.execute(
                sa.select(TrialResult.nct_id).where(
                    TrialResult.conversation_id == conversation.id)
            )}
            if nct_id not in known:
                raise StorageError("this conversation has no result for that trial",
                                   key="no_trial_result")
            row = VerdictOverride(conversation_id=conversation.id, nct_id=nct_id,
                                  verdict=verdict, reason=reason, reviewer=reviewer,
                                  created_at=now)
            session.add(row)
            session.flush()
            audit.record(session, now, reviewer, "override_verdict", public_id,
                         {"nct_id": nct_id, "verdict": verdict})
            return row.id

        return self._write(write)

    def close_contact_request(self, request_id: int, staff: str, public_id: str,
                              now: datetime | None = None) -> None:
        """Mark a contact request handled; `public_id` must be its conversation's (a form
        cannot close another conversation's request than the one it shows)."""
        now = now or utcnow()

        def write(session: Session) -> None:
            request = session.get(ContactRequest, request_id)
            owner = request and session.get(Conversation, request.conversation_id)
            if owner is None or owner.public_id != public_id:
                raise StorageError("no such contact request", key="no_contact_request")
            request.status, request.handled_by, request.handled_at = "done", staff, now
            audit.record(session, now, staff, "close_contact_request", public_id,
                         {"request": request_id})

        self._write(write)

    def audit(self, actor: str, action: str, public_id: str | None = None,
              detail: Mapping[str, Any] | None = None, now: datetime | None = None) -> int:
        """Record a staff action (a view, an export) and return the entry's id. `detail`
        holds filters or counts, never patient text."""
        with self.session() as session:
            return audit.record(session, now or utcnow(), actor, action, public_id, detail)

    def set_audit_detail(self, entry_id: int, detail: Mapping[str, Any]) -> None:
        """Complete an entry written before the outcome was known (an export's row count)."""
        with self.session() as session:
            session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry_id)
                            .values(detail=dict(detail)))


def existing(session: Session, public_id: str) -> Conversation:
    """The conversation a staff form names by its public id."""
    conversation = session.execute(
        sa.select(Conversation).where(Conversation.public_id == public_id)
    ).scalar_one_or_none()
    if conversation is None:
        raise StorageError("no such conversation", key="no_conversation")
    return conversation
