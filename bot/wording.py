"""The assistant's wording outside the questions: bot/content/conversation.yaml, read once.

Shared by the conversation logic (bot/dialogue.py) and the result (bot/result.py), which
both say things to patients; every text is written once in the content file. Other languages
overlay it (bot/content/<language>/conversation.yaml, see bot/i18n.py); English is the
default, so a caller that names no language reads exactly the English file.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from bot import i18n
from bot.catalog import CONTENT_DIR

CONVERSATION_FILE = CONTENT_DIR / "conversation.yaml"


@cache
def content(language: str = i18n.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The wording of conversation.yaml in `language` (its overlay on the English)."""
    return i18n.load(CONVERSATION_FILE.relative_to(i18n.ROOT).as_posix(), language)


def say(key: str, language: str = i18n.DEFAULT_LANGUAGE, **values: Any) -> str:
    """A text from conversation.yaml in `language`, with its placeholders filled."""
    text = content(language)[key]
    return text.format(**values) if values else text


def date_words(day: date, language: str = i18n.DEFAULT_LANGUAGE) -> str:
    """A date in the content's words ("12 Nov 2024", "2024年11月12日")."""
    month = content(language)["months"][day.month - 1]
    return say("date_format", language, day=day.day, month=month, year=day.year)
