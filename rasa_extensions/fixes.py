"""Targeted fixes to Rasa 3.6.21, applied when the server starts (see __main__.py).

Each fix replaces one function, keeps its behaviour, and says why; none copies Rasa's code.

- Action-server responses: Rasa validates every response with `jsonschema.validate(result,
  schema)`, which re-checks the schema itself on every call. Profiling a screening under load
  (py-spy, 8 concurrent conversations) showed a third of the server's time there. The
  validator is now built once; a response is checked against the same schema as before.
- Event lookup: every stored event read back from the tracker store looks its class up by
  walking all subclasses of Event (11% of the server's time in the same profile). The
  lookup table is now built once, and rebuilt if a name is missing (a class defined later).
- Custom messages over socket.io: Rasa's SocketIOOutput.send_custom_json passes the message's
  keys to `emit()` as keyword arguments, which python-socketio 5.9 refuses (TypeError: emit()
  got an unexpected keyword argument 'type'), so the `screening_result` message and everything
  after it in the turn never reached the website. The message is now the event's data, sent to
  the conversation's room, as Rasa sends its text messages.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions import action
from rasa.core.channels import socketio
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

from rasa_extensions import resilience

_event_classes: dict[str, type[events.Event]] = {}


@cache
def _action_response_validator() -> Any:
    schema = action.RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: action.RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _action_response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
        raise
    return True


def _resolve_event_type(
    type_name: str, default: type[events.Event] | None = None
) -> type[events.Event] | None:
    if type_name not in _event_classes:
        for candidate in all_subclasses(events.Event):
            _event_classes.setdefault(candidate.type_name, candidate)
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # as Rasa: old TopicSet events are ignored
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


async def _send_custom_json(
    self: socketio.SocketIOOutput, recipient_id: str, json_message: dict[str, Any], **_: Any
) -> None:
    await self.sio.emit(self.bot_message_evt, json_message, room=recipient_id)


def apply() -> None:
    action.RemoteAction._validate_action_result = _validate_action_result
    events.Event.resolve_by_type = staticmethod(_resolve_event_type)
    socketio.SocketIOOutput.send_custom_json = _send_custom_json
    # Not a speed fix: what the patient meets when the action server or the database fails.
    resilience.apply()
