"""Static checks on the NLU training data (data/nlu/) and the held-out test set (tests/nlu/).

Cheap YAML checks only; the model itself is evaluated with
`rasa test nlu --nlu tests/nlu/test_nlu.yml` against a model trained on data/nlu/.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TRAIN_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml"))
TEST_FILE = ROOT / "tests" / "nlu" / "test_nlu.yml"

INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "dont_know",
    "for_self", "for_child", "for_other", "inform",
    "ask_why", "change_answer", "restart", "stop", "continue",
    "human_handoff", "delete_data", "urgent_help", "self_harm",
    "faq_sbrt", "faq_cardunilizumab", "faq_penpulimab", "faq_gemcitabine",
    "faq_immunotherapy", "faq_metastasectomy", "faq_clinical_trial", "faq_location",
    "faq_duration", "faq_cost", "faq_privacy", "faq_bot", "faq_status",
    "out_of_scope", "switch_language",
}  # fmt: skip
MIN_TRAIN = {"inform": 80, "affirm": 30, "deny": 30, "dont_know": 30}


def normalize(text: str) -> str:
    """Lowercase, drop punctuation (keeping letters, digits and CJK), collapse spaces."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def load_examples(paths: list[Path]) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["version"] == "3.1", path
        for block in data["nlu"]:
            lines = block["examples"].splitlines()
            examples[block["intent"]] += [ln.strip()[2:].strip() for ln in lines if ln.strip()]
    return examples


@pytest.fixture(scope="module")
def train() -> dict[str, list[str]]:
    return load_examples(TRAIN_FILES)


@pytest.fixture(scope="module")
def test() -> dict[str, list[str]]:
    return load_examples([TEST_FILE])


def test_every_intent_is_trained_and_tested(train, test):
    assert set(train) == INTENTS
    assert set(test) == INTENTS


def test_enough_training_examples(train):
    for intent, items in train.items():
        assert len(items) >= MIN_TRAIN.get(intent, 15), intent


ENTITIES = {"drug", "sarcoma_type", "number"}


def test_entity_annotations_use_known_entities_on_inform_only(train):
    """Entities are weak labels from the lookup tables, on 'inform' examples only."""
    for intent, items in train.items():
        for text in items:
            found = re.findall(r"\]\((\w+)\)|\]\{\"entity\": \"(\w+)\"", text)
            names = {a or b for a, b in found}
            assert names <= ENTITIES, (intent, text)
            assert intent == "inform" or not names, (intent, text)


def test_no_example_under_two_intents(train):
    seen: dict[str, str] = {}
    for intent, items in train.items():
        for text in items:
            key = normalize(text)
            assert seen.setdefault(key, intent) == intent, (text, seen[key], intent)


def test_held_out_set_is_not_in_training(train, test):
    trained = {normalize(text) for items in train.values() for text in items}
    leaked = [text for items in test.values() for text in items if normalize(text) in trained]
    assert not leaked
