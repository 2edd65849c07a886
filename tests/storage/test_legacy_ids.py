"""The one-time rename of conversations stored before channel namespaces (legacy_ids.py), on
SQLite and PostgreSQL: the phone number leaves the database, the patient's conversation
continues under the id the channel now gives, and a second run changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa

from bot.identity import SMS, WHATSAPP, conversation_id
from bot.storage import db, legacy_ids
from bot.storage.patient import ConversationRef
from devkit.servers import ROOT
from tests.storage.helpers import event_rows, project_rows

SECRET = "legacy-test-secret-0123456789"


def stored_user_message(url: str, sender: str, channel: str | None, text: str = "hello") -> None:
    """A conversation as the Rasa server stored it before namespaces: raw platform id."""
    with db.engine_for(url).begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
            "type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)")
        rows = [("action", {"event": "action", "name": "action_listen"})]
        if channel is not None:
            rows.append(("user", {"event": "user", "text": text, "input_channel": channel}))
        next_id = connection.exec_driver_sql("SELECT count(*) FROM events").scalar() + 1
        for offset, (kind, data) in enumerate(rows):
            connection.execute(sa.text(
                "INSERT INTO events (id, sender_id, type_name, timestamp, data) "
                "VALUES (:id, :s, :t, 0, :d)"), {"id": next_id + offset, "s": sender,
                                                  "t": kind, "d": json.dumps(data)})


def test_old_ids_get_their_channels_namespace_and_the_number_leaves(store, db_url):
    phone, whatsapp = "+8613800138000", "whatsapp:+8613912345678"
    stored_user_message(db_url, phone, "twilio")
    stored_user_message(db_url, whatsapp, "twilio")
    stored_user_message(db_url, "integration-7", "rest")
    stored_user_message(db_url, "tg:forged", "rest")  # a REST sender shaped like a namespace
    stored_user_message(db_url, "b3f1c2", "socketio")
    stored_user_message(db_url, "never-spoke", None)
    store.record_consent(ConversationRef(phone, "twilio"), True)
    store.audit("staff:x", "view", phone)

    renamed = legacy_ids.rename_legacy_ids(SECRET, db_url, db_url)

    assert (renamed.renamed, renamed.skipped) == (5, 1)
    sms = conversation_id(SMS, phone, SECRET)
    senders = {sender for sender, _ in event_rows(db_url)}
    assert senders == {sms, conversation_id(WHATSAPP, whatsapp, SECRET), "rest:integration-7",
                       "rest:tg:forged", "web:b3f1c2", "never-spoke"}
    assert len(event_rows(db_url, sms)) == 2
    assert store.find_conversation(sms).consent is True
    assert "8613800138000" not in repr(project_rows(db_url))
    assert not any("8613800138000" in sender for sender in senders)


def test_a_second_run_changes_nothing(store, db_url):
    stored_user_message(db_url, "+8613800138000", "twilio")
    stored_user_message(db_url, "api-client", "rest")
    legacy_ids.rename_legacy_ids(SECRET, db_url, db_url)
    before = event_rows(db_url)
    again = legacy_ids.rename_legacy_ids(SECRET, db_url, db_url)
    assert (again.renamed, again.skipped) == (0, 0)
    assert event_rows(db_url) == before


def test_make_runs_migrate_command_does_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    stored_user_message(url, "+8613800138000", "twilio")
    db.dispose_all()
    done = subprocess.run(
        [sys.executable, "-m", "bot.storage", "migrate"], cwd=ROOT, timeout=120,
        capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "TRACKER_DB_URL": url,
             "CONVERSATION_ID_SECRET": SECRET, "DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "1 renamed" in done.stdout
    assert [s for s, _ in event_rows(url)] == [conversation_id(SMS, "+8613800138000", SECRET)] * 2
