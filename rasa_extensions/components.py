"""NLU pipeline components of the project (config.yml names them by this module's path).

`LogisticRegressionIntentClassifier` is Rasa's `LogisticRegressionClassifier` (which replaced
DIET, issue 14: it trains in seconds instead of minutes, answers in about a millisecond and
keeps TensorFlow out of the Rasa server) made safe for a message with no features, and built
so a message's input row is made once.

- Rasa's raises on an empty or blank text (no tokens, so fewer features than it was trained
  on) and the patient got no reply at all. Such a message now gets no intent with confidence
  0, so the FallbackClassifier after it marks it `nlu_fallback` as it does any unclear message.
- Rasa's builds the row from `Message.get_sparse_features`, which also combines (deep-copies
  and stacks) every token's sequence features that the classifier throws away; checking the
  width first built it twice more. py-spy over typed screenings: 22% of the Rasa server's
  busy time in this component, most of it that. The row here is the message's sentence
  features side by side in the order the featurisers added them, as Rasa's is
  (tests/nlu/test_intent_classifier.py compares the two on every held-out phrasing).
- scikit-learn scores a row as `row @ coef_.T`; with `coef_` stored row-major (as trained and
  loaded), scipy copies the transposed matrix (34 intents x 18,708 features) to row-major on
  every call: 0.37 ms a message, 0.04 ms once `coef_` is kept column-major, with the same
  probabilities to the last bit (the same test compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix, csr_matrix, hstack, issparse, vstack

NO_INTENT = {"name": None, "confidence": 0.0}


def sentence_row(message: Message) -> csr_matrix:
    """The message's text sentence features in one row: sparse ones, then dense ones, each in
    the order the featurisers added them (what Rasa's `_create_X` stacks).

    Each part is one row, so the row is built from the parts' columns and values directly:
    scipy's `hstack` (a block matrix, checked and converted) took 0.43 ms a message, this
    0.06 ms. A part of another shape goes the general way."""
    sentence = [f for f in message.features
                if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    sparse = [f.features for f in sentence if f.is_sparse()]
    dense = [f.features for f in sentence if f.is_dense()]
    if any(part.shape[0] != 1 for part in (*sparse, *dense)):
        return _stacked_row(sparse, dense)
    values, columns, width = [], [], 0
    for part in (*sparse, *dense):
        entries = part.tocoo() if issparse(part) else coo_matrix(part)
        values.append(entries.data)
        columns.append(entries.col + width)
        width += part.shape[1]
    data = np.concatenate(values) if values else np.zeros(0)
    indices = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
    row = csr_matrix((data, indices, np.array([0, len(data)])), shape=(1, width))
    row.sum_duplicates()
    return row


def _stacked_row(sparse: list[Any], dense: list[Any]) -> csr_matrix:
    parts = [csr_matrix(hstack(sparse) if sparse else []),
             csr_matrix(_dense_row(dense) if dense else [])]
    return hstack(parts)


def _dense_row(dense: list[Any]) -> Any:
    return np.concatenate(dense, axis=-1)


def column_major(clf: Any) -> None:
    """Keep a fitted linear model's `coef_` column-major, so `coef_.T` needs no copy."""
    coef = getattr(clf, "coef_", None)
    if coef is not None and not coef.flags.f_contiguous:
        clf.coef_ = np.asfortranarray(coef)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """Rasa's logistic-regression intent classifier; a message without the features it was
    trained on gets no intent instead of an exception."""

    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> LogisticRegressionIntentClassifier:
        """Rasa's load, with the weights laid out for scoring (`column_major`)."""
        component = super().load(*args, **kwargs)
        column_major(component.clf)
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        rows = {id(message): sentence_row(message) for message in messages}
        complete, blank = [], []
        for message in messages:
            (complete if self._fits(rows[id(message)]) else blank).append(message)
        if complete:
            self._rows = rows
            try:
                super().process(complete)
            finally:
                self._rows = {}
        for message in blank:
            message.set(INTENT, dict(NO_INTENT), add_to_output=True)
            message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """The rows `process` built (Rasa's own way for any other caller)."""
        rows: dict[int, csr_matrix] = getattr(self, "_rows", {})
        if rows and all(id(message) in rows for message in messages):
            return vstack([rows[id(message)] for message in messages])
        return super()._create_X(messages)

    def _fits(self, row: csr_matrix) -> bool:
        """A blank text has no count features, and some featurisers then add none at all:
        the row is narrower than the model's input (or empty)."""
        expected = getattr(self.clf, "n_features_in_", None)
        width = row.shape[1]
        return width > 0 and (expected is None or width == expected)
