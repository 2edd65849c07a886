"""A scripted patient who chats in Chinese over REST: devkit's RestPatient in Chinese (it taps
the Chinese buttons, a tap sends the Chinese label, and types ages as 52岁)."""

from __future__ import annotations

from functools import partial

from bot.dialogue import content
from devkit.rest_patient import RestPatient

ZH = content("zh")
ChinesePatient = partial(RestPatient, language="zh")
