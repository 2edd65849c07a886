"""Replies to what interrupts the screening, without Rasa: small talk, 'why do you ask?', the
questions about the studies, the contacts, 'change an answer' and the safety messages.

Split from bot/dialogue.py (which asks the questions and reads the answers) by concern; like
it, every function is pure over its arguments and the content files (tests/test_dialogue.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot import i18n, rules, safety
from bot.cards import Message, contact_details, text_message
from bot.catalog import load_catalog
from bot.i18n import DEFAULT_LANGUAGE as EN
from bot.result import status_words
from bot.settings import content_settings
from bot.trials import Trial, load_trials
from bot.values import AUDIENCE, CONSENT
from bot.wording import content, say

SMALL_TALK = {"greet": "greeting_short", "thanks": "thanks", "goodbye": "goodbye_mid"}


def soft_reply(intent: str | None, slot: str | None, language: str = EN
               ) -> list[Message] | None:
    """A reply to a message that is not an answer but a question or a remark ('why do you
    ask?', 'what is SBRT?', 'hello'), after which the open question is asked again. None when
    the message is simply not understood."""
    if not intent:
        return None
    if intent == "ask_why":
        return [why_message(slot, language)]
    if intent.startswith("faq_"):
        return [faq_message(intent, language)]
    if intent == "out_of_scope":
        return [text_message(say("out_of_scope", language))]
    if intent in SMALL_TALK:
        return [text_message(say(SMALL_TALK[intent], language))]
    return None


def why_message(slot: str | None, language: str = EN) -> Message:
    """'Why do you ask?': the fact's reason, and the criteria behind it, from the trial data."""
    catalog = load_catalog(language=language)
    if slot in (CONSENT, AUDIENCE):
        return text_message(content(language)["faq"]["faq_privacy"])
    if slot is None or slot not in catalog:
        return text_message(say("why_nothing_open", language))
    gap = "" if language == "zh" else " "
    lines = [f"{say('why_prefix', language)}{gap}{catalog[slot].why}",
             say("why_criteria_intro", language)]
    stop = "。" if language == "zh" else "."
    for trial in load_trials(language=language):
        for _, part in trial.parts:
            if part.rule is not None and slot in rules.facts_used(part.rule):
                lines.append(f"- {trial.nct_id}: {part.summary}{stop}")
    return text_message("\n".join(lines))


def faq_message(intent: str, language: str = EN) -> Message:
    """An answer to a question about the studies, from the content and the trial data."""
    trials = load_trials(language=language)
    if intent == "faq_location":
        return text_message("\n".join(_where(trial, language) for trial in trials))
    if intent == "faq_status":
        return text_message("\n".join(_status_line(trial, language) for trial in trials))
    if intent == "faq_cost":
        return text_message(cost_answer(language))
    answers = content(language)["faq"]
    return text_message(answers.get(intent) or say("fallback", language))


def cost_answer(language: str = EN) -> str:
    """What each record says about costs: its own words quoted, or that it says nothing."""
    lines = []
    for trial in load_trials(language=language):
        quote = (trial.raw.get("quotes") or {}).get("cost")
        if quote:
            lines.append(say("faq_cost_quoted", language, nct_id=trial.nct_id, quote=quote))
        else:
            lines.append(say("faq_cost_silent", language, nct_id=trial.nct_id))
    return ("" if language == "zh" else " ").join([*lines, say("faq_cost_ask", language)])


#: The site answer's own words, when a record lists no site (no content key holds them yet).
_NO_SITE = {"en": "the record lists no site. It is run by {sponsor}.",
            "zh": "研究记录里没有写研究地点。负责单位：{sponsor}。"}


def _where(trial: Trial, language: str = EN) -> str:
    if trial.sites:
        places = "; ".join(f"{s['name']}, {s.get('city', '')}".rstrip(", ") for s in trial.sites)
        return f"{trial.nct_id} ({trial.short_title}): {places}."
    return f"{trial.nct_id} ({trial.short_title}): " + _NO_SITE[language].format(
        sponsor=trial.sponsor)


def _status_line(trial: Trial, language: str = EN) -> str:
    return f"{_trial_name(trial)}: {status_words(trial, language=language)}"


def _trial_name(trial: Trial) -> str:
    return f"{trial.nct_id} ({trial.short_title})"


def handoff_messages(language: str = EN) -> list[Message]:
    lines = [say("handoff_intro", language)]
    for trial in load_trials(language=language):
        lines.append(_contact_line(trial, language))
    return [text_message("\n".join(lines))]


def _contact_line(trial: Trial, language: str = EN) -> str:
    if not trial.contacts:
        return say("handoff_no_contact", language, trial=trial.short_title, nct_id=trial.nct_id,
                   sponsor=trial.sponsor, registry_url=trial.registry_url)
    details = contact_details(trial)
    stop = "。" if language == "zh" else "."
    return (f"{trial.short_title} ({trial.nct_id}): {details}{stop} "
            f"{status_words(trial, language=language)}")


def change_answer_message(facts: Mapping[str, Any], language: str = EN) -> Message:
    """Buttons for every answer given so far; a tap asks that question again."""
    catalog = load_catalog(language=language)
    answered = [catalog[name] for name in catalog.facts if facts.get(name) is not None]
    if not answered:
        return text_message(say("change_answer_none", language))
    colon = "：" if language == "zh" else ": "
    buttons = [
        (f"{f.label}{colon}{f.label_of(facts[f.name])}", _change_payload(f.name))
        for f in answered
    ]
    return text_message(say("change_answer_intro", language), buttons)


def _change_payload(fact_name: str) -> str:
    return "/change_answer" + json.dumps({"fact_to_change": fact_name})


def safety_messages(kind: str, language: str = EN) -> list[Message]:
    text = say(kind, language, emergency_number=safety.emergency_number(),
               crisis_line=crisis_line(language))
    return [text_message(text), text_message(say("after_safety", language))]


def crisis_line(language: str = EN) -> str:
    """CRISIS_LINE when set; else the default line in the conversation's language (the Chinese
    safety overlay names it in Chinese, zh/safety.yaml `crisis_line`)."""
    if language == EN or content_settings().crisis_line:
        return safety.crisis_line()
    worded = i18n.load("bot/content/safety.yaml", language)
    return worded.get("crisis_line") or safety.crisis_line()
