"""Static checks on the NLU training data (data/nlu/) and the held-out test set (tests/nlu/).

Cheap YAML checks only; the model itself is evaluated on the held-out sets, English and
Chinese apart, by `python -m scripts.evaluate_nlu` against a model trained on data/nlu/.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.values import FAQ_INTENTS

ROOT = Path(__file__).resolve().parents[2]
TRAIN_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml"))
TEST_FILE = ROOT / "tests" / "nlu" / "test_nlu.yml"
TEST_FILE_ZH = ROOT / "tests" / "nlu" / "test_nlu_zh.yml"
# switch_language's examples live in data/nlu/language.yml, with its own entity (the language)
OWN_ENTITIES = {"switch_language"}
CJK = re.compile(r"[\u3400-\u9fff]")

INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "dont_know",
    "for_self", "for_child", "for_other", "inform",
    "ask_why", "change_answer", "restart", "stop", "continue",
    "human_handoff", "delete_data", "urgent_help", "self_harm",
    *FAQ_INTENTS,
    "out_of_scope",
    "switch_language",
}  # fmt: skip
MIN_TRAIN = {"inform": 80, "affirm": 30, "deny": 30, "dont_know": 30}
MIN_TRAIN_ZH = {"inform": 80, "affirm": 25, "deny": 25, "dont_know": 25}


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
            if "intent" not in block:
                continue
            lines = block["examples"].splitlines()
            examples[block["intent"]] += [ln.strip()[2:].strip() for ln in lines if ln.strip()]
    return examples


@pytest.fixture(scope="module")
def train() -> dict[str, list[str]]:
    return load_examples(TRAIN_FILES)


@pytest.fixture(scope="module")
def test() -> dict[str, list[str]]:
    return load_examples([TEST_FILE])


@pytest.fixture(scope="module")
def test_zh() -> dict[str, list[str]]:
    return load_examples([TEST_FILE_ZH])


def chinese(items: list[str]) -> list[str]:
    return [text for text in items if CJK.search(text)]


def test_every_intent_is_trained_and_tested(train, test, test_zh):
    assert set(train) == INTENTS
    assert set(test) == INTENTS
    assert set(test_zh) == INTENTS


def test_enough_training_examples(train):
    for intent in INTENTS:
        assert len(train[intent]) >= MIN_TRAIN.get(intent, 15), intent


def test_enough_chinese_training_examples(train):
    for intent in INTENTS:
        assert len(chinese(train[intent])) >= MIN_TRAIN_ZH.get(intent, 15), intent


def test_held_out_sets_are_one_language_each(test, test_zh):
    """The English figure stays comparable with earlier ones; the Chinese one is all Chinese."""
    assert not [text for items in test.values() for text in chinese(items)]
    assert all(CJK.search(text) for items in test_zh.values() for text in items)


ENTITIES = {"drug", "sarcoma_type", "number"}


def test_entity_annotations_use_known_entities_on_inform_only(train):
    """Entities are weak labels from the lookup tables, on 'inform' examples only."""
    for intent, items in train.items():
        if intent in OWN_ENTITIES:
            continue
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


def test_held_out_sets_are_not_in_training(train, test, test_zh):
    trained = {normalize(text) for items in train.values() for text in items}
    for held_out in (test, test_zh):
        leaked = [t for items in held_out.values() for t in items if normalize(t) in trained]
        assert not leaked


ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(\w+\)|\{[^}]*\})")
NUMBER_WORDS = set(
    yaml.safe_load((ROOT / "bot" / "content" / "vocabulary.yaml").read_text(encoding="utf-8"))
    ["numbers"]["words"]
)


def unlabelled_numbers(text: str) -> list[str]:
    """Number words and 1-3 digit numbers outside any entity annotation in `text`."""
    outside = ANNOTATION.sub(" ", text).lower()
    return [w for w in re.findall(r"[a-z]+|\d+", outside)
            if w in NUMBER_WORDS or re.fullmatch(r"\d{1,3}", w)]


def test_unlabelled_numbers_finds_what_the_convention_labels():
    assert unlabelled_numbers("I'm forty five, had [6](number) cycles") == ["forty", "five"]
    assert unlabelled_numbers("[fifty three](number), born in 1980") == []


def test_inform_examples_label_every_number(train):
    """The CRF learns from these labels: an unlabelled "forty five" next to a labelled
    "[eighty one](number)" taught it that number words are not numbers (entity F1 0.867,
    0.900 once labelled; README "Performance"). English only: the Chinese examples carry no
    entity labels, the parser reads their facts."""
    english = [text for text in train["inform"] if not CJK.search(text)]
    missing = {text: found for text in english if (found := unlabelled_numbers(text))}
    assert not missing
