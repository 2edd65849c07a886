"""The safety screen in Chinese (issue 13): urgent symptoms and self-harm, with negation."""

from __future__ import annotations

import pytest

from bot.safety import SELF_HARM, URGENT, detect

ALARMS = [
    ("我胸痛", URGENT), ("胸口疼得厉害", URGENT), ("喘不上气", URGENT), ("喘不上氣", URGENT),
    ("我現在胸痛", URGENT), ("大出血", URGENT), ("孩子抽搐了", URGENT), ("昨天晕倒了", URGENT),
    ("化疗后发烧39度", URGENT), ("之前没有胸痛，现在胸痛得厉害", URGENT), ("昏迷了", URGENT),
    ("我想自杀", SELF_HARM), ("我想自殺", SELF_HARM), ("我不想活了", SELF_HARM),
    ("不想活下去了", SELF_HARM), ("活着没意思", SELF_HARM), ("不想再化疗了，想死", SELF_HARM),
    ("我不想自杀，但是活着没意思", SELF_HARM),
    # English is unchanged: self-harm is never read as negated there
    ("I want to kill myself", SELF_HARM), ("I don't want to kill myself", SELF_HARM),
    ("chest pain", URGENT),
]

NOT_ALARMS = [
    "没有胸痛", "没有胸痛，也没有呼吸困难", "没有发烧", "没有晕倒过", "没有抽搐", "否认胸痛",
    "沒有胸痛", "不想自杀", "没有想过自杀", "从没想过自杀", "我不是想自杀，只是问问", "我不想死",
    "不想轻生", "no chest pain", "我52岁，平滑肌肉瘤",
]


@pytest.mark.parametrize("text,kind", ALARMS)
def test_alarm(text, kind):
    assert detect(text) == kind


@pytest.mark.parametrize("text", NOT_ALARMS)
def test_denied_or_unrelated_is_no_alarm(text):
    assert detect(text) is None
