"""The web pages' language without a browser: which language a page opens in, and that it
carries every language's wording for the switch (Flask's test client)."""

from __future__ import annotations

import json
import re

import pytest

from bot import i18n
from tests.browser.test_web_app import client, page_config


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)">', html).group(1)


@pytest.mark.parametrize(("accept", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("zh-TW", "zh"),
    ("zh", "zh"),
    ("en-GB,en;q=0.9", "en"),
    ("fr-FR,fr;q=0.9,zh;q=0.5,en;q=0.3", "zh"),  # the first language we have
    ("de", "en"),
    ("", "en"),
])
def test_the_page_opens_in_the_browsers_language(accept, expected):
    html = client().get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    config = page_config(html)
    assert config["language"] == expected and config["languageAsked"] is False
    assert html_lang(html) == {"zh": "zh-CN", "en": "en"}[expected]
    assert f"<title>{config['languages'][expected]['text']['title']}</title>" in html


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_url_asks_for_a_language_over_the_browsers(path):
    web = client()
    html = web.get(f"{path}?lang=zh", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "zh-CN" and page_config(html)["languageAsked"] is True
    html = web.get(f"{path}?lang=en", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert html_lang(html) == "en" and page_config(html)["language"] == "en"
    unknown = web.get(f"{path}?lang=xx", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert html_lang(unknown) == "zh-CN" and page_config(unknown)["languageAsked"] is False


def test_the_page_carries_each_languages_words_for_the_switch():
    config = page_config(client().get("/").get_data(as_text=True))
    assert set(config["languages"]) == set(i18n.LANGUAGES)
    zh, en = config["languages"]["zh"], config["languages"]["en"]
    assert (zh["name"], en["name"]) == ("中文", "English")  # the words sent to switch
    assert zh["text"]["title"] == "肉瘤研究问答" and "120" in zh["text"]["notice"]
    assert zh["labels"]["reasons_heading"] != en["labels"]["reasons_heading"]
    assert zh["text"].keys() == en["text"].keys()
    assert config["assets"]["language"].startswith("/static/language.js?v=")


def test_the_noscript_text_follows_the_language():
    html = client().get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert i18n.load("bot/web/content.yaml", "zh")["noscript"] in html


def test_the_widget_script_has_the_launchers_words_in_each_language():
    body = client().get("/widget.js").get_data(as_text=True)
    config = json.loads(re.search(r"var config = (\{.*?\});\n", body).group(1))
    assert config["text"]["zh"]["open_chat"] == "想了解肉瘤研究？和我们聊聊"
    assert "Chat with us" in config["text"]["en"]["open_chat"]
    assert config["languages"] == {"en": "en", "zh": "zh-CN"}
    assert 'getAttribute("data-lang")' in body and "?lang=" in body
