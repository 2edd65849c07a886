"""The Rasa server's tracker store: Rasa's SQLTrackerStore, except that it never writes back a
conversation being deleted: not the turn in which the action server deleted it (which would
bring every deleted event back), and no turn of one whose deletion is pending."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage import db, deletion, migrate
from bot.storage.store import Store
from devkit.servers import ROOT
from rasa_extensions.tracker_store import (
    PrivacySQLTrackerStore,
    deletion_completed,
    deletion_pending,
)

SECRET = "I have myxofibrosarcoma and my name is Zebulon"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0})


def first_turn() -> list:
    return [ActionExecuted("action_listen"), user(SECRET), SlotSet("diagnosis", "ups"),
            BotUttered("How old are you?"), ActionExecuted("action_listen")]


def delete_turn() -> list:
    """The turn whose YES the action server acted on: it deleted the conversation."""
    return [user("YES", "affirm"), ActionExecuted("screening_form"),
            BotUttered("Your answers in this chat have been deleted."),
            SlotSet("data_deleted", True), SlotSet("paused", True),
            ActionExecuted("action_listen")]


def failed_turn() -> list:
    """The turn whose deletion failed: marked pending, to be retried."""
    return [user("YES", "affirm"), ActionExecuted("screening_form"),
            BotUttered("Sorry, I could not delete your answers just now."),
            SlotSet("deletion_pending", True), SlotSet("paused", True),
            ActionExecuted("action_listen")]


def action_server_deletes(url: str, sender: str) -> None:
    """What the action server does on YES (bot/storage/deletion.py)."""
    migrate.upgrade(url)
    deletion.delete_conversation(Store(url), sender, "patient")


def tracker(domain: Domain, sender: str, events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, slots=domain.slots)


def stored(url: str, sender: str) -> list[str]:
    with db.engine_for(url).connect() as connection:
        return list(connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).scalars())


async def test_it_saves_and_loads_like_rasas_store(db_url, domain):
    store = PrivacySQLTrackerStore(domain, host=db_url)
    await store.save(tracker(domain, "alice", first_turn()))
    assert len(stored(db_url, "alice")) == len(first_turn())
    loaded = await store.retrieve("alice")
    assert loaded.get_slot("diagnosis") == "ups"


async def test_the_deletion_turn_is_not_saved_so_nothing_comes_back(db_url, domain):
    store = PrivacySQLTrackerStore(domain, host=db_url)
    await store.save(tracker(domain, "alice", first_turn()))
    await store.save(tracker(domain, "bob", first_turn()))
    action_server_deletes(db_url, "alice")
    await store.save(tracker(domain, "alice", first_turn() + delete_turn()))
    assert stored(db_url, "alice") == []
    assert await store.retrieve("alice") is None  # the next message starts a new conversation
    assert len(stored(db_url, "bob")) == len(first_turn())  # nobody else's


async def test_on_sqlite_the_deleted_text_is_gone_from_the_files(tmp_path, domain):
    """WAL mode keeps old pages in the -wal file and a plain DELETE leaves rows in free pages:
    secure_delete and a checkpoint after the deletion leave the text nowhere on disk."""
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    store = PrivacySQLTrackerStore(domain, host=url)
    # another process (the web server, the action server) has the file open, so SQLite does
    # not fold the log into the file when the store's own connection closes
    with sqlite3.connect(tmp_path / "trackers.db") as other:
        other.execute("SELECT count(*) FROM events").fetchone()
        await store.save(tracker(domain, "alice", first_turn()))
        await store.save(tracker(domain, "bob", [ActionExecuted("action_listen"),
                                                 user("hello")]))
        assert b"Zebulon" in _file_bytes(tmp_path)
        action_server_deletes(url, "alice")
        await store.save(tracker(domain, "alice", first_turn() + delete_turn()))
        assert b"Zebulon" not in _file_bytes(tmp_path)
    assert len(stored(url, "bob")) == 2


def _file_bytes(folder) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.glob("trackers.db*")))


async def test_after_the_deletion_a_new_conversation_is_saved_normally(db_url, domain):
    store = PrivacySQLTrackerStore(domain, host=db_url)
    await store.save(tracker(domain, "alice", first_turn()))
    action_server_deletes(db_url, "alice")
    await store.save(tracker(domain, "alice", first_turn() + delete_turn()))
    await store.save(tracker(domain, "alice", [ActionExecuted("action_listen"), user("hello")]))
    rows = stored(db_url, "alice")
    assert len(rows) == 2 and not any(SECRET in row for row in rows)


async def test_rasas_own_store_would_bring_deleted_rows_back(db_url, domain):
    """Why the subclass exists: rows deleted during the turn are re-inserted on save."""
    store = SQLTrackerStore(domain, host=db_url)
    await store.save(tracker(domain, "alice", first_turn()))
    with db.engine_for(db_url).begin() as connection:  # the action server deletes mid-turn
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'alice'"))
    await store.save(tracker(domain, "alice", first_turn() + delete_turn()))
    assert any(SECRET in row for row in stored(db_url, "alice"))


async def test_a_failed_deletion_is_saved_once_then_nothing_more_until_it_is_done(
    db_url, domain
):
    """The failing turn keeps its mark (the retry finds it); later turns are not saved, so a
    retry running while one is in flight cannot be undone by that turn's save."""
    store = PrivacySQLTrackerStore(domain, host=db_url)
    history = first_turn() + failed_turn()
    await store.save(tracker(domain, "alice", history))
    assert len(stored(db_url, "alice")) == len(history)
    assert deletion._pending_in_events(Store(db_url)) == {"alice"}
    migrate.upgrade(db_url)
    deletion.retry_pending(Store(db_url), scan_events=True)  # the scheduler, meanwhile
    later = [*history, user("hello again", "greet"), ActionExecuted("action_start"),
             BotUttered("Still waiting to be deleted."), ActionExecuted("action_listen")]
    await store.save(tracker(domain, "alice", later))
    assert stored(db_url, "alice") == []


def test_only_this_turns_deletion_counts_and_a_pending_one_from_before(domain):
    assert deletion_completed(tracker(domain, "a", first_turn() + delete_turn()))
    assert not deletion_completed(tracker(domain, "a", first_turn()))
    later = first_turn() + delete_turn() + [user("hello", "greet"),
                                            ActionExecuted("action_start")]
    assert not deletion_completed(tracker(domain, "a", later))
    assert not deletion_pending(tracker(domain, "a", first_turn() + failed_turn()))
    assert deletion_pending(tracker(domain, "a", first_turn() + failed_turn() + [
        user("hello", "greet")]))
