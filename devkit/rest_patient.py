"""A scripted patient that chats over Rasa's REST channel, as an integration would.

It recognises each question by its wording (from the catalog and the conversation content),
answers from a known set of facts, and keeps the whole transcript. It taps buttons (sending
their payload), with typed answers for the facts a test gives; or, with a `typist`
(devkit/typed_patients.py), it types everything, as a real person does. Used by the
end-to-end tests, and as the script of the conversations of `make bench` and `make load`
(devkit/chat_clients.py), over REST or socket.io.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from bot.catalog import load_catalog
from bot.dialogue import content
from bot.i18n import LANGUAGES
from bot.values import AUDIENCE, AUDIENCES, CLOSED_CHOICE, CLOSED_GO_ON, CONSENT, UNKNOWN
from devkit.servers import rest_headers, rest_id
from devkit.typed_patients import TypedPatient

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
    typist: TypedPatient | None = None  # types every message; None: taps the buttons
    asked_slots: list[str] = field(default_factory=list)  # every question answered, in order
    greeted_again: bool = False  # a typist's first message started nothing; it said hello

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

    def opening_messages(self, audience: str = "self") -> list[str]:
        """What a scripted patient sends first, in a row: a greeting, then taps on consent and
        on who the chat is about, in its language (a Chinese opening makes the chat Chinese)."""
        words = content(self.language)
        who = next(o["label"] for o in words["audience_buttons"] if o["value"] == audience)
        return [OPENINGS[self.language], words["consent_buttons"][0], who]

    def opening(self, audience: str | None = None) -> Iterator[str]:
        """The first messages, read against the transcript the caller keeps: a scripted
        patient's in a row; a typist's first message (a greeting, or several facts), and a
        greeting after it if it started nothing (as a person would: `greeted_again`)."""
        if not self.typist:
            yield from self.opening_messages(audience or "self")
            return
        if audience not in (None, self.typist.audience):
            raise ValueError(f"the typist chats for {self.typist.audience}, not {audience}")
        yield self.typist.opening.text
        if self.asked() is None:
            self.greeted_again = True
            yield self.typist.hello()

    def start(self, audience: str | None = None, opening: str | None = None) -> None:
        """Greet, consent, and say who the chat is about (`opening`: another first message)."""
        for i, text in enumerate(self.opening(audience)):
            self.say(opening if opening and i == 0 else text)
        while self.typist and (slot := self.asked()) in (CONSENT, AUDIENCE):
            self.say(self.answer_for(slot, {}, {}))

    def messages(self, truth: Mapping[str, Any], max_turns: int = 60) -> Iterator[str]:
        """What the patient says, turn by turn: the opening, then an answer to each question,
        read from the transcript (which the caller keeps), until none is asked."""
        yield from self.opening()
        yield from self.answers(truth, max_turns=max_turns)

    def answers(self, truth: Mapping[str, Any], free_text: Mapping[str, str] | None = None,
                max_turns: int = 60) -> Iterator[str]:
        """An answer to each question as it comes, until none is asked (`free_text`: typed
        answers for some facts). A typist also answers consent and who the chat is about."""
        for _ in range(max_turns):
            slot = self.asked()
            if slot is None:
                return
            self.asked_slots.append(slot)
            if slot in (CONSENT, AUDIENCE) and not self.typist:
                raise AssertionError(f"asked {slot} during the screening:\n{self.dump()}")
            yield self.answer_for(slot, truth, free_text or {})
        raise AssertionError(f"no result after {max_turns} answers: {self.asked_slots}\n"
                             f"{self.dump()}")

    def answer_all(
        self, truth: Mapping[str, Any], free_text: Mapping[str, str] | None = None,
        max_turns: int = 60,
    ) -> list[str]:
        """Answer every question until none is asked; returns the slots asked, in order.
        `free_text` gives typed answers for some facts; the rest tap buttons (or are typed,
        with a typist)."""
        before = len(self.asked_slots)
        for text in self.answers(truth, free_text, max_turns):
            self.say(text)
        return self.asked_slots[before:]

    def answer_for(self, slot: str, truth: Mapping[str, Any], free_text: Mapping[str, str]) -> str:
        if slot in free_text:
            return free_text[slot]
        if self.typist:
            return self.typist.answer(slot).text
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
