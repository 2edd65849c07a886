"""Fault tests: the real servers with the action server, the Rasa server or the database
failing. The throwaway PostgreSQL server is the storage tests' own fixture."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from tests.storage.conftest import postgres_server  # noqa: F401 (a fixture, used by name)


def stored_events(db_url: str, sender: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of every stored event of a conversation, oldest first (SQLite or
    PostgreSQL), read as staff tools read Rasa's `events` table."""
    engine = sa.create_engine(db_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            ).all()
    finally:
        engine.dispose()
    return [(type_name, json.loads(data)) for type_name, data in rows]


def stored_slots(db_url: str, sender: str) -> dict[str, Any]:
    """The slot values the stored events add up to."""
    slots: dict[str, Any] = {}
    for type_name, event in stored_events(db_url, sender):
        if type_name == "slot":
            slots[event["name"]] = event["value"]
        elif type_name in ("reset_slots", "restart"):
            slots = {}
    return slots


def stored_user_texts(db_url: str, sender: str) -> list[str]:
    return [event.get("text") for kind, event in stored_events(db_url, sender) if kind == "user"]
