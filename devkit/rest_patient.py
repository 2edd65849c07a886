"""A scripted patient that chats over Rasa's REST channel, as an integration would.

It recognises each question by its wording (from the catalog and the conversation content),
answers from a known set of facts, either by tapping the button (sending its payload) or in
free text, and keeps the whole transcript. Used by the end-to-end tests and `make bench`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from bot.catalog import load_catalog
from bot.dialogue import content
from bot.i18n import LANGUAGES
from bot.values import AUDIENCE, AUDIENCES, CLOSED_CHOICE, CLOSED_GO_ON, CONSENT, UNKNOWN
from devkit.servers import rest_headers, rest_id

RESULT_TYPE = "screening_result"
OPENINGS = {"en": "hello", "zh": "你好"}
NOT_SURE = {"en": "not sure", "zh": "不确定"}


def question_index() -> dict[str, str]:
    """Question text -> the slot it asks for, in every wording of every language."""
    index: dict[str, str] = {}
    for language in LANGUAGES:
        catalog, words = load_catalog(language=language), content(language)
        index.update({words["consent_question"]: CONSENT, words["audience_question"]: AUDIENCE,
                      words["closed_question"]: CLOSED_CHOICE})
        for fact in catalog:
            for audience in AUDIENCES:
                index[fact.question(audience, catalog.persons)] = fact.name
    return index


@dataclass
class RestPatient:
    base_url: str
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex}")
    transcript: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    language: str = "en"  # the language the patient chats in (opening and buttons)

    @property
    def conversation_id(self) -> str:
        """The id the server stores this conversation under."""
        return rest_id(self.sender)

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One message over REST (with `metadata`, as an integration may send it)."""
        started = time.perf_counter()
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(f"{self.base_url}/webhooks/rest/webhook", json=body,
                                 headers=rest_headers(), timeout=60)
        self.latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        replies = response.json()
        self.transcript.append((text, replies))
        return replies

    # --- reading replies -----------------------------------------------------------------

    @property
    def last_replies(self) -> list[dict[str, Any]]:
        return self.transcript[-1][1] if self.transcript else []

    def texts(self, replies: list[dict[str, Any]] | None = None) -> list[str]:
        replies = self.last_replies if replies is None else replies
        return [reply["text"] for reply in replies if "text" in reply]

    def all_bot_text(self) -> str:
        return "\n".join(t for _, replies in self.transcript for t in self.texts(replies))

    def asked(self, replies: list[dict[str, Any]] | None = None) -> str | None:
        """The slot the latest question asks for, if the replies end with a question."""
        index = question_index()
        for text in reversed(self.texts(replies)):
            if text in index:
                return index[text]
        return None

    def result(self) -> dict[str, Any] | None:
        """The latest screening_result message of the conversation."""
        for _, replies in reversed(self.transcript):
            for reply in replies:
                custom = reply.get("custom")
                if isinstance(custom, dict) and custom.get("type") == RESULT_TYPE:
                    return custom
        return None

    def verdicts(self) -> dict[str, str]:
        result = self.result() or {"trials": []}
        return {t["nct_id"]: t["verdict"] for t in result["trials"]}

    def buttons(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for reply in self.last_replies:
            for button in reply.get("buttons") or []:
                found[button["title"]] = button["payload"]
        return found

    # --- answering -------------------------------------------------------------------------

    def start(self, audience: str = "self", opening: str | None = None) -> None:
        """Greet (in the patient's language: a Chinese opening makes the chat Chinese),
        consent, and say who the chat is about, by button."""
        words = content(self.language)
        self.say(opening or OPENINGS[self.language])
        self.say(words["consent_buttons"][0])
        self.say(next(o["label"] for o in words["audience_buttons"] if o["value"] == audience))

    def answer_all(
        self, truth: Mapping[str, Any], free_text: Mapping[str, str] | None = None,
        max_turns: int = 60,
    ) -> list[str]:
        """Answer every question until none is asked; returns the slots asked, in order.
        `free_text` gives typed answers for some facts; the rest tap buttons."""
        asked: list[str] = []
        for _ in range(max_turns):
            slot = self.asked()
            if slot is None:
                return asked
            asked.append(slot)
            if slot in (CONSENT, AUDIENCE):
                raise AssertionError(f"asked {slot} during the screening:\n{self.dump()}")
            self.say(self.answer_for(slot, truth, free_text or {}))
        raise AssertionError(f"no result after {max_turns} answers: {asked}\n{self.dump()}")

    def answer_for(self, slot: str, truth: Mapping[str, Any], free_text: Mapping[str, str]) -> str:
        if slot in free_text:
            return free_text[slot]
        if slot == CLOSED_CHOICE:  # only the not-recruiting study is left: go on by default
            wanted = truth.get(slot, CLOSED_GO_ON)
            return next(o["label"] for o in content(self.language)["closed_buttons"]
                        if o["value"] == wanted)
        value = truth.get(slot, UNKNOWN)
        fact = load_catalog(language=self.language)[slot]
        if fact.type == "int":
            if value == UNKNOWN:
                return NOT_SURE[self.language]
            return f"{value}岁" if self.language == "zh" and slot == "age" else str(value)
        wanted = [o.label for o in fact.choices("self") + fact.proxy_options if o.value == value]
        buttons = self.buttons()
        for label in wanted:
            if label in buttons:
                return buttons[label]
        raise AssertionError(f"no button for {slot}={value!r} in {list(buttons)}")

    def dump(self) -> str:
        """The transcript as text, for failure messages."""
        lines = []
        for said, replies in self.transcript:
            lines.append(f">> {said[:200]}")
            lines += [f"   {t[:200]}" for t in self.texts(replies)]
        return "\n".join(lines)
