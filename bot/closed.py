"""When only studies that are not taking new people could still fit (issue 11).

A patient whose only possible study is not recruiting used to answer every question and only
then learn that it is closed. As soon as every recruiting study is ruled out and only
non-recruiting ones remain open, the patient is told so plainly and chooses: see the result
now (which names each study's sponsor and record), or answer the rest so the hospital has the
answers if the study opens again. The choice is a slot of the form (CLOSED_CHOICE), stored for
staff (bot/storage).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.engine import NOT_A_MATCH, screen
from bot.i18n import DEFAULT_LANGUAGE as EN
from bot.i18n import LANGUAGES
from bot.parsing.text import text_forms, words
from bot.trials import Trial, load_trials
from bot.values import CLOSED_GO_ON, CLOSED_STOP
from bot.wording import content, say

CHOICES = (CLOSED_STOP, CLOSED_GO_ON)


def only_closed_open(facts: Mapping[str, Any], language: str = EN
                     ) -> tuple[list[Trial], list[Trial]]:
    """(recruiting trials ruled out, non-recruiting trials still open) when every recruiting
    trial is ruled out and some non-recruiting one is not; else two empty lists."""
    results = screen(facts, load_trials(language=language))
    recruiting = [r for r in results if r.trial.recruiting]
    closed_open = [r.trial for r in results if not r.trial.recruiting
                   and r.verdict != NOT_A_MATCH]
    if closed_open and all(r.verdict == NOT_A_MATCH for r in recruiting):
        return [r.trial for r in recruiting], closed_open
    return [], []


def choice_needed(facts: Mapping[str, Any]) -> bool:
    return bool(only_closed_open(facts)[1])


def choice_messages(facts: Mapping[str, Any], language: str = EN) -> list[dict[str, Any]]:
    """What is going on, in plain words, then the question with its two buttons."""
    ruled_out, still_open = only_closed_open(facts, language)
    names = "; ".join(f"{t.short_title} ({t.nct_id})" for t in still_open)
    lines = [say("closed_only_left", language, trials=names)]
    if ruled_out:
        gone = "; ".join(f"{t.short_title} ({t.nct_id})" for t in ruled_out)
        lines.insert(0, say("closed_recruiting_out", language, trials=gone))
    buttons = [{"title": label, "payload": label} for label in _labels(language).values()]
    gap = "" if language == "zh" else " "
    return [{"text": gap.join(lines)},
            {"text": say("closed_question", language), "buttons": buttons}]


def parse_choice(text: str) -> str | None:
    """stop | go_on from a button label (either language) or typed words; None when unclear."""
    cleaned = " ".join((text or "").lower().split())
    for language in LANGUAGES:
        for value, label in _labels(language).items():
            if cleaned == label.lower():
                return value
    found = {value for value, phrases in content("zh")["closed_choice_words"].items()
             if any(_says(cleaned, phrase) for phrase in phrases)}  # both languages' words
    return found.pop() if len(found) == 1 else None


def _labels(language: str = EN) -> dict[str, str]:
    return {option["value"]: option["label"] for option in content(language)["closed_buttons"]}


def _says(cleaned: str, phrase: str) -> bool:
    phrase_words = words(phrase)
    low = text_forms(cleaned).low
    return f" {phrase_words} " in f" {low} " or (not phrase.isascii() and phrase in cleaned)
