"""The widget on another site's page: the chat runs in an iframe from the chat's own origin, and
the host page's scripts cannot read the conversation, its id or its proof (issue 10)."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from bot.web.patient import page_text
from devkit.patients import PATIENT_B
from tests.browser.chat_page import ChatPage, open_chat
from tests.browser.conftest import PHONE, chat_origin

FRAME = ".sarcoma-chat-widget >> iframe"


#: What a session id and a proof look like (bot/web_session.py), whatever their values.
ID_PATTERN, PROOF_PATTERN = r"\b[0-9a-f]{40}\b", r"v1\.[0-9]{10}\.[A-Za-z0-9_-]{40,}"


def open_widget(page: Page, host_page, path: str = "/same-site") -> tuple[ChatPage, object]:
    chat = open_chat(page, f"{host_page.origin}{path}", frame=FRAME)
    launcher = page.get_by_role("button", name=page_text()["open_chat"])
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    return chat, launcher


def web_conversation_saying(servers, text: str) -> str:
    """The session id of the stored website conversation in which the patient said `text`."""
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        rows = db.execute("SELECT sender_id, data FROM events WHERE type_name = 'user' "
                          "AND sender_id LIKE 'web:%'").fetchall()
    [found] = {sender for sender, data in rows if json.loads(data).get("text") == text}
    return found.removeprefix("web:")


@pytest.mark.parametrize("path", ["/", "/same-site"], ids=["cross-site", "same-site"])
def test_the_host_page_cannot_read_the_conversation_the_id_or_the_proof(page, servers,
                                                                        host_page, path):
    chat, _ = open_widget(page, host_page, path)
    chat.start("child")
    chat.type("leiomyosarcoma")
    marker = f"my code word is {uuid.uuid4().hex[:12]}"
    chat.type(marker)
    session = web_conversation_saying(servers, marker)
    question = chat.bot_texts()[-1]
    secrets = [session, "leiomyosarcoma", marker, question]
    if path == "/same-site":  # the chat keeps its session in its own origin's storage
        stored = chat.stored_session()
        assert stored["id"] == session and re.fullmatch(PROOF_PATTERN, stored["proof"])
        secrets.append(stored["proof"])
    else:  # a browser that blocks storage in another site's iframe: kept in memory only
        expect(chat.root.locator(".sc-note").first).to_have_text(page_text()["not_kept"])

    def spy() -> dict:
        return page.evaluate("([s, p]) => window.spy(s, p)",
                             [secrets, [ID_PATTERN, PROOF_PATTERN]])

    # The spy finds what the host page could reach (what the old widget kept there) ...
    page.evaluate("s => localStorage.setItem('sarcoma-chat:session', s)", session)
    assert f"localStorage: {session}" in spy()["found"]
    page.evaluate("() => localStorage.clear()")
    # ... and finds nothing of the conversation in the iframe.
    seen = spy()
    assert seen["found"] == []
    assert seen["frames"] == ["contentDocument null", "document refused", "storage refused",
                              "globals refused"]
    assert seen["heard"] == []  # nothing was posted to the host page
    assert page.evaluate("() => window.SarcomaChat === undefined && window.io === undefined")
    # The iframe is the chat's own origin; the host page is another.
    assert page.evaluate("() => location.origin") == host_page.origin
    inside = page.frame_locator(FRAME).locator("body").evaluate("() => location.origin")
    assert inside == (chat_origin(servers) if path == "/" else servers.web_url)
    assert chat.errors == []


def test_the_widget_opens_closes_and_resumes_after_the_host_page_reloads(page, servers,
                                                                         host_page):
    chat, launcher = open_widget(page, host_page)
    frame = page.locator(FRAME)
    expect(frame).to_have_attribute("title", page_text()["title"])
    expect(chat.input).to_be_focused()
    chat.start("child")
    for _ in range(3):
        chat.answer(chat.asked() or chat.settle(), PATIENT_B)
    assert chat.asked_slots[:2] == ["diagnosis", "age"]
    assert "How old is your child?" in chat.bot_texts()
    question, before = chat.asked(), chat.messages()

    page.keyboard.press("Escape")  # inside the iframe
    expect(launcher).to_be_visible()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(chat.input).to_be_focused()
    page.get_by_role("button", name=page_text()["close_chat"]).click()
    expect(launcher).to_be_focused()

    page.reload()
    page.get_by_role("button", name=page_text()["open_chat"]).click()
    expect(chat.root.locator(".sc-note")).to_have_text(page_text()["continuing"])
    assert chat.messages() == before
    assert chat.asked() == question
    assert chat.errors == []


def test_the_widget_fills_a_phone_and_fits_a_desktop(browser, servers, host_page, screenshots):
    for name, options, size in (("phone", PHONE, (390, 844)),
                                ("desktop", {"viewport": {"width": 1280, "height": 800}}, None)):
        context = browser.new_context(**options)
        try:
            page = context.new_page()
            chat, _ = open_widget(page, host_page)
            chat.wait_for_reply()
            box = page.locator(".sarcoma-chat-widget >> .sc-panel").bounding_box()
            if size:
                assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, *size)
            else:
                assert 320 <= box["width"] <= 420 and 500 <= box["height"] <= 800
                assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 800
            expect(chat.input).to_be_in_viewport()
            page.screenshot(path=screenshots / f"widget-{name}.png")
        finally:
            context.close()


def test_only_the_allowed_sites_may_frame_the_chat(servers, host_page):
    embed = requests.get(f"{servers.web_url}/embed", timeout=10)
    csp = embed.headers["Content-Security-Policy"]
    ancestors = next(d for d in csp.split("; ") if d.startswith("frame-ancestors"))
    assert ancestors.split()[1] == "'self'" and host_page.origin in ancestors.split()
    assert "https://evil.example" not in ancestors
    assert "X-Frame-Options" not in embed.headers
    page = requests.get(f"{servers.web_url}/", timeout=10)
    assert "frame-ancestors 'self';" in page.headers["Content-Security-Policy"] + ";"
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
