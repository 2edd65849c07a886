"""Urgent symptoms and self-harm: checked on every message before anything else.

A keyword screen (bot/content/safety.yaml) backs up the NLU intents, so a message the
classifier misreads still gets the safety message. Numbers are settings, because they depend
on the country: EMERGENCY_NUMBER (default 120, mainland China's ambulance) and CRISIS_LINE.
The patterns are every language's (the overlays add theirs: a patient may write either
language), matched on the text with Traditional Chinese written as Simplified. A denied
symptom ("no chest pain", "没有胸痛") is not urgent; a denied self-harm wish is not an alarm
only when a Chinese negator stands right before it ("不想自杀", "没想过自杀"): "我不想活了"
matches its own pattern, so nothing before it denies it.
"""

from __future__ import annotations

import re
from functools import cache

from bot import i18n
from bot.parsing.text import simplified
from bot.settings import content_settings

URGENT = "urgent"
SELF_HARM = "self_harm"
DEFAULT_EMERGENCY_NUMBER = "120"
DEFAULT_CRISIS_LINE = "the Beijing Psychological Crisis Hotline 010-82951332"
_NEGATION = re.compile(
    r"\b(no|not|never|without|denies|don'?t have|doesn'?t have|haven'?t had|hasn'?t had)\b"
    r"[\w\s,']{0,20}$",
    re.IGNORECASE,
)
#: Chinese denial of a symptom in the same clause ("没有胸痛", "也没有呼吸困难", "否认胸痛").
_ZH_NEGATION = re.compile(r"(没有|没|无|未|不|否认|从来没有|从没有|从未)[^，,。.；;！!？?]{0,6}$")
#: Chinese denial of a self-harm wish, right before it ("不想自杀", "从没想过自杀", "不会轻生").
_ZH_SELF_HARM_NEGATION = re.compile(
    r"(不想|不要|不会|没想过|没有想过|从没想过|从来没想过|从未想过|不是想|没有|没|不)$"
)


@cache
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    """Every language's patterns (i18n merges an overlay's vocabulary into the English)."""
    data: dict[str, list[str]] = {SELF_HARM: [], URGENT: []}
    for language in i18n.LANGUAGES:
        merged = i18n.load("bot/content/safety.yaml", language)
        for kind in data:
            data[kind] += [p for p in merged[kind] if p not in data[kind]]
    return {
        kind: [re.compile(pattern, re.IGNORECASE) for pattern in data[kind]]
        for kind in (SELF_HARM, URGENT)
    }


def detect(text: str) -> str | None:
    """'self_harm', 'urgent' or None. Self-harm is checked first: it needs a different answer."""
    text = simplified((text or "")[:5000])
    for kind, patterns in _patterns().items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                if not _negated(kind, text, match.start()):
                    return kind
    return None


def _negated(kind: str, text: str, start: int) -> bool:
    """'no chest pain', 'I don't have trouble breathing', '没有胸痛': a symptom the patient
    denies. Self-harm is negated only by a Chinese negator right before it ('不想自杀'):
    elsewhere a false alarm costs little, so English self-harm is never treated as negated."""
    before = text[max(0, start - 30):start]
    if kind == SELF_HARM:
        return bool(_ZH_SELF_HARM_NEGATION.search(before))
    return bool(_NEGATION.search(before) or _ZH_NEGATION.search(before))


def emergency_number() -> str:
    return content_settings().emergency_number or DEFAULT_EMERGENCY_NUMBER


def crisis_line() -> str:
    return content_settings().crisis_line or DEFAULT_CRISIS_LINE
