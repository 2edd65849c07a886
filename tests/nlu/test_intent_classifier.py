"""The intent classifier (rasa_extensions/components.py) on messages with and without
features: Rasa's logistic regression raised on an empty text, and the patient got no reply."""

from __future__ import annotations

import asyncio
from functools import cache

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
