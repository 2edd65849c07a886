"""Ages (bot/parsing/age.py): stated ages, words, dates of birth; what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from bot.parsing import (
    parse_age,
)
from bot.values import UNKNOWN
from tests.parsing.helpers import TODAY

AGES = [
    ("45", 45),
    ("I'm 45", 45),
    ("i am 45", 45),
    ("45 years old", 45),
    ("45 years", 45),
    ("forty-five", 45),
    ("forty five", 45),
    ("he is twelve", 12),
    ("she's 14", 14),
    ("12 yo", 12),
    ("12yo", 12),
    ("a 52-year-old", 52),
    ("my son is 12", 12),
    ("born in 1980", 46),
    ("born 1980", 46),
    ("I was born in 2010", 16),
    ("born 3 March 1980", 46),
    ("born 30 December 1980", 45),
    ("1980-03-03", 46),
    ("1980-12-30", 45),
    ("DOB 25/12/1980", 45),
    ("born March 3rd, 1980", 46),
    ("born in March 1980", 46),
    ("born in November 1980", 45),
    ("1980年3月3日出生", 46),
    ("18 months", 1),
    ("6 months old", 0),
    ("six and a half", 6),
    ("about 60", 60),
    ("45岁", 45),
    ("四十五岁", 45),
    ("我今年45岁", 45),
    ("zero", 0),
    ("120", 120),
    ("I was diagnosed at 40, now I'm 45", 45),
]


@pytest.mark.parametrize(("text", "expected"), AGES)
def test_parse_age(text, expected):
    assert parse_age(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1980",
        "150",
        "121",
        "-5",
        "hello",
        "",
        "45 or 46",
        "he was 10 when diagnosed",
        "in my forties",
        "3 cycles and 2 scans",
        "born 2030",
    ],
)
def test_parse_age_rejects(text):
    assert parse_age(text, TODAY) is None


@pytest.mark.parametrize("text", ["not sure", "I don't know", "prefer not to say"])
def test_parse_age_unknown(text):
    assert parse_age(text, TODAY) == UNKNOWN


def test_parse_age_defaults_to_today():
    assert parse_age("born in 1990") == date.today().year - 1990
