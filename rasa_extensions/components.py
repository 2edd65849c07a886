"""NLU pipeline components of the project (config.yml names them by this module's path).

`LogisticRegressionIntentClassifier` is Rasa's `LogisticRegressionClassifier` (which replaced
DIET, issue 14: it trains in seconds instead of minutes, answers in about a millisecond and
keeps TensorFlow out of the Rasa server) made safe for a message with no features. Rasa's
raises on an empty or blank text (no tokens, so fewer features than it was trained on) and
the patient got no reply at all. Such a message now gets no intent with confidence 0, so the
FallbackClassifier after it marks it `nlu_fallback` as it does any unclear message.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

NO_INTENT = {"name": None, "confidence": 0.0}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """Rasa's logistic-regression intent classifier; a message without the features it was
    trained on gets no intent instead of an exception."""

    def process(self, messages: list[Message]) -> list[Message]:
        complete = [message for message in messages if self._has_all_features(message)]
        if complete:
            super().process(complete)
        for message in messages:
            if not self._has_all_features(message):
                message.set(INTENT, dict(NO_INTENT), add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages

    def _has_all_features(self, message: Message) -> bool:
        """A blank text has no count features, and some featurisers then add none at all:
        the row is narrower than the model's input (or empty)."""
        expected = getattr(self.clf, "n_features_in_", None)
        width = self._create_X([message]).shape[1]
        return width > 0 and (expected is None or width == expected)
