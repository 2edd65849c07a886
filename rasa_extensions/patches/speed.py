"""Measured speed fixes (py-spy over screenings under load, 8 concurrent conversations).

- Action-server responses: Rasa validates every response with `jsonschema.validate(result,
  schema)`, which re-checks the schema itself on every call: a third of the server's time.
  The validator is now built once. Even so, jsonschema tried each event against the 23
  alternatives of Rasa's event schema (10% of busy time over typed screenings, issue 14), so
  a response is first checked by the same schema compiled to Python by fastjsonschema; only
  a response it rejects goes to jsonschema, which then decides, and a bad one raises the same
  ValidationError with Rasa's message. A property test holds the two to the same verdict.
- Event lookup: every stored event read back from the tracker store looks its class up by
  walking all subclasses of Event: 11% of the server's time. Rasa's own lookup now runs once
  per event name and its answer is kept; names it does not know (old `topic` events, a
  default, an error) are left to it every time.
- Graph runs: every message runs the NLU graph and every prediction the policy graph through
  dask, which cuts the graph down to the targets, builds a dask graph and orders it anew each
  time (about 10% of the server's busy time over typed screenings, issue 14). The nodes now
  run in an order worked out once per set of targets, one after another, as dask's
  synchronous scheduler ran them: the same inputs, outputs, clash check and errors.
- Applied events: `DialogueStateTracker.applied_events()` walks the whole conversation, and a
  turn asks for it a dozen times between two new events (9% of busy time, growing with the
  conversation). The answer is kept on the tracker with the events it was worked out from
  (the same deque, its length and its last event) and given again, as a new list, until one
  of those changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.shared.constants import DOCS_BASE_URL

from rasa_extensions.patches.core import Patch

TESTS = "tests/test_patches.py"
SPEED_TESTS = "tests/test_speed_patches.py"
Resolve = Callable[..., Any]


@cache
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@cache
def _compiled_action_response_check() -> Callable[[Any], Any]:
    # use_default=False: the check must never fill in a response's missing values
    return fastjsonschema.compile(RemoteAction.action_response_format_spec(),
                                  use_default=False)


def passes_compiled_check(result: Any) -> bool:
    """The response passes the schema compiled by fastjsonschema."""
    try:
        _compiled_action_response_check()(result)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once, and the compiled
    check first (jsonschema decides every response that check rejects)."""
    if passes_compiled_check(result):
        return True
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


#: A graph's run order for some targets: each node's name and the names of what it needs.
Plan = tuple[tuple[str, tuple[str, ...]], ...]


def run_order(schema: GraphSchema, targets: tuple[str, ...]) -> Plan:
    """The nodes the targets need, each after everything it needs (depth first)."""
    minimal = schema.minimal_graph_schema(list(targets))
    order: list[tuple[str, tuple[str, ...]]] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed or name not in minimal.nodes:
            return
        placed.add(name)
        needs = tuple(minimal.nodes[name].needs.values())
        for need in needs:
            place(need)
        order.append((name, needs))

    for target in targets:
        place(target)
    return tuple(order)


def run_graph_in_order(self: Any, inputs: dict[str, Any] | None = None,
                       targets: list[str] | None = None) -> dict[str, Any]:
    """DaskGraphRunner.run with the run order worked out once per set of targets."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plans: dict[tuple[str, ...], Plan] = self.__dict__.setdefault("_run_orders", {})
    plan = plans.get(run_targets)
    if plan is None:
        plan = plans[run_targets] = run_order(self._graph_schema, run_targets)
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and any(value == node for node, _ in plan):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the "
                f"input names passed to the `run` method are the same as node names in the "
                f"graph schema.")
        values[name] = (name, value)
    try:
        for name, needs in plan:
            node = self._instantiated_nodes[name]
            values[name] = node(*(values.get(need, need) for need in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(values[target] for target in run_targets)


APPLIED = "_applied_events_memo"


def remember_applied_events(original: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    """DialogueStateTracker.applied_events, worked out again only when the events changed."""

    def applied_events(self: Any) -> list[Any]:
        events = self.events
        mark = (len(events), id(events[-1]) if events else None)
        kept = self.__dict__.get(APPLIED)
        if kept is not None and kept[0] is events and kept[1] == mark:
            return list(kept[2])
        result = original(self)
        self.__dict__[APPLIED] = (events, mark, list(result))
        return result

    applied_events.__wrapped__ = original  # type: ignore[attr-defined]
    return applied_events


PATCHES = (
    Patch(
        name="action-response-validator",
        module="rasa.core.actions.action", attribute="RemoteAction._validate_action_result",
        why="the schema of action-server responses was re-checked on every call (1/3 of CPU)",
        make=lambda original: validate_action_result,
        tests=(f"{TESTS}::test_action_responses_are_checked_against_rasas_schema",
               f"{SPEED_TESTS}::test_the_compiled_response_check_gives_jsonschemas_verdict"),
    ),
    Patch(
        name="event-lookup",
        module="rasa.shared.core.events", attribute="Event.resolve_by_type",
        why="every stored event walked all Event subclasses to find its class (11% of CPU)",
        make=remember_event_classes,
        tests=(f"{TESTS}::test_event_lookup_answers_as_rasa_does",
               f"{TESTS}::test_event_lookup_asks_rasa_once_per_name"),
    ),
    Patch(
        name="graph-run-order",
        module="rasa.engine.runner.dask", attribute="DaskGraphRunner.run",
        why="each message and prediction rebuilt and re-ordered a dask graph (10% of CPU)",
        make=lambda original: run_graph_in_order,
        tests=(f"{SPEED_TESTS}::test_the_graphs_run_in_order_give_what_dask_gives",
               f"{SPEED_TESTS}::test_a_graph_input_named_like_a_node_is_refused"),
    ),
    Patch(
        name="applied-events-memo",
        module="rasa.shared.core.trackers", attribute="DialogueStateTracker.applied_events",
        why="a turn walked the whole conversation a dozen times for the same answer (9% of CPU)",
        make=remember_applied_events,
        tests=(f"{SPEED_TESTS}::test_applied_events_are_rasas_after_every_event",
               f"{SPEED_TESTS}::test_applied_events_are_worked_out_once_per_change"),
    ),
)
