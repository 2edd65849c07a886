"""Measured speed fixes (py-spy over screenings under load, 8 concurrent conversations).

- Action-server responses: Rasa validates every response with `jsonschema.validate(result,
  schema)`, which re-checks the schema itself on every call: a third of the server's time.
  The validator is now built once. Even so, jsonschema tried each event against the 23
  alternatives of Rasa's event schema (10% of busy time over typed screenings, issue 14), so
  a response is first checked by the same schema compiled to Python by fastjsonschema, each
  event by the one alternative its name picks (ResponseCheck); only a response it rejects
  goes to jsonschema, which then decides, and a bad one raises the same ValidationError with
  Rasa's message. A property test holds the two to the same verdict.
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
  (the same deque, its length and its last event): given again, as a new list, while they
  are unchanged, and carried on over the events added since (Rasa's loop, from where it
  stopped) unless one of them names a loop for the first time; any other change is Rasa's.
- Past states: RulePolicy turns the conversation into a state before each action twice per
  prediction, by replaying every applied event into a fresh tracker (`Domain.
  states_for_tracker_history`: 15% of busy time over typed screenings, and growing with the
  conversation). The replay is now kept on the tracker, with the states it gave, and resumed
  where it stopped while the applied events only grow; any other change (a form's every
  step drops the listen and the message before it) replays from the start, as Rasa does,
  into a tracker whose slots are copied without copy.copy's generic machinery (the copies
  were most of a replay's time). Each caller gets its own copy of the states (RulePolicy
  edits them).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.shared.constants import DEFAULT_SENDER_ID, DOCS_BASE_URL
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

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


@dataclass(frozen=True)
class ResponseCheck:
    """Rasa's response schema compiled in two parts: the response with each event only
    required to be an object, and each event by its own alternative of the schema's `oneOf`
    (the alternatives name distinct `event` constants, so exactly the one of that name can
    match: trying all 23 raised and caught an exception for each of the 22 others)."""

    response: Callable[[Any], Any]
    events: dict[str, Callable[[Any], Any]]


def _event_alternatives(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The event schema without its `oneOf`, and each alternative by its event name; raises
    when Rasa's schema is no longer shaped so that an event's name picks its alternative."""
    events = schema["properties"]["events"]["items"]
    common = {key: value for key, value in events.items() if key != "oneOf"}
    by_name: dict[str, Any] = {}
    for alternative in events["oneOf"]:
        name = alternative["properties"]["event"]["const"]
        if name in by_name or not isinstance(name, str) or "event" not in common["required"]:
            raise RuntimeError("Rasa's action-response schema changed: an event's name no "
                               "longer picks one alternative")
        by_name[name] = alternative
    return common, by_name


@cache
def _compiled_action_response_check() -> ResponseCheck:
    # use_default=False: the check must never fill in a response's missing values
    schema = RemoteAction.action_response_format_spec()
    common, by_name = _event_alternatives(schema)
    outer = deepcopy(schema)
    outer["properties"]["events"]["items"] = {"type": "object"}
    return ResponseCheck(
        response=fastjsonschema.compile(outer, use_default=False),
        events={name: fastjsonschema.compile({"allOf": [common, alternative]},
                                             use_default=False)
                for name, alternative in by_name.items()})


def passes_compiled_check(result: Any) -> bool:
    """The response passes the schema compiled by fastjsonschema, each event checked by the
    alternative its name picks (a name the schema does not hold fails, as its oneOf does)."""
    check = _compiled_action_response_check()
    try:
        check.response(result)
        for event in result.get("events") or ():
            check.events[event["event"]](event)
    except (fastjsonschema.JsonSchemaException, KeyError, TypeError):
        return False
    return True


def _checking_responses(original: Callable[..., Any]) -> Callable[..., Any]:
    _compiled_action_response_check()  # Rasa's schema no longer shaped as expected: say so now
    return validate_action_result


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


@dataclass
class AppliedEvents:
    """What `applied_events()` gave for a tracker's events, and what it was worked out from."""

    events: Any  # the tracker's deque
    length: int
    last: Any  # the last event, compared by identity
    loop_names: frozenset[str]
    applied: list[Any]


def _loop_names(events: Any) -> frozenset[str]:
    return frozenset(event.name for event in events
                     if isinstance(event, ActiveLoop) and event.name)


def fold_applied(tracker: Any, loop_names: frozenset[str], applied: list[Any],
                 events: Any) -> list[Any]:
    """The loop of Rasa's `applied_events()`, carried on from `applied` over more events."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name,
                                                                    applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def _carried_on(kept: AppliedEvents | None, tracker: Any) -> list[Any] | None:
    """The applied events from the kept ones and the events added since, when the kept ones
    are a start of them (the same deque, grown, no loop named for the first time)."""
    events = tracker.events
    if kept is None or kept.events is not events or len(events) < kept.length:
        return None
    if kept.length and events[kept.length - 1] is not kept.last:
        return None
    if len(events) == kept.length:
        return list(kept.applied)
    added = list(itertools.islice(events, kept.length, None))
    if not _loop_names(added) <= kept.loop_names:
        return None  # Rasa reads an earlier step of a loop named later differently
    return fold_applied(tracker, kept.loop_names, list(kept.applied), added)


def remember_applied_events(original: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    """DialogueStateTracker.applied_events, carried on from the last answer over the events
    added since, and worked out anew by Rasa after any other change."""

    def applied_events(self: Any) -> list[Any]:
        events = self.events
        result = _carried_on(self.__dict__.get(APPLIED), self)
        if result is None:
            result = original(self)
        self.__dict__[APPLIED] = AppliedEvents(events, len(events),
                                               events[-1] if events else None,
                                               _loop_names(events), list(result))
        return result

    applied_events.__wrapped__ = original  # type: ignore[attr-defined]
    return applied_events


PAST_STATES = "_past_states_memo"


@dataclass
class StatesReplay:
    """A replay of a tracker's applied events for its past states, stopped at the end of them:
    the states before the final one, and the loop's two carried values at that point."""

    domain: Any
    rule_only_data: Any
    replay: Any  # a tracker that has applied `events`
    events: list[Any] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    last_ml_action: Any = None
    turn_was_hidden: bool = False


def _extends(applied: list[Any], replayed: list[Any]) -> bool:
    """The applied events start with the very events already replayed."""
    return len(applied) >= len(replayed) and all(
        new is old for new, old in zip(applied, replayed, strict=False))


def _copy_slot(slot: Any) -> Any:
    """copy.copy(slot), without its generic machinery (Slot has no __slots__ or __copy__)."""
    copied = object.__new__(type(slot))
    copied.__dict__.update(slot.__dict__)
    return copied


def fresh_replay(tracker: Any) -> Any:
    """`tracker.init_copy()`: most of its time was copy.copy of each of the 59 slots."""
    if type(tracker.slots) is not dict:  # an AnySlotDict: Rasa's own
        return tracker.init_copy()
    replay = DialogueStateTracker(tracker.sender_id or DEFAULT_SENDER_ID, (),
                                  tracker._max_event_history,
                                  is_rule_tracker=tracker.is_rule_tracker)
    replay.slots = {slot.name: _copy_slot(slot) for slot in tracker.slots.values()}
    replay._reset_slots()
    return replay


def _add_state(domain: Any, run: StatesReplay, tracker: Any, hide_rule_turn: bool,
               omit_unset_slots: bool, ignore_rule_only_turns: bool) -> None:
    """The body of the loop in Rasa's `Domain.states_for_tracker_history`, for one tracker."""
    if ignore_rule_only_turns:
        if not run.turn_was_hidden:
            run.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and \
                tracker.latest_action_name != tracker.active_loop_name:
            run.turn_was_hidden = hide_rule_turn
        if run.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, run.rule_only_data)
        if run.states:
            domain._substitute_rule_only_user_input(state, run.states[-1])
        if run.last_ml_action:
            state[PREVIOUS_ACTION] = run.last_ml_action
    run.states.append(domain._clean_state(state))


def _caller_copy(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """States a caller may edit (RulePolicy deletes keys of their sub-states)."""
    return [{name: dict(sub_state) if isinstance(sub_state, dict) else sub_state
             for name, sub_state in state.items()} for state in states]


def resume_past_states(original: Resolve) -> Resolve:
    """Domain.states_for_tracker_history, resuming the tracker's last replay when it can."""

    def states_for_tracker_history(self: Any, tracker: Any, omit_unset_slots: bool = False,
                                   ignore_rule_only_turns: bool = False,
                                   rule_only_data: dict[str, Any] | None = None,
                                   ) -> list[dict[str, Any]]:
        if tracker.is_rule_tracker:  # training: thousands of trackers, each used once
            return original(self, tracker, omit_unset_slots, ignore_rule_only_turns,
                            rule_only_data)
        data = rule_only_data if ignore_rule_only_turns else None  # unread otherwise
        runs = tracker.__dict__.setdefault(PAST_STATES, {})
        key = (id(self), omit_unset_slots, ignore_rule_only_turns)
        applied = tracker.applied_events()
        run = runs.get(key)
        if run is None or run.domain is not self or run.rule_only_data != data \
                or not _extends(applied, run.events):
            run = runs[key] = StatesReplay(self, deepcopy(data), fresh_replay(tracker))
        options = (omit_unset_slots, ignore_rule_only_turns)
        for event in applied[len(run.events):]:
            if isinstance(event, ActionExecuted):
                _add_state(self, run, run.replay, event.hide_rule_turn, *options)
            run.replay.update(event)
        run.events = applied
        kept = (len(run.states), run.last_ml_action, run.turn_was_hidden)
        _add_state(self, run, run.replay, False, *options)  # the state after every event
        states = _caller_copy(run.states)
        del run.states[kept[0]:]
        run.last_ml_action, run.turn_was_hidden = kept[1], kept[2]
        return states

    states_for_tracker_history.__wrapped__ = original  # type: ignore[attr-defined]
    return states_for_tracker_history


PATCHES = (
    Patch(
        name="action-response-validator",
        module="rasa.core.actions.action", attribute="RemoteAction._validate_action_result",
        why="the schema of action-server responses was re-checked on every call (1/3 of CPU)",
        make=_checking_responses,
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
               f"{SPEED_TESTS}::test_applied_events_are_worked_out_once_per_change",
               f"{SPEED_TESTS}::test_a_loop_named_after_its_steps_changes_the_applied_events"),
    ),
    Patch(
        name="past-states-replay",
        module="rasa.shared.core.domain", attribute="Domain.states_for_tracker_history",
        why="RulePolicy replayed the whole conversation twice a prediction (15% of CPU)",
        make=resume_past_states,
        tests=(f"{SPEED_TESTS}::test_past_states_are_rasas_after_every_event",
               f"{SPEED_TESTS}::test_past_states_resume_the_last_replay",
               f"{SPEED_TESTS}::test_a_fresh_replay_is_rasas_init_copy"),
    ),
)
