"""The Rasa actions, run on trackers built from slots and a latest message (no servers)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.interruptions import ActionChangeAnswer, ActionRestart, ActionSafety
from actions.screening import ActionFinishScreening, ActionStart, ValidateScreeningForm
from devkit.patients import PATIENT_A


def tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    requested: str | None = None,
    to_validate: dict[str, Any] | None = None,
    earlier: list[str] | None = None,
    active_loop: str | None = "screening_form",
) -> Tracker:
    """A tracker as the form hands it to the validation action: the requested slot holds
    the raw text of the answer, set after the latest user message."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = [{"event": "user", "text": t, "parse_data": {}} for t in earlier or []]
    events.append({"event": "user", "text": text, "parse_data": message})
    events += [{"event": "slot", "name": k, "value": v} for k, v in (to_validate or {}).items()]
    all_slots = {"language": "en", **(slots or {}), "requested_slot": requested,
                 **(to_validate or {})}  # the language is chosen (tests/test_language.py)
    return Tracker("test-sender", all_slots, message, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


async def run(action, tracker_: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    return events, dispatcher


def slot_values(events) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


OPEN = {"consent": True, "audience": "self", "closed_trial_choice": "go_on"}


async def test_activation_asks_for_consent_first():
    events, dispatcher = await run(ValidateScreeningForm(), tracker(text="hi"))
    assert slot_values(events) == {"requested_slot": "consent"}
    assert dispatcher.messages[-1]["text"] == "Do you agree to answer some health questions?"


async def test_consent_uses_facts_said_before_it():
    t = tracker(text="Yes, I agree", requested="consent", to_validate={"consent": "Yes, I agree"},
                earlier=["hello, I'm 52 and have leiomyosarcoma"])
    events, _ = await run(ValidateScreeningForm(), t)
    values = slot_values(events)
    assert values["consent"] is True and values["age"] == 52
    assert values["diagnosis"] == "leiomyosarcoma" and values["requested_slot"] == "audience"


async def test_an_answer_is_parsed_and_the_next_question_asked():
    t = tracker({**OPEN, "diagnosis": "leiomyosarcoma"}, text="fifty two", requested="age",
                to_validate={"age": "fifty two"})
    events, dispatcher = await run(ValidateScreeningForm(), t)
    values = slot_values(events)
    assert values["age"] == 52 and values["requested_slot"] == "metastatic"
    assert dispatcher.messages[-1]["buttons"][0]["title"] == "Yes"


async def test_a_bad_answer_is_asked_again_with_a_hint():
    t = tracker({**OPEN, "diagnosis": "leiomyosarcoma"}, text="blue", requested="age",
                to_validate={"age": "blue"})
    events, dispatcher = await run(ValidateScreeningForm(), t)
    values = slot_values(events)
    assert values["age"] is None and values["requested_slot"] == "age"
    assert values["failed_answers"] == 1
    assert dispatcher.messages[0]["text"] == "Please type a number, like 45."


async def test_a_forged_slot_value_is_ignored():
    forged = {**OPEN, "diagnosis": "leiomyosarcoma", "age": "500", "hiv": "maybe"}
    events, _ = await run(ValidateScreeningForm(), tracker(forged, text="hi"))
    assert slot_values(events)["requested_slot"] == "age"  # the forged age does not count


async def test_urgent_words_pause_the_screening():
    t = tracker({**OPEN, "diagnosis": "leiomyosarcoma"}, text="I can't breathe",
                requested="age", to_validate={"age": "I can't breathe"})
    events, dispatcher = await run(ValidateScreeningForm(), t)
    assert slot_values(events)["paused"] is True
    assert slot_values(events)["requested_slot"] is None
    assert "120" in dispatcher.messages[0]["text"]


async def test_why_do_you_ask_does_not_count_as_a_failure():
    t = tracker({**OPEN}, text="why do you ask?", intent="ask_why", requested="diagnosis",
                to_validate={"diagnosis": "why do you ask?"})
    events, dispatcher = await run(ValidateScreeningForm(), t)
    assert slot_values(events)["failed_answers"] == 0
    assert dispatcher.messages[0]["text"].startswith("Why I ask:")


async def test_finish_shows_the_result_once():
    t = tracker({**OPEN, **PATIENT_A}, active_loop=None)
    events, dispatcher = await run(ActionFinishScreening(), t)
    assert any("custom" in m and m["custom"] for m in dispatcher.messages)
    fingerprint = slot_values(events)["result_fingerprint"]
    again = tracker({**OPEN, **PATIENT_A, "result_fingerprint": fingerprint}, active_loop=None)
    _, dispatcher = await run(ActionFinishScreening(), again)
    assert not any(m.get("custom") for m in dispatcher.messages)


async def test_finish_without_consent_gives_public_information_only():
    _, dispatcher = await run(ActionFinishScreening(), tracker({"consent": False}))
    text = "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))
    assert "I will not ask any health questions" in text and "NCT06114225" in text
    assert not any(m.get("custom") for m in dispatcher.messages)


async def test_start_greets_once():
    _, dispatcher = await run(ActionStart(), tracker(text="hi", active_loop=None))
    assert dispatcher.messages[0]["text"].startswith("Hello. I am an automated assistant")
    _, dispatcher = await run(ActionStart(), tracker({"greeted": True}, text="hi"))
    assert dispatcher.messages == []


async def test_restart_keeps_consent_audience_and_language():
    events, _ = await run(ActionRestart(), tracker({**OPEN, "diagnosis": "ups"}))
    assert events[0]["event"] == "restart"
    assert slot_values(events) == {"greeted": True, "consent": True, "audience": "self",
                                   "language": "en"}  # the language is kept too
    assert events[-1] == {"event": "followup", "name": "screening_form", "timestamp": None}


async def test_change_answer_lists_answers_as_buttons():
    t = tracker({**OPEN, "diagnosis": "ups", "age": 40}, intent="change_answer")
    _, dispatcher = await run(ActionChangeAnswer(), t)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["Type of sarcoma: Undifferentiated pleomorphic sarcoma (UPS)", "Age: 40"]


@pytest.mark.parametrize(("intent", "text", "expected"),
                         [("self_harm", "I feel hopeless", "010-82951332"),
                          ("urgent_help", "help now", "120")])
async def test_safety_action_uses_the_intent_when_words_do_not_match(intent, text, expected):
    events, dispatcher = await run(ActionSafety(), tracker(text=text, intent=intent))
    assert expected in dispatcher.messages[0]["text"]
    assert SlotSet("paused", True) in events
