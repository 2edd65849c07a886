"""The browser's copy of a conversation on a shared computer: "End chat", the idle expiry and
"delete my data" remove it, and an old copy of the id and proof gets nothing (issue 10)."""

from __future__ import annotations

import hashlib
import sqlite3
import time

from playwright.sync_api import expect

from bot.dialogue import content
from bot.settings import load_settings
from bot.storage import web_sessions
from bot.web.patient import page_text
from devkit.patients import PATIENT_A
from tests.browser.chat_page import ChatPage, open_chat

IDLE_HOURS = load_settings().web_session_idle.total_seconds() / 3600
TEXT = page_text()


def started(page, servers) -> ChatPage:
    """A conversation with two answers given (the diagnosis typed)."""
    chat = open_chat(page, servers.web_url)
    chat.start("self")
    assert chat.asked() == "diagnosis"
    chat.type("leiomyosarcoma")
    chat.answer(chat.asked(), PATIENT_A)
    return chat


def revoked(servers, session_id: str) -> bool:
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    with sqlite3.connect(servers.data_dir / "trackers.db") as db:
        query = "SELECT COUNT(*) FROM revoked_web_sessions WHERE session_hash = ?"
        return db.execute(query, (digest,)).fetchone()[0] == 1


def wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def put_back(chat: ChatPage, stored: dict, hours_ago: float = 0) -> None:
    """Write a session into the chat's localStorage, as if last used `hours_ago`."""
    chat.page.evaluate(
        "([s, h]) => localStorage.setItem('sarcoma-chat:session', "
        "JSON.stringify({...s, lastActive: Date.now() - h * 3600 * 1000}))",
        [stored, hours_ago])


def expect_a_new_conversation(chat: ChatPage, old_id: str) -> None:
    chat.wait_for_reply()
    assert chat.asked() == "consent"
    assert chat.session_id() not in (None, old_id)
    assert [who for who, _ in chat.messages()] == ["bot"] * len(chat.messages())
    assert not any("leiomyosarcoma" in text.lower() for _, text in chat.messages())


def test_end_chat_clears_the_browser_and_the_old_id_and_proof_get_nothing(page, servers):
    chat = started(page, servers)
    before = chat.stored_session()
    assert chat.stored_transcripts()

    chat.root.get_by_role("button", name=TEXT["end_chat"]).click()
    expect(chat.root.locator(".sc-ended .sc-note")).to_have_text(TEXT["ended"])
    expect(chat.root.get_by_role("button", name=TEXT["start_new"])).to_be_focused()
    assert chat.stored_session() is None and chat.stored_transcripts() == {}
    assert chat.messages() == []
    wait_until(lambda: revoked(servers, before["id"]))

    page.reload()
    expect_a_new_conversation(chat, before["id"])

    # A copy of the id and proof taken before "End chat" (put back as it was) gets nothing.
    put_back(chat, before)
    page.reload()
    expect(chat.root.locator(".sc-note").first).to_have_text(TEXT["session_gone"])
    expect_a_new_conversation(chat, before["id"])
    assert chat.errors == []


def test_start_a_new_chat_after_ending_one(page, servers):
    chat = started(page, servers)
    first = chat.session_id()
    chat.root.get_by_role("button", name=TEXT["end_chat"]).click()
    chat.root.get_by_role("button", name=TEXT["start_new"]).click()
    expect_a_new_conversation(chat, first)
    expect(chat.input).to_be_focused()
    expect(chat.root.get_by_role("button", name=TEXT["end_chat"])).to_be_enabled()


def test_an_idle_copy_expires_and_the_page_starts_afresh(page, servers):
    chat = started(page, servers)
    stored, question, before = chat.stored_session(), chat.asked(), chat.messages()

    put_back(chat, stored, hours_ago=IDLE_HOURS - 1)  # not idle long enough: resumes
    page.reload()
    expect(chat.root.locator(".sc-note")).to_have_text(TEXT["continuing"])
    assert chat.messages() == before and chat.asked() == question

    put_back(chat, chat.stored_session(), hours_ago=IDLE_HOURS + 1)
    page.reload()
    expect_a_new_conversation(chat, stored["id"])
    assert list(chat.stored_transcripts()) == [f"sarcoma-chat:transcript:{chat.session_id()}"]


def test_an_open_page_left_idle_clears_itself(page, servers):
    chat = started(page, servers)
    stored = chat.stored_session()
    put_back(chat, stored, hours_ago=IDLE_HOURS + 1)
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    expect(chat.root.locator(".sc-ended .sc-note")).to_have_text(TEXT["ended"])
    assert chat.messages() == []
    assert chat.stored_session() is None and chat.stored_transcripts() == {}


def test_delete_my_data_clears_the_browser_copy(page, servers):
    chat = started(page, servers)
    old = chat.session_id()
    chat.type("delete my data")
    if content()["delete_done"] not in chat.bot_texts():  # asked to confirm first
        chat.type("YES")
    assert content()["delete_done"] in chat.bot_texts()
    expect(chat.root.locator(".sc-note").last).to_have_text(TEXT["session_ended"])
    assert chat.stored_session() is None and chat.stored_transcripts() == {}
    assert revoked(servers, old)

    chat.type("hello")  # "say hello to start again"
    assert chat.session_id() not in (None, old)
    assert chat.asked() == "consent"


def test_a_message_the_server_refuses_is_kept_and_a_new_chat_starts(page, servers):
    """The id revoked where this page did not hear of it (another server, another tab): the
    refused message is not lost, it is put back for the patient to send again."""
    chat = started(page, servers)
    old = chat.session_id()
    web_sessions.revoke(old, url=f"sqlite:///{servers.data_dir / 'trackers.db'}")
    chat.input.fill("I am 52")
    chat.input.press("Enter")
    expect(chat.input).to_have_value("I am 52")
    expect(chat.root.locator(".sc-note")).to_have_text([TEXT["session_gone"], TEXT["not_sent"]])
    expect_a_new_conversation(chat, old)
