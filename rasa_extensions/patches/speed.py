"""Two measured speed fixes (py-spy over a screening under load, 8 concurrent conversations).

- Action-server responses: Rasa validates every response with `jsonschema.validate(result,
  schema)`, which re-checks the schema itself on every call: a third of the server's time.
  The validator is now built once; a response is checked against the same schema as before
  and a bad one raises the same ValidationError with Rasa's message.
- Event lookup: every stored event read back from the tracker store looks its class up by
  walking all subclasses of Event: 11% of the server's time. Rasa's own lookup now runs once
  per event name and its answer is kept; names it does not know (old `topic` events, a
  default, an error) are left to it every time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from rasa_extensions.patches.core import Patch

TESTS = "tests/test_patches.py"
Resolve = Callable[..., Any]


@cache
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once."""
    try:
        _action_response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def remember_event_classes(original: Resolve) -> Resolve:
    """Event.resolve_by_type, asking Rasa's lookup once per name it resolves."""
    found: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        known = found.get(type_name)
        if known is not None:
            return known
        resolved = original(type_name, default)
        if resolved is not None and getattr(resolved, "type_name", None) == type_name:
            found[type_name] = resolved  # not a default: Rasa found the class by its name
        return resolved

    resolve_by_type.__wrapped__ = original  # type: ignore[attr-defined]
    return resolve_by_type


PATCHES = (
    Patch(
        name="action-response-validator",
        module="rasa.core.actions.action", attribute="RemoteAction._validate_action_result",
        why="the schema of action-server responses was re-checked on every call (1/3 of CPU)",
        make=lambda original: validate_action_result,
        tests=(f"{TESTS}::test_action_responses_are_checked_against_rasas_schema",),
    ),
    Patch(
        name="event-lookup",
        module="rasa.shared.core.events", attribute="Event.resolve_by_type",
        why="every stored event walked all Event subclasses to find its class (11% of CPU)",
        make=remember_event_classes,
        tests=(f"{TESTS}::test_event_lookup_answers_as_rasa_does",
               f"{TESTS}::test_event_lookup_asks_rasa_once_per_name"),
    ),
)
