"""Performance scales (bot/parsing/scales.py): ECOG, Karnofsky and Lansky."""

from __future__ import annotations

import pytest

from bot import parsing
from bot.parsing import (
    parse_ecog,
    parse_lansky,
)
from bot.values import UNKNOWN
from tests.parsing.helpers import TODAY, labels


@pytest.mark.parametrize(("label", "value"), labels("ecog") + labels("ecog", "proxy_values"))
def test_ecog_buttons_round_trip(label, value):
    assert parse_ecog(label, TODAY) == value


@pytest.mark.parametrize(("label", "value"), labels("ecog") + labels("ecog", "proxy_values"))
def test_ecog_descriptions_without_the_label_lookup(label, value, monkeypatch):
    """The phrases alone understand every option, so reworded labels still parse."""
    monkeypatch.setattr(parsing.scales, "label_value", lambda parser, t: None)
    assert parse_ecog(label, TODAY) == value


ECOG = [
    ("ECOG 1", 1),
    ("ecog is 2", 2),
    ("my ECOG score is 0", 0),
    ("ECOG PS: 3", 3),
    ("ecog two", 2),
    ("fully active", 0),
    ("no limits", 0),
    ("I have no limitations", 0),
    ("can do light work", 1),
    ("office work only", 1),
    ("can take care of myself but can't work", 2),
    ("I can't work", 2),
    ("in bed most of the day", 3),
    ("bedridden", 4),
    ("in bed all day", 4),
    ("0", 0),
    ("2", 2),
    ("it's 3", 3),
    ("4", 4),
    ("two", 2),
    ("KPS 80", 1),
    ("karnofsky 100", 0),
    ("Karnofsky score of 60", None),  # ECOG 2 or 3 (issue 11)
    ("KPS 30", 3),
    ("KPS 10", 4),
    ("卧床不起", 4),
    ("ECOG评分1分", 1),
    ("not sure", UNKNOWN),
    ("I don't know", UNKNOWN),
    ("ECOG 0-1", None),
    ("ecog 5", None),
    ("7", None),
    ("KPS 85", None),
    ("hello", None),
    ("I'm not fully active", None),
    ("not in bed most of the day", None),
]


@pytest.mark.parametrize(("text", "expected"), ECOG)
def test_parse_ecog(text, expected):
    assert parse_ecog(text, TODAY) == expected


@pytest.mark.parametrize(("label", "value"), labels("lansky"))
def test_lansky_buttons_round_trip(label, value):
    assert parse_lansky(label, TODAY) == value


@pytest.mark.parametrize(("label", "value"), labels("lansky"))
def test_lansky_descriptions_without_the_label_lookup(label, value, monkeypatch):
    monkeypatch.setattr(parsing.scales, "label_value", lambda parser, t: None)
    assert parse_lansky(label, TODAY) == value


LANSKY = [
    ("lansky 70", 70),
    ("Lansky score of 80", 80),
    ("lansky: 100", 100),
    ("70", 70),
    ("70%", 70),
    ("seventy", 70),
    ("10", 10),
    ("plays normally", 100),
    ("tires more quickly", 80),
    ("he gets tired faster than before", 80),
    ("plays less than usual", 70),
    ("mostly in bed", 40),
    ("sleeps a lot", 20),
    ("doesn't play", 10),
    ("not sure", UNKNOWN),
    ("75", None),
    ("110", None),
    ("0", None),
    ("lansky 60-70", None),
    ("does not play normally", None),
    ("hello", None),
]


@pytest.mark.parametrize(("text", "expected"), LANSKY)
def test_parse_lansky(text, expected):
    assert parse_lansky(text, TODAY) == expected
