"""Text clean-up, the vocabulary and numbers (bot/parsing/text.py)."""

from __future__ import annotations

import pytest

from bot import parsing
from bot.parsing import (
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", 45),
        ("forty-five", 45),
        ("forty five", 45),
        ("six and a half", 6.5),
        ("twelve", 12),
        ("one hundred and five", 105),
        ("a hundred", 100),
        ("6.5 years", 6.5),
        ("twenty one", 21),
        ("zero", 0),
        ("四十五", 45),
        ("十二", 12),
        ("nothing here", None),
        ("", None),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_vocabulary_rejects_yaml_booleans():
    with pytest.raises(ValueError, match="quoted string"):
        parsing.text._check_strings({"yes_no": {"no": ["nope", False]}})
