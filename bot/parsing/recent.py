"""Questions about the past N days ("a heart attack 3 months ago", "yes, 2 weeks ago").

The times an answer names become spans of days ago, compared with the fact's `window_days`;
the events named (and look-alikes the question does not ask about, such as a flu shot for the
live-vaccine question) come from vocabulary `recent_events` / `recent_unlike`. Time words are
English and Chinese (天, 周, 个月, 以前 ...).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.parsing.clauses import Clauses
from bot.parsing.phrases import Matcher, is_unknown
from bot.parsing.text import PUNCT, text_forms, vocab
from bot.parsing.yes_no import parse_yes_no
from bot.values import UNKNOWN

if TYPE_CHECKING:  # bot.catalog imports this package to check parser names
    from bot.catalog import Fact


#: Days per unit, and how far either way a stated number of that unit may be off.
_UNITS = {"day": (1, 0), "week": (7, 3), "month": (30, 15), "year": (365, 180)}
_UNIT_WORDS = {
    "day": "day|days|天",
    "week": "week|weeks|wk|wks|周|星期|个星期",
    "month": "month|months|mo|mos|个月|月",
    "year": "year|years|yr|yrs|年",
}
_FEW = {
    "a few": (2, 5),
    "few": (2, 5),
    "several": (2, 6),
    "a couple of": (2, 2),
    "couple of": (2, 2),
    "a": (1, 1),
    "an": (1, 1),
    "one": (1, 1),
}
_NAMED_TIMES = {  # (fewest, most) days ago
    "today": (0, 0),
    "this morning": (0, 0),
    "yesterday": (1, 1),
    "this week": (0, 7),
    "last week": (3, 14),
    "this month": (0, 31),
    "last month": (15, 62),
    "last year": (1, 730),
    "今天": (0, 0),
    "昨天": (1, 1),
    "这周": (0, 7),
    "上周": (3, 14),
    "这个月": (0, 31),
    "上个月": (15, 62),
    "去年": (1, 730),
    "半个月前": (10, 20),
    "半年前": (150, 215),
    "最近": (0, 14),
}
Span = tuple[float, float]


@lru_cache(maxsize=1)
def _duration_regex() -> re.Pattern[str]:
    units = "|".join(f"(?P<{unit}>{words})" for unit, words in _UNIT_WORDS.items())
    amount = r"(?P<n>\d+(?:\.\d+)?|" + "|".join(sorted(_FEW, key=len, reverse=True)) + ")"
    bound = r"(?:(?P<over>over|more than|longer than)|(?P<under>under|less than))?\s*"
    return re.compile(
        rf"(?<![\w]){bound}{amount}\s*(?:{units})\s*(?:ago|before|back|earlier|以前|之前|前)"
    )


def durations(text: str) -> list[Span]:
    """How many days ago each time an answer names lies, as (fewest, most) days."""
    t = text_forms(text)
    spans: list[Span] = []
    for m in _duration_regex().finditer(t.digits):
        unit = next(u for u in _UNITS if m.group(u))
        days, slack = _UNITS[unit]
        low, high = (float(m["n"]),) * 2 if m["n"][0].isdigit() else _FEW[m["n"]]
        span = (low * days - slack, high * days + slack)
        if m["over"]:
            span = (low * days, float("inf"))
        elif m["under"]:
            span = (0.0, high * days)
        spans.append((max(span[0], 0.0), span[1]))
    for phrase, (low, high) in _NAMED_TIMES.items():
        if re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", t.low) or (
            not phrase.isascii() and phrase in t.low
        ):
            spans.append((float(low), float(high)))
    return spans


@lru_cache(maxsize=1)
def _events() -> dict[str, Matcher]:
    """Per fact, the words naming what its question asks about (a heart attack, a vaccine),
    and under NOT_ASKED what it does not ask about though it sounds alike (a flu shot is not a
    live vaccine)."""
    unlike = vocab().get("recent_unlike") or {}
    return {
        name: Matcher({name: phrases, NOT_ASKED: unlike.get(name) or []})
        for name, phrases in vocab()["recent_events"].items()
    }


NOT_ASKED = "_not_asked"


def recent_evidence(fact: Fact, text: str, today: date | None = None) -> bool | str | None:
    """A question about the past `window_days` from the times and events an answer names.

    A time counts when the answer names what the question asks about ("a heart attack 3
    months ago") or is short ("yes, 2 weeks ago"): a time in a long answer about something
    else ("I'm 52 and had surgery 2 years ago", to the steroid question) says nothing. Within
    the window: True; all beyond it: False; a time that may be either side: UNKNOWN. The event
    named without a time and without a yes or no ("a heart attack") is a yes. Only something
    the question does not ask about ("a flu shot", to the live-vaccine question) is a no.
    """
    t = text_forms(text)
    matcher = _events().get(fact.name)
    hits = matcher.find(t) if matcher else []
    clauses = Clauses(t.low, hits)
    said = {h.value for h in hits if not clauses.negated(h) and not clauses.hedged(h)}
    named = fact.name in said
    if said == {NOT_ASKED}:  # "a flu shot 2 weeks ago", to the live-vaccine question
        return False
    spans = durations(text)
    short = len([w for w in t.low.split() if w not in PUNCT]) <= SHORT_ANSWER_WORDS
    if spans and (named or short):
        window = float(fact.window_days or 0)
        if any(high <= window for _, high in spans):
            return True
        return False if all(low > window for low, _ in spans) else UNKNOWN
    if named and parse_yes_no(text, today) is None:
        return True
    return None


SHORT_ANSWER_WORDS = 8


def parse_recent(fact: Fact, text: str, today: date | None = None) -> bool | str | None:
    """A hedge, then the times and events named, then yes/no."""
    t = text_forms(text)
    if not t.low:
        return None
    if is_unknown(t):
        return UNKNOWN
    found = recent_evidence(fact, text, today)
    return found if found is not None else parse_yes_no(text, today)
