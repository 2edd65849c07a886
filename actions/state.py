"""Reading the screening state out of a Rasa tracker: the one place slots become facts."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.catalog import load_catalog
from bot.closed import CHOICES as CLOSED_CHOICES
from bot.dialogue import Message
from bot.i18n import LANGUAGES
from bot.language import choose as choose_language
from bot.values import AUDIENCE, AUDIENCES, CLOSED_CHOICE, CONSENT


def facts(tracker: Tracker) -> dict[str, Any]:
    """Every fact slot holding a value the catalog allows. A slot can briefly hold the raw
    text of an answer being validated, or a value forged in a typed payload: neither counts."""
    catalog = load_catalog()
    return catalog.valid_facts({fact.name: tracker.get_slot(fact.name) for fact in catalog})


def consent(tracker: Tracker) -> bool | None:
    value = tracker.get_slot(CONSENT)
    return value if isinstance(value, bool) else None


def audience(tracker: Tracker) -> str | None:
    value = tracker.get_slot(AUDIENCE)
    return value if value in AUDIENCES else None


def fact_to_change(tracker: Tracker) -> str | None:
    """The fact a 'change' button named, if the slot holds a catalog fact's name: the slot is
    filled from a payload's entity, which a patient can also type with any value."""
    value = tracker.get_slot("fact_to_change")
    return value if isinstance(value, str) and value in load_catalog() else None


def flag(tracker: Tracker, name: str) -> bool:
    return tracker.get_slot(name) is True


def failures(tracker: Tracker) -> int:
    return count(tracker, "failed_answers")


def count(tracker: Tracker, slot: str) -> int:
    """A counter slot (answers not understood, messages taken as something else)."""
    value = tracker.get_slot(slot)
    return int(value) if isinstance(value, (int, float)) and 0 <= value < 100 else 0


def closed_choice(tracker: Tracker) -> str | None:
    """The choice to stop or go on when only non-recruiting studies were left, if made."""
    value = tracker.get_slot(CLOSED_CHOICE)
    return value if value in CLOSED_CHOICES else None


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def handed_over(tracker: Tracker, slot: str) -> bool:
    """Whether an action of this turn handed the patient's words to the form as the answer
    to `slot` (actions/interruptions.py: a tapped button read as a control intent). The form
    validates only the slots set after its own start, so this says so instead."""
    text = latest_text(tracker)
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value") == text
    return False


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def user_texts(tracker: Tracker) -> list[str]:
    """What the patient typed in this conversation, oldest first."""
    return [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]


def slot_events(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [SlotSet(name, value) for name, value in values.items()]


def as_list(messages: Message | list[Message]) -> list[Message]:
    return messages if isinstance(messages, list) else [messages]


def send(dispatcher, messages: list[Message]) -> None:
    """Send bot/dialogue messages through Rasa's dispatcher."""
    for message in messages:
        if "custom" in message:
            dispatcher.utter_message(json_message=message["custom"])
        else:
            dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


LANGUAGE_SLOT = "language"


def language(tracker: Tracker) -> str:
    """The conversation's language: the `language` slot, else the first message's choice
    (bot.language.choose: its metadata, its channel, its script)."""
    value = tracker.get_slot(LANGUAGE_SLOT)
    if value in LANGUAGES:
        return value
    first = next((e for e in tracker.events if e.get("event") == "user"), None) or {}
    return choose_language(first.get("metadata"), first.get("text"), first.get("input_channel"))


def language_events(tracker: Tracker, chosen: str | None = None) -> list[SlotSet]:
    """Sets the `language` slot when it is not set yet (or to `chosen`)."""
    value = chosen or language(tracker)
    return [] if tracker.get_slot(LANGUAGE_SLOT) == value else [SlotSet(LANGUAGE_SLOT, value)]
