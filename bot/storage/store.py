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

import contextlib
import itertools
import json
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
from bot.storage import db
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

#: Rasa's tracker store table, as far as deletion needs it (Rasa owns and creates it).
EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                  sa.column("type_name", sa.String), sa.column("timestamp", sa.Float),
                  sa.column("data", sa.Text))
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
    text: str | None = None  # in the patient's messages, a note, a tag, or the sender id
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

    # --- deletion and retention -------------------------------------------------------------

    def delete_conversation(self, sender_id: str, actor: str, *, include_events: bool = True,
                            now: datetime | None = None) -> Deleted:
        """Delete everything about one conversation: its rows in the project's tables, its
        mentions in the audit log, and (with include_events) its events in the tracker store.
        The audit log gets one entry saying that a deletion happened, naming no conversation.

        The patient's 'delete my data' passes include_events=False: the Rasa server removes
        the events itself when it saves the turn (rasa_extensions/tracker_store.py)."""
        now = now or utcnow()
        with self.session() as session:
            events = 0
            if include_events:
                events = self._delete_events([sender_id], session)
            found = self._delete_senders(session, [sender_id])
            session.add(AuditEntry(at=now, actor=actor, action="delete_conversation"))
        self._clear_wal()
        return Deleted(found > 0, events)

    def purge(self, older_than_days: int, actor: str, now: datetime | None = None) -> Purged:
        """Retention: delete every conversation whose latest activity (tracker event or
        recorded patient activity) is more than `older_than_days` days old, from the tracker
        store and the project's tables, in batches; audit-logs that a purge happened and how
        many it deleted."""
        if not isinstance(older_than_days, int) or older_than_days < 1:
            raise StorageError("older_than_days must be a whole number of days, at least 1")
        now = now or utcnow()
        cutoff = now - timedelta(days=older_than_days)
        senders = self._expired_senders(cutoff)
        conversations = events = 0
        try:
            for batch in _chunks(sorted(senders), BATCH):
                with self.session() as session:
                    events += self._delete_events(batch, session)
                    self._delete_senders(session, batch)
                conversations += len(batch)
        except Exception:
            with contextlib.suppress(Exception):  # best effort: the first error matters
                self._audit_purge(actor, now, older_than_days, conversations, events, False)
            raise
        self._audit_purge(actor, now, older_than_days, conversations, events, True)
        self._clear_wal()
        return Purged(conversations, events)

    def _audit_purge(self, actor: str, now: datetime, days: int, conversations: int,
                     events: int, complete: bool) -> None:
        detail = {"older_than_days": days, "conversations": conversations, "events": events}
        self.audit(actor, "purge" if complete else "purge_incomplete", None, detail, now)

    def _expired_senders(self, cutoff: datetime) -> set[str]:
        """Senders with no tracker event and no recorded activity since `cutoff`."""
        with self.session() as session:
            recorded = dict(session.execute(
                sa.select(Conversation.sender_id, Conversation.last_activity_at)
            ).all())
        old_recorded = {s for s, at in recorded.items() if at < cutoff}
        if not self._has_events_table():
            return old_recorded
        stamp = cutoff.timestamp()
        with self.tracker_engine.connect() as connection:
            last_event = dict(connection.execute(
                sa.select(EVENTS.c.sender_id, sa.func.max(EVENTS.c.timestamp))
                .group_by(EVENTS.c.sender_id)
            ).all())
        expired = {s for s, at in last_event.items() if at is not None and at < stamp}
        expired = {s for s in expired if s not in recorded or s in old_recorded}
        # a conversation recorded long ago whose patient came back keeps everything
        return expired | {s for s in old_recorded if s not in last_event}

    def _clear_wal(self) -> None:
        """SQLite's write-ahead log keeps the pages as they were before a deletion: fold it
        into the file (whose deleted rows secure_delete has zeroed) and empty it."""
        for sql_engine in {self.engine, self.tracker_engine}:
            if sql_engine.dialect.name == "sqlite":
                with sql_engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def _has_events_table(self) -> bool:
        return sa.inspect(self.tracker_engine).has_table("events")

    def _delete_events(self, senders: Sequence[str], session: Session) -> int:
        """Delete the senders' tracker-store events: in the session's transaction when the
        tracker store shares the database, else in a transaction of its own."""
        if not self._has_events_table():
            return 0
        statement = sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(list(senders)))
        if self.shared_database:
            return session.execute(statement).rowcount or 0
        with self.tracker_engine.begin() as connection:
            return connection.execute(statement).rowcount or 0

    @staticmethod
    def _delete_senders(session: Session, senders: Sequence[str]) -> int:
        ids = list(session.execute(
            sa.select(Conversation.id).where(Conversation.sender_id.in_(list(senders)))
        ).scalars())
        if ids:
            for model in CHILDREN:
                session.execute(sa.delete(model).where(model.conversation_id.in_(ids)))
            session.execute(sa.delete(Conversation).where(Conversation.id.in_(ids)))
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.conversation.in_(list(senders)))
            .values(conversation=None)
        )
        return len(ids)

    # --- staff side -----------------------------------------------------------------------

    def mark_reviewed(self, sender_id: str, reviewer: str, reviewed: bool = True,
                      now: datetime | None = None) -> None:
        now = now or utcnow()

        def write(session: Session) -> None:
            conversation = self._existing(session, sender_id)
            conversation.review_status = "reviewed" if reviewed else "new"
            conversation.reviewed_at = now if reviewed else None
            conversation.reviewed_by = reviewer if reviewed else None
            self._audit(session, now, reviewer, "mark_reviewed" if reviewed else "mark_unreviewed",
                        sender_id)

        self._write(write)

    def add_note(self, sender_id: str, author: str, text: str,
                 now: datetime | None = None) -> int:
        text = printable(text).strip()
        if not text:
            raise StorageError("a note needs text")
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = self._existing(session, sender_id)
            note = ReviewNote(conversation_id=conversation.id, author=author, created_at=now,
                              text=text)
            session.add(note)
            session.flush()
            self._audit(session, now, author, "add_note", sender_id, {"note": note.id})
            return note.id

        return self._write(write)

    def set_tags(self, sender_id: str, tags: Iterable[str], author: str,
                 now: datetime | None = None) -> list[str]:
        """Replace the conversation's tags (trimmed, lower case, at most 64 characters)."""
        wanted = sorted({printable(t).strip().lower() for t in tags if printable(t).strip()})
        if any(len(t) > 64 for t in wanted):
            raise StorageError("a tag has at most 64 characters")
        now = now or utcnow()

        def write(session: Session) -> list[str]:
            conversation = self._existing(session, sender_id)
            have = {t.tag: t for t in conversation.tags}
            for tag, row in have.items():
                if tag not in wanted:
                    session.delete(row)
            session.add_all(
                ConversationTag(conversation_id=conversation.id, tag=tag, author=author,
                                created_at=now)
                for tag in wanted if tag not in have
            )
            self._audit(session, now, author, "set_tags", sender_id, {"tags": wanted})
            return wanted

        return self._write(write)

    def add_override(self, sender_id: str, nct_id: str, verdict: str, reason: str,
                     reviewer: str, now: datetime | None = None) -> int:
        """A reviewer's verdict for one trial. The patient's result is left as it was."""
        reason = printable(reason).strip()
        if verdict not in VERDICTS:
            raise StorageError(f"verdict must be one of {VERDICTS}")
        if not reason:
            raise StorageError("an override needs a reason")
        now = now or utcnow()

        def write(session: Session) -> int:
            conversation = self._existing(session, sender_id)
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
            self._audit(session, now, reviewer, "override_verdict", sender_id,
                        {"nct_id": nct_id, "verdict": verdict})
            return row.id

        return self._write(write)

    def close_contact_request(self, request_id: int, staff: str,
                              now: datetime | None = None) -> None:
        now = now or utcnow()

        def write(session: Session) -> None:
            request = session.get(ContactRequest, request_id)
            if request is None:
                raise StorageError("no such contact request")
            request.status, request.handled_by, request.handled_at = "done", staff, now
            sender = session.get(Conversation, request.conversation_id).sender_id
            self._audit(session, now, staff, "close_contact_request", sender,
                        {"request": request_id})

        self._write(write)

    def audit(self, actor: str, action: str, sender_id: str | None = None,
              detail: Mapping[str, Any] | None = None, now: datetime | None = None) -> None:
        """Record a staff action (a view, an export). `detail` holds filters or counts, never
        patient text."""
        with self.session() as session:
            self._audit(session, now or utcnow(), actor, action, sender_id, detail)

    # --- reading --------------------------------------------------------------------------

    def get_conversation(self, sender_id: str) -> Conversation | None:
        """The conversation with its results (and per-trial rows), notes, tags, overrides and
        contact requests loaded."""
        with self.session() as session:
            return session.execute(
                sa.select(Conversation)
                .where(Conversation.sender_id == sender_id)
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
        """Senders whose own messages contain `text` (case-insensitive for ASCII), at most
        TEXT_MATCH_LIMIT. Rasa stores each event as JSON with non-ASCII characters escaped,
        so the escaped spelling is searched too."""
        if not self._has_events_table():
            return []
        needle = text.strip()
        patterns = {_like(needle), _like(json.dumps(needle)[1:-1])}
        matches = sa.or_(*(EVENTS.c.data.ilike(p, escape="!") for p in patterns))
        query = (sa.select(EVENTS.c.sender_id).where(EVENTS.c.type_name == "user", matches)
                 .distinct().limit(TEXT_MATCH_LIMIT))
        with self.tracker_engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def transcript_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events from Rasa's tracker store, oldest first, as Rasa wrote
        them (every session)."""
        if not self._has_events_table():
            return []
        with self.tracker_engine.connect() as connection:
            rows = connection.execute(
                sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
                .order_by(EVENTS.c.id)
            ).scalars()
            return [json.loads(row) for row in rows if row]

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

    def audit_entries(self, sender_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        with self.session() as session:
            query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            if sender_id is not None:
                query = query.where(AuditEntry.conversation == sender_id)
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
    def _existing(session: Session, sender_id: str) -> Conversation:
        conversation = session.execute(
            sa.select(Conversation).where(Conversation.sender_id == sender_id)
        ).scalar_one_or_none()
        if conversation is None:
            raise StorageError("no such conversation")
        return conversation

    @staticmethod
    def _audit(session: Session, now: datetime, actor: str, action: str,
               sender_id: str | None = None, detail: Mapping[str, Any] | None = None) -> None:
        session.add(AuditEntry(at=now, actor=actor, action=action, conversation=sender_id,
                               detail=dict(detail) if detail is not None else None))


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
    """The sender id itself, a tag, a note containing the text, or a matching transcript."""
    note = sa.select(ReviewNote.id).where(ReviewNote.conversation_id == Conversation.id,
                                          ReviewNote.text.ilike(_like(text), escape="!"))
    tag = sa.select(ConversationTag.tag).where(
        ConversationTag.conversation_id == Conversation.id,
        ConversationTag.tag == text.lower())
    conditions = [Conversation.sender_id == text, note.exists(), tag.exists()]
    if senders:
        conditions.append(Conversation.sender_id.in_(list(senders)))
    return sa.or_(*conditions)


def _like(text: str) -> str:
    """A LIKE pattern for `text` anywhere, with ! as the escape character."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
