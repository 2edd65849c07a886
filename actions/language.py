"""Switching the conversation's language at once ("中文", "English", or the button)."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import state
from bot import dialogue, language

logger = logging.getLogger(__name__)


class ActionSwitchLanguage(Action):
    """Sets the `language` slot and says so in the new language; every answer is kept.
    During the questions the rule runs the form next, which asks the open question again in
    the new language; outside them the conversation goes on where it was: the greeting if
    none was given yet, the result again (in the new words) once there is one."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        target = language.switch_target(state.latest_text(tracker), state.language(tracker))
        logger.info("language switched to %s", target)
        events: list[EventType] = [SlotSet(state.LANGUAGE_SLOT, target)]
        if not state.flag(tracker, "greeted"):
            state.send(dispatcher, dialogue.greeting_messages(target))
            return [*events, SlotSet("greeted", True), SlotSet("paused", False),
                    *_form_unless_active(tracker)]
        state.send(dispatcher, [dialogue.text_message(dialogue.say("language_switched",
                                                                   target))])
        if tracker.active_loop.get("name") or state.flag(tracker, "paused"):
            return events
        if state.consent(tracker) is False:
            state.send(dispatcher, dialogue.public_information(target))
        elif state.flag(tracker, "screening_complete"):
            state.send(dispatcher, dialogue.result_messages(state.facts(tracker),
                                                            language=target))
        elif state.consent(tracker) is None or tracker.get_slot("requested_slot"):
            events.append(FollowupAction("screening_form"))
        return events


def _form_unless_active(tracker: Tracker) -> list[EventType]:
    return [] if tracker.active_loop.get("name") else [FollowupAction("screening_form")]
