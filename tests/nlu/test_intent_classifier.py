"""The intent classifier (rasa_extensions/components.py) on messages with and without
features: Rasa's logistic regression raised on an empty text, and the patient got no reply."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels import UserMessage

from devkit.servers import MODEL


@cache
def agent() -> Agent:
    return Agent.load(model_path=str(MODEL))


def parse(text: str) -> dict:
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: run `make model` (make test does it)")
    return asyncio.run(agent().processor.parse_message(UserMessage(text)))


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_a_message_without_words_is_unclear_not_an_error(text):
    assert parse(text)["intent"]["name"] == "nlu_fallback"


def test_a_message_with_words_is_classified():
    parsed = parse("thank you so much")
    assert parsed["intent"]["name"] == "thanks" and parsed["intent"]["confidence"] > 0.4


def _held_out_texts() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    texts = []
    for name in ("test_nlu.yml", "test_nlu_zh.yml"):
        data = load_data(str(Path(__file__).parent / name))
        texts += [example.get("text") for example in data.intent_examples]
    return texts


def test_the_input_row_is_the_one_rasa_builds_for_every_held_out_phrasing():
    """The component builds a message's row from its sentence features alone; Rasa's
    `_create_X` from all of them. On every held-out phrasing (and a blank one) both agree."""
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )
    from rasa.shared.nlu.training_data.message import Message

    from rasa_extensions.components import sentence_row

    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: run `make model` (make test does it)")
    texts = [*_held_out_texts(), "", "ok"]
    assert len(texts) > 200
    featurised = agent().processor.graph_runner.run(
        inputs={"__message__": [UserMessage(text) for text in texts]},
        targets=["run_CountVectorsFeaturizer4"],
    )["run_CountVectorsFeaturizer4"]
    assert len(featurised) == len(texts)
    assert all(sentence_row(message).nnz > 0 for message in featurised[:-2])
    for message in featurised:
        assert isinstance(message, Message)
        ours = sentence_row(message)
        rasas = LogisticRegressionClassifier._create_X(None, [message])
        assert ours.shape == rasas.shape and (ours != rasas).nnz == 0, message.get("text")


def test_the_column_major_weights_give_the_same_probabilities_to_the_last_bit():
    """components.column_major changes only how `coef_` is laid out in memory."""
    import numpy as np
    from scipy.sparse import random as sparse_random
    from sklearn.linear_model import LogisticRegression

    from rasa_extensions.components import column_major

    rows = sparse_random(60, 400, density=0.05, format="csr", random_state=3)
    labels = np.arange(60) % 5
    clf = LogisticRegression(max_iter=300).fit(rows, labels)
    before = clf.predict_proba(rows)
    assert not clf.coef_.flags.f_contiguous  # a view of the solver's parameters, or row-major
    column_major(clf)
    assert clf.coef_.flags.f_contiguous and clf.coef_.T.flags.c_contiguous
    assert np.array_equal(clf.predict_proba(rows), before)


def test_the_loaded_model_classifies_with_column_major_weights():
    parse("thank you so much")
    from rasa_extensions.components import LogisticRegressionIntentClassifier

    nodes = agent().processor.graph_runner._instantiated_nodes.values()
    classifiers = [node._component for node in nodes
                   if isinstance(node._component, LogisticRegressionIntentClassifier)]
    assert len(classifiers) == 1
    assert classifiers[0].clf.coef_.flags.f_contiguous
