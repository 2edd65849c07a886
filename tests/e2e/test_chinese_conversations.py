"""Whole conversations in Chinese with the real servers over REST (issue 13).

Typed Chinese where the parser on main reads it (ages, sarcoma names, yes/no), the Chinese
button labels elsewhere (a tap sends the label, which the parser reads).
"""

from __future__ import annotations

import pytest

from bot.dialogue import content
from bot.language import has_chinese
from devkit.patients import PATIENT_A, PATIENT_B, A, B
from tests.e2e.conftest import stored_slots
from tests.e2e.zh_patient import ZH, ChinesePatient

POSSIBLE, NOT = "possible_match", "not_a_match"


@pytest.fixture
def zh_patient(servers) -> ChinesePatient:
    return ChinesePatient(servers.rasa_url)


@pytest.mark.parametrize(("audience", "truth", "expected"), [
    ("self", PATIENT_A, {A: POSSIBLE, B: NOT}),
    ("child", PATIENT_B, {A: NOT, B: POSSIBLE}),
], ids=["NCT06114173 adult", "NCT06114225 parent of a 14-year-old"])
def test_a_chinese_screening_reaches_each_trials_verdict(zh_patient, audience, truth, expected):
    zh_patient.start(audience)
    asked = zh_patient.answer_all(truth)
    assert zh_patient.verdicts() == expected
    result = zh_patient.result()
    assert result["language"] == "zh"
    text = zh_patient.all_bot_text()
    assert ZH["verdict_words"][POSSIBLE] in text and ZH["result_intro"] in text
    assert "eligible" not in text.lower()
    if audience == "child":  # the parent is asked about the child, with the Lansky scale
        assert "lansky" in asked and "ecog" not in asked
        assert "孩子今年多大？" in text and "您今年多大？" not in text


def test_typed_chinese_answers_and_a_multi_fact_opening(zh_patient, servers):
    zh_patient.say("你好")
    zh_patient.say("同意")
    zh_patient.say("我自己")
    zh_patient.say("我52岁，平滑肌肉瘤")
    slots = stored_slots(servers, zh_patient.conversation_id)
    assert slots["age"] == 52 and slots["diagnosis"] == "leiomyosarcoma"
    assert slots["language"] == "zh"
    typed = {"metastatic": "是", "prior_anthracycline": "是", "prior_checkpoint_inhibitor": "没有"}
    zh_patient.answer_all(PATIENT_A, typed)
    assert zh_patient.verdicts() == {A: POSSIBLE, B: NOT}


def test_why_do_you_ask_is_answered_in_chinese(zh_patient):
    zh_patient.start("self")
    question = zh_patient.asked()
    replies = zh_patient.say("为什么问这个？")
    text = "\n".join(zh_patient.texts(replies))
    assert ZH["why_prefix"] in text or ZH["answer_hint"]["choice"] in text, text
    assert zh_patient.asked(replies) == question  # asked again, in Chinese
    assert all(has_chinese(t) for t in zh_patient.texts(replies))


def test_switching_language_mid_way_keeps_every_answer(zh_patient, servers):
    zh_patient.start("self")
    zh_patient.say("平滑肌肉瘤")
    replies = zh_patient.say("English")
    assert content()["language_switched"] in zh_patient.texts(replies)
    # leiomyosarcoma rules out the recruiting study: the choice to go on, now in English
    assert zh_patient.texts(replies)[-1] == content()["closed_question"]
    go_on = next(o["label"] for o in content()["closed_buttons"] if o["value"] == "go_on")
    assert zh_patient.texts(zh_patient.say(go_on))[-1] == "How old are you?"
    zh_patient.say("52")
    replies = zh_patient.say("中文")
    assert ZH["language_switched"] in zh_patient.texts(replies)
    slots = stored_slots(servers, zh_patient.conversation_id)
    assert slots["diagnosis"] == "leiomyosarcoma" and slots["age"] == 52
    assert slots["language"] == "zh"
    zh_patient.answer_all(PATIENT_A)
    assert zh_patient.verdicts() == {A: POSSIBLE, B: NOT}
    assert zh_patient.result()["language"] == "zh"


def test_a_self_harm_message_gets_the_chinese_safety_message(zh_patient):
    zh_patient.start("self")
    replies = zh_patient.say("我不想活了")
    text = "\n".join(zh_patient.texts(replies))
    assert "120" in text and "010-82951332" in text and "12356" in text
    assert ZH["after_safety"] in text


def test_rest_metadata_chooses_chinese_for_an_english_first_message(zh_patient, servers):
    replies = zh_patient.say("hello", metadata={"language": "zh"})
    assert zh_patient.texts(replies)[-1] == ZH["consent_question"]
    assert stored_slots(servers, zh_patient.conversation_id)["language"] == "zh"
