"""The speed patches (rasa_extensions/patches/speed.py: graph runs, applied events, past
states, action responses) give what Rasa's own functions give: on the trained model's NLU and
policy graphs, and on every prefix of the test stories' conversations."""

from __future__ import annotations

import inspect
from functools import cache
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels import UserMessage
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph

from devkit.servers import MODEL
from rasa_extensions.patches import core, speed

ROOT = Path(__file__).resolve().parent.parent


def rasas(owner: type, name: str, patch: str):
    """Rasa's own function, also when this process installed the patch."""
    if patch in core.installed():
        return core._installed[patch][2]
    return inspect.getattr_static(owner, name)


@cache
def agent() -> Agent:
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: run `make model` (make test does it)")
    return Agent.load(model_path=str(MODEL))


@cache
def story_trackers() -> tuple[DialogueStateTracker, ...]:
    domain = Domain.load(str(ROOT / "domain.yml"))
    steps = YAMLStoryReader(domain).read_from_file(ROOT / "tests/stories/test_stories.yml")
    generator = TrainingDataGenerator(StoryGraph(steps), domain, augmentation_factor=0,
                                      remove_duplicates=False)
    return tuple(generator.generate_story_trackers())


def prefixes(tracker: DialogueStateTracker):
    """The conversation after each of its events, as a tracker of its own."""
    events = list(tracker.events)
    for end in range(1, len(events) + 1):
        yield DialogueStateTracker.from_events(tracker.sender_id, events[:end],
                                               slots=tracker.slots.values())


def parsed(message) -> dict:
    """What the NLU graph made of a message, without its token objects."""
    return {key: value for key, value in message.as_dict_nlu().items() if key != "text_tokens"}


TEXTS = ["I'm 52 with leiomyosarcoma, had doxorubicin", "我52岁，平滑肌肉瘤", "not sure",
         "", "stop", "what is this study about?", "yes", "没有"]


def test_the_graphs_run_in_order_give_what_dask_gives():
    processor = agent().processor
    runner = processor.graph_runner
    dask_run = rasas(DaskGraphRunner, "run", "graph-run-order")
    nlu = [processor.model_metadata.nlu_target]
    messages = [UserMessage(text, message_id=str(i)) for i, text in enumerate(TEXTS)]
    ours = speed.run_graph_in_order(runner, {"__message__": messages}, nlu)
    theirs = dask_run(runner, {"__message__": messages}, nlu)
    assert ours.keys() == theirs.keys() == set(nlu)
    assert [parsed(m) for m in ours[nlu[0]]] == [parsed(m) for m in theirs[nlu[0]]]
    assert {m.get("intent")["name"] for m in ours[nlu[0]]} > {"nlu_fallback"}

    core_target = [processor.model_metadata.core_target]
    compared = 0
    for story in story_trackers()[:6]:
        for tracker in prefixes(story):
            if not isinstance(tracker.events[-1], ActionExecuted):
                continue
            ours = speed.run_graph_in_order(runner, {"__tracker__": tracker}, core_target)
            theirs = dask_run(runner, {"__tracker__": tracker}, core_target)
            a, b = ours[core_target[0]], theirs[core_target[0]]
            assert (a.probabilities, a.policy_name, a.events) == \
                   (b.probabilities, b.policy_name, b.events)
            compared += 1
    assert compared > 20


def test_a_graph_input_named_like_a_node_is_refused():
    runner = agent().processor.graph_runner
    target = [agent().processor.model_metadata.nlu_target]
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        speed.run_graph_in_order(runner, {"__message__": "nlu_message_converter"}, target)


def test_applied_events_are_rasas_after_every_event():
    original = rasas(DialogueStateTracker, "applied_events", "applied-events-memo")
    remembered = speed.remember_applied_events(original)
    checked = 0
    for story in story_trackers():
        tracker = DialogueStateTracker.from_events(story.sender_id, [],
                                                   slots=story.slots.values())
        for event in [*story.events, UserUtteranceReverted(), SlotSet("consent", True)]:
            remembered(tracker)  # kept from before the event
            tracker.update(event)
            assert remembered(tracker) == original(tracker)
            checked += 1
        tracker.events = type(tracker.events)(list(tracker.events)[:3])  # a new deque
        assert remembered(tracker) == original(tracker)
    assert checked > 100


def test_applied_events_are_worked_out_once_per_change():
    calls = []
    original = rasas(DialogueStateTracker, "applied_events", "applied-events-memo")

    def counted(tracker):
        calls.append(len(tracker.events))
        return original(tracker)

    remembered = speed.remember_applied_events(counted)
    tracker = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen")])
    first = remembered(tracker)
    first.append("changed by a caller")
    assert remembered(tracker) == [ActionExecuted("action_listen")] and calls == [1]
    tracker.update(ActionExecuted("action_listen"))  # carried on, not worked out anew
    assert len(remembered(tracker)) == 2 and calls == [1]
    tracker.update(ActiveLoop("screening_form"))  # a loop named for the first time
    assert remembered(tracker) == original(tracker) and calls == [1, 3]
    tracker.events = type(tracker.events)(list(tracker.events))  # another deque
    assert remembered(tracker) == original(tracker) and calls == [1, 3, 3]


def test_a_loop_named_after_its_steps_changes_the_applied_events():
    """Rasa reads a loop's earlier steps differently once the loop is named: carrying on over
    the new events alone would keep steps that Rasa drops."""
    remembered = speed.remember_applied_events(
        rasas(DialogueStateTracker, "applied_events", "applied-events-memo"))
    steps = [ActionExecuted("action_listen"), UserUttered("hi"),
             ActionExecuted("screening_form"), ActionExecuted("action_listen"),
             UserUttered("52"), ActionExecuted("screening_form")]
    tracker = DialogueStateTracker.from_events("s", steps)
    assert len(remembered(tracker)) == len(steps)
    tracker.update(ActiveLoop("screening_form"))
    rasa_answer = DialogueStateTracker.from_events("t", [*steps, ActiveLoop("screening_form")])
    assert remembered(tracker) == rasa_answer.applied_events()
    assert len(rasa_answer.applied_events()) < len(steps) + 1


# Every property name and event name in Rasa's action-response schema
# (rasa/shared/utils/schemas/events.py), so that generated responses reach its every branch.
SCHEMA_KEYS = ("action_text", "all_retrieval_intents", "confidence", "end", "entity", "event",
               "extractor", "group", "hide_rule_turn", "id", "input_channel", "intent",
               "intent_ranking", "intent_response_key", "message_id", "metadata", "name",
               "parse_data", "policy", "ranking", "response", "response_selector",
               "response_templates", "responses", "role", "start", "template_name", "text",
               "timestamp", "utter_action", "value", "entities", "events", "x/y", "")
EVENT_NAMES = ("action", "action_execution_rejected", "active_loop", "agent", "bot",
               "cancel_reminder", "entities", "export", "followup", "form", "form_validation",
               "loop_interrupted", "pause", "reminder", "reset_slots", "restart", "resume",
               "rewind", "session_started", "slot", "undo", "user", "user_featurization",
               "unknown")


def json_values():
    from hypothesis import strategies as st

    scalars = (st.none() | st.booleans() | st.integers(-3, 3)
               | st.floats(allow_nan=False, allow_infinity=False, width=32)
               | st.sampled_from(EVENT_NAMES) | st.text(max_size=3))
    return st.recursive(scalars, lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(SCHEMA_KEYS), inner, max_size=5)), max_leaves=12)


def action_responses():
    """Responses shaped like the action server's, wrong in any place or not at all."""
    from hypothesis import strategies as st

    event = st.builds(lambda name, fields: {"event": name, **fields},
                      st.sampled_from(EVENT_NAMES),
                      st.dictionaries(st.sampled_from(SCHEMA_KEYS), json_values(), max_size=4))
    response = st.fixed_dictionaries({}, optional={
        "events": st.lists(event | json_values(), max_size=4) | json_values(),
        "responses": st.lists(st.dictionaries(st.sampled_from(SCHEMA_KEYS), json_values(),
                                              max_size=2), max_size=2) | json_values(),
    })
    return response | json_values()


def test_the_compiled_response_check_gives_jsonschemas_verdict():
    """fastjsonschema passes exactly the responses jsonschema passes, and changes none."""
    import copy

    from hypothesis import given, settings

    rasa_check = speed._action_response_validator()

    @settings(max_examples=1500, deadline=None, derandomize=True)
    @given(action_responses())
    def same_verdict(response):
        before = copy.deepcopy(response)
        assert speed.passes_compiled_check(response) is rasa_check.is_valid(response)
        assert response == before

    same_verdict()


def test_real_action_responses_pass_the_compiled_check():
    """What the action server sends each turn passes without jsonschema being asked."""
    response = {"events": [
        {"event": "slot", "timestamp": None, "name": "age", "value": 52},
        {"event": "bot", "timestamp": None, "text": "Has it spread?", "data": {}, "metadata": {}},
        {"event": "active_loop", "timestamp": None, "name": "screening_form"},
        {"event": "action", "timestamp": None, "name": "action_listen", "policy": None,
         "confidence": 1.0, "action_text": None, "hide_rule_turn": False}],
        "responses": [{"text": "Has it spread?", "buttons": []}]}
    assert speed.passes_compiled_check(response)
    assert not speed.passes_compiled_check({"events": [{"event": "slot", "name": 5}]})


def test_the_response_check_refuses_a_schema_whose_names_do_not_pick_one_alternative():
    """Two alternatives of one name would make the check by name wrong: install says so."""
    import copy

    import pytest
    from rasa.core.actions.action import RemoteAction

    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    _, by_name = speed._event_alternatives(schema)
    assert "slot" in by_name and len(by_name) == len(schema["properties"]["events"]["items"]
                                                      ["oneOf"])
    alternatives = schema["properties"]["events"]["items"]["oneOf"]
    alternatives.append(copy.deepcopy(alternatives[0]))
    with pytest.raises(RuntimeError, match="no longer picks one alternative"):
        speed._event_alternatives(schema)


RULE_ONLY = {"rule_only_slots": ["consent"], "rule_only_loops": ["screening_form"]}


def past_states_options():
    yield {}
    yield {"omit_unset_slots": True}
    yield {"ignore_rule_only_turns": True, "rule_only_data": RULE_ONLY}


def test_past_states_are_rasas_after_every_event():
    original = rasas(Domain, "states_for_tracker_history", "past-states-replay")
    resumed = speed.resume_past_states(original)
    domain = Domain.load(str(ROOT / "domain.yml"))
    checked = 0
    for story in story_trackers():
        tracker = DialogueStateTracker.from_events(story.sender_id, [],
                                                   slots=story.slots.values())
        for event in [*story.events, UserUtteranceReverted(), SlotSet("consent", True),
                      ActionExecuted("action_listen", hide_rule_turn=True)]:
            tracker.update(event)
            for options in past_states_options():
                ours = resumed(domain, tracker, **options)
                assert ours == original(domain, tracker, **options)
                if ours and ours[-1]:
                    next(iter(ours[-1].values())).clear()  # a caller's edit stays its own
            checked += 1
        tracker.events = type(tracker.events)(list(tracker.events)[:3])  # a new deque
        assert resumed(domain, tracker) == original(domain, tracker)
    assert checked > 100


def test_past_states_resume_the_last_replay():
    domain = Domain.load(str(ROOT / "domain.yml"))
    original = rasas(Domain, "states_for_tracker_history", "past-states-replay")
    resumed = speed.resume_past_states(original)
    story = max(story_trackers(), key=lambda tracker: len(tracker.events))
    tracker = DialogueStateTracker.from_events(story.sender_id, list(story.events)[:-2],
                                               slots=story.slots.values())
    resumed(domain, tracker)
    run = tracker.__dict__[speed.PAST_STATES][(id(domain), False, False)]
    replay = run.replay
    for event in list(story.events)[-2:]:
        tracker.update(event)
    assert resumed(domain, tracker) == original(domain, tracker)
    assert run.replay is replay and len(run.events) == len(tracker.applied_events())
    tracker.update(UserUtteranceReverted())  # applied events shrink: replayed from the start
    assert resumed(domain, tracker) == original(domain, tracker)
    assert tracker.__dict__[speed.PAST_STATES][(id(domain), False, False)].replay \
        is not replay


def test_a_fresh_replay_is_rasas_init_copy():
    filled = 0
    for story in story_trackers():
        tracker = DialogueStateTracker.from_events(story.sender_id,
                                                   [*story.events, SlotSet("consent", True)],
                                                   slots=story.slots.values())
        ours, theirs = speed.fresh_replay(tracker), tracker.init_copy()
        assert ours.current_state() == theirs.current_state()
        assert ours.slots.keys() == theirs.slots.keys() == tracker.slots.keys()
        for name, slot in ours.slots.items():
            assert type(slot) is type(theirs.slots[name])
            assert vars(slot) == vars(theirs.slots[name])
            assert slot is not tracker.slots[name]
        filled += any(slot.value != slot.initial_value for slot in tracker.slots.values())
        assert (ours._max_event_history, ours.is_rule_tracker, ours.sender_id) == \
               (theirs._max_event_history, theirs.is_rule_tracker, theirs.sender_id)
    assert filled == len(story_trackers())  # copies start from initial values
