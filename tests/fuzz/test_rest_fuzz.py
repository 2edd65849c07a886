"""Thousands of hostile and forged messages through the real REST channel.

One set of real servers (Rasa, action server, web server) takes binary-ish text, control
characters, messages up to 100,000 characters, other scripts and emoji, SQL and HTML
fragments, and typed `/intent{json}` payloads with values outside what every slot allows,
at every point of a screening. After every message: HTTP 200 with a well-formed, non-empty
reply; every slot in the conversation store holds a value it allows; no server logged an
error. Forged payloads sent after a finished screening change no answer and no verdict.
Each example starts from a copy (made in the tracker store) of a conversation taken to that
point once, so examples do not spoil each other and nearly every message sent is hostile.

The runs are reproducible: Hypothesis derandomizes (a fixed seed per test) and keeps no
example database. FUZZ_SCALE=10 runs ten times as many examples; FUZZ_SEED=<n> explores new
ones from that seed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.dialogue import content
from bot.values import MAX_MESSAGE_CHARS
from devkit.patients import PATIENT_A, PATIENT_B, A, B
from devkit.rest_patient import RestPatient
from devkit.servers import Servers, rest_headers, rest_id
from tests.e2e.conftest import stored_slots as stored_conversation_slots
from tests.fuzz.strategies import (
    forged_payload,
    hostile_text,
    intents_keeping_answers,
    slot_problem,
)

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
SEED = os.environ.get("FUZZ_SEED")
ERROR_MARKERS = ("Traceback", " ERROR ", " CRITICAL ", "rest.message.received.failure")
COUNT = {"hostile": 0, "scripted": 0}  # messages sent: fuzzed, and answers to reach a state


def fuzz(examples: int) -> Callable:
    """Hypothesis settings for a fuzz test: `examples` examples times FUZZ_SCALE."""
    def decorate(test: Callable) -> Callable:
        test = settings(
            max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
            derandomize=SEED is None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.function_scoped_fixture,
                                   HealthCheck.filter_too_much],
        )(test)
        return seed(int(SEED))(test) if SEED is not None else test
    return decorate


@pytest.fixture(scope="module")
def servers(shared_servers) -> Servers:
    yield shared_servers
    print(f"\nfuzz: {COUNT['hostile']} hostile and {COUNT['scripted']} scripted messages sent")


# --- sending and checking -----------------------------------------------------------------


def send(servers: Servers, sender: str, text: str) -> list[dict[str, Any]]:
    """Post one message; it must get HTTP 200 and a non-empty list of well-formed replies."""
    COUNT["hostile"] += 1
    response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=120,
                             headers=rest_headers())
    said = f"message {text[:300]!r} ({len(text)} characters)"
    assert response.status_code == 200, f"{said}: HTTP {response.status_code} {response.text}"
    replies = response.json()
    assert isinstance(replies, list) and replies, f"{said}: no reply ({replies!r})"
    for reply in replies:
        assert reply.get("recipient_id") == rest_id(sender), f"{said}: {reply!r}"
        shown = {key for key in ("text", "buttons", "custom", "image") if reply.get(key)}
        assert shown, f"{said}: an empty reply {reply!r}"
        if "text" in reply:
            assert isinstance(reply["text"], str) and reply["text"].strip(), f"{said}: {reply!r}"
    return replies


def stored_slots(servers: Servers, sender: str) -> dict[str, Any]:
    """The stored slots of the conversation of a REST `sender`."""
    return stored_conversation_slots(servers, rest_id(sender))


def assert_slots_allowed(servers: Servers, sender: str, after: str) -> dict[str, Any]:
    slots = stored_slots(servers, sender)
    problems = [p for name, value in slots.items() if (p := slot_problem(name, value))]
    assert not problems, f"after {after[:300]!r}: {problems}"
    return slots


def new_log(servers: Servers, since: int) -> str:
    with open(servers.log_path, "rb") as log:
        log.seek(since)
        return log.read().decode(errors="replace")


def assert_no_server_error(servers: Servers, since: int, after: str) -> None:
    text = new_log(servers, since)
    found = [marker for marker in ERROR_MARKERS if marker in text]
    assert not found, f"after {after[:300]!r} the servers logged {found}:\n{text[-3000:]}"


def log_size(servers: Servers) -> int:
    return servers.log_path.stat().st_size


def advance(servers: Servers, steps: int, audience: str) -> RestPatient:
    """A new conversation taken `steps` messages into a screening (0: not started)."""
    patient = RestPatient(servers.rasa_url)
    truth = PATIENT_A if audience == "self" else PATIENT_B
    script = ["hello", content()["consent_buttons"][0]]
    for said in script[:steps]:
        patient.say(said)
    if steps > 2:
        label = next(o["label"] for o in content()["audience_buttons"]
                     if o["value"] == audience)
        patient.say(label)
    for _ in range(max(0, steps - 3)):
        slot = patient.asked()
        if slot is None:
            break
        patient.say(patient.answer_for(slot, truth, {}))
    COUNT["scripted"] += len(patient.transcript)
    return patient


TEMPLATES: dict[tuple[str, int], str] = {}


def started(servers: Servers, steps: int, audience: str) -> str:
    """A conversation `steps` messages into a screening, as a fresh copy of one made once."""
    if steps == 0:
        return f"fuzz-{uuid.uuid4().hex}"
    key = (audience, steps)
    if key not in TEMPLATES:
        TEMPLATES[key] = advance(servers, steps, audience).sender
    return clone(servers, TEMPLATES[key])


def clone(servers: Servers, sender: str) -> str:
    """A copy of a conversation under a new id, made in the tracker store (Rasa reads the
    events back on every message), so each example starts from the same point."""
    copy = f"fuzz-{uuid.uuid4().hex}"
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(events)")
                   if row[1] not in ("id", "sender_id")]
        listed = ", ".join(columns)
        db.execute(f"INSERT INTO events (sender_id, {listed}) SELECT ?, {listed} FROM events "
                   "WHERE sender_id = ? ORDER BY id", (rest_id(copy), rest_id(sender)))
    return copy


def fuzz_conversation(servers: Servers, steps: int, audience: str, messages: list[str]) -> None:
    sender = started(servers, steps, audience)
    since = log_size(servers)
    for text in messages:
        send(servers, sender, text)
        assert_slots_allowed(servers, sender, text)
    assert_no_server_error(servers, since, " | ".join(messages))


# --- the fuzz tests -----------------------------------------------------------------------

steps = st.integers(0, 16)
audiences = st.sampled_from(["self", "child"])


@fuzz(examples=130)
@given(steps=steps, audience=audiences, messages=st.lists(hostile_text, min_size=4, max_size=16))
def test_hostile_text_anywhere_in_a_screening(servers, steps, audience, messages):
    fuzz_conversation(servers, steps, audience, messages)


@fuzz(examples=130)
@given(steps=steps, audience=audiences,
       messages=st.lists(st.one_of(forged_payload(), hostile_text), min_size=4, max_size=16))
def test_forged_payloads_anywhere_in_a_screening(servers, steps, audience, messages):
    fuzz_conversation(servers, steps, audience, messages)


@pytest.fixture(scope="module")
def finished(servers) -> dict[str, Any]:
    """A screening answered to the end by tapping buttons, and what it decided."""
    patient = RestPatient(servers.rasa_url)
    patient.start("self")
    patient.answer_all(PATIENT_A)
    COUNT["scripted"] += len(patient.transcript)
    verdicts = patient.verdicts()
    assert verdicts == {A: "possible_match", B: "not_a_match"}
    assert stored_verdicts(servers, patient.sender) == verdicts
    answers = {k: v for k, v in stored_slots(servers, patient.sender).items() if k in PATIENT_A}
    return {"sender": patient.sender, "verdicts": verdicts, "answers": answers}


def stored_verdicts(servers: Servers, sender: str) -> dict[str, str]:
    """The latest verdict per trial in the project's own tables (what staff see)."""
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        rows = db.execute(
            "SELECT t.nct_id, t.verdict FROM trial_results t JOIN conversations c "
            "ON c.id = t.conversation_id WHERE c.sender_id = ? AND t.is_latest", (rest_id(sender),)
        ).fetchall()
    return dict(rows)


@fuzz(examples=90)
@given(payloads=st.lists(forged_payload(intents_keeping_answers()), min_size=2, max_size=8))
def test_forged_payloads_change_no_answer_and_no_verdict(servers, finished, payloads):
    sender = clone(servers, finished["sender"])
    assert {k: v for k, v in stored_slots(servers, sender).items() if k in PATIENT_A
            } == finished["answers"]
    since = log_size(servers)
    for payload in payloads:
        replies = send(servers, sender, payload)
        slots = assert_slots_allowed(servers, sender, payload)
        answers = {k: v for k, v in slots.items() if k in PATIENT_A}
        assert answers == finished["answers"], f"{payloads!r} changed the answers"
        # The copy has no stored result until it makes one, which must be the same.
        assert stored_verdicts(servers, sender) in ({}, finished["verdicts"]), payloads
        for reply in replies:
            custom = reply.get("custom") or {}
            if custom.get("type") == "screening_result":
                got = {t["nct_id"]: t["verdict"] for t in custom["trials"]}
                assert got == finished["verdicts"], payloads
    assert_no_server_error(servers, since, " | ".join(payloads))


# --- requests no patient could send, and what the fuzzing found ----------------------------


MALFORMED = [
    ("not JSON", b"{not json", "application/json"),
    ("invalid UTF-8", b'{"sender": "x", "message": "\xff\xfe\xc3("}', "application/json"),
    ("a list", b"[]", "application/json"),
    ("a string", b'"hello"', "application/json"),
    ("no sender", b'{"message": "My name is Zebulon Quartermaine"}', "application/json"),
    ("empty sender", b'{"sender": " ", "message": "Zebulon Quartermaine"}', "application/json"),
    ("long sender", json.dumps({"sender": "s" * 256, "message": "hi"}).encode(),
     "application/json"),
    ("sender object", b'{"sender": {"a": 1}, "message": "hi"}', "application/json"),
    ("message number", b'{"sender": "m-1", "message": 52}', "application/json"),
    ("message null", b'{"sender": "m-1", "message": null}', "application/json"),
    ("message object", b'{"sender": "m-1", "message": {"text": "hi"}}', "application/json"),
    ("no message", b'{"sender": "m-1"}', "application/json"),
    ("metadata string", b'{"sender": "m-1", "message": "Zebulon Quartermaine", "metadata": "x"}',
     "application/json"),
]


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED,
                         ids=[m[0] for m in MALFORMED])
def test_malformed_requests_are_refused_with_400(servers, name, body, content_type):
    since = log_size(servers)
    response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": content_type, **rest_headers()},
                             timeout=30)
    assert response.status_code == 400, (name, response.status_code, response.text)
    assert "Quartermaine" not in response.text
    assert_no_server_error(servers, since, name)
    assert "Quartermaine" not in new_log(servers, since)
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        assert not db.execute("SELECT 1 FROM events WHERE sender_id IN "
                              "('default', 'm-1', 'rest:default', 'rest:m-1')").fetchall()


def test_an_over_long_message_gets_the_safety_message_and_is_not_stored(servers):
    sender = f"fuzz-{uuid.uuid4().hex}"
    since = log_size(servers)
    text = "Zebulon Quartermaine. " + "my leg hurts a lot " * 5000 + " I have chest pain now"
    replies = send(servers, sender, text)
    assert len(text) > MAX_MESSAGE_CHARS
    assert replies[0]["text"].startswith("This could be a medical emergency")
    assert "too long" in replies[-1]["text"]  # a new conversation: no question to repeat
    assert stored_slots(servers, sender) == {}  # never reached the conversation store
    assert "Quartermaine" not in new_log(servers, since)
    assert_no_server_error(servers, since, "an over-long message")
    # Within a screening the open question follows, and nothing changes.
    patient = advance(servers, 4, "self")
    question = patient.asked()
    before = stored_slots(servers, patient.sender)
    replies = send(servers, patient.sender, "x" * (MAX_MESSAGE_CHARS + 1))
    assert "too long" in replies[0]["text"] and patient.asked(replies) == question
    assert stored_slots(servers, patient.sender) == before
    # Just under the limit it is read as usual (and its urgent words still found).
    replies = send(servers, sender, text[-MAX_MESSAGE_CHARS:])
    assert replies[0]["text"].startswith("This could be a medical emergency")
    assert not any("too long" in r.get("text", "") for r in replies)


def test_a_forged_fact_to_change_is_dropped(servers):
    """A 'change' button sends /change_answer{"fact_to_change": "<fact>"}; typed with any other
    value it crashed the validation action (no reply) and left the slot holding the value."""
    patient = advance(servers, 6, "self")  # diagnosis, 'go on' (only A is left), age
    for payload in ['/change_answer{"fact_to_change": {"a": 1}}',
                    '/greet{"fact_to_change": ["x"]}', '/affirm{"fact_to_change": "garbage"}',
                    '/inform{"fact_to_change": 7}']:
        send(servers, patient.sender, payload)
        assert stored_slots(servers, patient.sender).get("fact_to_change") is None, payload
    # The real button still works: the answer is cleared and asked again.
    answered = patient.asked(patient.transcript[4][1])
    button = "/change_answer" + json.dumps({"fact_to_change": answered})
    replies = send(servers, patient.sender, button)
    assert patient.asked(replies) == answered


def test_typed_rasa_commands_neither_go_silent_nor_undo_answers(servers, finished):
    """/session_start answered nothing; /back would undo the last answer without a word."""
    sender = clone(servers, finished["sender"])
    for command in ["/session_start", "/back", "/back@1.0", '/session_start{"age": 30}']:
        send(servers, sender, command)  # a reply, not silence
        answers = {k: v for k, v in stored_slots(servers, sender).items() if k in PATIENT_A}
        assert answers == finished["answers"], command
