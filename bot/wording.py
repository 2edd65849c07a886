"""The assistant's wording outside the questions: bot/content/conversation.yaml, read once.

Shared by the conversation logic (bot/dialogue.py) and the result (bot/result.py), which
both say things to patients; every text is written once in the content file.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import yaml

from bot.catalog import CONTENT_DIR


@cache
def content() -> dict[str, Any]:
    """The wording of bot/content/conversation.yaml."""
    return yaml.safe_load((CONTENT_DIR / "conversation.yaml").read_text(encoding="utf-8"))


def say(key: str, **values: Any) -> str:
    """A text from conversation.yaml with its placeholders filled."""
    text = content()[key]
    return text.format(**values) if values else text


def date_words(day: date) -> str:
    """A date in the content's words ("12 Nov 2024")."""
    month = content()["months"][day.month - 1]
    return say("date_format", day=day.day, month=month, year=day.year)
