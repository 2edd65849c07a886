"""Which language a conversation is in, and when a patient asks to switch.

Pure functions (no Rasa): the actions decide the `language` slot with them and the channels
only pass what their platform tells (metadata {"language": ...}). The first message decides:
its metadata's language (web page, REST callers, Telegram's language_code, WeChat), else its
script (Chinese characters: Chinese) for SMS, WhatsApp, Messenger and REST; English otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES

#: Channels whose people read Chinese first, whatever they type (WeChat).
CHINESE_CHANNELS = frozenset({"wechat"})
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: What a patient types (or taps) to switch, in either language; matched on the whole message.
SWITCH_WORDS = {
    "zh": ("中文", "chinese", "简体中文", "简体", "汉语", "普通话", "用中文", "说中文",
           "in chinese", "switch to chinese", "请用中文", "换成中文", "切换到中文"),
    "en": ("english", "英文", "英语", "in english", "switch to english", "用英文", "用英语",
           "说英文", "请用英文", "换成英文", "切换到英文", "english please"),
}
_STRIP = " \t\n.!?。！？,，、：:;；\"'“”"


def normalise(code: Any) -> str | None:
    """'zh', 'zh-CN', 'zh_Hans', 'ZH-tw' -> 'zh'; 'en-GB' -> 'en'; anything else -> None."""
    if not isinstance(code, str):
        return None
    primary = code.strip().replace("_", "-").split("-")[0].casefold()
    return primary if primary in LANGUAGES else None


def has_chinese(text: str | None) -> bool:
    return bool(_HAN.search(text or ""))


def choose(metadata: Mapping[str, Any] | None, text: str | None,
           channel: str | None = None) -> str:
    """The language of a conversation from its first message (module doc)."""
    stated = normalise((metadata or {}).get("language")) if isinstance(metadata, Mapping) else None
    if stated:
        return stated
    if channel in CHINESE_CHANNELS or has_chinese(text):
        return "zh"
    return DEFAULT_LANGUAGE


def requested(text: str | None) -> str | None:
    """The language a message asks for when the whole message is a switch word ("中文",
    "English", "switch to Chinese"); None for anything else (an answer naming a language)."""
    cleaned = " ".join((text or "").strip(_STRIP).casefold().split())
    for language, words in SWITCH_WORDS.items():
        if cleaned in words:
            return language
    return None


def switch_target(text: str | None, current: str) -> str:
    """The language to switch to for a `switch_language` message: the one it names, else
    the other one (a message the model read as a switch but that names neither)."""
    named = requested(text)
    if named:
        return named
    low = (text or "").casefold()
    hits = [lang for lang, words in SWITCH_WORDS.items() if any(w in low for w in words[:3])]
    if len(hits) == 1:
        return hits[0]
    return next(lang for lang in LANGUAGES if lang != current)


def telegram_language(language_code: Any) -> str | None:
    """Telegram's user language_code: zh* is Chinese, any other code English, none None."""
    if not isinstance(language_code, str) or not language_code.strip():
        return None
    return "zh" if language_code.strip().casefold().startswith("zh") else "en"
