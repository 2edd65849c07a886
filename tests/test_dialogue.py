"""The conversation logic of bot/dialogue.py, without Rasa."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot import dialogue, replies, safety
from bot.catalog import load_catalog
from bot.values import AUDIENCE, CONSENT, UNKNOWN
from devkit.patients import PATIENT_A, PATIENT_B

ROOT = Path(__file__).resolve().parents[1]


def test_opening_asks_consent_then_audience_then_the_engine():
    assert dialogue.next_step(None, None, {}) == CONSENT
    assert dialogue.next_step(True, None, {}) == AUDIENCE
    assert dialogue.next_step(True, "self", {}) == "diagnosis"
    assert dialogue.next_step(False, None, {}) is None
    assert dialogue.next_step(True, "self", {}, paused=True) is None
    assert dialogue.next_step(True, "self", PATIENT_A) is None


def test_an_answer_to_change_is_asked_first_if_it_still_matters():
    facts = {"diagnosis": "leiomyosarcoma", "age": 52}
    go_on = {"closed_choice": "go_on"}  # only the not-recruiting study is left: going on
    assert dialogue.next_step(True, "self", facts, **go_on) == "metastatic"
    assert dialogue.next_step(True, "self", facts, prefer="ecog", **go_on) == "ecog"
    assert dialogue.next_step(True, "self", facts, prefer="lansky", **go_on) == "metastatic"


@pytest.mark.parametrize(("text", "value"), [("Yes, I agree", True), ("yes", True),
                                             ("No, thank you", False), ("nope", False),
                                             ("what?", None), ("not sure", None)])
def test_consent_is_only_a_clear_yes(text, value):
    assert dialogue.parse_consent(text) is value


def test_repeated_unclear_consent_is_taken_as_no():
    assert dialogue.answer_opening(CONSENT, "hmm", failures=0).understood is False
    assert dialogue.answer_opening(CONSENT, "hmm", failures=2).updates == {CONSENT: False}


@pytest.mark.parametrize(("text", "audience"), [("Myself", "self"), ("it's for me", "self"),
                                                ("My child", "child"), ("my son", "child"),
                                                ("for my husband", "other"),
                                                ("Someone else", "other"), ("blue", None)])
def test_who_the_chat_is_about(text, audience):
    assert dialogue.parse_audience(text) == audience


def test_an_answer_fills_its_fact_and_any_other_stated_facts():
    answer = dialogue.answer_fact("diagnosis", "leiomyosarcoma, and I'm 52", {}, 0)
    assert answer.understood and answer.updates == {"diagnosis": "leiomyosarcoma", "age": 52}


def test_a_correction_is_applied_and_the_open_question_stays_open():
    answer = dialogue.answer_fact("metastatic", "actually I'm 46", {"age": 52}, 0)
    assert not answer.understood
    assert answer.updates == {"age": 46}
    assert answer.messages == [{"text": "Thank you, I have updated your answer: Age: 46."}]


def test_a_number_alone_is_not_a_yes():
    assert not dialogue.answer_fact("hiv", "I'm actually 46", {}, 0).understood
    assert dialogue.answer_fact("hiv", "no, and I'm 46", {}, 0).updates == {"hiv": False,
                                                                           "age": 46}


def test_not_understood_twice_becomes_not_sure():
    first = dialogue.answer_fact("hiv", "purple", {}, 0)
    assert not first.understood and first.messages[0]["text"].startswith("Please answer yes")
    third = dialogue.answer_fact("hiv", "purple", {}, 2)
    assert third.understood and third.updates == {"hiv": UNKNOWN}


def test_every_button_label_parses_back_to_its_value():
    for fact in load_catalog():
        for audience in ("self", "child"):
            for option in fact.choices(audience):
                assert dialogue.parse_value(fact, option.label) == option.value, (fact.name, option)


def test_questions_offer_buttons_and_proxy_wording():
    message = dialogue.ask_message("lansky", "child")
    assert message["text"].startswith("Think about how your child has played")
    assert [b["title"] for b in message["buttons"]][-1] == "Not sure"
    assert dialogue.ask_message("hiv", "self")["buttons"][-1]["title"] == "Prefer not to say"


def test_why_message_names_the_criteria_behind_the_question():
    text = replies.why_message("prior_gemcitabine")["text"]
    assert "NCT06114225: Not for people who have had gemcitabine before." in text
    assert "NCT06114173" not in text


def test_soft_replies_cover_questions_and_small_talk():
    assert "SBRT" in replies.soft_reply("faq_sbrt", "age")[0]["text"]
    assert "Ruijin Hospital" in replies.soft_reply("faq_location", None)[0]["text"]
    assert replies.soft_reply("affirm", "age") is None


def test_result_messages_end_with_the_machine_readable_result():
    messages = dialogue.result_messages(PATIENT_B)
    custom = [m["custom"] for m in messages if "custom" in m]
    assert len(custom) == 1 and custom[0]["type"] == "screening_result"
    cards = "\n".join(m.get("text", "") for m in messages)
    assert "This study is not taking new people right now" in cards
    assert "You may be a match for this study" in cards
    assert "+86 13818971504" in cards


def test_handoff_gives_contacts_and_no_invented_ones():
    text = replies.handoff_messages()[0]["text"]
    assert "+86 13818971504" in text
    assert "the registry record gives no contact person" in text


@pytest.mark.parametrize(
    ("text", "kind"),
    [("I have chest pain", "urgent"), ("my daughter can't breathe", "urgent"),
     ("he is coughing up blood", "urgent"), ("I want to kill myself", "self_harm"),
     ("no chest pain", None), ("I'm 52 with leiomyosarcoma", None)],
)
def test_safety_screen(text, kind):
    assert safety.detect(text) == kind


def test_safety_message_uses_the_configured_number(monkeypatch):
    monkeypatch.setenv("EMERGENCY_NUMBER", "911")
    assert "911" in replies.safety_messages("urgent")[0]["text"]


def test_wording_follows_the_recruitment_rules():
    """No promise of safety, benefit or free treatment, and nobody is called eligible."""
    files = ["bot/content/conversation.yaml", "bot/content/facts.yaml",
             "bot/content/trials/NCT06114173.yaml", "bot/content/trials/NCT06114225.yaml"]
    for name in files:
        data = yaml.safe_load((ROOT / name).read_text())
        text = " ".join(_strings(data, skip_keys={"text", "quotes"})).lower()
        for banned in (r"\beligible\b", r"\bfree\b", r"\bsafe and effective\b",
                       r"\bpromising\b", r"\bnew treatment\b", r"\byou qualify\b"):
            assert not re.search(banned, text), (name, banned)


def _strings(node, skip_keys: set[str]):
    """Every string a patient may read (the registry's verbatim text is excluded: its
    criteria, and the record's words quoted as they are)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in skip_keys:
                yield from _strings(value, skip_keys)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, skip_keys)


def test_only_an_explicit_yes_confirms_deleting_the_data():
    from bot.dialogue import confirms_deletion

    for text in ("YES", "yes", "Yes.", "  YES!  "):
        assert confirms_deletion(text), text
    for text in ("", "no", "y", "yes please wait", "ok", "No, keep my answers", "yess"):
        assert not confirms_deletion(text), text


def test_the_deletion_confirmation_comes_before_any_other_question():
    from bot.dialogue import ask_message, next_step
    from bot.values import DELETE_CONFIRMATION

    for consent, paused in ((None, False), (True, False), (False, False), (True, True)):
        assert next_step(consent, "self", {}, paused, delete_requested=True) == (
            DELETE_CONFIRMATION)
    message = ask_message(DELETE_CONFIRMATION, "self")
    assert message["text"] == "This deletes all your answers. Type YES to confirm."
    assert [b["payload"] for b in message["buttons"]] == ["YES", "No, keep my answers"]


@pytest.mark.parametrize("text, expected", [
    ("只用过吉西他滨", None),  # names another drug: asked again, never a yes
    ("没有，只用过吉西他滨", False),
    ("不确定，可能用过吉西他滨", UNKNOWN),
    ("用过，阿霉素和吉西他滨", True),
])
def test_a_chinese_answer_naming_another_drug_is_not_a_yes(text, expected):
    """'I only had gemcitabine' in Chinese read as yes to the anthracycline question, which
    NCT06114173 requires: the open clause answers only when it states no fact itself."""
    assert dialogue.read_value(load_catalog()["prior_anthracycline"], text, {})[0] == expected


@pytest.mark.parametrize("text", ["I've never had chemo", "I've not had any", "ive never had it"])
def test_ive_opens_a_statement_not_a_yes(text):
    """'I've' was read as 'I have', a yes: a truthful 'never' became 'had cancer drugs'."""
    read = dialogue.take_answer("prior_systemic_therapy", text, None, {})
    assert read.updates.get("prior_systemic_therapy") is not True


@pytest.mark.parametrize("text,consent", [("有问题", None), ("I have a question", None),
                                          ("yes but I have a question first", None),
                                          ("没问题", True), ("可以", True), ("ok", True),
                                          ("yes", True), ("不同意", False)])
def test_consent_reads_agreement_and_not_a_question(text, consent):
    assert dialogue.parse_consent(text) is consent
