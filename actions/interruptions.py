"""Things a patient can say at any point: questions, a person, changes, stop, safety."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import state
from bot import dialogue, replies, safety
from bot.storage import hooks as storage
from bot.storage.events import DELETED_SLOT, PENDING_SLOT
from bot.values import AUDIENCE, CONSENT

logger = logging.getLogger(__name__)


def deletion_events(deleted: bool) -> list[EventType]:
    """After a deletion attempt: done (the Rasa server does not save this turn, so the next
    message starts a new conversation), or pending (this turn is saved with the mark, later
    ones are not, and the deletion is retried; rasa_extensions/tracker_store.py). Either
    way the chat is paused: nothing more is asked in this turn."""
    if deleted:
        return [SlotSet(DELETED_SLOT, True), SlotSet("paused", True)]
    return [SlotSet(PENDING_SLOT, True), SlotSet("paused", True)]


async def delete_now(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Carry out a confirmed 'delete my data' and say honestly whether it worked."""
    lang = state.language(tracker)
    deleted = await storage.forget_conversation(tracker.sender_id)
    logger.info("patient's data %s", "deleted" if deleted else "NOT deleted: retry recorded")
    state.send(dispatcher, [dialogue.text_message(
        dialogue.say("delete_done" if deleted else "delete_failed", lang))])
    return deletion_events(deleted)


def pending_deletion_first(run):
    """For actions that start a turn: when an earlier deletion is still pending, try it again
    first and answer only that (the rules may run the form next: it asks nothing then)."""

    async def guarded(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
        if not state.flag(tracker, PENDING_SLOT):
            return await run(self, dispatcher, tracker, domain)
        deleted = await storage.forget_conversation(tracker.sender_id)
        state.send(dispatcher, [dialogue.text_message(dialogue.say(
            "delete_done" if deleted else "delete_still_pending", state.language(tracker)))])
        return deletion_events(deleted)

    return guarded


def button_answer_first(run):
    """For the actions the rules run on a control intent during the questions (a person,
    change an answer, delete my data): when the message is exactly one of the open question's
    buttons it is that question's answer, never the control. The action then only hands the
    text to the form, which follows it in the rule and reads the answer (its validation sees
    the requested slot as just set)."""

    async def guarded(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = state.latest_text(tracker)
        if tracker.active_loop.get("name") and dialogue.is_button_answer(
                requested, state.audience(tracker), state.facts(tracker), text):
            logger.info("a tapped answer read as a control intent: taken as the answer")
            return [SlotSet(requested, text)]
        return await run(self, dispatcher, tracker, domain)

    return guarded


class ActionReply(Action):
    """Answers outside the questions: about the studies, 'why', small talk, out of scope."""

    def name(self) -> str:
        return "action_reply"

    @pending_deletion_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent, _ = state.latest_intent(tracker)
        lang = state.language(tracker)
        if intent in ("nlu_fallback", "out_of_scope"):
            corrected = apply_stated_facts(dispatcher, tracker)
            if corrected:
                return [*corrected, *state.language_events(tracker)]
        reply = replies.soft_reply(intent, tracker.get_slot("requested_slot"), lang)
        if intent == "goodbye":
            reply = [dialogue.text_message(dialogue.say("goodbye", lang))]
        state.send(dispatcher, reply or [dialogue.text_message(dialogue.say("fallback", lang))])
        return state.language_events(tracker)


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    @pending_deletion_first
    @button_answer_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state.send(dispatcher, replies.handoff_messages(state.language(tracker)))
        await storage.record_contact_request(tracker.sender_id, tracker.events)
        return state.language_events(tracker)


class ActionChangeAnswer(Action):
    """Lists the answers given (as buttons); a tap clears that answer so it is asked again."""

    def name(self) -> str:
        return "action_change_answer"

    @pending_deletion_first
    @button_answer_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        chosen = state.fact_to_change(tracker)
        facts = state.facts(tracker)
        corrected = apply_stated_facts(dispatcher, tracker)  # "sorry, actually I'm 46"
        if corrected:
            return corrected
        if chosen not in facts:
            state.send(dispatcher, [replies.change_answer_message(facts,
                                                                   state.language(tracker))])
            return [SlotSet("fact_to_change", None), *state.language_events(tracker)]
        return [SlotSet(chosen, None), *_back_to_screening(tracker)]


def apply_stated_facts(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """A message that states facts ('actually I'm 80') corrects them, whatever its intent:
    the new values are set and the screening (or its result) is brought up to date. Nothing
    before consent."""
    known = state.facts(tracker)
    stated = {name: value for name, value in
              dialogue.facts_stated([state.latest_text(tracker)]).items()
              if known.get(name) != value}  # the same answer again corrects nothing
    if not stated or state.consent(tracker) is not True:
        return []
    lang = state.language(tracker)
    state.send(dispatcher, [dialogue.updated_message(k, v, lang) for k, v in stated.items()])
    return [*state.slot_events(stated), *_back_to_screening(tracker)]


def _back_to_screening(tracker: Tracker) -> list[EventType]:
    """Back to the questions (outside the form: to an updated result)."""
    if tracker.active_loop.get("name") is None:
        return [FollowupAction("screening_form")]
    return []


class ActionRestart(Action):
    """'Start over': clears every answer but keeps the consent and who the chat is about,
    then asks the first question again. Overrides Rasa's default action_restart."""

    def name(self) -> str:
        return "action_restart"

    @pending_deletion_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kept = {CONSENT: state.consent(tracker), AUDIENCE: state.audience(tracker),
                state.LANGUAGE_SLOT: state.language(tracker)}
        state.send(dispatcher, [dialogue.text_message(
            dialogue.say("restart", kept[state.LANGUAGE_SLOT]))])
        events: list[EventType] = [Restarted(), SlotSet("greeted", True)]
        events += [SlotSet(name, value) for name, value in kept.items() if value is not None]
        if kept[CONSENT] is True:
            events.append(FollowupAction("screening_form"))
        return events


class ActionStop(Action):
    def name(self) -> str:
        return "action_stop"

    @pending_deletion_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state.send(dispatcher, [dialogue.text_message(
            dialogue.say("stopped", state.language(tracker)))])
        return [SlotSet("paused", True), *state.language_events(tracker)]


class ActionDeleteData(Action):
    """'Delete my data': asks for confirmation first. The screening form asks it like a
    question (bot.dialogue.next_step); its answer is read by validate_screening_form, which
    deletes on YES (`delete_now`) and otherwise keeps everything and goes back to the open
    question."""

    def name(self) -> str:
        return "action_delete_data"

    @pending_deletion_first
    @button_answer_first
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        logger.info("patient asked to delete their data: confirmation asked")
        return [SlotSet("delete_requested", True), SlotSet("paused", False),
                *state.language_events(tracker)]


class ActionSafety(Action):
    """Urgent symptoms or self-harm: the safety message, before anything else."""

    def name(self) -> str:
        return "action_safety"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent, _ = state.latest_intent(tracker)
        kind = safety.detect(state.latest_text(tracker))
        if kind is None:
            kind = safety.SELF_HARM if intent == "self_harm" else safety.URGENT
        logger.info("safety message sent (%s)", kind)
        state.send(dispatcher, replies.safety_messages(kind, state.language(tracker)))
        return [SlotSet("paused", True), *state.language_events(tracker)]
