"""What the patient meets when a server fails: a clear message, and nothing silently lost.

Installed with the other patches when the Rasa server starts (rasa_extensions/patches). The
two messages are written once, in bot/content/conversation.yaml (`try_again_shortly`,
`not_saved`), and are sent through the turn's output channel, so every channel (REST, the
website's socket.io, the messaging apps) delivers them. Rasa 3.6.21 as it comes, and what
changes here:

Action server down or slow (`RemoteAction.run`, `MessageProcessor._run_action`)
  Rasa waits up to 5 minutes for a custom action (DEFAULT_REQUEST_TIMEOUT, not configurable),
  well past a REST client's timeout and a patient's patience. When the call fails it logs the
  error, drops the action's events and listens: the patient got no reply at all (measured:
  an empty REST answer), and the raw text Rasa had put in the question's slot stayed there,
  never validated. Now:
  - the call is limited to ACTION_TIMEOUT_SECONDS (bot/settings.py, default 10 s: a turn
    takes well under one, a storage write up to 5; a value that is not a positive number
    stops the server at start-up);
  - a call that is refused, times out, answers with an HTTP error or with a malformed response
    stops the turn (an ActionExecutionRejection, HTTP 400, is the form's own signal and is left
    to Rasa). The conversation is put back as it was before the message: slots, the active
    form and its requested question. The tracker keeps only the patient's message and what
    they were already shown, then `try_again_shortly` and a listen, so the transcript is true
    and the message is still there for staff to read. Sending it again once the action server
    is back continues at the same question with every earlier answer kept. A slow action may
    still finish on the action server after Rasa gave up; its writes to the project's tables
    are then repeated by the retry (the storage hooks record, they do not count).

Conversation store unreachable (`FailSafeTrackerStore.retrieve` / `save`)
  Rasa's wrapper turns a failed read into a new, empty conversation and a failed write into an
  in-memory copy, and only logs both: a patient mid-screening would be greeted as a stranger,
  and answers given while the database was down would vanish when it came back. Now a failed
  read or write stops the turn: the error is logged (its kind only: SQLAlchemy's messages carry
  the SQL parameters, which hold patient text), replies of that turn that the channel has not
  sent yet are withdrawn (REST and the messaging channels collect them; the website's socket.io
  channel has already shown them), and the patient gets `not_saved`: the message was neither
  saved nor used, please send it again. Nothing of that turn is stored; every earlier answer is
  in the database and is used again as soon as it is back.
  SQLAlchemy keeps pooled connections, which a database restart leaves dead: `pool_pre_ping`
  tests each before use, so the first message after the restart works. A PostgreSQL host that
  does not answer at all is given up after `DB_CONNECT_TIMEOUT` seconds instead of the
  operating system's minutes, during which Rasa's event loop (its SQL store is synchronous)
  would serve nobody.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from rasa.core import tracker_store as rasa_tracker_store
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.dialogue import say
from bot.language import choose as choose_language
from bot.settings import load_settings
from bot.storage.db import sqlite_file_pool, sqlite_path
from rasa_extensions.patches.core import Patch

logger = logging.getLogger(__name__)

DB_CONNECT_TIMEOUT = 5  # seconds, PostgreSQL's connect_timeout
ACTION_SERVER_DOWN = "try_again_shortly"  # keys of bot/content/conversation.yaml
STORE_DOWN = "not_saved"


class ActionServerUnavailable(RasaException):
    """A custom action could not be run: the action server refused, was too slow or failed."""

    def __init__(self, action_name: str, reason: str) -> None:
        super().__init__(f"custom action '{action_name}' could not be run: {reason}")
        self.action_name = action_name
        self.reason = reason


class ConversationStoreUnavailable(RasaException):
    """The tracker store could not read or write a conversation."""

    def __init__(self, operation: str, error: Exception) -> None:
        super().__init__(f"the conversation store could not {operation}: {describe(error)}")
        self.operation = operation


def describe(error: BaseException) -> str:
    """An error's kind and the driver's first line, never SQL or its parameters."""
    original = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
    if original is None:
        return type(error).__name__
    first_line = (str(original).strip().splitlines() or [""])[0][:200]
    return f"{type(error).__name__} ({type(original).__name__}: {first_line})"


# --- action server -------------------------------------------------------------------------------

# The failures of the action being run in this task; set by `_run_action` around each action.
_failures: ContextVar[list[ActionServerUnavailable] | None] = ContextVar(
    "action_server_failures", default=None
)


def action_timeout() -> float:
    """ACTION_TIMEOUT_SECONDS, or the default; SystemExit naming the variable when invalid."""
    return load_settings().action_timeout


def _guard_remote_run(original: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    async def run(self: RemoteAction, output_channel: OutputChannel, nlg: Any,
                  tracker: DialogueStateTracker, domain: Any) -> list[Any]:
        try:
            return await asyncio.wait_for(
                original(self, output_channel, nlg, tracker, domain), timeout
            )
        except ActionExecutionRejection:
            raise
        except asyncio.TimeoutError as error:
            failure = ActionServerUnavailable(self.name(), f"no answer within {timeout:g} s")
            raise _noted(failure) from error
        except Exception as error:
            cause = error.__cause__ or error.__context__ or error
            failure = ActionServerUnavailable(self.name(), f"{error} [{type(cause).__name__}]")
            raise _noted(failure) from error

    return run


def _noted(failure: ActionServerUnavailable) -> ActionServerUnavailable:
    logger.error("action server unavailable: %s", failure)
    failures = _failures.get()
    if failures is not None:
        failures.append(failure)
    return failure


def _guard_run_action(original: Callable[..., Any]) -> Callable[..., Any]:
    async def _run_action(self: Any, action: Any, tracker: DialogueStateTracker,
                          output_channel: OutputChannel, nlg: Any, prediction: Any) -> bool:
        failures: list[ActionServerUnavailable] = []
        token = _failures.set(failures)
        try:
            more = await original(self, action, tracker, output_channel, nlg, prediction)
        finally:
            _failures.reset(token)
        if not failures:
            return more
        language = tracker.get_slot("language") or "en"
        await abandon_turn(tracker, output_channel, say(ACTION_SERVER_DOWN, language))
        return False  # no further action this turn

    return _run_action


async def abandon_turn(
    tracker: DialogueStateTracker, output_channel: OutputChannel, notice: str
) -> None:
    """Put the conversation back as it was before the patient's latest message, keeping that
    message and the bot messages already shown, then say `notice` and listen."""
    events = list(tracker.events)
    starts = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    if starts:
        start = starts[-1]
        shown = [event for event in events[start + 1:] if isinstance(event, BotUttered)]
        tracker._reset()  # Rasa's own way to rebuild a tracker (recreate_from_dialogue)
        tracker.events.clear()
        tracker.events.extend(events[: start + 1] + shown)
        tracker.replay_events()
    tracker.update(BotUttered(notice))
    await output_channel.send_response(tracker.sender_id, {"text": notice})
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


# --- conversation store --------------------------------------------------------------------------


async def _retrieve(self: rasa_tracker_store.FailSafeTrackerStore,
                    sender_id: str) -> DialogueStateTracker | None:
    try:
        return await self._tracker_store.retrieve(sender_id)
    except Exception as error:
        raise ConversationStoreUnavailable("read the conversation", error) from error


async def _save(self: rasa_tracker_store.FailSafeTrackerStore,
                tracker: DialogueStateTracker) -> None:
    try:
        await self._tracker_store.save(tracker)
    except Exception as error:
        raise ConversationStoreUnavailable("save the conversation", error) from error


def _guard_handle_message(original: Callable[..., Any]) -> Callable[..., Any]:
    async def handle_message(self: Any, message: UserMessage) -> Any:
        try:
            return await original(self, message)
        except ConversationStoreUnavailable as error:
            logger.error("message not saved and not used: %s", error)
            unsent = getattr(message.output_channel, "messages", None)
            if isinstance(unsent, list):
                unsent.clear()  # the replies of a turn that was not saved
            await message.output_channel.send_response(
                message.sender_id,
                {"text": say(STORE_DOWN, choose_language(message.metadata, message.text))}
            )
            return unsent if isinstance(unsent, list) else None

    return handle_message


def _with_pool_checks(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        kwargs = {**original(url), "pool_pre_ping": True}
        # SQLAlchemy 1.4 opens and closes a new connection for every session on an SQLite
        # file (NullPool): with the WAL pragmas run on each, a tenth of the Rasa server's busy
        # time (py-spy, scripts/profile.py). A small pool keeps them open; SQLite's own locking
        # still serialises the writers, and the pool hands a connection to one session at a time.
        if sqlite_path(str(url)) is not None:
            kwargs.update(sqlite_file_pool())
        if rasa_tracker_store.is_postgresql_url(url):
            kwargs["connect_args"] = {
                **kwargs.get("connect_args", {}), "connect_timeout": DB_CONNECT_TIMEOUT
            }
        return kwargs

    return create_engine_kwargs


def _checked_messages() -> None:
    """Refuse to start when either message of this module is missing from the content."""
    for key in (ACTION_SERVER_DOWN, STORE_DOWN):
        try:
            text = say(key)
        except KeyError:
            text = ""
        if not isinstance(text, str) or not text.strip():
            raise RuntimeError(f"bot/content/conversation.yaml: '{key}' is missing or empty")


def _with_messages(guard: Callable[..., Any]) -> Callable[..., Any]:
    def make(original: Any) -> Any:
        _checked_messages()
        return guard(original)

    return make


def _replace(replacement: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda original: replacement


ACTIONS_TESTS = "tests/faults/test_action_server.py"
STORE_TEST = ("tests/faults/test_restart_and_database.py"
              "::test_database_down_mid_screening_drops_nothing_silently")
PATCHES = (
    Patch(
        name="action-timeout",
        module="rasa.core.actions.action", attribute="RemoteAction.run",
        why="Rasa waited 5 minutes for an action; a failed call now stops the turn",
        make=lambda original: _guard_remote_run(original, action_timeout()),
        tests=(f"{ACTIONS_TESTS}::test_slow_action_server_gets_the_same_message_after_the_timeout",
               f"{ACTIONS_TESTS}::test_an_action_server_error_stops_the_turn_after_one_call"),
    ),
    Patch(
        name="action-failure-turn",
        module="rasa.core.processor", attribute="MessageProcessor._run_action",
        why="a failed action left the patient without a reply and raw text in a slot",
        make=_with_messages(_guard_run_action),
        tests=(f"{ACTIONS_TESTS}::test_action_server_down_mid_screening_keeps_the_question_"
               "and_the_answers",
               f"{ACTIONS_TESTS}::test_the_first_message_while_the_action_server_is_down"),
    ),
    Patch(
        name="store-failure-reply",
        module="rasa.core.processor", attribute="MessageProcessor.handle_message",
        why="a turn that could not be saved must say so instead of answering as if saved",
        make=_with_messages(_guard_handle_message),
        tests=(STORE_TEST,),
    ),
    Patch(
        name="store-read-fails-loudly",
        module="rasa.core.tracker_store", attribute="FailSafeTrackerStore.retrieve",
        why="a failed read became a new, empty conversation: the patient greeted as a stranger",
        make=_replace(_retrieve),
        tests=(STORE_TEST,),
    ),
    Patch(
        name="store-write-fails-loudly",
        module="rasa.core.tracker_store", attribute="FailSafeTrackerStore.save",
        why="a failed write was kept in memory only and lost when the database came back",
        make=_replace(_save),
        tests=(STORE_TEST,),
    ),
    Patch(
        name="database-pool-checks",
        module="rasa.core.tracker_store", attribute="create_engine_kwargs",
        why="dead pooled connections, hanging hosts, a new SQLite connection per session",
        make=_with_pool_checks,
        tests=(STORE_TEST, "tests/test_patches.py::test_an_sqlite_file_keeps_its_connections_open"),
    ),
)
