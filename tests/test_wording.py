"""The assistant's wording in each language: English by default, Chinese from its overlay."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from bot import i18n
from bot.wording import CONVERSATION_FILE, content, date_words, say


def test_english_is_the_default_and_the_file_as_it_is() -> None:
    english = yaml.safe_load(CONVERSATION_FILE.read_text(encoding="utf-8"))
    assert content() == english
    assert content("en") == content()
    assert say("thanks") == english["thanks"]


def test_chinese_wording_with_placeholders_filled() -> None:
    assert say("thanks", "zh") == "不客气。"
    assert say("message_too_long", language="zh", limit=2000).startswith("这条消息太长了")
    assert "2000" in say("message_too_long", language="zh", limit=2000)
    assert say("updated_answer", "zh", label="年龄", value="46") == (
        "谢谢，我已经更新了您的回答：年龄：46。")


def test_chinese_keeps_the_machine_fields_of_the_english() -> None:
    assert [o["value"] for o in content("zh")["audience_buttons"]] == ["self", "child", "other"]
    assert content("zh")["consent_buttons"] == ["同意", "不用了，谢谢"]


@pytest.mark.parametrize("language,expected", [("en", "12 Nov 2024"), ("zh", "2024年11月12日")])
def test_dates_in_each_language(language: str, expected: str) -> None:
    assert date_words(date(2024, 11, 12), language) == expected
    assert date_words(date(2024, 1, 3), language=language) != ""


def test_every_language_has_every_month() -> None:
    for language in i18n.LANGUAGES:
        assert len(content(language)["months"]) == 12
    assert date_words(date(2025, 1, 3), "zh") == "2025年1月3日"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        say("thanks", "fr")
