"""Patient-side writes: consent, audience, the closed-study choice, results, contact requests.

They come from the action server (through bot/storage/hooks.py, which never lets a failure
break the chat). Every write creates the conversation's row on first use and counts as patient
activity (retention keeps a conversation for RETENTION_DAYS after its last).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import engine
from bot.closed import CHOICES as CLOSED_CHOICES
from bot.engine import screen
from bot.i18n import LANGUAGES
from bot.storage.base import Database, StorageError
from bot.storage.models import ContactRequest, Conversation, ScreeningResult, TrialResult, utcnow
from bot.values import AUDIENCES

UNKNOWN_CHANNEL = "unknown"


@dataclass(frozen=True)
class ConversationRef:
    """Which conversation a patient-side write belongs to."""

    sender_id: str
    channel: str = UNKNOWN_CHANNEL
    started_at: datetime | None = None
    language: str | None = None  # the conversation's language now; None: leave it as stored

    @classmethod
    def from_events(cls, sender_id: str, events: Sequence[Mapping[str, Any]],
                    language: str | None = None) -> ConversationRef:
        """From a Rasa tracker's events (plain dicts): the channel of the latest user message
        and the time of the first event; `language` as the action knows it."""
        channel = next(
            (str(e["input_channel"]) for e in reversed(events)
             if e.get("event") == "user" and e.get("input_channel")),
            UNKNOWN_CHANNEL,
        )
        stamps = [e.get("timestamp") for e in events]
        first = next((s for s in stamps if isinstance(s, (int, float))), None)
        started = None if first is None else datetime.fromtimestamp(first, timezone.utc)
        known = language if language in LANGUAGES else None
        return cls(sender_id, channel[:64], started, known)


class PatientWrites(Database):
    """The writes of the patient's side; each is one transaction."""

    def record_consent(self, ref: ConversationRef, consent: bool,
                       now: datetime | None = None) -> None:
        if not isinstance(consent, bool):
            raise StorageError("consent must be true or false")
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = conversation_for(session, ref, now)
            conversation.consent, conversation.consent_at = consent, now

        self._write(write)

    def record_audience(self, ref: ConversationRef, audience: str,
                        now: datetime | None = None) -> None:
        if audience not in AUDIENCES:
            raise StorageError(f"audience must be one of {AUDIENCES}")
        now = now or utcnow()
        self._write(lambda s: setattr(conversation_for(s, ref, now), "audience", audience))

    def record_closed_choice(self, ref: ConversationRef, choice: str,
                             now: datetime | None = None) -> None:
        """The patient's choice when only studies not taking new people were left."""
        if choice not in CLOSED_CHOICES:
            raise StorageError(f"closed choice must be one of {CLOSED_CHOICES}")
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = conversation_for(session, ref, now)
            conversation.closed_choice, conversation.closed_choice_at = choice, now

        self._write(write)

    def record_result(
        self,
        ref: ConversationRef,
        facts: Mapping[str, Any],
        audience: str | None = None,
        results: Sequence[engine.TrialResult] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Store a screening result (computed by bot.engine from `facts` unless given); it
        becomes the conversation's latest. Returns its id."""
        facts = dict(facts)
        results = list(results) if results is not None else screen(facts)
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = conversation_for(session, ref, now)
            for model in (ScreeningResult, TrialResult):
                session.execute(
                    sa.update(model)
                    .where(model.conversation_id == conversation.id, model.is_latest.is_(True))
                    .values(is_latest=False)
                )
            row = ScreeningResult(conversation_id=conversation.id, created_at=now,
                                  audience=audience, facts=facts, is_latest=True)
            session.add(row)
            session.flush()
            session.add_all(
                TrialResult(
                    result_id=row.id, conversation_id=conversation.id, created_at=now,
                    is_latest=True, nct_id=r.trial.nct_id, verdict=r.verdict,
                    recruiting=r.trial.recruiting, trial_version=r.trial.version,
                    criteria=criteria_statuses(r),
                )
                for r in results
            )
            conversation.last_result_at = now
            if audience in AUDIENCES:
                conversation.audience = audience
            return row.id

        return self._write(write)

    def record_contact_request(self, ref: ConversationRef, now: datetime | None = None) -> int:
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = conversation_for(session, ref, now)
            request = ContactRequest(conversation_id=conversation.id, created_at=now,
                                     channel=conversation.channel, status="open")
            session.add(request)
            session.flush()
            return request.id

        return self._write(write)


def conversation_for(session: Session, ref: ConversationRef, now: datetime) -> Conversation:
    """The conversation, created on the first write; every write is patient activity."""
    conversation = session.execute(
        sa.select(Conversation).where(Conversation.sender_id == ref.sender_id)
    ).scalar_one_or_none()
    if conversation is None:
        started = min(ref.started_at, now) if ref.started_at else now
        conversation = Conversation(sender_id=ref.sender_id, channel=ref.channel,
                                    started_at=started, last_activity_at=now)
        session.add(conversation)
        session.flush()
    else:
        conversation.last_activity_at = max(conversation.last_activity_at, now)
        if conversation.channel == UNKNOWN_CHANNEL and ref.channel != UNKNOWN_CHANNEL:
            conversation.channel = ref.channel
    if ref.language in LANGUAGES:
        conversation.language = ref.language
    return conversation


def criteria_statuses(result: engine.TrialResult) -> dict[str, str]:
    """Part id -> status (met / not_met / unknown / study_team) for every part of every
    criterion of one trial, as bot.engine judged it; compact, as it is kept for every result.
    A part rules the patient out when an inclusion is not_met or an exclusion is met."""
    return {p.part.id: p.status for p in result.parts}
