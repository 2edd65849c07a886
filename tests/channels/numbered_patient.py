"""A scripted patient for messaging channels who answers every question by option number.

It reads the assistant's replies as the app shows them (text with numbered options, or a
keyboard's labels), recognises each question by its wording, and answers from known facts:
"2" for the second option, an age as a number. `turn(text)` is given by each channel's test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import load_catalog
from bot.dialogue import content
from bot.values import AUDIENCE, CLOSED_CHOICE, CLOSED_GO_ON, CONSENT, UNKNOWN
from devkit.rest_patient import question_index

NUMBERED = re.compile(r"^(\d{1,2})\. (.+)$", re.MULTILINE)


@dataclass
class Shown:
    """One message as the app shows it: its text and the labels of its buttons, if any."""

    text: str
    buttons: list[str] = field(default_factory=list)


@dataclass
class NumberedPatient:
    turn: Callable[[str], list[Shown]]
    number_style: Callable[[int], str] = str  # how the patient types "2": "2", "2.", " 2 "
    language: str = "en"  # the language the assistant speaks to this patient
    opening: str = "hello"
    transcript: list[tuple[str, list[Shown]]] = field(default_factory=list)

    def say(self, text: str) -> list[Shown]:
        shown = self.turn(text)
        self.transcript.append((text, shown))
        return shown

    def asked(self) -> tuple[str, list[str]] | None:
        """The latest question of the latest replies and its options, in order."""
        index = question_index()
        best: tuple[int, str, list[str]] | None = None
        for position, shown in enumerate(self.transcript[-1][1] if self.transcript else []):
            for question, slot in index.items():
                at = shown.text.rfind(question)
                if at < 0:
                    continue
                key = (position, at + len(question))
                if best is None or key > best[0]:
                    options = [m[1] for m in NUMBERED.findall(shown.text[at:])] or shown.buttons
                    best = (key, slot, options)
        return (best[1], best[2]) if best else None

    def screen(self, truth: Mapping[str, Any], audience: str = "self", max_turns: int = 60):
        """Greeting, consent, audience, then every question, all answered by number."""
        self.say(self.opening)
        for _ in range(max_turns):
            asked = self.asked()
            if asked is None:
                return
            slot, options = asked
            self.say(self.answer(slot, options, truth, audience))
        raise AssertionError(f"no end after {max_turns} answers:\n{self.dump()}")

    def answer(self, slot: str, options: list[str], truth: Mapping[str, Any], audience: str):
        words = content(self.language)
        if slot == CONSENT:
            wanted = [words["consent_buttons"][0]]
        elif slot == AUDIENCE:
            wanted = [o["label"] for o in words["audience_buttons"] if o["value"] == audience]
        elif slot == CLOSED_CHOICE:  # only the not-recruiting study is left: go on by default
            choice = truth.get(slot, CLOSED_GO_ON)
            wanted = [o["label"] for o in words["closed_buttons"] if o["value"] == choice]
        else:
            fact = load_catalog(language=self.language)[slot]
            value = truth.get(slot, UNKNOWN)
            if fact.type == "int":  # a number that must stay an age, never an option
                unsure = "不确定" if self.language == "zh" else "not sure"
                return unsure if value == UNKNOWN else str(value)
            wanted = [o.label for o in fact.choices(audience) + fact.proxy_options
                      if o.value == value]
        for label in wanted:
            if label in options:
                return self.number_style(options.index(label) + 1)
        raise AssertionError(f"no option for {slot} in {options}:\n{self.dump()}")

    def all_text(self) -> str:
        return "\n".join(s.text for _, shown in self.transcript for s in shown)

    def dump(self) -> str:
        lines = []
        for said, shown in self.transcript:
            lines.append(f">> {said}")
            lines += [f"   {s.text[:300]!r} {s.buttons}" for s in shown]
        return "\n".join(lines)
