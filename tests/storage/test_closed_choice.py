"""The choice to stop or go on when only a study not taking new people was left (issue 11):
stored in the project's tables and shown on the staff conversation page (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from bot.storage import hooks, migrate
from bot.storage.accounts import Accounts
from bot.storage.base import StorageError
from bot.storage.patient import ConversationRef
from bot.storage.store import Store
from bot.web.app import create_app
from devkit.patients import PATIENT_A

PASSWORD = "a long staff password"


def test_the_choice_is_stored_with_its_time(store):
    ref = ConversationRef("patient-closed", "rest")
    store.record_closed_choice(ref, "stop")
    conversation = store.find_conversation("patient-closed")
    assert conversation.closed_choice == "stop" and conversation.closed_choice_at is not None
    store.record_closed_choice(ref, "go_on")
    assert store.find_conversation("patient-closed").closed_choice == "go_on"
    with pytest.raises(StorageError):
        store.record_closed_choice(ref, "maybe")


async def test_the_action_servers_hook_stores_it(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    migrate.upgrade(db_url)
    events = [{"event": "user", "input_channel": "rest", "timestamp": 1_700_000_000.0}]
    await hooks.record_closed_choice("patient-hook", events, "stop")
    conversation = Store(db_url).find_conversation("patient-hook")
    assert (conversation.closed_choice, conversation.channel) == ("stop", "rest")


@pytest.mark.parametrize(("choice", "shown"), [
    ("stop", "the patient chose to see the result"),
    ("go_on", "the patient chose to answer the rest")])
def test_staff_see_which_was_chosen(db_url, monkeypatch, choice, shown):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    monkeypatch.setenv("STAFF_COOKIE_SECURE", "false")  # the test client speaks plain HTTP
    migrate.upgrade(db_url)
    store = Store(db_url)
    Accounts(store).create("coord", PASSWORD)
    ref = ConversationRef("patient-chose", "rest")
    store.record_result(ref, PATIENT_A, audience="self")
    store.record_closed_choice(ref, choice)
    app = create_app()
    app.testing = True
    client = app.test_client()
    form = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/staff/login", data={"username": "coord", "password": PASSWORD,
                                      "csrf_token": token})
    public_id = store.find_conversation("patient-chose").public_id
    page = client.get(f"/staff/conversations/{public_id}").get_data(as_text=True)
    assert shown in page
    app.extensions["staff_accounts"].store.engine.dispose()
