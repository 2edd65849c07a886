"""Urgent symptoms and self-harm: checked on every message before anything else.

A keyword screen (bot/content/safety.yaml) backs up the NLU intents, so a message the
classifier misreads still gets the safety message. Numbers are settings, because they depend
on the country: EMERGENCY_NUMBER (default 120, mainland China's ambulance) and CRISIS_LINE.
"""

from __future__ import annotations

import os
import re
from functools import cache

import yaml

from bot.catalog import CONTENT_DIR

URGENT = "urgent"
SELF_HARM = "self_harm"
DEFAULT_EMERGENCY_NUMBER = "120"
DEFAULT_CRISIS_LINE = "the Beijing Psychological Crisis Hotline 010-82951332"
_NEGATION = re.compile(
    r"\b(no|not|never|without|denies|don'?t have|doesn'?t have|haven'?t had|hasn'?t had)\b"
    r"[\w\s,']{0,20}$",
    re.IGNORECASE,
)


@cache
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    data = yaml.safe_load((CONTENT_DIR / "safety.yaml").read_text(encoding="utf-8"))
    return {
        kind: [re.compile(pattern, re.IGNORECASE) for pattern in data[kind]]
        for kind in (SELF_HARM, URGENT)
    }


def detect(text: str) -> str | None:
    """'self_harm', 'urgent' or None. Self-harm is checked first: it needs a different answer."""
    text = (text or "")[:5000]
    for kind, patterns in _patterns().items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                if kind == SELF_HARM or not _negated(text, match.start()):
                    return kind
    return None


def _negated(text: str, start: int) -> bool:
    """'no chest pain', 'I don't have trouble breathing': a symptom the patient denies.
    Self-harm is never treated as negated: a false alarm there costs little."""
    return bool(_NEGATION.search(text[max(0, start - 30):start]))


def emergency_number() -> str:
    return os.environ.get("EMERGENCY_NUMBER", DEFAULT_EMERGENCY_NUMBER)


def crisis_line() -> str:
    return os.environ.get("CRISIS_LINE", DEFAULT_CRISIS_LINE)
