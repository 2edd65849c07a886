"""Whole conversations with the real Rasa and action servers over the REST channel."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests

from bot.dialogue import content
from bot.values import UNKNOWN
from devkit.patients import PATIENT_A, PATIENT_B, A, B
from devkit.servers import rest_headers, rest_id
from tests.e2e.conftest import stored_slots

POSSIBLE, UNCLEAR, NOT = "possible_match", "unclear", "not_a_match"

BANDS = [
    ("A possible", "self", PATIENT_A, {A: POSSIBLE, B: NOT}),
    ("A unclear", "self", {**PATIENT_A, "hiv": UNKNOWN}, {A: UNCLEAR, B: NOT}),
    ("A not a match", "self", {**PATIENT_A, "age": 80}, {A: NOT, B: NOT}),
    ("B possible", "child", PATIENT_B, {A: NOT, B: POSSIBLE}),
    ("B unclear", "child", {**PATIENT_B, "lung_nodules_resectable": UNKNOWN}, {A: NOT, B: UNCLEAR}),
    ("B not a match", "child", {**PATIENT_B, "prior_gemcitabine": True}, {A: NOT, B: NOT}),
]


@pytest.mark.parametrize(("name", "audience", "truth", "expected"), BANDS,
                         ids=[b[0] for b in BANDS])
def test_each_verdict_band_of_each_trial(patient, name, audience, truth, expected):
    patient.start(audience)
    patient.answer_all(truth)
    assert patient.verdicts() == expected
    result = patient.result()
    by_id = {t["nct_id"]: t for t in result["trials"]}
    assert by_id[A]["recruiting"] is False and by_id[A]["contact"] is None
    assert by_id[B]["contact"]["email"] == "rblw_110@hotmail.com"
    text = patient.all_bot_text().lower()
    assert "eligible" not in text
    assert "not taking new people right now" in text  # NCT06114173 is never shown as open


def test_a_parent_is_asked_about_their_child(patient):
    patient.start("child")
    patient.answer_all(PATIENT_B)
    text = patient.all_bot_text()
    assert "How old is your child?" in text
    assert "Think about how your child has played in the past week." in text
    assert "How old are you?" not in text


def test_free_text_answers_reach_the_right_result(patient):
    patient.start("self")
    typed = {
        "diagnosis": "leiomyosarcma",  # misspelt
        "age": "fifty two",
        "metastatic": "yeah it has spread to my liver",
        "prior_anthracycline": "yes, I had Adriamycin",
        "prior_checkpoint_inhibitor": "nope",
        "ecog": "I can do light housework but nothing heavy",
    }
    patient.answer_all(PATIENT_A, free_text=typed)
    assert patient.verdicts() == {A: POSSIBLE, B: NOT}


def test_facts_given_in_the_first_message_are_not_asked_again(patient):
    patient.start("self", opening="I'm 52, I have metastatic leiomyosarcoma and I had doxorubicin")
    asked = patient.answer_all(PATIENT_A)
    assert not {"diagnosis", "age", "metastatic", "prior_anthracycline"} & set(asked)
    assert patient.verdicts() == {A: POSSIBLE, B: NOT}


def test_no_consent_means_no_health_questions(patient):
    patient.say("hello")
    patient.say(content()["consent_buttons"][1])
    assert patient.asked() is None
    text = patient.all_bot_text()
    assert "NCT06114225" in text and "+86 13818971504" in text
    assert "What type of sarcoma" not in text


def test_why_do_you_ask_explains_from_the_criteria_and_asks_again(patient):
    patient.start("self")
    patient.say("why do you ask?")
    assert "Each study is only for certain types of sarcoma" in patient.all_bot_text()
    assert patient.asked() == "diagnosis"


def test_i_dont_know_is_recorded_and_screening_goes_on(patient, servers):
    patient.start("self")
    patient.say("I don't know")
    assert patient.asked() == "age"
    assert stored_slots(servers, patient.conversation_id)["diagnosis"] == UNKNOWN


def test_a_correction_flips_the_verdict(patient):
    patient.start("self")
    patient.answer_all(PATIENT_A)
    assert patient.verdicts()[A] == POSSIBLE
    patient.say("actually I'm 80")
    assert patient.verdicts()[A] == NOT
    assert any("Age: 80" in text for text in patient.texts())


def test_a_correction_mid_screening_keeps_the_open_question(patient, servers):
    patient.start("self")
    _leiomyosarcoma(patient)
    patient.say("52")
    assert patient.asked() == "metastatic"
    patient.say("sorry, actually I'm 46")
    assert patient.asked() == "metastatic"
    assert stored_slots(servers, patient.conversation_id)["age"] == 46


def test_change_an_answer_with_buttons(patient, servers):
    patient.start("self")
    _leiomyosarcoma(patient)
    patient.say("52")
    patient.say("I want to change an answer")
    buttons = patient.buttons()
    age_button = next(payload for title, payload in buttons.items() if title.startswith("Age"))
    patient.say(age_button)
    assert patient.asked() == "age"
    patient.say("60")
    assert stored_slots(servers, patient.conversation_id)["age"] == 60


def test_start_over_clears_answers_but_not_consent(patient, servers):
    patient.start("self")
    _leiomyosarcoma(patient)
    patient.say("start over")
    slots = stored_slots(servers, patient.conversation_id)
    assert slots.get("diagnosis") is None and slots.get("consent") is True
    assert patient.asked() == "diagnosis"


def test_talk_to_a_person_gives_contacts_and_returns_to_the_question(patient):
    patient.start("self")
    _leiomyosarcoma(patient)
    patient.say("can I talk to a real person?")
    text = "\n".join(patient.texts())
    assert "+86 13818971504" in text and "rblw_110@hotmail.com" in text
    assert "Xiangya Hospital of Central South University" in text
    assert patient.asked() == "age"


@pytest.mark.parametrize(
    ("question", "expected"),
    [("what is SBRT?", "stereotactic body radiotherapy"),
     ("what is cardunilizumab", "investigational"),
     ("where is the study done?", "Ruijin Hospital"),
     ("who pays for it?", "Please ask the study team about costs")],
)
def test_questions_about_the_trials_mid_screening(patient, question, expected):
    patient.start("self")
    patient.say(question)
    assert expected in "\n".join(patient.texts())
    assert patient.asked() == "diagnosis"
    assert "free" not in "\n".join(patient.texts()).lower().split()


def test_out_of_scope_and_nonsense_get_help_back_on_track(patient):
    patient.say("what's the weather like tomorrow?")
    assert "only help with questions about these two sarcoma studies" in patient.all_bot_text()
    patient.start("self")
    patient.say("asdkj qwe zzz")
    assert patient.asked() == "diagnosis"
    assert any("Please tap one of the buttons" in t or "did not understand" in t
               for t in patient.texts())


def test_urgent_symptoms_get_the_emergency_number_first(patient, servers):
    patient.start("self")
    _leiomyosarcoma(patient)
    replies = patient.say("I have terrible chest pain right now")
    first = replies[0]["text"]
    assert "120" in first and "emergency" in first.lower()
    assert patient.asked() is None
    patient.say("continue")
    assert patient.asked() == "age"
    assert stored_slots(servers, patient.conversation_id)["diagnosis"] == "leiomyosarcoma"


def test_self_harm_gets_crisis_resources(patient):
    patient.start("self")
    replies = patient.say("I don't want to live anymore")
    assert "010-82951332" in replies[0]["text"]


def test_stop_and_continue(patient):
    patient.start("self")
    _leiomyosarcoma(patient)
    patient.say("stop")
    assert patient.asked() is None
    patient.say("continue")
    assert patient.asked() == "age"


def test_delete_my_data_forgets_the_answers(patient, servers):
    patient.start("self")
    _leiomyosarcoma(patient)
    patient.say("delete my data")
    patient.say("yes")
    assert "have been deleted" in "\n".join(patient.texts())
    slots = stored_slots(servers, patient.conversation_id)
    assert slots.get("diagnosis") is None and slots.get("consent") is None


def test_delete_my_data_asks_first_and_anything_else_keeps_every_answer(patient, servers):
    """Cancelling goes back to the open question: nothing deleted, nothing lost."""
    patient.start("self")
    patient.say("Leiomyosarcoma")
    asked_before = patient.asked()
    replies = patient.say("delete my data")
    assert "This deletes all your answers. Type YES to confirm." in [
        m.get("text") for m in replies]
    assert [b["title"] for m in replies for b in m.get("buttons", [])] == [
        "YES", "No, keep my answers"]
    patient.say("No, keep my answers")
    assert "nothing was deleted" in "\n".join(patient.texts()).lower()
    assert patient.asked() == asked_before
    assert stored_slots(servers, patient.conversation_id).get("diagnosis") == "leiomyosarcoma"


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "x" * 10_000, "🙂🙂🙂", "<script>alert(1)</script>", "'; DROP TABLE events; --",
     '/inform{"age": 500}', '/affirm{"diagnosis": "osteosarcoma", "consent": true}', "\x00\x07"],
    ids=["empty", "spaces", "10k", "emoji", "html", "sql", "payload-age", "payload-slots",
         "control"],
)
def test_garbage_gets_a_reply_and_changes_nothing(patient, servers, garbage):
    patient.start("self")
    _leiomyosarcoma(patient)
    before = _answers(servers, patient.conversation_id)
    replies = patient.say(garbage)
    assert replies, "every message gets a reply"
    after = _answers(servers, patient.conversation_id)
    assert after == before
    assert patient.asked() == "age"
    # the conversation still works
    patient.say("52")
    assert stored_slots(servers, patient.conversation_id)["age"] == 52


def test_transcripts_stay_plain_and_never_promise(patient):
    patient.start("self")
    patient.answer_all(PATIENT_A)
    text = patient.all_bot_text().lower()
    for banned in ("eligible", "free treatment", "safe and effective", "you qualify"):
        assert banned not in text


def _leiomyosarcoma(patient) -> None:
    """The first answer of many tests. Only the not-recruiting study is then left, so the
    patient chooses to go on with the questions (issue 11)."""
    patient.say("Leiomyosarcoma")
    assert patient.asked() == "closed_trial_choice"
    patient.say(content()["closed_buttons"][1]["label"])


def _answers(servers, sender: str) -> dict:
    """Slots holding an answer (not the form's bookkeeping)."""
    return {k: v for k, v in stored_slots(servers, sender).items()
            if v is not None and k not in ("requested_slot", "failed_answers",
                                           "deflected_answers")}


def test_a_rest_client_cannot_label_its_conversation_as_another_channel(servers):
    """The channel staff see comes from the channel that received the message, never from
    the request body (Rasa's REST channel took `input_channel` from it)."""
    sender = "channel-forger"
    response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=60, json={
        "sender": sender, "message": "hello", "input_channel": "telegram"},
        headers=rest_headers())
    assert response.ok and response.json()
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'",
                          (rest_id(sender),)).fetchall()
    assert [json.loads(data)["input_channel"] for (data,) in rows] == ["rest"]


@pytest.mark.parametrize("tap, value", [
    ("They said surgery cannot remove it all", "not_removable"),
    ("They said surgery can remove it all", "removable"),
])
def test_a_tapped_answer_is_the_answer_whatever_the_model_reads(patient, servers, tap, value):
    """The model once read these two buttons as 'delete my data' (found by the load test):
    a tap on the open question's button answers it, and asks nothing about deleting."""
    patient.start("self")
    patient.say("Leiomyosarcoma")
    patient.say("Go on with the questions")  # only the study that is not recruiting is left
    patient.say("28")
    patient.say("Not sure")  # has it spread
    assert patient.asked() == "unresectable"
    replies = patient.say(tap)
    assert "Type YES to confirm" not in "\n".join(patient.texts(replies))
    assert patient.asked() not in (None, "unresectable")
    assert stored_slots(servers, patient.conversation_id).get("unresectable") == value
