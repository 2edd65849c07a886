"""The web pages' language without a browser: which language a page opens in, and that it
carries every language's wording for the switch (Flask's test client)."""

from __future__ import annotations

import dataclasses
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
    assert config["switchOrder"] == ["zh", "en"]  # 中文 / English
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


def test_the_staff_sign_in_page_follows_the_browser_and_the_switch():
    web = client(staff_cookie_secure=False)
    html = web.get("/staff/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert html_lang(html) == "zh-CN" and "<h1>登录</h1>" in html
    assert 'href="/staff/language/en?next=/staff/login"' in html
    switched = web.get("/staff/language/en?next=/staff/login")
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/staff/login")
    cookie = switched.headers["Set-Cookie"]
    assert cookie.startswith("staff_language=en;") and "Path=/staff" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = web.get("/staff/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert html_lang(html) == "en" and "<h1>Sign in</h1>" in html  # the choice wins


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/elsewhere"])
def test_the_staff_switch_goes_back_only_to_a_staff_page(target):
    answer = client().get(f"/staff/language/zh?next={target}")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/staff/"), answer.headers["Location"]


def test_an_unknown_staff_language_changes_nothing():
    answer = client().get("/staff/language/xx?next=/staff/login")
    assert answer.status_code == 303 and "Set-Cookie" not in answer.headers


def test_staff_evidence_in_chinese_keeps_the_registrys_english():
    """The criteria's registry text stays the record's English; the parts' summaries, the
    study-team checks, the trial's short title and the answers are in the interface's words."""
    from bot.engine import screen
    from bot.storage.patient import criteria_statuses
    from bot.web.staff.present import facts_in_words, trial_views
    from devkit.patients import PATIENT_B, B

    result = next(r for r in screen(PATIENT_B) if r.trial.nct_id == B)
    row = dataclasses.make_dataclass("Row", ["nct_id", "verdict", "recruiting", "trial_version",
                                             "criteria"])(B, result.verdict, True,
                                                          result.trial.version,
                                                          criteria_statuses(result))
    (english,) = trial_views([row], [])
    (chinese,) = trial_views([row], [], "zh")
    assert chinese.title == i18n.load(f"bot/content/trials/{B}.yaml", "zh")["short_title"]
    assert [c.criterion.text for c in chinese.criteria] == [
        c.criterion.text for c in english.criteria]
    summaries = [p.summary for c in chinese.criteria for p in c.parts]
    assert all(re.search(r"[\u4e00-\u9fff]", s) for s in summaries), summaries
    assert len(chinese.open_checks) == len(english.open_checks)
    assert all(re.search(r"[\u4e00-\u9fff]", c) for c in chinese.open_checks)
    assert [p.status for c in chinese.criteria for p in c.parts] == [
        p.status for c in english.criteria for p in c.parts]
    answers = dict(facts_in_words({"diagnosis": "osteosarcoma", "age": 14}, "zh"))
    assert answers == {"肉瘤类型": "骨肉瘤", "年龄": "14"}
