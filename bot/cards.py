"""What the patient reads at the end: the result cards, and the public information given
instead when there is no consent (both worded in the conversation's language).

Messages are plain dicts in Rasa's output shape (see bot/dialogue.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.engine import TrialResult, screen
from bot.i18n import DEFAULT_LANGUAGE as EN
from bot.result import result_message, status_words
from bot.trials import Trial, load_trials
from bot.wording import content, say

Message = dict[str, Any]


def text_message(text: str, buttons: list[tuple[str, str]] | None = None) -> Message:
    message: Message = {"text": text}
    if buttons:
        message["buttons"] = [{"title": title, "payload": payload} for title, payload in buttons]
    return message


def contact_details(trial: Trial) -> str:
    """The record's first contact: name, phone and e-mail (the trial must have one)."""
    contact = trial.contacts[0]
    return ", ".join(x for x in (contact.name, contact.phone, contact.email) if x)


def result_messages(facts: Mapping[str, Any], today: date | None = None,
                    language: str = EN, results: Sequence[TrialResult] | None = None
                    ) -> list[Message]:
    """The plain-language card for each trial, then the machine-readable screening_result.
    `results` is screen(facts) when the caller has it already (it stores the same results);
    it words the cards in English only, so another language screens with its own worded
    trials (the verdicts are the same: the rules are the English file's)."""
    if results is None or language != EN:
        results = screen(facts, load_trials(language=language))
    message = result_message(results, today, language)
    cards = [text_message(_card(result.trial, entry, today, language))
             for result, entry in zip(results, message["trials"], strict=True)]
    return [
        text_message(say("result_intro", language)),
        *cards,
        {"custom": message},
        text_message(say("result_outro", language)),
    ]


def fingerprint(facts: Mapping[str, Any]) -> str:
    """Identifies a set of answers, so an unchanged result is not sent twice."""
    canonical = json.dumps(dict(sorted(facts.items())), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _card(trial: Trial, entry: Mapping[str, Any], today: date | None,
          language: str = EN) -> str:
    words = content(language)
    lines = [
        f"{entry['title']} ({entry['nct_id']})",
        status_words(trial, today, language),
        words["verdict_for_now"] if entry["for_now"] else words["verdict_words"][entry["verdict"]],
    ]
    if entry["reasons"]:
        lines += [words["reasons_heading"], *(f"- {reason}" for reason in entry["reasons"])]
    if entry["to_check"]:
        lines += [words["to_check_heading"], *(f"- {item}" for item in entry["to_check"])]
    contact = entry["contact"]
    if contact:
        details = ", ".join(contact[k] for k in ("name", "phone", "email") if contact.get(k))
        lines.append(f"{words['contact_heading']} {details}")
    else:
        lines.append(say("no_contact", language, sponsor=entry["sponsor"]))
    lines.append(f"{words['registry_heading']} {entry['registry_url']}")
    return "\n".join(lines)


def public_information(language: str = EN) -> list[Message]:
    """For a person who declined: each trial's public summary, status and contact, no
    questions asked."""
    messages = [text_message(say("no_consent", language))]
    for trial in load_trials(language=language):
        messages.append(text_message("\n".join(public_lines(trial, language))))
    return messages


def public_lines(trial: Trial, language: str = EN) -> list[str]:
    """One trial's public information, each line built from the data (never by cutting a
    formatted line: titles can hold colons)."""
    if trial.contacts:
        contact = f"{say('contact_heading', language)} {contact_details(trial)}"
    else:
        contact = say("no_contact", language, sponsor=trial.sponsor)
    return [
        f"{trial.short_title} ({trial.nct_id})",
        status_words(trial, language=language),
        " ".join(trial.summary.split()),
        contact,
        f"{say('registry_heading', language)} {trial.registry_url}",
    ]
