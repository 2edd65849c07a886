"""A scripted patient who chats in Chinese over REST (tests/rest_patient.py, in Chinese)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from bot.catalog import load_catalog
from bot.dialogue import content
from bot.values import CLOSED_CHOICE, CLOSED_GO_ON, UNKNOWN
from devkit.rest_patient import RestPatient
from devkit.servers import rest_headers

ZH = content("zh")


@dataclass
class ChinesePatient(RestPatient):
    """Taps the Chinese buttons (a tap sends the Chinese label) or types Chinese answers."""

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
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

    def start(self, audience: str = "self", opening: str = "你好") -> None:
        self.say(opening)
        self.say(ZH["consent_buttons"][0])
        label = next(o["label"] for o in ZH["audience_buttons"] if o["value"] == audience)
        self.say(label)

    def answer_for(self, slot: str, truth: Mapping[str, Any], free_text: Mapping[str, str]) -> str:
        if slot in free_text:
            return free_text[slot]
        if slot == CLOSED_CHOICE:
            wanted = truth.get(slot, CLOSED_GO_ON)
            return next(o["label"] for o in ZH["closed_buttons"] if o["value"] == wanted)
        value = truth.get(slot, UNKNOWN)
        fact = load_catalog(language="zh")[slot]
        if fact.type == "int":
            return "不确定" if value == UNKNOWN else f"{value}岁" if slot == "age" else str(value)
        wanted = [o.label for o in fact.choices("self") + fact.proxy_options if o.value == value]
        buttons = self.buttons()
        for label in wanted:
            if label in buttons:
                return buttons[label]
        raise AssertionError(f"no button for {slot}={value!r} in {list(buttons)}")
