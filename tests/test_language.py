"""Choosing the conversation's language, and switching it (bot/language.py, actions)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from actions.language import ActionSwitchLanguage
from actions.screening import ValidateScreeningForm
from bot import language
from bot.dialogue import content

OPEN = {"consent": True, "audience": "self", "closed_trial_choice": "go_on"}


@pytest.mark.parametrize(("metadata", "text", "channel", "expected"), [
    ({"language": "zh"}, "hello", "rest", "zh"),
    ({"language": "zh-CN"}, "hello", "socketio", "zh"),
    ({"language": "en-GB"}, "你好", "rest", "en"),  # the page's choice wins over the script
    ({"language": "fr"}, "你好", "rest", "zh"),  # unknown code: the script decides
    (None, "我52岁，平滑肌肉瘤", "twilio", "zh"),
    (None, "I'm 52", "twilio", "en"),
    (None, "hello", "wechat", "zh"),  # WeChat defaults to Chinese
    (None, "", None, "en"),
    ("not a mapping", "hi", "rest", "en"),
])
def test_the_first_message_chooses_the_language(metadata, text, channel, expected):
    assert language.choose(metadata, text, channel) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("中文", "zh"), ("Chinese", "zh"), (" 简体中文。", "zh"), ("switch to Chinese", "zh"),
    ("English", "en"), ("英文", "en"), ("英语！", "en"), ("english please", "en"),
    ("I am from China", None), ("我会说英语也会说中文", None), ("", None), ("52", None),
])
def test_only_a_whole_switch_message_asks_for_a_language(text, expected):
    assert language.requested(text) == expected


def test_a_switch_that_names_no_language_toggles():
    assert language.switch_target("换一下语言", "zh") == "en"
    assert language.switch_target("other language please", "en") == "zh"
    assert language.switch_target("can we talk in chinese instead", "en") == "zh"


@pytest.mark.parametrize(("code", "expected"), [
    ("zh-hans", "zh"), ("zh", "zh"), ("ZH-TW", "zh"), ("en", "en"), ("ru", "en"),
    ("", None), (None, None),
])
def test_telegram_language_code(code, expected):
    assert language.telegram_language(code) == expected


def _tracker(slots: dict[str, Any], text: str, intent: str = "inform",
             requested: str | None = None, to_validate: dict[str, Any] | None = None,
             metadata: dict[str, Any] | None = None, channel: str = "rest",
             active_loop: str | None = "screening_form") -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "parse_data": message,
                                     "metadata": metadata or {}, "input_channel": channel}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (to_validate or {}).items()]
    all_slots = {**slots, "requested_slot": requested, **(to_validate or {})}
    return Tracker("test-sender", all_slots, message, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


async def _run(action, tracker: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, dispatcher.messages


def test_the_tracker_language_is_the_slot_else_the_first_message():
    assert state.language(_tracker({"language": "en"}, "你好")) == "en"
    assert state.language(_tracker({}, "你好")) == "zh"
    assert state.language(_tracker({}, "hi", metadata={"language": "zh"})) == "zh"
    assert state.language(_tracker({}, "hi", channel="wechat")) == "zh"


async def test_a_chinese_first_message_gets_the_consent_question_in_chinese():
    slots, messages = await _run(ValidateScreeningForm(), _tracker({}, "你好"))
    assert slots["language"] == "zh" and slots["requested_slot"] == "consent"
    assert messages[-1]["text"] == content("zh")["consent_question"]
    assert [b["title"] for b in messages[-1]["buttons"]] == content("zh")["consent_buttons"]


async def test_switching_during_the_questions_keeps_answers_and_rephrases_nothing():
    facts = {**OPEN, "diagnosis": "leiomyosarcoma", "language": "en"}
    slots, messages = await _run(ActionSwitchLanguage(),
                                 _tracker({**facts, "greeted": True}, "中文",
                                          intent="switch_language", requested="age"))
    assert slots == {"language": "zh"}  # no answer is touched
    assert messages[-1]["text"] == content("zh")["language_switched"]


async def test_the_form_asks_the_open_question_again_in_the_new_language():
    facts = {**OPEN, "diagnosis": "leiomyosarcoma", "language": "zh"}
    slots, messages = await _run(ValidateScreeningForm(),
                                 _tracker(facts, "中文", intent="switch_language",
                                          requested="age"))
    assert slots.get("requested_slot") == "age" and "diagnosis" not in slots
    assert messages[-1]["text"] == "您今年多大？"


async def test_a_switch_word_read_as_an_answer_still_switches():
    facts = {**OPEN, "diagnosis": "leiomyosarcoma", "language": "zh"}
    slots, messages = await _run(ValidateScreeningForm(),
                                 _tracker(facts, "English", requested="age",
                                          to_validate={"age": "English"}))
    assert slots["language"] == "en" and slots["age"] is None
    assert slots["requested_slot"] == "age" and "failed_answers" not in slots
    assert messages[0]["text"] == content()["language_switched"]
    assert messages[-1]["text"] == "How old are you?"


async def test_switching_after_the_result_shows_it_again_in_the_new_language():
    from devkit.patients import PATIENT_A
    facts = {**OPEN, **PATIENT_A, "language": "en", "greeted": True,
             "screening_complete": True}
    slots, messages = await _run(ActionSwitchLanguage(),
                                 _tracker(facts, "中文", intent="switch_language",
                                          active_loop=None))
    assert slots == {"language": "zh"}
    custom = next(m["custom"] for m in messages if m.get("custom"))
    assert custom["language"] == "zh"
    assert content("zh")["result_intro"] in [m.get("text") for m in messages]


async def test_switching_before_the_greeting_greets_in_the_new_language():
    slots, messages = await _run(ActionSwitchLanguage(),
                                 _tracker({}, "English", intent="switch_language",
                                          active_loop=None))
    assert slots["language"] == "en" and slots["greeted"] is True
    assert messages[0]["text"] == content()["greeting"]


def test_a_too_long_message_is_refused_in_the_conversations_language():
    """The faults' and limits' messages follow the language too (issue 13)."""
    from rasa_extensions.patches import hardening

    english = hardening.too_long_replies("my leg hurts " * 300)
    chinese = hardening.too_long_replies("我的腿疼，" * 600, "zh")
    assert not language.has_chinese(english[-1]["text"])
    assert language.has_chinese(chinese[-1]["text"])
    urgent = hardening.too_long_replies("我胸痛得厉害，喘不上气。" + "很长的话" * 600, "zh")
    assert "120" in urgent[0]["text"] and language.has_chinese(urgent[0]["text"])
