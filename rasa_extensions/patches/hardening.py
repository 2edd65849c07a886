"""Bad input and patient privacy in the Rasa server, installed with the other patches.

Each fix was found by the fuzz tests (tests/fuzz) or the log tests (tests/privacy), and each
replaces one function or adds one filter; none copies Rasa's code.

- Over-long messages: DIET attends over every token, so a message of 20,000 words asked
  TensorFlow for a 12 GB tensor, ran out of memory after 40 s of CPU and answered nothing.
  A message longer than MAX_MESSAGE_CHARS now gets a short reply (after the safety message,
  when it mentions urgent symptoms or self-harm anywhere, and before the open question again)
  and reaches neither NLU nor the conversation store. This covers every channel: they all
  hand messages to the agent.
- Rasa's own commands typed by a patient: `/session_start` started a new session and
  answered nothing at all, and `/back` would silently undo the patient's last message and the
  answers it gave. Either is now taken as a message not understood (`/nlu_fallback`), and
  gets the usual 'sorry, I did not understand' (read as words, 'session start' was classified
  as 'start over'). Every other `/intent{...}` is left to Rasa; the actions never trust its
  entities as answers.
- Malformed REST requests: a body that is not a JSON object, a `message` that is not text, a
  missing, empty or over-long `sender` (Rasa would put every such client in one shared
  conversation called 'default', and the conversation tables hold 255 characters), or
  `metadata` that is not an object made Rasa answer HTTP 500 or an empty 200 and log the
  message text at ERROR. They now get HTTP 400 naming the field, without echoing it.
- The REST channel took the conversation's channel name from the request body
  (`input_channel`), so a client could label its conversation `telegram` in what staff see;
  it is now always the channel's own name.
- Slots filled from a typed payload's entities: `fact_to_change` (the 'change' buttons send
  `/change_answer{"fact_to_change": "age"}`) took any value a patient typed, a dict included,
  which then crashed the validation action (no reply at all). It now keeps only the name of
  a fact in the catalog; any other value is dropped before the tracker sees it.
- Log privacy: Rasa's structured log events carry the message text, slot values and parse
  data under fixed keys (`text`, `slot_values`, ...), which Rasa Open Source never masks; they
  are now replaced by '[redacted]' at every level. An action-server error was logged with the
  whole response body, in which rasa_sdk echoes the request: the conversation's every message
  and slot. The error now says only its status. Typed `/intent{...}` payloads that Rasa cannot
  read raised a warning quoting the whole message; those warnings are silenced (the message
  is still handled: its intent and entities are simply not taken from it).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

from rasa.core.actions.action import ActionExtractSlots
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.utils import endpoints
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot import dialogue, replies, safety
from bot.catalog import load_catalog
from bot.language import choose as choose_language
from bot.values import MAX_MESSAGE_CHARS
from rasa_extensions.patches.core import Patch

logger = logging.getLogger(__name__)

#: The conversation tables' sender_id column (Rasa's and the project's) holds 255 characters.
MAX_SENDER_CHARS = 255
#: Structured-log keys under which Rasa puts patient text, slot values or parse data.
REDACTED_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
    "message", "response", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
    "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
    "entity", "token_text", "user_message", "json_message", "utter_action", "metadata",
    "events", "slots", "value",
})
#: Rasa intents that a typed message may not force (see the module's docstring).
INTERNAL_COMMAND = re.compile(r"^/\s*(session_start|back)\s*(?=[{@]|$)")
_SAFETY_WINDOW = 5000  # bot.safety reads this many characters at a time
_SAFETY_SCAN_LIMIT = 200_000

#: Slots filled from entities, and the values they may take.
ENTITY_SLOTS = {"fact_to_change": lambda value: isinstance(value, str) and value in load_catalog()}

def too_long_replies(text: str, language: str = "en") -> list[dict[str, Any]]:
    """The replies to an over-long message, in the conversation's language: the safety
    message first when any part of it mentions urgent symptoms or self-harm, then a request
    for a shorter message."""
    messages: list[dict[str, Any]] = []
    scanned = text[:_SAFETY_SCAN_LIMIT]
    step = _SAFETY_WINDOW - 200  # windows overlap, so no phrase is cut in two
    kinds = {safety.detect(scanned[i:i + _SAFETY_WINDOW]) for i in range(0, len(scanned), step)}
    for kind in (safety.SELF_HARM, safety.URGENT):
        if kind in kinds:
            # nothing is paused: no "continue"
            messages += replies.safety_messages(kind, language)[:1]
            break
    messages.append(dialogue.text_message(dialogue.say("message_too_long", language,
                                                       limit=f"{MAX_MESSAGE_CHARS:,}")))
    return messages


async def _conversation_so_far(agent: Agent, message: UserMessage
                               ) -> tuple[dict[str, Any] | None, str]:
    """The conversation's latest bot message with text (normally the open question), if the
    bot spoke after the patient's latest message, and the conversation's language (its slot;
    for a new conversation, chosen from this message as the actions would)."""
    tracker = await agent.tracker_store.retrieve(message.sender_id)
    language = (tracker.get_slot("language") if tracker else None) or choose_language(
        message.metadata, message.text[:_SAFETY_WINDOW])
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            return None, language
        if isinstance(event, BotUttered) and event.text:
            return ({"text": event.text, "buttons": (event.data or {}).get("buttons") or []},
                    language)
    return None, language


def _limit_messages(original: Callable[..., Any]) -> Callable[..., Any]:
    async def handle_message(self: Agent, message: UserMessage) -> Any:
        text = message.text
        if isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS:
            logger.info("message refused: longer than %d characters", MAX_MESSAGE_CHARS)
            question, language = await _conversation_so_far(self, message)
            replies = too_long_replies(text, language)
            for reply in [*replies, *([question] if question else [])]:
                await message.output_channel.send_response(message.sender_id, dict(reply))
            return None
        if isinstance(text, str) and INTERNAL_COMMAND.match(text.strip()):
            message.text = "/nlu_fallback"
        return await original(self, message)

    return handle_message


def _drop_disallowed_slots(original: Callable[..., Any]) -> Callable[..., Any]:
    async def run(self: ActionExtractSlots, *args: Any, **kwargs: Any) -> list[Any]:
        events = await original(self, *args, **kwargs)
        return [event for event in events if not _disallowed(event)]

    return run


def _disallowed(event: Any) -> bool:
    if not isinstance(event, SlotSet) or event.key not in ENTITY_SLOTS or event.value is None:
        return False
    return not ENTITY_SLOTS[event.key](event.value)


def _checked_body(request: Request) -> dict[str, Any]:
    body = request.json  # Sanic answers 400 itself when the body is not JSON
    if not isinstance(body, dict):
        raise InvalidUsage("the request body must be a JSON object")
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise InvalidUsage("'sender' must be a non-empty string (the conversation id)")
    if len(sender) > MAX_SENDER_CHARS:
        raise InvalidUsage(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if not isinstance(body.get("message"), str):
        raise InvalidUsage("'message' must be a string")
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        raise InvalidUsage("'metadata' must be a JSON object")
    return body


async def _extract_sender(self: RestInput, request: Request) -> str:
    sender = _checked_body(request)["sender"]
    return str(sender)


def _input_channel(self: RestInput, request: Request) -> str:
    """Always the channel's own name. Rasa reads `input_channel` from the request body, so
    any REST client could label its conversation `telegram` in what staff review see."""
    return self.name()


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in REDACTED_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def _client_response_error_init(
    self: endpoints.ClientResponseError, status: int, message: str, text: str
) -> None:
    self.status = status
    self.message = message
    self.text = text  # Rasa reads an action's rejection from it; it is never logged
    Exception.__init__(self, f"{status}, {message} (response body not logged)")


def _quiet_payload_warnings() -> None:
    warnings.filterwarnings("ignore", message="Failed to parse arguments in line")


def _quieter(original: Callable[..., None]) -> Callable[..., None]:
    _quiet_payload_warnings()  # for the warnings raised before Rasa sets its filters

    def _filter_warnings(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)  # its filters go first; ours, added later, win
        _quiet_payload_warnings()

    return _filter_warnings


def _replace(replacement: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda original: replacement


FUZZ = "tests/fuzz/test_rest_fuzz.py"
LOGS = ("tests/privacy/test_logs.py"
        "::test_a_screening_with_a_name_and_a_diagnosis_leaves_neither_in_the_logs")
PATCHES = (
    Patch(
        name="message-limits",
        module="rasa.core.agent", attribute="Agent.handle_message",
        why="a 20,000-word message ran TensorFlow out of memory; /session_start went silent",
        make=_limit_messages,
        tests=(f"{FUZZ}::test_an_over_long_message_gets_the_safety_message_and_is_not_stored",
               f"{FUZZ}::test_typed_rasa_commands_neither_go_silent_nor_undo_answers"),
    ),
    Patch(
        name="entity-slot-values",
        module="rasa.core.actions.action", attribute="ActionExtractSlots.run",
        why="a typed payload put any value, a dict included, in fact_to_change: no reply",
        make=_drop_disallowed_slots,
        tests=(f"{FUZZ}::test_a_forged_fact_to_change_is_dropped",),
    ),
    Patch(
        name="rest-request-check",
        module="rasa.core.channels.rest", attribute="RestInput._extract_sender",
        why="malformed REST bodies got HTTP 500 or a shared 'default' conversation",
        make=_replace(_extract_sender),
        tests=(f"{FUZZ}::test_malformed_requests_are_refused_with_400",),
    ),
    Patch(
        name="rest-channel-name",
        module="rasa.core.channels.rest", attribute="RestInput._extract_input_channel",
        why="a REST client could label its conversation as another channel for staff",
        make=_replace(_input_channel),
        tests=("tests/e2e/test_conversations.py"
               "::test_a_rest_client_cannot_label_its_conversation_as_another_channel",),
    ),
    Patch(
        name="log-redaction",
        module="rasa.utils.log_utils", attribute="_anonymizer",
        why="Rasa Open Source logs message text and slot values under fixed keys, unmasked",
        make=_replace(_redact),
        tests=(LOGS, "tests/privacy/test_logs.py::test_no_slot_value_is_logged"),
    ),
    Patch(
        name="action-error-body",
        module="rasa.utils.endpoints", attribute="ClientResponseError.__init__",
        why="an action-server error was logged with its body: every message and slot",
        make=_replace(_client_response_error_init),
        tests=(LOGS,),
    ),
    Patch(
        name="payload-warnings",
        module="rasa.utils.common", attribute="_filter_warnings",
        why="an unreadable /intent{...} payload was quoted whole in a warning",
        make=_quieter,
        tests=(LOGS,),
    ),
)
