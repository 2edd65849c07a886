"""The chat page and the widget in Chinese, in a real Chromium against the real servers (issue 13):
the language a zh-CN browser opens in, `<html lang>`, the 中文 / English switch and what it sends,
the widget's `data-lang`, result cards in Chinese, at phone size, with screenshots.

What the bot answers in is the dialogue's part: these tests check what the page shows and
sends (every user_uttered carries metadata {"language"}), and that the bot's replies render.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.result import screening_result
from bot.web.patient import page_text, result_wording
from devkit.patients import PATIENT_B, A, B
from tests.browser.chat_page import ChatPage, open_chat
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import describe, violations

ZH = page_text("zh")
EN = page_text("en")
FRAME = ".sarcoma-chat-widget >> iframe"


@pytest.fixture
def zh_phone(browser) -> Iterator[Page]:
    """A phone whose browser's language is Simplified Chinese (navigator and Accept-Language)."""
    context = browser.new_context(locale="zh-CN", **PHONE)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def sent_messages(page: Page) -> list[dict]:
    """Every user_uttered the page sends over socket.io, as its data, recorded from now on:
    over the WebSocket, and over long-polling before the upgrade (a fast server answers the
    session request, and the page sends its greeting, before the WebSocket is open)."""
    sent: list[dict] = []

    def packets(payload: str | bytes) -> None:
        text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        for packet in text.split("\x1e"):  # a polling body may hold several packets
            start = packet.find("[")
            if not packet.startswith("42") or start < 0:
                continue
            event = json.loads(packet[start:])
            if event and event[0] == "user_uttered":
                sent.append(event[1])

    def polled(request) -> None:
        if request.method == "POST" and "/socket.io/" in request.url and request.post_data:
            packets(request.post_data)

    page.on("websocket", lambda ws: ws.on("framesent", packets))
    page.on("request", polled)
    return sent


def expect_page_in(chat: ChatPage, words: dict[str, str], html_lang: str) -> None:
    page = chat.page
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page).to_have_title(words["title"])
    expect(chat.root.locator(".sc-title")).to_have_text(words["title"])
    expect(chat.root.locator(".sc-notice")).to_have_text(words["notice"])
    expect(chat.input).to_have_attribute("placeholder", words["placeholder"])
    expect(chat.root.locator(".sc-send")).to_have_text(words["send"])
    expect(chat.root.locator(".sc-new")).to_have_text(words["end_chat"])
    expect(chat.root.locator(".sc-lang")).to_have_attribute("aria-label", words["language_label"])


def pressed(chat: ChatPage) -> list[str]:
    return chat.root.locator(".sc-lang-option[aria-pressed='true']").all_inner_texts()


def test_a_zh_cn_browser_gets_the_page_in_chinese_at_phone_size(zh_phone, servers, screenshots):
    sent = sent_messages(zh_phone)
    chat = open_chat(zh_phone, servers.web_url)
    chat.wait_for_reply()
    expect_page_in(chat, ZH, "zh-CN")
    assert pressed(chat) == ["中文"]
    expect(chat.root.locator(".sc-lang-option[lang='zh-CN']")).to_have_text("中文")
    expect(chat.root.locator(".sc-lang-option[lang='en']")).to_have_text("English")
    assert chat.root.locator(".sc-lang-option").all_inner_texts() == ["中文", "English"]
    assert chat.bot_texts(), "the greeting renders"
    assert sent and sent[0]["message"] == "/greet"
    assert all(m.get("metadata") == {"language": "zh"} for m in sent), sent

    chat.type("是")
    assert sent[-1]["message"] == "是" and sent[-1]["metadata"] == {"language": "zh"}
    assert chat.messages()[-1][0] == "bot", "the reply renders"
    zh_phone.screenshot(path=screenshots / "chat-zh-phone.png")
    assert zh_phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    expect(chat.input).to_be_in_viewport()
    expect(chat.root.locator(".sc-lang")).to_be_in_viewport()
    for button in chat.root.locator(".sc-lang-option").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # touch targets
    assert chat.errors == []


def test_the_switch_changes_the_page_at_once_and_tells_the_bot(page, servers, screenshots):
    sent = sent_messages(page)
    chat = open_chat(page, servers.web_url)  # an English browser (Chromium's default)
    chat.wait_for_reply()
    expect_page_in(chat, EN, "en")
    assert pressed(chat) == ["English"]

    chat.root.get_by_role("button", name="中文", exact=True).click()
    expect_page_in(chat, ZH, "zh-CN")  # before any reply
    assert pressed(chat) == ["中文"]
    chat.wait_for_reply()
    assert ("user", "中文") in chat.messages()
    assert sent[-1]["message"] == "中文" and sent[-1]["metadata"] == {"language": "zh"}
    assert chat.messages()[-1][0] == "bot", "the bot's answer to the switch renders"
    page.screenshot(path=screenshots / "chat-switched-to-zh.png")

    page.reload()  # the choice is kept in this browser
    chat.wait_for_reply()
    expect_page_in(chat, ZH, "zh-CN")
    expect(chat.root.locator(".sc-note")).to_have_text(ZH["continuing"])

    chat.root.get_by_role("button", name="English", exact=True).click()
    expect_page_in(chat, EN, "en")
    chat.wait_for_reply()
    assert sent[-1]["message"] == "English" and sent[-1]["metadata"] == {"language": "en"}
    chat.type("yes")
    assert sent[-1]["metadata"] == {"language": "en"}
    assert chat.errors == []


def test_result_cards_in_chinese(zh_phone, servers, screenshots):
    chat = open_chat(zh_phone, servers.web_url)
    chat.wait_for_reply()
    result = {**screening_result(PATIENT_B), "language": "zh"}
    zh_phone.evaluate("m => window.SarcomaChat.instances[0].receive(m)",
                      json.loads(json.dumps(result, default=str)))
    expect(chat.cards()).to_have_count(2)
    labels = result_wording("zh")
    wrap = chat.root.locator(".sc-result")
    expect(wrap).to_have_attribute("lang", "zh-CN")
    b_card = chat.root.locator(f"article[data-nct-id='{B}']")
    expect(b_card.locator(".sc-card-heading").first).to_be_visible()
    headings = set(b_card.locator(".sc-card-heading").all_inner_texts())
    assert headings and headings <= {labels[key].strip() for key in (
        "reasons_heading", "to_check_heading", "contact_heading")}, headings
    expect(b_card.locator(".sc-card-record a")).to_have_text(ZH["registry_link"])
    expect(b_card).to_contain_text(ZH["phone"])
    verdict = b_card.get_attribute("data-verdict")
    [trial] = [t for t in result["trials"] if t["nct_id"] == B]
    expected = labels["verdict_for_now"] if trial.get("for_now") else (
        labels["verdict_words"][verdict])
    expect(b_card.locator(".sc-card-verdict")).to_have_text(expected)
    expect(chat.root.locator(f"article[data-nct-id='{A}']")).to_be_visible()
    b_card.scroll_into_view_if_needed()
    zh_phone.screenshot(path=screenshots / "result-cards-zh-phone.png")
    assert zh_phone.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_an_english_result_stays_english_on_a_chinese_page(zh_phone, servers):
    chat = open_chat(zh_phone, servers.web_url)
    chat.wait_for_reply()
    result = {**screening_result(PATIENT_B), "language": "en"}
    zh_phone.evaluate("m => window.SarcomaChat.instances[0].receive(m)",
                      json.loads(json.dumps(result, default=str)))
    b_card = chat.root.locator(f"article[data-nct-id='{B}']")
    expect(b_card.locator(".sc-card-heading").first).to_be_visible()
    english = result_wording("en")
    assert set(b_card.locator(".sc-card-heading").all_inner_texts()) <= {
        english[key].strip() for key in ("reasons_heading", "to_check_heading", "contact_heading")}
    expect(b_card.locator(".sc-card-record a")).to_have_text(EN["registry_link"])


def test_the_widget_tag_sets_the_language(page, servers, host_page, screenshots):
    """`<script src=".../widget.js" data-lang="zh">` on an English page in an English
    browser: the launcher and the chat in its iframe are in Chinese."""
    sent = sent_messages(page)
    chat = open_chat(page, f"{host_page.origin}/same-site-zh", frame=FRAME)
    launcher = page.get_by_role("button", name=ZH["open_chat"])
    expect(launcher).to_have_attribute("lang", "zh-CN")
    launcher.click()
    frame = page.locator(FRAME)
    expect(frame).to_have_attribute("title", ZH["title"])
    assert frame.get_attribute("src").endswith("/embed?lang=zh")
    chat.wait_for_reply()
    expect(chat.root.locator(".sc-title")).to_have_text(ZH["title"])
    expect(chat.root.locator(".sc-notice")).to_have_text(ZH["notice"])
    assert page.frame_locator(FRAME).locator("html").get_attribute("lang") == "zh-CN"
    assert sent and all(m["metadata"] == {"language": "zh"} for m in sent)
    page.screenshot(path=screenshots / "widget-zh.png")
    expect(page.get_by_role("button", name=ZH["close_chat"])).to_be_visible()


def test_the_widget_without_data_lang_follows_the_browser(zh_phone, servers, host_page):
    chat = open_chat(zh_phone, f"{host_page.origin}/same-site", frame=FRAME)
    zh_phone.get_by_role("button", name=ZH["open_chat"]).click()
    assert zh_phone.locator(FRAME).get_attribute("src").endswith("/embed")
    chat.wait_for_reply()
    expect(chat.root.locator(".sc-title")).to_have_text(ZH["title"])


def test_the_chinese_page_passes_axe_at_phone_size(browser, servers):
    """Accessibility (issue 11's bar) holds in Chinese: the greeting, the switch, the cards."""
    context = browser.new_context(bypass_csp=True, locale="zh-CN", **PHONE)
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        chat = open_chat(page, servers.web_url)
        chat.wait_for_reply()
        checked = {"greeting": violations(page)}
        result = {**screening_result(PATIENT_B), "language": "zh"}
        page.evaluate("m => window.SarcomaChat.instances[0].receive(m)",
                      json.loads(json.dumps(result, default=str)))
        expect(chat.cards()).to_have_count(2)
        checked["result cards"] = violations(page)
        chat.root.get_by_role("button", name="English", exact=True).click()
        chat.root.get_by_role("button", name="中文", exact=True).click()
        chat.wait_for_reply()
        checked["after switching"] = violations(page)
    finally:
        context.close()
    failing = {step: found for step, found in checked.items() if found}
    assert not failing, "\n".join(f"{step}:\n{describe(found)}" for step, found in failing.items())
