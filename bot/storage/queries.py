"""What the staff pages read: the list, one conversation, transcripts, exports, counts.

Nothing here writes. The list pages by keyset (started_at, id), served by the indexes in
models.py, so page 2,000 is as fast as page 1 (`make bench-staff`); a text filter also looks
in the patients' own messages in Rasa's tracker store (bot/storage/events.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from bot.engine import VERDICTS
from bot.i18n import LANGUAGES
from bot.storage import events
from bot.storage.base import BATCH, Database, StorageError
from bot.storage.models import (
    AuditEntry,
    ContactRequest,
    Conversation,
    ConversationTag,
    ReviewNote,
    ScreeningResult,
    TrialResult,
)

#: Free-text search looks at most at this many conversations whose messages match.
TEXT_MATCH_LIMIT = 2000


@dataclass(frozen=True)
class ConversationFilter:
    """The staff list's filters; None means 'any'. Dates filter the conversation's start."""

    started_from: datetime | None = None
    started_before: datetime | None = None
    channel: str | None = None
    language: str | None = None  # the patient's language ("en" / "zh"), as last recorded
    nct_id: str | None = None
    verdict: str | None = None  # the latest verdict (for nct_id, or for any trial)
    reviewed: bool | None = None
    text: str | None = None  # in the patient's messages, a note, a tag, or the public id
    contact_open: bool = False  # only those who asked to talk to a person, not yet handled


class StaffQueries(Database):
    """Reads for the staff pages, the command line and the exports."""

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
    if filters.language:
        if filters.language not in LANGUAGES:
            raise StorageError(f"language must be one of {LANGUAGES}", key="filter_language")
        query = query.where(Conversation.language == filters.language)
    if filters.contact_open:
        query = query.where(sa.select(ContactRequest.id).where(
            ContactRequest.conversation_id == Conversation.id,
            ContactRequest.status == "open").exists())
    if filters.reviewed is not None:
        status = "reviewed" if filters.reviewed else "new"
        query = query.where(Conversation.review_status == status)
    if filters.nct_id or filters.verdict:
        if filters.verdict and filters.verdict not in VERDICTS:
            raise StorageError(f"verdict must be one of {VERDICTS}", key="filter_verdict")
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
