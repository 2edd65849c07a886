"""The chat widget as a patient sees it in Chromium: read the messages, tap buttons, type.

Questions are recognised by their wording (`question_index()`, as the REST patient does) and
answered from a known set of facts, by tapping the button with the answer's label or by typing.
Works on the chat page and on the widget embedded in another page (`frame`: the chat runs in
the widget's iframe, on the chat's own origin).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import FrameLocator, Locator, Page, expect

from bot.catalog import load_catalog
from bot.dialogue import content
from bot.values import CLOSED_CHOICE, CLOSED_GO_ON, UNKNOWN
from devkit.rest_patient import question_index

REPLY_TIMEOUT_MS = 30_000


def open_chat(page: Page, url: str, frame: str | None = None) -> ChatPage:
    """Open a page with the chat, recording the browser's console errors. `frame`: a selector
    of the iframe the chat runs in (the widget's), for a page that embeds it."""
    chat = ChatPage(page, frame=page.frame_locator(frame) if frame else None)
    page.on("console", lambda m: chat.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: chat.errors.append(str(error)))
    page.goto(url)
    return chat


@dataclass
class ChatPage:
    page: Page
    asked_slots: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    frame: FrameLocator | None = None

    @property
    def root(self) -> Locator:
        return (self.frame or self.page).locator(".sc-chat")

    @property
    def input(self) -> Locator:
        return self.root.locator("input.sc-input")

    # --- waiting and reading --------------------------------------------------------------

    def wait_for_reply(self) -> None:
        """Until the widget has shown the whole reply (the typing indicator is gone)."""
        expect(self.root).to_have_attribute("data-state", "idle", timeout=REPLY_TIMEOUT_MS)

    def settle(self, quiet_s: float = 1.5) -> str | None:
        """When a reply seems to end without a question: wait until no message has come for
        `quiet_s` (a busy server can send one reply in parts), then look again."""
        count = len(self.messages())
        while True:
            self.page.wait_for_timeout(quiet_s * 1000)
            self.wait_for_reply()
            now = len(self.messages())
            if now == count:
                return self.asked()
            count = now

    def messages(self) -> list[tuple[str, str]]:
        """Every message shown, oldest first, as (who, text) with who 'bot' or 'user'."""
        found = self.root.locator(".sc-msg").evaluate_all(
            """els => els.map(e => [
                e.classList.contains('sc-msg--user') ? 'user' : 'bot',
                (e.querySelector('.sc-text') || e).innerText.trim()])"""
        )
        return [(who, text) for who, text in found]

    def bot_texts(self) -> list[str]:
        return [text for who, text in self.messages() if who == "bot"]

    def since_last_answer(self) -> list[str]:
        messages = self.messages()
        last_user = max((i for i, (who, _) in enumerate(messages) if who == "user"), default=-1)
        return [text for who, text in messages[last_user + 1:] if who == "bot"]

    def asked(self) -> str | None:
        """The slot the latest question asks for, if the latest reply ends with a question."""
        index = question_index()
        for text in reversed(self.since_last_answer()):
            if text in index:
                return index[text]
        return None

    def button_labels(self) -> list[str]:
        return self.root.locator(".sc-replies .sc-reply").all_inner_texts()

    def stored_session(self) -> dict[str, Any] | None:
        """The session the chat keeps in its origin's localStorage: {id, proof, lastActive}."""
        return self.root.evaluate(
            "() => JSON.parse(localStorage.getItem('sarcoma-chat:session') || 'null')")

    def session_id(self) -> str | None:
        stored = self.stored_session()
        return stored["id"] if stored else None

    def stored_transcripts(self) -> dict[str, str]:
        """Every transcript the chat keeps in its origin's sessionStorage."""
        return self.root.evaluate("""() => Object.fromEntries(Object.keys(sessionStorage)
            .filter(k => k.startsWith('sarcoma-chat:transcript:'))
            .map(k => [k, sessionStorage.getItem(k)]))""")

    def cards(self) -> Locator:
        return self.root.locator("article.sc-card")

    # --- answering ------------------------------------------------------------------------

    def tap(self, label: str) -> None:
        self.root.locator(".sc-replies").get_by_role("button", name=label, exact=True).click()
        self.wait_for_reply()

    def type(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_for_reply()

    def start(self, audience: str = "self", typed: bool = False) -> None:
        """Greeting, consent and who the chat is about."""
        self.wait_for_reply()
        consent = content()["consent_buttons"][0]
        label = next(o["label"] for o in content()["audience_buttons"] if o["value"] == audience)
        if typed:
            self.type("yes")
            self.type({"self": "for me", "child": "my child"}.get(audience, label))
        else:
            self.tap(consent)
            self.tap(label)

    def answer_all(
        self, truth: Mapping[str, Any], typed: bool = False,
        free_text: Mapping[str, str] | None = None, max_turns: int = 60,
    ) -> list[str]:
        """Answer every question until none is asked; returns the slots asked, in order."""
        for _ in range(max_turns):
            slot = self.asked() or self.settle()
            if slot is None:
                return self.asked_slots
            self.answer(slot, truth, typed, free_text or {})
        raise AssertionError(f"no result after {max_turns} answers: {self.asked_slots}")

    def answer(
        self, slot: str, truth: Mapping[str, Any], typed: bool = False,
        free_text: Mapping[str, str] | None = None,
    ) -> None:
        self.asked_slots.append(slot)
        free_text = free_text or {}
        if slot == CLOSED_CHOICE:  # only the not-recruiting study is left: go on by default
            wanted = truth.get(slot, CLOSED_GO_ON)
            self.tap(next(o["label"] for o in content()["closed_buttons"] if o["value"] == wanted))
            return
        fact = load_catalog()[slot]
        value = truth.get(slot, UNKNOWN)
        if slot in free_text:
            self.type(free_text[slot])
        elif fact.type == "int":
            self.type("not sure" if value == UNKNOWN else str(value))
        elif typed and fact.type == "bool":
            self.type({True: "yes", False: "no"}.get(value, "not sure"))
        else:
            options = fact.choices("self") + fact.proxy_options
            labels = [o.label for o in options if o.value == value]
            shown = self.button_labels()
            label = next((label for label in labels if label in shown), None)
            if label is None:
                raise AssertionError(f"no button for {slot}={value!r} in {shown}")
            if typed:
                self.type(label)
            else:
                self.tap(label)
