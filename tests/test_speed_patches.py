"""The graph-run and applied-events speed patches (rasa_extensions/patches/speed.py) give what
Rasa's own functions give: on the trained model's NLU and policy graphs, and on every prefix
of the test stories' conversations."""

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
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUtteranceReverted
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

    def counted(tracker):
        calls.append(len(tracker.events))
        return [event for event in tracker.events]

    remembered = speed.remember_applied_events(counted)
    tracker = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen")])
    first = remembered(tracker)
    first.append("changed by a caller")
    assert remembered(tracker) == [ActionExecuted("action_listen")] and calls == [1]
    tracker.update(ActionExecuted("action_listen"))
    assert len(remembered(tracker)) == 2 and calls == [1, 2]
