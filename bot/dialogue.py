"""The conversation's logic, without Rasa: what to say, and what an answer means.

The Rasa actions (actions/) call these functions and only translate their results into
dispatcher messages and slot events. Everything here is a pure function of its arguments and
the content files, so it is tested directly (tests/test_dialogue.py).

Messages are plain dicts in Rasa's output shape: {"text": ..., "buttons": [{"title",
"payload"}]} or {"custom": {...}}. Button payloads are the button's own words, so a tap and a
typed answer go through the same parser; nothing a patient types as a payload is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import closed, parsing
from bot.cards import Message, text_message
from bot.cards import fingerprint as fingerprint
from bot.cards import public_information as public_information
from bot.cards import public_lines as public_lines
from bot.cards import result_messages as result_messages
from bot.catalog import Fact, load_catalog
from bot.engine import questions_to_ask
from bot.i18n import DEFAULT_LANGUAGE as EN
from bot.i18n import LANGUAGES
from bot.replies import soft_reply
from bot.values import (
    AUDIENCE,
    CLOSED_CHOICE,
    CLOSED_GO_ON,
    CLOSED_STOP,
    CONSENT,
    DELETE_CONFIRMATION,
    MAX_MESSAGE_CHARS,
    UNKNOWN,
)
from bot.wording import content, say

MAX_FAILED_ANSWERS = 2  # then the answer is recorded as 'not sure' instead of looping
MAX_TEXT = MAX_MESSAGE_CHARS  # longer messages are cut before parsing (the tracker keeps all)





# --- opening: greeting, privacy, consent, who the chat is for ---------------------------------


def greeting_messages(language: str = EN) -> list[Message]:
    return [text_message(say("greeting", language)), text_message(say("privacy", language))]


def next_step(
    consent: bool | None,
    audience: str | None,
    facts: Mapping[str, Any],
    paused: bool = False,
    prefer: str | None = None,
    closed_choice: str | None = None,
    delete_requested: bool = False,
) -> str | None:
    """The slot the screening form asks next: the confirmation of 'delete my data' when the
    patient asked for it, else consent, then audience, then the engine's question (`prefer`,
    an answer the patient asked to change, first if it still matters); None ends the form
    (no consent, paused, or every verdict settled).

    When only studies that are not taking new people remain open, the patient first chooses
    to stop there or go on (CLOSED_CHOICE); after 'stop' the form ends while that holds."""
    if delete_requested:
        return DELETE_CONFIRMATION
    if paused or consent is False:
        return None
    if consent is None:
        return CONSENT
    if audience is None:
        return AUDIENCE
    remaining = [fact.name for fact in questions_to_ask(facts)]
    if not remaining:
        return None
    if closed_choice != CLOSED_GO_ON and closed.choice_needed(facts):
        return None if closed_choice == CLOSED_STOP else CLOSED_CHOICE
    return prefer if prefer in remaining else remaining[0]


def ask_message(slot: str, audience: str | None, facts: Mapping[str, Any] | None = None,
                language: str = EN) -> Message | list[Message]:
    """The question for a slot, with its buttons (the choice to stop or go on is two
    messages: what is going on, then the question)."""
    words = content(language)
    if slot == DELETE_CONFIRMATION:
        yes, no = words["delete_confirm_buttons"]
        return text_message(say("delete_confirm", language), [(yes, yes), (no, no)])
    if slot == CLOSED_CHOICE:
        return closed.choice_messages(facts or {}, language)
    if slot == CONSENT:
        yes, no = words["consent_buttons"]
        return text_message(say("consent_question", language), [(yes, yes), (no, no)])
    if slot == AUDIENCE:
        options = words["audience_buttons"]
        return text_message(say("audience_question", language),
                            [(o["label"], o["label"]) for o in options])
    return question_message(load_catalog(language=language)[slot], audience or "self", language)


def is_button_answer(slot: str | None, audience: str | None, facts: Mapping[str, Any],
                     text: str) -> bool:
    """Whether `text` is exactly one of the open question's buttons: a tap answers the
    question, whatever intent the NLU model reads into its words ("They said surgery cannot
    remove it all" once read as 'delete my data')."""
    if not slot or (slot not in _BUTTON_SLOTS and slot not in load_catalog()):
        return False
    cleaned = " ".join((text or "").split()).casefold()
    return any(cleaned == button["title"].casefold()
               for language in LANGUAGES
               for message in _as_list(ask_message(slot, audience, facts, language))
               for button in message.get("buttons") or ())


_BUTTON_SLOTS = {CLOSED_CHOICE, CONSENT, AUDIENCE}


def _as_list(messages: Message | list[Message]) -> list[Message]:
    return messages if isinstance(messages, list) else [messages]


def question_message(fact: Fact, audience: str, language: str = EN) -> Message:
    catalog = load_catalog(language=language)
    fact = catalog[fact.name]
    buttons = [(option.label, option.label) for option in fact.choices(audience)]
    return text_message(fact.question(audience, catalog.persons), buttons)


# --- answers ----------------------------------------------------------------------------------


@dataclass
class Answer:
    """What one message means for the slot being asked.

    `updates` are slot values to set (the asked one, and any other facts the message stated);
    `messages` are said before the next question; `understood` is False when the question
    must be asked again. `failures` and `deflections` count, for the question still open,
    the answers not understood and the messages taken as something else (a question about
    the studies, a correction, small talk); both are 0 once the question is answered.
    """

    updates: dict[str, Any] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    understood: bool = True
    failures: int = 0
    deflections: int = 0


def confirms_deletion(text: str) -> bool:
    """Only an explicit YES (the button, or the word typed in any letter case, with or
    without a full stop) confirms 'delete my data'; anything else keeps every answer."""
    cleaned = text.strip().rstrip(".!。！").strip().casefold()
    for language in LANGUAGES:  # a patient may type either language's word
        words = content(language)
        if cleaned == words["delete_confirm_buttons"][0].casefold() or cleaned in {
                w.casefold() for w in words["delete_confirm_words"]}:
            return True
    return False


def parse_consent(text: str) -> bool | None:
    cleaned = text.strip().lower()
    for language in LANGUAGES:  # either language's button
        yes, no = content(language)["consent_buttons"]
        if cleaned == yes.lower():
            return True
        if cleaned == no.lower():
            return False
    if parsing.is_agreement(text):  # "ok", 没问题 (whose 没 would read as a no)
        return True
    if _A_QUESTION.search(text):  # 有问题, "I have a question": its 有 / "have" is no yes
        return None
    value = parsing.parse_yes_no(text)
    return value if isinstance(value, bool) else None


def parse_audience(text: str) -> str | None:
    cleaned = " ".join(text.lower().split())
    for language in LANGUAGES:
        for option in content(language)["audience_buttons"]:
            if cleaned == option["label"].lower():
                return option["value"]
    for audience, words in content("zh")["audience_words"].items():  # both languages' words
        if any(word in cleaned.split() or (" " in word and word in cleaned)
               or (not word.isascii() and word in cleaned) for word in words):
            return audience
    return None


#: What the open question takes when its answer is not understood a second time: never
#: consent, 'not sure' for a screening question, the neutral 'the patient' wording for who the
#: chat is about, and going on with the questions for the choice to stop.
GIVEN_UP = {CONSENT: False, AUDIENCE: "other", CLOSED_CHOICE: CLOSED_GO_ON}
OPENING_PARSERS = {CONSENT: parse_consent, AUDIENCE: parse_audience,
                   CLOSED_CHOICE: closed.parse_choice}


def take_answer(
    slot: str, text: str, intent: str | None, facts: Mapping[str, Any], failures: int = 0,
    deflections: int = 0, today: date | None = None, language: str = EN,
) -> Answer:
    """One message at the open question, read as an answer first.

    A message that is not an answer but a question about the studies, small talk or a
    correction gets its reply, and the question is asked again; the second time at the same
    question it counts as not understood. The second answer not understood is recorded as
    'not sure' (with "talk to a person" offered), so no question is asked more than three
    times and every conversation reaches a result (issue 11).
    """
    text = (text or "")[:MAX_TEXT]
    value, corrections = _read(slot, text, facts, today)
    said = [updated_message(name, found, language)
            for name, found in corrections.items() if name in facts]
    if value is not None:
        return Answer(updates={**corrections, slot: value}, messages=said)
    soft = None if corrections else soft_reply(intent, slot, language)
    deflected = soft is not None or bool(corrections)
    said = soft if soft is not None else said
    if deflected and deflections == 0:
        return Answer({**corrections, slot: None}, said, False, failures, 1)
    if failures + 1 >= MAX_FAILED_ANSWERS:
        given = GIVEN_UP.get(slot, UNKNOWN)
        return Answer({**corrections, slot: given}, [*said, *_given_up_messages(slot, language)])
    hint = text_message(_hint(slot, text, language))
    return Answer({**corrections, slot: None}, [*said, hint], False,
                  failures + 1, deflections + deflected)


def answer_fact(
    fact_name: str, text: str, facts: Mapping[str, Any], failures: int, today: date | None = None
) -> Answer:
    """An answer to a screening question (no intent: see take_answer)."""
    answer = take_answer(fact_name, text, None, facts, failures, today=today)
    answer.updates = {k: v for k, v in answer.updates.items() if v is not None or k != fact_name}
    return answer


def answer_opening(slot: str, text: str, failures: int) -> Answer:
    """An answer to the consent or audience question (no intent: see take_answer)."""
    answer = take_answer(slot, text, None, {}, failures)
    answer.updates = {k: v for k, v in answer.updates.items() if v is not None}
    return answer


def _read(slot: str, text: str, facts: Mapping[str, Any], today: date | None
          ) -> tuple[Any, dict[str, Any]]:
    if slot in OPENING_PARSERS:
        return OPENING_PARSERS[slot](text), {}
    return read_value(load_catalog()[slot], text, facts, today)


def _hint(slot: str, text: str, language: str = EN) -> str:
    """What to say when an answer is not understood: why, where the answer says it."""
    if slot in OPENING_PARSERS:
        return say({CLOSED_CHOICE: "closed_reask"}.get(slot, f"{slot}_reask"), language)
    fact = load_catalog(language=language)[slot]
    if fact.parser == "ecog":
        score = parsing.karnofsky_between_grades(text)
        if score is not None:
            return say("karnofsky_between", language, score=score)
    return fact.hint or content(language)["answer_hint"][fact.type]


def _given_up_messages(slot: str, language: str = EN) -> list[Message]:
    if slot == AUDIENCE:
        return [text_message(say("audience_assumed", language))]
    if slot in GIVEN_UP:
        return []
    handoff = say("handoff_button", language)
    return [text_message(say("recorded_unknown", language), [(handoff, handoff)])]


def read_value(
    fact: Fact, text: str, facts: Mapping[str, Any], today: date | None = None
) -> tuple[Any, dict[str, Any]]:
    """The open question's value in a message (None if it gives none), and the other facts it
    states that differ from the answers given so far (corrections)."""
    stated = load_catalog().valid_facts(parsing.extract_facts(text, today))
    extracted = stated.pop(fact.name, None)
    corrections = {name: v for name, v in stated.items() if facts.get(name) != v}
    if fact.type != "bool":
        return parse_value(fact, text, today), corrections
    evidence = parsing.evidence(fact, text, today)
    if evidence is not None and fact.is_valid(evidence):
        return evidence, corrections
    if extracted is not None:  # "it spread to my brain", "I never had gemcitabine"
        return extracted, corrections
    # "Actually I'm 46" states an age; it is not a 'yes' to the open yes/no question. With
    # other facts (or any number) in the message, a yes/no answer counts only when the
    # message opens with it.
    if stated or re.search(r"\d", text):
        return _leading_yes_no(text), corrections
    return parse_value(fact, text, today), corrections


def _leading_yes_no(text: str) -> bool | str | None:
    """'No, I'm 46' -> False; 'not sure, but I'm 46' -> UNKNOWN; 'Actually I'm 46' -> None."""
    if _CJK.search(text):
        return _leading_yes_no_zh(text)
    words = re.findall(r"[\w']+", text.lower())
    if len(words) > 1 and parsing.parse_yes_no(" ".join(words[:2])) == UNKNOWN:
        return UNKNOWN
    if not words or words[0] in _PRONOUNS:  # "I'm 46" is not "I am" (yes)
        return None
    first = parsing.parse_yes_no(words[0])
    return first if isinstance(first, bool) else None


def _leading_yes_no_zh(text: str) -> bool | str | None:
    """Chinese is not split into words by spaces: the opening clause answers only when it
    states no fact itself. '没有，只用过吉西他滨' -> False; '只用过吉西他滨' (it names another
    drug) -> None, never the yes its 用过 would give."""
    first = _ZH_CLAUSE.split(text.strip(), maxsplit=1)[0]
    if not first or parsing.extract_facts(first):
        return None
    value = parsing.parse_yes_no(first)
    return value if isinstance(value, bool) or value == UNKNOWN else None


_CJK = re.compile(r"[\u4e00-\u9fff]")
_A_QUESTION = re.compile(r"问题|問題|question", re.IGNORECASE)
_ZH_CLAUSE = re.compile(r"[，,。；;！!？?、\s]+")
#: Words that open a statement, not a yes: "I'm 46" is not "I am"; "I've never had chemo" is
#: no "I have" (it was read as a yes: tests/test_typed_patients.py found it).
_PRONOUNS = {"i", "i'm", "im", "i've", "ive", "i'd", "we've", "they've", "he", "he's", "she",
             "she's", "they", "they're", "we", "it"}


def parse_value(fact: Fact, text: str, today: date | None = None) -> Any:
    """The fact's value from text (a button label, in either language, or free words),
    UNKNOWN, or None."""
    cleaned = text.strip().lower()
    for language in LANGUAGES:
        worded = load_catalog(language=language)[fact.name]
        for option in worded.choices("self") + worded.proxy_options:
            if cleaned == option.label.lower():
                return option.value
    value = parsing.PARSERS[fact.parser](fact, text, today)
    return value if value is not None and fact.is_valid(value) else None


def updated_message(name: str, value: Any, language: str = EN) -> Message:
    fact = load_catalog(language=language)[name]
    return text_message(say("updated_answer", language, label=fact.label,
                            value=fact.label_of(value)))


def facts_stated(texts: list[str], today: date | None = None) -> dict[str, Any]:
    """Facts stated in earlier messages (said before consent, used once it is given)."""
    catalog = load_catalog()
    found: dict[str, Any] = {}
    for text in texts:
        found.update(catalog.valid_facts(parsing.extract_facts((text or "")[:MAX_TEXT], today)))
    return found
