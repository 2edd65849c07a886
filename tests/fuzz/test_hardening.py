"""The Rasa-side input checks (rasa_extensions/patches/hardening.py), by property, without
servers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.values import MAX_MESSAGE_CHARS
from rasa_extensions.patches import hardening

URGENT = "I have crushing chest pain"
EMERGENCY = "This could be a medical emergency"
FILLER = st.sampled_from(["my leg hurts ", "x", "我有骨肉瘤 ", "a\nb ", "🧬 "])


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(filler=FILLER, size=st.integers(MAX_MESSAGE_CHARS + 1, 60_000),
       where=st.floats(0, 1))
def test_an_urgent_phrase_anywhere_in_an_over_long_message_comes_first(filler, size, where):
    text = (filler * (size // len(filler) + 1))[:size]
    cut = int(where * len(text))
    text = text[:cut] + " " + URGENT + " " + text[cut:]
    replies = hardening.too_long_replies(text)
    assert replies[0]["text"].startswith(EMERGENCY)
    assert "too long" in replies[-1]["text"] and len(replies) == 2


def test_an_over_long_message_without_urgent_words_gets_one_reply():
    replies = hardening.too_long_replies("my leg hurts " * 1000)
    assert [r["text"] for r in replies if "too long" in r["text"]] == [r["text"] for r in replies]


@given(st.sampled_from(["/session_start", "/back", "/ back", "/back@0.9", "/session_start{}",
                        '/back{"age": 3}', "  /back  "]))
def test_rasa_commands_that_a_patient_may_not_type_are_recognised(text):
    assert hardening.INTERNAL_COMMAND.match(text.strip())


@given(st.sampled_from(["/backup", "/session_started", "back", "/affirm", "/restart",
                        "/change_answer{\"fact_to_change\": \"age\"}", "go /back"]))
def test_other_messages_are_left_alone(text):
    assert not hardening.INTERNAL_COMMAND.match(text.strip())


def test_only_a_catalog_fact_may_be_the_fact_to_change():
    from rasa.shared.core.events import SlotSet

    assert not hardening._disallowed(SlotSet("fact_to_change", "age"))
    assert not hardening._disallowed(SlotSet("fact_to_change", None))
    for forged in ("garbage", {"a": 1}, ["age"], 7, True, "AGE"):
        assert hardening._disallowed(SlotSet("fact_to_change", forged)), forged
    assert not hardening._disallowed(SlotSet("diagnosis", "raw text being validated"))
