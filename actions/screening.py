"""The screening form: one validation action reads every answer and asks every question.

Rasa's form calls `validate_screening_form` whenever it runs (activation, each answer, and the
return from an interruption). The action reads the answer to the open question with bot/'s
parser, applies any other facts the same message states, and asks the question bot/'s engine
chooses next; setting `requested_slot` to None ends the form. There are no per-slot ask
actions: the question's wording comes from bot/content/facts.yaml through bot.dialogue.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import state
from actions.interruptions import delete_now, pending_deletion_first
from bot import dialogue, language, replies, safety
from bot.catalog import load_catalog
from bot.closed import CHOICES as CLOSED_CHOICES
from bot.engine import screen
from bot.storage import hooks as storage
from bot.storage.events import DELETED_SLOT, PENDING_SLOT
from bot.values import AUDIENCE, CLOSED_CHOICE, CONSENT, DELETE_CONFIRMATION

logger = logging.getLogger(__name__)

FORM = "screening_form"
#: The slots of a deletion request once its confirmation is answered.
NOT_CONFIRMING = {DELETE_CONFIRMATION: None, "delete_requested": False}
COUNTERS = ("failed_answers", "deflected_answers")


class ValidateScreeningForm(Action):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if state.flag(tracker, PENDING_SLOT) or state.flag(tracker, DELETED_SLOT):
            return [SlotSet("requested_slot", None)]  # the turn's first action has answered
        requested = tracker.get_slot("requested_slot")
        lang = state.language(tracker)
        events: list[EventType] = [*state.language_events(tracker)]
        updates: dict[str, Any] = {}
        paused = state.flag(tracker, "paused")
        switch = language.requested(state.latest_text(tracker))
        if switch and requested in tracker.slots_to_validate():  # "中文" read as an answer
            lang, requested = switch, None
            events += [*state.language_events(tracker, switch), SlotSet(
                tracker.get_slot("requested_slot"), None)]
            state.send(dispatcher, [dialogue.text_message(dialogue.say("language_switched",
                                                                       lang))])
        if requested == DELETE_CONFIRMATION and requested in tracker.slots_to_validate():
            if dialogue.confirms_deletion(state.latest_text(tracker)):
                return [*await delete_now(dispatcher, tracker),
                        *state.slot_events(NOT_CONFIRMING), SlotSet("requested_slot", None)]
            updates, paused = self._cancel_deletion(dispatcher, tracker, lang)
            events += state.slot_events(updates)
        elif requested and (requested in tracker.slots_to_validate()
                            or state.handed_over(tracker, requested)):
            outcome = self._read_answer(dispatcher, tracker, requested, lang)
            updates, paused = outcome
            events += state.slot_events(updates)
        facts = {**state.facts(tracker), **load_catalog().valid_facts(updates)}
        consent = updates.get(CONSENT, state.consent(tracker))
        audience = updates.get(AUDIENCE, state.audience(tracker))
        choice = updates.get(CLOSED_CHOICE, state.closed_choice(tracker))
        prefer = state.fact_to_change(tracker)
        if prefer in facts and state.latest_intent(tracker)[0] == "change_answer":
            events.append(SlotSet(prefer, None))  # a tapped 'change' button
            facts.pop(prefer)
        await _record_opening(tracker, updates)
        if consent is True and CONSENT in updates:
            earlier = dialogue.facts_stated(state.user_texts(tracker)[:-1])
            facts = {**earlier, **facts}
            events += state.slot_events(earlier)
        if AUDIENCE in updates:
            state.send(dispatcher, [dialogue.text_message(dialogue.say("start_questions", lang))])
        delete_requested = updates.get("delete_requested",
                                       state.flag(tracker, "delete_requested"))
        next_slot = dialogue.next_step(consent, audience, facts, paused, prefer, choice,
                                       delete_requested)
        if next_slot:
            state.send(dispatcher, state.as_list(
                dialogue.ask_message(next_slot, audience, facts, lang)))
        if tracker.get_slot("fact_to_change") is not None and (prefer is None or prefer in facts):
            events.append(SlotSet("fact_to_change", None))  # answered, or not a fact's name
        counted = {name: updates.get(name, state.count(tracker, name)) for name in COUNTERS}
        if next_slot != requested and any(counted.values()):  # a new question: none counted
            events += state.slot_events(dict.fromkeys(COUNTERS, 0))
        events.append(SlotSet("requested_slot", next_slot))
        return events

    def _cancel_deletion(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                         lang: str) -> tuple[dict[str, Any], bool]:
        """Anything but YES keeps every answer; the open question comes next (an urgent
        message gets the safety message first, and pauses)."""
        kind = safety.detect(state.latest_text(tracker))
        if kind:
            logger.info("safety message sent (%s)", kind)
            state.send(dispatcher, replies.safety_messages(kind, lang))
            return {**NOT_CONFIRMING, "paused": True}, True
        state.send(dispatcher, [dialogue.text_message(dialogue.say("delete_cancelled", lang))])
        return dict(NOT_CONFIRMING), state.flag(tracker, "paused")

    def _read_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, lang: str
    ) -> tuple[dict[str, Any], bool]:
        """Slot updates for the answer to `requested`, and whether screening is paused."""
        text = state.latest_text(tracker)
        kind = safety.detect(text)
        if kind:
            logger.info("safety message sent (%s)", kind)
            state.send(dispatcher, replies.safety_messages(kind, lang))
            return {requested: None, "paused": True}, True
        answer = dialogue.take_answer(
            requested, text, state.latest_intent(tracker)[0], state.facts(tracker),
            state.failures(tracker), state.count(tracker, "deflected_answers"), language=lang)
        state.send(dispatcher, answer.messages)
        counts = {"failed_answers": answer.failures, "deflected_answers": answer.deflections}
        return {**answer.updates, **counts}, False


async def _record_opening(tracker: Tracker, updates: dict[str, Any]) -> None:
    """Consent, who the chat is for and the choice to stop or go on, stored when given; the
    first two with the conversation's language, which the staff pages show."""
    lang = state.language(tracker)
    if isinstance(updates.get(CONSENT), bool):
        await storage.record_consent(tracker.sender_id, tracker.events, updates[CONSENT],
                                     lang)
    if updates.get(AUDIENCE) in state.AUDIENCES:
        await storage.record_audience(tracker.sender_id, tracker.events, updates[AUDIENCE],
                                      lang)
    if updates.get(CLOSED_CHOICE) in CLOSED_CHOICES:
        await storage.record_closed_choice(tracker.sender_id, tracker.events,
                                           updates[CLOSED_CHOICE])


class ActionStart(Action):
    """Greets once, resumes after a pause, and (with consent) takes facts from the message."""

    def name(self) -> str:
        return "action_start"

    @pending_deletion_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = state.language(tracker)
        events: list[EventType] = [SlotSet("paused", False), *state.language_events(tracker)]
        if not state.flag(tracker, "greeted"):
            state.send(dispatcher, dialogue.greeting_messages(lang))
            events.append(SlotSet("greeted", True))
        if state.consent(tracker) is True:
            stated = dialogue.facts_stated([state.latest_text(tracker)])
            known = state.facts(tracker)
            state.send(dispatcher, [dialogue.updated_message(k, v, lang)
                                    for k, v in stated.items() if k in known and known[k] != v])
            events += state.slot_events(stated)
        return events


class ActionFinishScreening(Action):
    """After the form: the result for each trial, or the public information without consent."""

    def name(self) -> str:
        return "action_finish_screening"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = state.language(tracker)
        if state.flag(tracker, "paused"):
            return []
        if state.consent(tracker) is False:
            state.send(dispatcher, dialogue.public_information(lang))
            return []
        if state.consent(tracker) is None:
            return []
        facts = state.facts(tracker)
        fingerprint = dialogue.fingerprint(facts)
        if fingerprint == tracker.get_slot("result_fingerprint"):
            state.send(dispatcher, [dialogue.text_message(dialogue.say("result_unchanged", lang))])
            return []
        results = screen(facts)  # once: for the messages and for the stored result
        state.send(dispatcher, dialogue.result_messages(facts, results=results, language=lang))
        await storage.record_result(tracker.sender_id, tracker.events, facts,
                                    state.audience(tracker), results, lang)
        return [SlotSet("screening_complete", True), SlotSet("result_fingerprint", fingerprint)]
