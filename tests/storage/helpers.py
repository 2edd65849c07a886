"""Helpers shared by the storage tests: conversations in Rasa's tracker store, and everything
the project's tables hold about a sender."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from functools import cache

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage import db
from bot.storage.models import Base
from devkit.servers import ROOT
from rasa_extensions.tracker_store import PrivacySQLTrackerStore


@cache
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def save_conversation(url: str, sender: str, text: str, at: datetime | None = None) -> None:
    """A short conversation saved by the Rasa server's tracker store, its events stamped `at`."""
    save_events(url, sender, [ActionExecuted("action_listen"),
                              UserUttered(text, {"name": "inform"}),
                              BotUttered("How old are you?"), ActionExecuted("action_listen")], at)


def save_events(url: str, sender: str, events: list, at: datetime | None = None) -> None:
    """`events` saved as one conversation by the Rasa server's tracker store, stamped `at`."""
    stamp = (at or datetime.now(timezone.utc)).timestamp()
    for event in events:
        event.timestamp = stamp
    store = PrivacySQLTrackerStore(domain(), host=url)
    try:
        tracker = DialogueStateTracker.from_events(sender, events, slots=domain().slots)
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


def event_rows(url: str, sender: str | None = None) -> list[tuple[str, str]]:
    """(sender_id, data) of the tracker store's events."""
    query = "SELECT sender_id, data FROM events"
    params = {}
    if sender is not None:
        query, params = query + " WHERE sender_id = :s", {"s": sender}
    with db.engine_for(url).connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(query + " ORDER BY id"),
                                                         params)]


def project_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every project table."""
    with db.engine_for(url).connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(sa.select(table))]
            for name, table in Base.metadata.tables.items()
        }


def rows_mentioning(url: str, needle: str, conversation_id: int | None = None) -> list[str]:
    """Project rows whose text contains `needle`, or that point at `conversation_id`."""
    found = []
    for name, rows in project_rows(url).items():
        table = Base.metadata.tables[name]
        columns = [c.name for c in table.columns]
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            if needle in repr(row) or (
                conversation_id is not None and values.get("conversation_id") == conversation_id
            ):
                found.append(f"{name}: {row}")
    return found
