"""The tracker store's memory of recent conversations (rasa_extensions/tracker_store.py): a
turn gets the tracker the previous turn saved instead of re-reading and replaying every event,
the database ends up with exactly the rows Rasa's own store writes, and the memory is never
used once the database says something else happened (another process, a deletion, a turn that
failed before saving, a new session)."""

from __future__ import annotations

import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
)

from devkit.servers import ROOT
from rasa_extensions.tracker_store import PrivacySQLTrackerStore, holds_one_session
from tests.storage.test_tracker_store import (
    action_server_deletes,
    first_turn,
    stored,
    tracker,
    user,
)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def answer_turn(text: str, age: int) -> list:
    return [user(text), SlotSet("age", age), BotUttered("Has it spread?"),
            ActionExecuted("action_listen")]


async def screen_three_turns(store: SQLTrackerStore, domain, sender: str) -> None:
    """What the Rasa server does each turn: retrieve, add the turn's events, save."""
    await store.save(tracker(domain, sender, first_turn()))
    for turn, age in enumerate((52, 53), 1):
        current = await store.retrieve(sender)
        for event in answer_turn(f"I am {age}, turn {turn}", age):
            current.update(event)
        await store.save(current)


def without_ids(rows: list[str]) -> list[dict]:
    return [{k: v for k, v in json.loads(row).items() if k != "timestamp"} for row in rows]


async def test_a_turn_gets_the_tracker_the_last_turn_saved(db_url, domain):
    store = PrivacySQLTrackerStore(domain, host=db_url)
    first = tracker(domain, "alice", first_turn())
    await store.save(first)
    again = await store.retrieve("alice")
    assert again is not None and again.get_slot("diagnosis") == "ups"
    for event in answer_turn("I am 52", 52):
        again.update(event)
    await store.save(again)
    assert await store.retrieve("alice") is again  # no re-read, no replay


async def test_the_database_gets_the_rows_rasas_store_writes(db_url, domain):
    await screen_three_turns(PrivacySQLTrackerStore(domain, host=db_url), domain, "cached")
    await screen_three_turns(SQLTrackerStore(domain, host=db_url), domain, "rasa")
    cached, rasa = stored(db_url, "cached"), stored(db_url, "rasa")
    assert len(cached) == len(first_turn()) + 2 * len(answer_turn("", 0))
    assert without_ids(cached) == without_ids(rasa)


async def test_what_another_process_saved_is_read_from_the_database(db_url, domain):
    mine = PrivacySQLTrackerStore(domain, host=db_url)
    other = PrivacySQLTrackerStore(domain, host=db_url)  # a second Rasa server of a cluster
    await mine.save(tracker(domain, "alice", first_turn()))
    theirs = await other.retrieve("alice")
    theirs.update(user("I am 60"))
    theirs.update(SlotSet("age", 60))
    await other.save(theirs)
    current = await mine.retrieve("alice")
    assert current.get_slot("age") == 60


async def test_a_deleted_conversation_is_not_brought_back_from_memory(db_url, domain):
    store = PrivacySQLTrackerStore(domain, host=db_url)
    await store.save(tracker(domain, "alice", first_turn()))
    action_server_deletes(db_url, "alice")  # or retention, or a staff member
    assert await store.retrieve("alice") is None


async def test_a_turn_that_failed_before_saving_leaves_nothing_behind(db_url, domain):
    store = PrivacySQLTrackerStore(domain, host=db_url)
    await store.save(tracker(domain, "alice", first_turn()))
    failing = await store.retrieve("alice")
    failing.update(user("I am 99"))
    failing.update(SlotSet("age", 99))  # ... and the turn raised: no save
    retried = await store.retrieve("alice")
    assert retried is not failing and retried.get_slot("age") is None
    assert len(retried.events) == len(first_turn())


async def test_a_turn_that_started_a_session_is_read_back_as_rasa_reads_it(db_url, domain):
    """Rasa's retrieve keeps only the latest session: the tracker in memory, which still
    holds the session before, is not used."""
    store = PrivacySQLTrackerStore(domain, host=db_url)
    events = [*first_turn(), ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen")]
    for offset, event in enumerate(events):
        event.timestamp = 1_000_000.0 + offset
    saved = tracker(domain, "alice", events)
    assert not holds_one_session(saved)
    await store.save(saved)
    read = await store.retrieve("alice")
    assert read is not saved and len(read.events) == 2  # session_started, action_listen
    assert holds_one_session(read)
    await store.save(read)
    assert await store.retrieve("alice") is read


@pytest.mark.parametrize("size", [0, 1])
async def test_the_cache_holds_at_most_its_size(db_url, domain, size):
    store = PrivacySQLTrackerStore(domain, host=db_url, cache_size=size)
    alice, bob = (tracker(domain, name, first_turn()) for name in ("alice", "bob"))
    await store.save(alice)
    await store.save(bob)
    assert (await store.retrieve("alice")) is not alice  # evicted (size 1) or never kept (0)
    assert ((await store.retrieve("bob")) is bob) == (size == 1)
