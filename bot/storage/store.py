"""Reading and writing the project's tables, and deleting conversations everywhere.

A `Store` holds the engines for the project's tables (`url`) and for Rasa's tracker store
(`tracker_url`, the `events` table); by default both are the same database. Every method is
one transaction. Patient-side writes (consent, audience, results, contact requests) come from
the action server through bot/storage/hooks.py; staff-side writes (review, notes, tags,
overrides) are audited in the same transaction; deletion and retention remove a conversation
from both the tracker store and the project's tables and leave in the audit log only that a
deletion happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import engine
from bot.engine import VERDICTS, screen
from bot.storage import audit, db, events
from bot.storage.models import (
    AuditEntry,
    ContactRequest,
    Conversation,
    ConversationTag,
    ReviewNote,
    ScreeningResult,
    TrialResult,
    VerdictOverride,
    utcnow,
)
from bot.values import CLOSED_GO_ON, CLOSED_STOP

T = TypeVar("T")

UNKNOWN_CHANNEL = "unknown"
AUDIENCES = ("self", "child", "other")
CLOSED_CHOICES = (CLOSED_STOP, CLOSED_GO_ON)
BATCH = 500  # senders per delete statement in a purge

#: Free-text search looks at most at this many conversations whose messages match.
TEXT_MATCH_LIMIT = 2000

#: Children of a conversation, deleted before it (also ON DELETE CASCADE in the schema).
CHILDREN = (TrialResult, ScreeningResult, ReviewNote, ConversationTag, VerdictOverride,
            ContactRequest)


class StorageError(ValueError):
    """A request the store refuses (unknown conversation, invalid value); the message names
    what is wrong and holds no patient text."""


@dataclass(frozen=True)
class ConversationRef:
    """Which conversation a patient-side write belongs to."""

    sender_id: str
    channel: str = UNKNOWN_CHANNEL
    started_at: datetime | None = None

    @classmethod
    def from_events(cls, sender_id: str, events: Sequence[Mapping[str, Any]]) -> ConversationRef:
        """From a Rasa tracker's events (plain dicts): the channel of the latest user message
        and the time of the first event."""
        channel = next(
            (str(e["input_channel"]) for e in reversed(events)
             if e.get("event") == "user" and e.get("input_channel")),
            UNKNOWN_CHANNEL,
        )
        stamps = [e.get("timestamp") for e in events]
        first = next((s for s in stamps if isinstance(s, (int, float))), None)
        started = None if first is None else datetime.fromtimestamp(first, timezone.utc)
        return cls(sender_id, channel[:64], started)


@dataclass(frozen=True)
class ConversationFilter:
    """The staff list's filters; None means 'any'. Dates filter the conversation's start."""

    started_from: datetime | None = None
    started_before: datetime | None = None
    channel: str | None = None
    nct_id: str | None = None
    verdict: str | None = None  # the latest verdict (for nct_id, or for any trial)
    reviewed: bool | None = None
    text: str | None = None  # in the patient's messages, a note, a tag, or the public id
    contact_open: bool = False  # only those who asked to talk to a person, not yet handled


@dataclass(frozen=True)
class Deleted:
    conversation: bool  # a row in the project's tables was deleted
    events: int  # rows deleted from the tracker store


@dataclass(frozen=True)
class Purged:
    conversations: int  # senders whose data was deleted
    events: int


class Store:
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

    # --- patient side (the action server) ------------------------------------------------------

    def record_consent(self, ref: ConversationRef, consent: bool,
                       now: datetime | None = None) -> None:
        if not isinstance(consent, bool):
            raise StorageError("consent must be true or false")
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = self._conversation_for(session, ref, now)
            conversation.consent, conversation.consent_at = consent, now

        self._write(write)

    def record_audience(self, ref: ConversationRef, audience: str,
                        now: datetime | None = None) -> None:
        if audience not in AUDIENCES:
            raise StorageError(f"audience must be one of {AUDIENCES}")
        now = now or utcnow()
        self._write(lambda s: setattr(self._conversation_for(s, ref, now), "audience", audience))

    def record_closed_choice(self, ref: ConversationRef, choice: str,
                             now: datetime | None = None) -> None:
        """The patient's choice when only studies not taking new people were left."""
        if choice not in CLOSED_CHOICES:
            raise StorageError(f"closed choice must be one of {CLOSED_CHOICES}")
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = self._conversation_for(session, ref, now)
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
            conversation = self._conversation_for(session, ref, now)
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
            conversation = self._conversation_for(session, ref, now)
            request = ContactRequest(conversation_id=conversation.id, created_at=now,
                                     channel=conversation.channel, status="open")
            session.add(request)
            session.flush()
            return request.id

        return self._write(write)

    # --- deletion and retention (bot/storage/deletion.py: the one path) --------------------

    def delete_conversation(self, sender_id: str, actor: str,
                            now: datetime | None = None) -> Deleted:
        """Delete everything about one conversation, everywhere (deletion.py)."""
        from bot.storage import deletion

        return deletion.delete_conversation(self, sender_id, actor, now)

    def purge(self, older_than_days: int, actor: str, now: datetime | None = None) -> Purged:
        """Retention: every conversation without activity for `older_than_days` days."""
        from bot.storage import deletion

        return deletion.purge(self, older_than_days, actor, now)

    # --- staff side -----------------------------------------------------------------------

    # Staff name a conversation by its public id (models.Conversation.public_id), never by
    # the sender id; the audit log records the public id too.

    def mark_reviewed(self, public_id: str, reviewer: str, reviewed: bool = True,
                      now: datetime | None = None) -> None:
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = self._existing(session, public_id)
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
            raise StorageError("a note needs text")
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = self._existing(session, public_id)
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
        if any(len(t) > 64 for t in wanted):
            raise StorageError("a tag has at most 64 characters")
        now = now or utcnow()

        def write(session: Session) -> list[str]:
            conversation = self._existing(session, public_id)
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
            raise StorageError(f"verdict must be one of {VERDICTS}")
        if not reason:
            raise StorageError("an override needs a reason")
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = self._existing(session, public_id)
            known = {r.nct_id for r in session.execute(
                sa.select(TrialResult.nct_id).where(
                    TrialResult.conversation_id == conversation.id)
            )}
            if nct_id not in known:
                raise StorageError("this conversation has no result for that trial")
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
                raise StorageError("no such contact request")
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

    # --- reading --------------------------------------------------------------------------

    def get_conversation(self, public_id: str) -> Conversation | None:
        """The conversation with its results (and per-trial rows), notes, tags, overrides and
        contact requests loaded."""
        return self._load(Conversation.public_id == public_id)

    def find_conversation(self, sender_id: str) -> Conversation | None:
        """get_conversation by the sender id (the command line, tests), never for staff."""
        return self._load(Conversation.sender_id == sender_id)

    def _load(self, condition: sa.sql.ColumnElement) -> Conversation | None:
        with self.session() as session:
            return session.execute(
                sa.select(Conversation)
                .where(condition)
                .options(
                    selectinload(Conversation.results).selectinload(ScreeningResult.trials),
                    selectinload(Conversation.notes), selectinload(Conversation.tags),
                    selectinload(Conversation.overrides),
                    selectinload(Conversation.contact_requests),
                )
            ).scalar_one_or_none()

    def list_conversations(
        self, filters: ConversationFilter = ConversationFilter(), limit: int = 50,
        after: tuple[datetime, int] | None = None,
    ) -> list[Conversation]:
        """A page of conversations, newest first. `after` is the (started_at, id) of the last
        row of the previous page (keyset paging: as fast on page 2,000 as on page 1)."""
        senders = self.senders_saying(filters.text) if filters.text else None
        return self._page(filters, limit, after, senders)

    def iter_conversations(self, filters: ConversationFilter = ConversationFilter(),
                           page: int = BATCH) -> Iterator[list[Conversation]]:
        """Every conversation the filters select, newest first, a page at a time (exports);
        a text search is run once, not once per page."""
        senders = self.senders_saying(filters.text) if filters.text else None
        after = None
        while rows := self._page(filters, page, after, senders):
            yield rows
            after = (rows[-1].started_at, rows[-1].id)

    def _page(self, filters: ConversationFilter, limit: int,
              after: tuple[datetime, int] | None, senders: list[str] | None
              ) -> list[Conversation]:
        """One page of list_query, with what the list and the export show loaded."""
        with self.session() as session:
            return list(session.execute(
                list_query(filters, limit, after, senders)
                .options(selectinload(Conversation.tags),
                         selectinload(Conversation.overrides),
                         selectinload(Conversation.contact_requests))
            ).scalars())

    def latest_facts(self, conversation_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """conversation id -> the facts of its latest result (exports)."""
        with self.session() as session:
            return dict(session.execute(
                sa.select(ScreeningResult.conversation_id, ScreeningResult.facts)
                .where(ScreeningResult.conversation_id.in_(list(conversation_ids)),
                       ScreeningResult.is_latest.is_(True))
            ).all())

    def senders_saying(self, text: str) -> list[str]:
        """Senders whose own messages contain `text`, at most TEXT_MATCH_LIMIT."""
        return events.senders_saying(self.tracker_engine, text, TEXT_MATCH_LIMIT)

    def transcript_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events from Rasa's tracker store, oldest first."""
        return events.transcript(self.tracker_engine, sender_id)

    def weekly_counts(self, since: datetime | None = None) -> list[tuple[date, str, str, int]]:
        """(week's Monday, nct_id, verdict, conversations) for the latest result of every
        conversation, by the week that result was given; newest week first."""
        day = sa.func.date(TrialResult.created_at)
        query = (sa.select(day, TrialResult.nct_id, TrialResult.verdict, sa.func.count())
                 .where(TrialResult.is_latest.is_(True))
                 .group_by(day, TrialResult.nct_id, TrialResult.verdict))
        if since is not None:
            query = query.where(TrialResult.created_at >= since)
        weeks: dict[tuple[date, str, str], int] = {}
        with self.session() as session:
            for raw_day, nct_id, verdict, count in session.execute(query):
                when = raw_day if isinstance(raw_day, date) else date.fromisoformat(raw_day)
                key = (when - timedelta(days=when.weekday()), nct_id, verdict)
                weeks[key] = weeks.get(key, 0) + count
        return sorted(((*k, n) for k, n in weeks.items()), key=lambda r: (r[0], r[1], r[2]),
                      reverse=True)

    def latest_verdicts(self, conversation_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """conversation id -> {nct_id: verdict} of the latest result, for a page of rows."""
        found: dict[int, dict[str, str]] = {i: {} for i in conversation_ids}
        with self.session() as session:
            rows = session.execute(
                sa.select(TrialResult.conversation_id, TrialResult.nct_id,
                          TrialResult.verdict)
                .where(TrialResult.conversation_id.in_(list(conversation_ids)),
                       TrialResult.is_latest.is_(True))
            )
            for conversation_id, nct_id, verdict in rows:
                found[conversation_id][nct_id] = verdict
        return found

    def latest_trials(self, conversation_ids: Sequence[int]) -> dict[int, dict[str, TrialResult]]:
        """conversation id -> {nct_id: latest per-trial row}, for a page of rows (exports)."""
        found: dict[int, dict[str, TrialResult]] = {i: {} for i in conversation_ids}
        with self.session() as session:
            for row in session.execute(
                sa.select(TrialResult).where(
                    TrialResult.conversation_id.in_(list(conversation_ids)),
                    TrialResult.is_latest.is_(True))
            ).scalars():
                found[row.conversation_id][row.nct_id] = row
        return found

    def audit_entries(self, public_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        with self.session() as session:
            query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            if public_id is not None:
                query = query.where(AuditEntry.conversation == public_id)
            return list(session.execute(query.limit(limit)).scalars())

    # --- helpers ----------------------------------------------------------------------------

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

    @staticmethod
    def _conversation_for(session: Session, ref: ConversationRef, now: datetime) -> Conversation:
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
        return conversation

    @staticmethod
    def _existing(session: Session, public_id: str) -> Conversation:
        conversation = session.execute(
            sa.select(Conversation).where(Conversation.public_id == public_id)
        ).scalar_one_or_none()
        if conversation is None:
            raise StorageError("no such conversation")
        return conversation


def printable(text: str | None) -> str:
    """Staff text without control characters other than line breaks and tabs (PostgreSQL
    refuses NUL in text, and none of them means anything on a page)."""
    return "".join(c for c in text or "" if c in "\n\t" or c.isprintable() or c == " ")


def criteria_statuses(result: engine.TrialResult) -> dict[str, str]:
    """Part id -> status (met / not_met / unknown / study_team) for every part of every
    criterion of one trial, as bot.engine judged it; compact, as it is kept for every result.
    A part rules the patient out when an inclusion is not_met or an exclusion is met."""
    return {p.part.id: p.status for p in result.parts}


def list_query(filters: ConversationFilter, limit: int = 50,
               after: tuple[datetime, int] | None = None,
               text_senders: Sequence[str] | None = None) -> sa.sql.Select:
    """The staff list's query (served by the indexes in models.py). With a text filter,
    `text_senders` are the senders whose messages matched (Store.senders_saying)."""
    query = sa.select(Conversation)
    if filters.text:
        query = query.where(_text_condition(filters.text.strip(), text_senders or []))
    if filters.started_from:
        query = query.where(Conversation.started_at >= filters.started_from)
    if filters.started_before:
        query = query.where(Conversation.started_at < filters.started_before)
    if filters.channel:
        query = query.where(Conversation.channel == filters.channel)
    if filters.contact_open:
        query = query.where(sa.select(ContactRequest.id).where(
            ContactRequest.conversation_id == Conversation.id,
            ContactRequest.status == "open").exists())
    if filters.reviewed is not None:
        status = "reviewed" if filters.reviewed else "new"
        query = query.where(Conversation.review_status == status)
    if filters.nct_id or filters.verdict:
        if filters.verdict and filters.verdict not in VERDICTS:
            raise StorageError(f"verdict must be one of {VERDICTS}")
        trial = sa.select(TrialResult.id).where(
            TrialResult.conversation_id == Conversation.id,
            TrialResult.is_latest.is_(True),
        )
        if filters.nct_id:
            trial = trial.where(TrialResult.nct_id == filters.nct_id)
        if filters.verdict:
            trial = trial.where(TrialResult.verdict == filters.verdict)
        query = query.where(trial.exists())
    if after is not None:
        # a row-value comparison: both databases turn it into an index range
        query = query.where(sa.tuple_(Conversation.started_at, Conversation.id) < tuple(after))
    return query.order_by(Conversation.started_at.desc(), Conversation.id.desc()).limit(limit)


def _text_condition(text: str, senders: Sequence[str]) -> sa.sql.ColumnElement:
    """The public id itself, a tag, a note containing the text, or a matching transcript."""
    pattern = events.like_pattern(text)
    note = sa.select(ReviewNote.id).where(ReviewNote.conversation_id == Conversation.id,
                                          ReviewNote.text.ilike(pattern, escape="!"))
    tag = sa.select(ConversationTag.tag).where(
        ConversationTag.conversation_id == Conversation.id,
        ConversationTag.tag == text.lower())
    conditions = [Conversation.public_id == text.lower(), note.exists(), tag.exists()]
    if senders:
        conditions.append(Conversation.sender_id.in_(list(senders)))
    return sa.or_(*conditions)

