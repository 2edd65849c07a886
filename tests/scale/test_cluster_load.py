"""The cluster of scripts/cluster.py (PostgreSQL, Redis lock store, two action servers and two
Rasa servers behind nginx) under load from scripts/loadtest.py, over REST and socket.io at once.

Afterwards PostgreSQL's `events` table must hold, for every conversation, exactly the user
messages the patient sent (in order, none lost, none twice) and exactly the bot messages the
patient received; no event is stored twice; both Rasa servers and both action servers took
traffic, socket.io's sticky sessions held (no refused request), and Redis served the locks.

Then patients who tap several buttons at once: their messages reach both Rasa servers at the
same moment, and only the shared Redis lock keeps the turns apart (without it both servers read
the same stored conversation and one server's events are lost when they save). Every message
must be stored once, each turn whole before the next begins.

Speed is printed (pytest -s), never asserted.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import aiohttp
import pytest
import redis
import sqlalchemy as sa

from devkit.servers import rest_headers, rest_id
from scripts.cluster import Cluster, running_cluster
from scripts.loadtest import Conversation, Report, Target, run_load

CONCURRENCY = 20  # half REST, half socket.io (polling, then upgraded to a WebSocket)
DURATION_S = 40
TAPS = ("Yes, I agree", "No, thank you", "why do you ask?", "Myself")  # at once, after "hello"
TAPPING_PATIENTS = 40


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with ExitStack() as stack:
        try:
            running = stack.enter_context(running_cluster())
        except SystemExit as error:  # a missing nginx, redis-server or postgresql: a failure
            pytest.fail(str(error), pytrace=False)
        yield running


@pytest.fixture(scope="module")
def load(cluster) -> Report:
    target = Target(cluster.url, cluster.web_url, rest_url=cluster.internal_url)
    report = asyncio.run(run_load(target, CONCURRENCY, DURATION_S))
    print("\n" + "\n".join(report.lines()))
    return report


@pytest.fixture(scope="module")
def taps(cluster, load) -> dict[str, list[str]]:
    """Patients who send several messages at once over REST: conversation id -> messages
    sent."""

    async def tap_all() -> dict[str, list[str]]:
        async with aiohttp.ClientSession() as http:

            async def say(sender: str, text: str) -> None:
                async with http.post(f"{cluster.internal_url}/webhooks/rest/webhook",
                                     json={"sender": sender, "message": text},
                                     headers=rest_headers()) as response:
                    assert response.status == 200, await response.text()

            async def patient(index: int) -> tuple[str, list[str]]:
                sender = f"taps-{index}"
                await say(sender, "hello")
                await asyncio.gather(*(say(sender, text) for text in TAPS))
                return rest_id(sender), ["hello", *TAPS]

            return dict(await asyncio.gather(*(patient(i) for i in range(TAPPING_PATIENTS))))

    return asyncio.run(tap_all())


@pytest.fixture(scope="module")
def stored(cluster, load, taps) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Every sender's events as stored, in order: (type_name, event)."""
    engine = sa.create_engine(cluster.db_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT sender_id, type_name, data FROM events ORDER BY id")).all()
    engine.dispose()
    events: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for sender, type_name, data in rows:
        events[sender].append((type_name, json.loads(data)))
    return events


def _talked(load: Report) -> list[Conversation]:
    return [c for c in load.conversations if c.sent]


def test_the_load_ran_without_errors_on_both_channels(load):
    assert load.errors == []
    for channel in ("rest", "socketio"):
        assert load.completed(channel) >= CONCURRENCY // 2, channel
        assert len(load.latencies(channel)) > 10 * CONCURRENCY, channel


def test_every_conversation_is_stored_and_nothing_else(load, taps, stored):
    assert set(stored) == {c.conversation_id for c in _talked(load)} | set(taps)


def test_every_user_message_is_stored_once_in_order(load, stored):
    for conversation in _talked(load):
        user_texts = [event["text"] for kind, event in stored[conversation.conversation_id]
                      if kind == "user"]
        assert user_texts == conversation.sent, conversation.conversation_id


def test_every_bot_message_received_is_stored_once(load, stored):
    """A stored bot utterance reaches the patient as one message, or as several when the
    channel splits its text at blank lines; the custom screening_result is one message."""
    for conversation in _talked(load):
        bot = [event for kind, event in stored[conversation.conversation_id] if kind == "bot"]
        stored_text = "\n\n".join(e["text"].strip() for e in bot if e.get("text"))
        received_text = "\n\n".join(m["text"] for m in conversation.received if "text" in m)
        assert stored_text == received_text, conversation.conversation_id
        stored_custom = [(e.get("data") or {}).get("custom") for e in bot]
        received_custom = [m["custom"] for m in conversation.received if "custom" in m]
        assert [c for c in stored_custom if c] == received_custom, conversation.conversation_id
        assert received_custom or not conversation.completed


def test_messages_sent_at_once_are_each_stored_once(taps, stored):
    for sender, sent in taps.items():
        user_texts = [event["text"] for kind, event in stored[sender] if kind == "user"]
        assert user_texts[0] == "hello"
        assert sorted(user_texts) == sorted(sent), sender


def test_every_turn_is_stored_whole_before_the_next(stored):
    """A turn is the user message, the actions it caused, and action_listen: two turns of one
    conversation processed at once would interleave (or lose) their events."""
    for sender, events in stored.items():
        listening = True
        for kind, event in events:
            if kind == "user":
                assert listening, f"{sender}: a user message inside another turn"
                listening = False
            elif kind == "action" and event.get("name") == "action_listen":
                listening = True
        assert listening, f"{sender}: the last turn was not stored whole"


def test_no_event_is_stored_twice(cluster, load, taps):
    engine = sa.create_engine(cluster.db_url, future=True)
    with engine.connect() as connection:
        total = connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        twice = connection.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, data, count(*) FROM events "
            "GROUP BY sender_id, type_name, timestamp, data HAVING count(*) > 1")).all()
    engine.dispose()
    assert total > 0
    assert twice == []


def test_both_rasa_and_both_action_servers_took_traffic_and_sockets_stuck(cluster, load, taps):
    upstreams: dict[str, Counter] = defaultdict(Counter)
    refused = []
    for line in cluster.access_log.read_text().splitlines():
        found = re.search(r'"(\S+) (\S+)" (\d+) (\S+)', line)
        if not found:
            continue
        _, path, status, upstream = found.groups()
        kind = ("socketio" if path.startswith("/socket.io/") else
                "rest" if path == "/webhooks/rest/webhook" else
                "actions" if path == "/webhook" else "other")
        upstreams[kind][upstream] += 1
        if kind != "other" and int(status) >= 400:
            refused.append(line)
    rasa = {url.removeprefix("http://") for url in cluster.rasa_urls}
    actions = {url.removeprefix("http://") for url in cluster.action_urls}
    assert set(upstreams["rest"]) == rasa
    assert set(upstreams["socketio"]) == rasa
    assert set(upstreams["actions"]) == actions
    assert refused == []  # a socket.io request on the wrong server is refused (400)


def test_the_conversation_locks_were_in_redis(cluster, load, taps):
    client = redis.Redis.from_url(cluster.redis_url)
    try:
        commands = client.info("stats")["total_commands_processed"]
        leftover = client.keys("*")
    finally:
        client.close()
    assert commands >= len(load.latencies())  # at least one lock operation per turn
    assert leftover == []  # every lock released


def test_the_public_listener_passes_only_what_patients_and_platforms_need(cluster):
    """REST and Rasa's HTTP API are not on the public listener; the chat page, socket.io and
    the webhooks of the channels that are on are (deploy/nginx.conf.template)."""
    import requests

    from devkit.servers import rest_headers

    public, internal = cluster.url, cluster.internal_url
    hello = {"sender": "public-walk", "message": "hello"}
    assert requests.post(f"{public}/webhooks/rest/webhook", json=hello, headers=rest_headers(),
                         timeout=30).status_code == 404
    for path in ("/conversations/x/tracker", "/model/parse", "/status", "/domain",
                 "/webhooks/rest/", "/webhooks/telegram/webhook", "/webhooks/unknown/webhook"):
        response = requests.get(f"{public}{path}", timeout=30)
        assert response.status_code == 404, path
        assert "Hello from Rasa" not in response.text
    assert requests.get(f"{public}/", timeout=30).ok  # the chat page, from the web server
    assert "<html" in requests.get(f"{public}/", timeout=30).text.lower()
    assert requests.get(f"{public}/staff/login", timeout=30).ok
    assert requests.get(f"{public}/socket.io/?EIO=4&transport=polling", timeout=30,
                        headers={"Origin": cluster.web_url}).ok
    assert requests.post(f"{internal}/webhooks/rest/webhook", json=hello,
                         headers=rest_headers(), timeout=60).ok
