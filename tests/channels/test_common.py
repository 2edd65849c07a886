"""Unit tests of the channels' shared pieces (no servers)."""

from __future__ import annotations

import time

from rasa_extensions.channels.common import (
    DirectOutput,
    ExpiringCache,
    TurnCollector,
    same_secret,
)


def test_same_secret_is_exact_and_never_matches_missing_values():
    assert same_secret("abc", "abc") and same_secret(b"abc", "abc")
    assert not same_secret("abc", "abd") and not same_secret("ab", "abc")
    assert not same_secret(None, "abc") and not same_secret("", "") and not same_secret("x", "")


async def test_the_collector_keeps_each_message_whole_and_in_order():
    collector = TurnCollector()
    await collector.send_response("p", {"text": "One.\n\nTwo.", "timestamp": 1, "image": None})
    await collector.send_response("p", {"text": "Q?", "buttons": [{"title": "Yes",
                                                                   "payload": "Yes"}]})
    await collector.send_response("p", {"custom": {"type": "screening_result"}})
    await collector.send_response("p", {"text": None})
    assert collector.messages == [
        {"text": "One.\n\nTwo."},  # Rasa's own collector would split it in two
        {"text": "Q?", "buttons": [{"title": "Yes", "payload": "Yes"}]},
        {"custom": {"type": "screening_result"}},
    ]


async def test_direct_output_delivers_each_message_at_once():
    delivered = []

    async def deliver(recipient, messages):
        delivered.append((recipient, messages))

    output = DirectOutput(deliver)
    await output.send_response("p1", {"text": "Hi", "buttons": []})
    await output.send_text_message("p1", "Bye")
    assert delivered == [("p1", [{"text": "Hi"}]), ("p1", [{"text": "Bye"}])]


def test_expiring_cache_forgets_old_and_excess_entries():
    cache = ExpiringCache(ttl=0.05, max_items=2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("c", 3)
    assert "a" not in cache and cache.get("b") == 2 and cache.get("c") == 3
    time.sleep(0.06)
    assert "b" not in cache and cache.get("c", "gone") == "gone"
