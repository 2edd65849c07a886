"""One pair of real servers (Rasa + action server, SQLite tracker store) for the e2e tests."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from devkit.rest_patient import RestPatient
from devkit.servers import Servers


@pytest.fixture(scope="session")
def servers(shared_servers) -> Servers:
    return shared_servers


@pytest.fixture
def patient(servers) -> RestPatient:
    return RestPatient(servers.rasa_url)


def stored_slots(servers: Servers, sender: str) -> dict[str, Any]:
    """The slot values of a conversation, replayed from the SQL tracker store's events."""
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    slots: dict[str, Any] = {}
    for type_name, data in rows:
        event = json.loads(data)
        if type_name == "slot":
            slots[event["name"]] = event["value"]
        elif type_name in ("reset_slots", "restart"):
            slots = {}
    return slots
