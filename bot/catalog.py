"""The facts catalog (bot/content/facts.yaml): what can be asked, and how.

A fact's question, allowed values, 'why we ask' text and relevance are written once, here; the
Rasa domain, the staff pages and the engine all read them from this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot import i18n, rules
from bot.parsing import PARSERS
from bot.values import UNKNOWN

CONTENT_DIR = Path(__file__).parent / "content"
FACTS_FILE = CONTENT_DIR / "facts.yaml"

FACT_TYPES = ("bool", "int", "choice")
#: The answer words every question shares (buttons, and a value in words), per language.
ANSWER_WORDS = {
    "en": {"yes": "Yes", "no": "No", "not_sure": "Not sure", "prefer_not": "Prefer not to say",
           "yes_value": "yes", "no_value": "no", "not_sure_value": "not sure"},
    "zh": {"yes": "是", "no": "否", "not_sure": "不确定", "prefer_not": "不想说",
           "yes_value": "是", "no_value": "否", "not_sure_value": "不确定"},
}


class CatalogError(ValueError):
    """The facts catalog is malformed; the message names the file and the fact."""


@dataclass(frozen=True)
class Option:
    value: Any
    label: str


@dataclass(frozen=True)
class Derivation:
    """A value the fact takes without asking, once another answer makes it certain."""

    when: Mapping[str, Any]
    value: Any


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    label: str
    parser: str
    ask_self: str
    ask_proxy: str
    why: str
    options: tuple[Option, ...] = ()
    proxy_options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    ask_when: Mapping[str, Any] | None = None
    ask_unless: Mapping[str, Any] | None = None
    window_days: int | None = None  # for parser 'recent': how far back the question asks
    derive: tuple[Derivation, ...] = ()
    sensitive: bool = False
    hint: str | None = None  # said when an answer is not understood (else the type's hint)
    order: int = 0
    language: str = "en"  # the language of its wording (load_catalog(language=...))

    def question(self, audience: str = "self", persons: Mapping[str, Any] | None = None) -> str:
        """The question worded for who the chat is about ('self', 'child' or 'other')."""
        if audience == "self":
            return self.ask_self
        return for_person(self.ask_proxy, audience, persons)

    def choices(self, audience: str = "self") -> tuple[Option, ...]:
        """Answer buttons: the allowed values, then 'not sure' / 'prefer not to say'."""
        words = ANSWER_WORDS[self.language]
        if self.type == "bool":
            base = (Option(True, words["yes"]), Option(False, words["no"]))
        elif audience != "self" and self.proxy_options:
            base = self.proxy_options
        else:
            base = self.options
        unknown_label = words["prefer_not"] if self.sensitive else words["not_sure"]
        return (*base, Option(UNKNOWN, unknown_label))

    def allowed_values(self) -> list[Any]:
        if self.type == "bool":
            return [True, False]
        return [option.value for option in self.options]

    def relevant(self, facts: Mapping[str, Any]) -> bool:
        """Whether the question applies: its ask_when holds and its ask_unless does not (an
        unknown ask_unless, 'not sure' included, leaves the question asked)."""
        if self.ask_when is not None and rules.evaluate(self.ask_when, facts) is not True:
            return False
        return self.ask_unless is None or rules.evaluate(self.ask_unless, facts) is not True

    def is_valid(self, value: Any) -> bool:
        """Whether a value may be stored for this fact (UNKNOWN always may)."""
        if value == UNKNOWN:
            return True
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "int":
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and (self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
            )
        return any(value == v and type(value) is type(v) for v in self.allowed_values())

    def label_of(self, value: Any) -> str:
        """A value in words, for reasons and staff pages."""
        words = ANSWER_WORDS[self.language]
        if value == UNKNOWN:
            return words["not_sure_value"]
        if self.type == "bool":
            return words["yes_value"] if value else words["no_value"]
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value)


def for_person(template: str, audience: str, persons: Mapping[str, Any] | None) -> str:
    """A proxy wording with {person's} and {person} filled ("your child's", "your child").

    The possessive is its own phrase (facts.yaml `persons`), never the name with 's added:
    that gave "the person you are asking for's body".
    """
    entry = (persons or {}).get(audience) or {}
    if isinstance(entry, str):  # a bare name: its possessive is the name with 's
        entry = {"name": entry, "possessive": f"{entry}'s"}
    name = entry.get("name", "the patient")
    text = template.replace("{person's}", entry.get("possessive", "the patient's"))
    text = text.replace("{person}", name)
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class Catalog:
    facts: Mapping[str, Fact]
    persons: Mapping[str, Any] = field(default_factory=dict)  # audience -> name, possessive

    def __getitem__(self, name: str) -> Fact:
        return self.facts[name]

    def __contains__(self, name: object) -> bool:
        return name in self.facts

    def __iter__(self):
        return iter(self.facts.values())

    def valid_facts(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The entries that name a catalog fact and hold a value it allows; anything else
        (other slots, raw text, forged or out-of-range values) is dropped."""
        return {
            name: value
            for name, value in values.items()
            if name in self.facts and value is not None and self.facts[name].is_valid(value)
        }


@cache
def load_catalog(path: Path = FACTS_FILE, language: str = "en") -> Catalog:
    """Read and check the facts catalog; raise CatalogError naming the fact at fault. In
    another language the catalog's wording is its overlay (bot/i18n.py); every machine field
    (names, values, rules) is the English file's, so either catalog reads the same answers."""
    try:
        if language != "en" and path == FACTS_FILE:
            data = i18n.load(FACTS_FILE.relative_to(i18n.ROOT).as_posix(), language)
        else:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogError(f"{path.name}: not valid YAML: {error}") from error
    raw_facts = data.get("facts") if isinstance(data, Mapping) else None
    if not isinstance(raw_facts, list) or not all(isinstance(r, Mapping) for r in raw_facts):
        raise CatalogError(f"{path.name}: expected 'facts:' with a list of fact mappings")
    names = {raw.get("name") for raw in raw_facts}
    facts: dict[str, Fact] = {}
    for order, raw in enumerate(raw_facts):
        try:
            fact = _build_fact(raw, order, language)
            _check_rules(fact, names)
        except (KeyError, TypeError, ValueError) as error:
            raise CatalogError(f"{path.name}: fact {raw.get('name')!r}: {error}") from error
        if fact.name in facts:
            raise CatalogError(f"{path.name}: fact {fact.name!r} is defined twice")
        facts[fact.name] = fact
    return Catalog(facts=facts, persons=data.get("persons") or {})


def _build_fact(raw: Mapping[str, Any], order: int, language: str = "en") -> Fact:
    if raw["type"] not in FACT_TYPES:
        raise ValueError(f"type must be one of {FACT_TYPES}, not {raw['type']!r}")
    if raw["parser"] not in PARSERS:  # else the first answer to the question fails
        known = ", ".join(sorted(PARSERS))
        raise ValueError(f"parser must be one of {known}, not {raw['parser']!r}")
    if raw["type"] == "choice" and not raw.get("values"):
        raise ValueError("a choice fact needs values")
    return Fact(
        name=raw["name"],
        type=raw["type"],
        label=raw["label"],
        parser=raw["parser"],
        ask_self=raw["ask"]["self"],
        ask_proxy=raw["ask"]["proxy"],
        why=raw["why"],
        options=_options(raw.get("values")),
        proxy_options=_options(raw.get("proxy_values")),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        ask_when=raw.get("ask_when"),
        ask_unless=raw.get("ask_unless"),
        window_days=raw.get("window_days"),
        derive=tuple(Derivation(d["when"], d["value"]) for d in raw.get("derive") or []),
        sensitive=bool(raw.get("sensitive", False)),
        hint=raw.get("hint"),
        order=order,
        language=language,
    )


def _options(raw: list[Mapping[str, Any]] | None) -> tuple[Option, ...]:
    return tuple(Option(item["value"], item["label"]) for item in raw or [])


def _check_rules(fact: Fact, names: set[str]) -> None:
    for rule in (fact.ask_when, fact.ask_unless):
        if rule is not None:
            rules.check(rule, names)
    if fact.parser == "recent" and not (isinstance(fact.window_days, int) and fact.window_days > 0):
        raise ValueError("parser 'recent' needs window_days, a whole number of days")
    for derivation in fact.derive:
        rules.check(derivation.when, names)
        if not fact.is_valid(derivation.value):
            raise ValueError(f"derived value {derivation.value!r} is not allowed")
    if fact.proxy_options and [o.value for o in fact.proxy_options] != fact.allowed_values():
        raise ValueError("proxy_values must list the same values as values")
