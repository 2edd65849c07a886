"""The patient chat in a real headless Chromium against the real Rasa, action and web servers."""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import expect

from bot.dialogue import content
from bot.result import screening_result
from bot.web.patient import page_text
from devkit.patients import PATIENT_A, PATIENT_B, A, B
from tests.browser.chat_page import ChatPage, open_chat
from tests.browser.conftest import PHONE

SESSION_ID = re.compile(r"^[0-9a-f]{40}$")
#: What the Rasa server logs when its socketio channel passes a custom message's keys to emit()
#: as keyword arguments (SocketIOOutput.send_custom_json), which python-socketio refuses: the
#: screening_result then never reaches a browser (the `socketio-custom-json` patch,
#: rasa_extensions/channels/web.py).
CUSTOM_JSON_BUG = "emit() got an unexpected keyword argument"
B_PHONE, B_EMAIL = "+86 13818971504", "rblw_110@hotmail.com"


def expect_result_cards(chat: ChatPage, servers, expected: dict[str, str]) -> None:
    """The screening_result arrived over socket.io and is shown as one card per trial, in
    place of the plain-text cards of the same reply."""
    assert CUSTOM_JSON_BUG not in servers.logs(), "socketio-custom-json patch not installed"
    expect(chat.cards()).to_have_count(len(expected))
    shown = {card.get_attribute("data-nct-id"): card.get_attribute("data-verdict")
             for card in chat.cards().all()}
    assert shown == expected
    assert not [t for t in chat.bot_texts() if t.split("\n")[0].endswith(f"({A})")]
    assert content()["result_outro"] in chat.bot_texts()
    b_card = chat.root.locator(f"article[data-nct-id='{B}']")
    expect(b_card.locator("a.sc-tel")).to_have_attribute("href", f"tel:{B_PHONE}")
    expect(b_card.locator("a.sc-mail")).to_have_attribute("href", f"mailto:{B_EMAIL}")


def test_a_full_screening_by_tapping_buttons(page, servers):
    chat = open_chat(page, servers.web_url)
    expect(chat.root.locator(".sc-notice")).to_contain_text("Not medical advice")
    chat.start("self")
    asked = chat.answer_all(PATIENT_A)
    assert asked[:3] == ["diagnosis", "closed_trial_choice", "age"]  # only A is left: go on
    assert content()["result_intro"] in chat.bot_texts()
    assert chat.errors == []  # no CSP violation, no script error, no failed request
    expect_result_cards(chat, servers, {A: "possible_match", B: "not_a_match"})


def test_a_full_screening_by_typing_answers(page, servers):
    chat = open_chat(page, servers.web_url)
    chat.start("self", typed=True)
    typed = {
        "diagnosis": "leiomyosarcma",  # misspelt
        "age": "fifty two",
        "metastatic": "yeah it has spread to my liver",
        "prior_anthracycline": "yes, I had Adriamycin",
        "ecog": "I can do light housework but nothing heavy",
    }
    chat.answer_all(PATIENT_A, typed=True, free_text=typed)
    said = [text for who, text in chat.messages() if who == "user"]
    go_on = content()["closed_buttons"][1]["label"]  # only the not-recruiting study is left
    assert said[:5] == ["yes", "for me", "leiomyosarcma", go_on, "fifty two"]
    expect_result_cards(chat, servers, {A: "possible_match", B: "not_a_match"})


def test_result_cards_with_tel_mailto_and_registry_links(browser, servers, screenshots):
    """The screening_result message of a real result, given to the widget as the socket.io
    channel delivers it, on a phone-sized screen."""
    context = browser.new_context(**PHONE)
    try:
        chat = open_chat(context.new_page(), servers.web_url)
        chat.wait_for_reply()
        result = screening_result(PATIENT_B)
        chat.page.evaluate("m => window.SarcomaChat.instances[0].receive(m)", result)
        chat.wait_for_reply()
        expect(chat.cards()).to_have_count(2)
        a_card = chat.root.locator(f"article[data-nct-id='{A}']")
        b_card = chat.root.locator(f"article[data-nct-id='{B}']")
        words = content()
        expect(b_card).to_contain_text(words["verdict_words"]["possible_match"])
        expect(b_card.locator(".sc-card-status")).to_have_text(  # the record is over 6 months old
            words["recruiting"].format(status="Recruiting", as_of="12 Nov 2024")
            + " " + words["status_old"])
        expect(b_card.locator("a.sc-tel")).to_have_attribute("href", f"tel:{B_PHONE}")
        expect(b_card.locator("a.sc-tel")).to_have_text(B_PHONE)
        expect(b_card.locator("a.sc-mail")).to_have_attribute("href", f"mailto:{B_EMAIL}")
        record = b_card.locator(".sc-card-record a")
        expect(record).to_have_attribute("href", f"https://clinicaltrials.gov/study/{B}")
        expect(record).to_have_attribute("rel", "noopener noreferrer")
        # The trial that is not recruiting says so, and has no contact: the sponsor instead.
        expect(a_card.locator(".sc-card-status")).to_contain_text("not taking new people")
        expect(a_card).to_contain_text(words["verdict_words"]["not_a_match"])
        expect(a_card).to_contain_text("Sponsor:")
        expect(a_card.locator("a.sc-tel")).to_have_count(0)
        for reason in result["trials"][0]["reasons"]:
            expect(a_card).to_contain_text(reason)
        a_card.evaluate("e => e.scrollIntoView()")
        chat.page.screenshot(path=screenshots / "result-cards-phone.png")
        b_card.locator("a.sc-tel").evaluate("e => e.scrollIntoView({block: 'center'})")
        chat.page.screenshot(path=screenshots / "result-contact-phone.png")
        assert chat.errors == []
    finally:
        context.close()


def test_a_reload_continues_at_the_same_question_with_the_messages_so_far(page, servers):
    chat = open_chat(page, servers.web_url)
    chat.start("self")
    for _ in range(3):
        chat.answer(chat.asked(), PATIENT_A)
    question = chat.asked()
    before = chat.messages()
    session = chat.session_id()

    page.reload()
    expect(chat.root.locator(".sc-note")).to_have_text(page_text()["continuing"])
    assert chat.messages() == before
    assert chat.session_id() == session
    assert chat.asked() == question
    assert chat.button_labels()  # the question's buttons are there to tap

    chat.answer(question, PATIENT_A)
    following = chat.asked()
    assert following not in (None, question, "consent", "audience")
    assert following not in chat.asked_slots  # the conversation went on, not over again


def test_keyboard_only(page, servers):
    chat = open_chat(page, servers.web_url)
    chat.wait_for_reply()
    for _ in range(10):  # the language switch, the new-chat button, the log, its buttons, input
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('sc-input')"):
            break
    expect(chat.input).to_be_focused()
    page.keyboard.type("yes")
    page.keyboard.press("Enter")
    chat.wait_for_reply()
    assert chat.asked() == "audience"

    # Back from the input to the answer buttons; Enter taps the focused one.
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Myself")
    assert focused.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    chat.wait_for_reply()
    assert chat.asked() == "diagnosis"
    expect(chat.input).to_be_focused()  # after a tap the input has the focus again


def test_a_phone_sized_screen(browser, servers, screenshots):
    context = browser.new_context(**PHONE)
    try:
        chat = open_chat(context.new_page(), servers.web_url)
        chat.start("self")
        assert chat.asked() == "diagnosis"
        page = chat.page
        page.screenshot(path=screenshots / "chat-phone.png")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390  # nothing wider than the screen
        expect(chat.input).to_be_in_viewport()
        expect(chat.root.locator(".sc-notice")).to_be_in_viewport()
        for button in chat.root.locator(".sc-reply").all():
            assert button.bounding_box()["height"] >= 44  # touch targets
        assert chat.input.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
    finally:
        context.close()


def test_session_ids_are_issued_by_the_server_and_name_the_stored_conversation(browser, servers):
    ids = []
    for _ in range(2):
        context = browser.new_context()
        try:
            chat = open_chat(context.new_page(), servers.web_url)
            chat.wait_for_reply()
            stored = chat.stored_session()
            assert stored["proof"].startswith("v1.")
            ids.append(stored["id"])
        finally:
            context.close()
    assert all(SESSION_ID.match(i) for i in ids), ids
    assert ids[0] != ids[1]
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        for session in ids:
            stored = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?",
                                (f"web:{session}",))
            assert stored.fetchone()[0] > 0


def test_text_is_shown_as_text_never_as_markup(page, servers):
    chat = open_chat(page, servers.web_url)
    chat.wait_for_reply()
    attack = '<img src=x onerror="window.__hacked=1"><b>bold</b>'
    chat.type(attack)
    page.evaluate("m => window.SarcomaChat.instances[0].receive(m)",
                  {"text": attack, "quick_replies": [{"title": attack, "payload": "x"}]})
    chat.wait_for_reply()
    expect(chat.root.locator(".sc-msg--bot .sc-text").last).to_have_text(attack)
    assert ("user", attack) in chat.messages()
    expect(chat.root.locator(".sc-reply")).to_have_text([attack])
    expect(chat.root.locator(".sc-log img, .sc-log b")).to_have_count(0)
    assert page.evaluate("() => window.__hacked") is None
