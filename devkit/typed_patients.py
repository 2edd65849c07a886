"""Patients who type their answers in their own words, for `make bench` and `make load`.

`typed_patient(truth, language, rng)` turns a truth (devkit.simulate.random_patient) into a
person who chats in English or Chinese and types everything, never tapping a button: a greeting
or, for some patients, several facts at once ("I'm 52 with leiomyosarcoma that has spread to my
lungs", "我52岁，平滑肌肉瘤，已经肺转移"), consent and who the chat is about in words, then each
answer in free text, phrased as the rng picks from the phrasebook (devkit/typed_phrases.yaml):
"not sure" / "不清楚" where the truth is UNKNOWN, ages as "I'm 52" or "五十二岁", now and then an
English typo (a letter swapped or dropped in a long sarcoma or drug name). Some patients first
give an age one year off and correct it at the next yes/no question ("sorry, actually I'm
53"), so the answers end as the truth: the wrong age lies on the same side of every age limit,
so it asks the same questions.

The phrases are data; this module only picks and fills them. Every phrase must read, through
the form's own parser, as the value it stands for: tests/test_typed_patients.py plays
hundreds of patients through bot.dialogue.take_answer and checks each answer and the verdicts.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cn2an
import yaml

from bot.catalog import load_catalog
from bot.engine import next_question
from bot.parsing.age import age_boundaries
from bot.parsing.text import vocab
from bot.values import AUDIENCE, CLOSED_CHOICE, CLOSED_GO_ON, CONSENT, UNKNOWN

PHRASEBOOK = Path(__file__).with_name("typed_phrases.yaml")
#: Share of patients who open with several facts, who correct their age, and of answers with a
#: long sarcoma or drug name that have a typo (English).
CHANCES = {"opening": 0.3, "correction": 0.2, "typo": 0.3}
PRONOUNS = {
    "en": ({"he": "he", "He": "He", "his": "his", "child": "son"},
           {"he": "she", "He": "She", "his": "her", "child": "daughter"}),
    "zh": ({"he": "他", "He": "他", "his": "他的", "child": "儿子"},
           {"he": "她", "He": "她", "his": "她的", "child": "女儿"}),
}


@cache
def phrasebook() -> dict[str, Any]:
    return yaml.safe_load(PHRASEBOOK.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Typed:
    """One message typed: its text, the value it gives the open question (None for a message
    that answers none), and the other facts it states (an opening's, a corrected age)."""

    text: str
    value: Any = None
    states: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class TypedPatient:
    truth: Mapping[str, Any]
    language: str
    audience: str  # "self" or "child"
    rng: random.Random
    words: dict[str, str] = field(default_factory=dict)  # {he}, {his}, {child} for a parent
    wrong_age: int | None = None  # the age said first, corrected later (None: said right)
    said: dict[str, Any] = field(default_factory=dict)  # what the patient has said so far
    opening: Typed = Typed("")
    corrected: bool = False

    # --- what the patient means ----------------------------------------------------------

    def meant(self, name: str) -> Any:
        """The value the patient stands by now: the truth, or the wrong age until corrected."""
        if name == "age" and self.wrong_age is not None and not self.corrected:
            return self.wrong_age
        return self.truth.get(name, UNKNOWN)

    # --- what the patient types ----------------------------------------------------------

    def greet(self) -> Typed:
        """The first message: a greeting, or for some patients their age and whatever else
        the truth lets them say plainly (`_opening_facts`)."""
        book = self._book()
        stated, clauses = _opening_facts(self.truth)
        if not stated or self.rng.random() >= CHANCES["opening"]:
            return Typed(self.hello())
        if self.wrong_age is not None and not self.yes_no_to_come(
                {**stated, "age": self.wrong_age}):
            self.wrong_age = None  # no later yes/no question to correct it at
        age = self.meant("age")
        section = book["opening"]
        name = self._pick(book["names"][stated["diagnosis"]])
        parts = [self._pick(self._split("age", section), age=age)]
        parts += [self._pick(self._split(clause, section), name=name) for clause in clauses]
        joiner = "，" if self.language == "zh" else " "
        self.said.update({**stated, "age": age})
        return Typed(self._pick(section["lead"]) + joiner.join(parts), None, {**stated, "age": age})

    def hello(self) -> str:
        return self._pick(self._book()["greetings"])

    def consent(self) -> str:
        return self._pick(self._book()["consent"])

    def who(self) -> str:
        return self._pick(self._book()["audience"][self.audience])

    def answer(self, slot: str) -> Typed:
        """What the patient types to the question for `slot`: the correction first, if one is
        due (the question is then asked again), else the answer."""
        if slot == CLOSED_CHOICE:
            return Typed(self._pick(self._book()["go_on"]), CLOSED_GO_ON)
        if slot == CONSENT:
            return Typed(self.consent(), True)
        if slot == AUDIENCE:
            return Typed(self.who(), self.audience)
        if self._correction_due(slot):
            self.corrected = True
            age = self.meant("age")
            return Typed(self._pick(self._split("correction"), age=age), None, {"age": age})
        if slot == "age" and self.wrong_age is not None and not self.yes_no_to_come(
                {**self.said, "age": self.wrong_age}):
            self.wrong_age = None  # the last question: no later one to correct it at
        value = self.meant(slot)
        self.said[slot] = value
        return Typed(self._phrase(slot, value), value)

    def _correction_due(self, slot: str) -> bool:
        """At the first yes/no question after the wrong age (at a question with choices, the
        parser may read the "I'm 53" of a correction as a yes: tests/test_typed_patients.py)."""
        return (self.wrong_age is not None and not self.corrected and "age" in self.said
                and _is_yes_no(slot))

    def yes_no_to_come(self, known: Mapping[str, Any]) -> bool:
        """Whether the engine, from what is known, will still ask a yes/no question of this
        patient answering the truth (a wrong age asks what the true one asks)."""
        given = dict(known)
        while (fact := next_question(given)) is not None:
            if fact.type == "bool":
                return True
            given[fact.name] = self.truth.get(fact.name, UNKNOWN)
        return False

    # --- phrases ---------------------------------------------------------------------------

    def _book(self) -> dict[str, Any]:
        return phrasebook()[self.language]

    def _split(self, key: str, section: Mapping[str, Any] | None = None) -> list[str]:
        """A phrase list for this audience: a plain list, or its `self` / `proxy` half."""
        entry = (section if section is not None else self._book()).get(key) or []
        if isinstance(entry, Mapping):
            return list(entry.get("self" if self.audience == "self" else "proxy") or [])
        return list(entry)

    def _phrase(self, slot: str, value: Any) -> str:
        fact = load_catalog()[slot]
        own = self._book()["facts"].get(slot) or {}
        if value == UNKNOWN:
            book = self._book()
            general = book["unknown"] + (book["prefer_not"] if fact.sensitive else [])
            return self._pick(self._split("unknown", own) + general)
        if fact.type == "int":
            return self._pick(self._split("age"), age=value)
        if slot == "diagnosis":
            name = self._pick(self._book()["names"][value])
            return self._pick(self._split("frames", own), name=name)
        if fact.type == "bool":
            key = "yes" if value else "no"
            return self._pick(self._split(key, own) + self._split(key))
        phrases = self._split(value, own)
        if not phrases:
            raise KeyError(f"typed_phrases.yaml has no {self.language} phrase for {slot}={value!r}")
        return self._pick(phrases)

    def _pick(self, phrases: list[str], **values: Any) -> str:
        """One phrase at random, filled in, with a typo now and then."""
        if not phrases:
            raise KeyError("typed_phrases.yaml: an empty phrase list")
        text = self.rng.choice(phrases).format(**self._fill(values))
        return typo(text, self._book(), self.rng)

    def _fill(self, values: Mapping[str, Any]) -> dict[str, Any]:
        filled: dict[str, Any] = {**self.words, **values}
        if "age" in values:
            filled["age_words"] = number_words(values["age"])
            filled["age_zh"] = cn2an.an2cn(values["age"])
        return filled


def typed_patient(truth: Mapping[str, Any], language: str, rng: random.Random,
                  audience: str | None = None) -> TypedPatient:
    """A patient who types, from a truth (a child under 16 is chatted about by a parent)."""
    audience = audience or ("child" if truth.get("age", 99) < 16 else "self")
    words = rng.choice(PRONOUNS[language]) if audience != "self" else {}
    patient = TypedPatient(truth, language, audience, rng, dict(words))
    if isinstance(truth.get("age"), int) and rng.random() < CHANCES["correction"]:
        patient.wrong_age = _wrong_age(truth["age"])
    patient.opening = patient.greet()
    return patient


def _is_yes_no(slot: str) -> bool:
    catalog = load_catalog()
    return slot in catalog and catalog[slot].type == "bool"


def _wrong_age(age: int) -> int | None:
    """An age one year off that crosses no age limit of a question or a criterion."""
    limits = age_boundaries()
    for wrong in (age + 1, age - 1):
        low, high = min(age, wrong), max(age, wrong)
        if 0 <= wrong <= 120 and not any(low < limit <= high for limit in limits):
            return wrong
    return None


def _opening_facts(truth: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The facts an opening can state plainly, and its clauses (phrasebook `opening` keys):
    a known diagnosis, spread (to the lungs, or just spread when the lungs are not known to
    be involved), an anthracycline had. None without a known diagnosis and age."""
    if truth.get("diagnosis") in (None, UNKNOWN) or not isinstance(truth.get("age"), int):
        return {}, []
    stated: dict[str, Any] = {"diagnosis": truth["diagnosis"]}
    clauses = ["diagnosis"]
    if truth.get("lung_metastases") is True:
        stated.update(lung_metastases=True, metastatic=True)
        clauses.append("lung_metastases")
    elif truth.get("metastatic") is True:
        stated["metastatic"] = True
        clauses.append("metastatic")
    if truth.get("prior_anthracycline") is True:
        stated.update(prior_anthracycline=True, prior_systemic_therapy=True)
        clauses.append("prior_anthracycline")
    return stated, clauses


def typo(text: str, book: Mapping[str, Any], rng: random.Random) -> str:
    """Now and then one of the book's `typo_words` misspelt (`misspellings`, except its
    `unread_typos`): the slips the parser's spell-checker is meant to forgive."""
    lowered = text.lower()
    found = [w for w in book.get("typo_words") or () if w in lowered]
    if not found or rng.random() >= CHANCES["typo"]:
        return text
    word = rng.choice(found)
    start = lowered.index(word)
    variants = sorted(misspellings(word) - set(book.get("unread_typos") or ()))
    return text[:start] + rng.choice(variants) + text[start + len(word):]


def misspellings(word: str) -> set[str]:
    """The word with one letter (never the first) swapped with the next, or dropped."""
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1)}
    dropped = {word[:i] + word[i + 1:] for i in range(1, len(word))}
    return (swapped | dropped) - {word}


def number_words(n: int) -> str:
    """52 -> 'fifty-two' (0-199), in the number words the parser knows (its vocabulary)."""
    words: dict[int, str] = {}
    for word, value in vocab()["numbers"]["words"].items():
        words.setdefault(value, word)  # the first spelling ("forty", not "fourty")
    if n >= 100:
        rest = n - 100
        return "a hundred" + (f" and {number_words(rest)}" if rest else "")
    if n in words:
        return words[n]
    return f"{words[n - n % 10]}-{words[n % 10]}"
