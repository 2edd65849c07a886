"""Yes / no answers (bot/parsing/yes_no.py): phrasings that must and must not match."""

from __future__ import annotations

import pytest

from bot.parsing import (
    parse_yes_no,
)
from bot.values import UNKNOWN

YES = [
    "yes",
    "Yes",
    "YES!!!",
    "yes.",
    "yeah",
    "yep",
    "yup",
    "y",
    "Y",
    "sure",
    "correct",
    "ok",
    "okay",
    "of course",
    "i have",
    "I did",
    "he has",
    "she did",
    "yes he has",
    "Yes, I have",
    "I've had it",
    "i think so",
    "yess",
    "yesss",
    "yeahh",
    "<b>yes</b>",
    "👍",
    "是",
    "是的",
    "有",
    "对",
    "用过",
]
NO = [
    "no",
    "No",
    "nope",
    "nah",
    "n",
    "never",
    "not at all",
    "I haven't",
    "she hasn't",
    "none",
    "no, never",
    "No I haven't",
    "he did not",
    "I have never had it",
    "i have not",
    "I don't think so",
    "not really",
    "noo",
    "nooo",
    "absolutely not",
    "does not apply",
    "不是",
    "没有",
    "否",
    "无",
    "没有用过",
]
DONT_KNOW = [
    "not sure",
    "Not sure",
    "I'm not sure",
    "dunno",
    "idk",
    "I don't know",
    "i dont know",
    "no idea",
    "can't remember",
    "maybe",
    "prefer not to say",
    "Prefer not to say",
    "rather not say",
    "I'd rather not say",
    "skip",
    "unsure",
    "no, not sure",
    "不知道",
    "不清楚",
    "不确定",
]
UNCLEAR = ["yes and no", "hello", "banana", "what do you mean", "", "   ", "🙂", "42"]


@pytest.mark.parametrize("text", YES)
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", DONT_KNOW)
def test_dont_know_is_unknown_never_no(text):
    assert parse_yes_no(text) == UNKNOWN


@pytest.mark.parametrize("text", UNCLEAR)
def test_yes_no_unclear_is_none(text):
    assert parse_yes_no(text) is None
