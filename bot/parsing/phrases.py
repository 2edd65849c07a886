"""Phrase matching: finding the vocabulary's phrases in a message, and whole-answer checks.

A `Matcher` finds the phrases of a {value: [phrases]} table (whole words; letters and digits
may be written apart; optional words in between; capitalised abbreviations; misspellings
through `Speller`). Whole-answer checks: a hedge ("not sure") and a button label.
Phrases are matched in the word form of bot/parsing/text.py. Word boundaries are defined on
Latin letters and digits only, so a Chinese phrase (written without spaces) matches wherever
it appears.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.parsing.spelling import Speller, same_position
from bot.parsing.text import (
    PUNCT,
    WORD_END,
    WORD_START,
    Text,
    button_labels,
    cased_words,
    vocab,
    words,
)

# ---------------------------------------------------------------------------------------------
# Phrase matching


@dataclass(frozen=True)
class Hit:
    """A recognised phrase: its value and where it is in the word form."""

    value: Any
    start: int
    end: int


def squash(s: str) -> str:
    """A phrase without spaces: the key that makes "pd 1" and "pd1" the same."""
    return s.replace(" ", "")


def _token_regex(token: str) -> str:
    """One word; letters and digits may be written apart ("ak104" also matches "ak 104")."""
    out = []
    for i, ch in enumerate(token):
        prev = token[i - 1] if i else ""
        if (
            prev.isascii()
            and ch.isascii()
            and prev.isalnum()
            and ch.isalnum()
            and prev.isdigit() != ch.isdigit()
        ):
            out.append(r"\s?")
        out.append(re.escape(ch))
    return "".join(out)


def phrase_regex(phrase: str, optional: str = "") -> str:
    """A phrase in word form as a regex (no boundaries); `optional` words may come between."""
    tokens = phrase.split()
    parts = [_token_regex(tokens[0])] if tokens else []
    for prev, tok in itertools.pairwise(tokens):
        joint = prev[-1].isascii() and tok[0].isascii() and prev[-1].isdigit() != tok[0].isdigit()
        parts.append(r"\s*" if joint else rf"\s+{optional}")
        parts.append(_token_regex(tok))
    return "".join(parts)


def alternation(phrases: Iterable[str], optional: str = "") -> str:
    """Phrases as one alternation, longest first so the longest wins at a position."""
    unique = sorted(set(p for p in phrases if p), key=lambda p: (-len(p), p))
    return "|".join(phrase_regex(p, optional) for p in unique) or "(?!)"


def compile_phrases(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """Whole-word regex for word-form phrases."""
    return re.compile(rf"{WORD_START}(?:{alternation(phrases)}){WORD_END}", flags)


def as_words(items: Iterable[str]) -> list[str]:
    """Vocabulary phrases in lower-case word form."""
    return [w for w in (words(item) for item in items) if w]


def _first_longest(hits: list[Hit]) -> list[Hit]:
    """Non-overlapping hits: the earliest wins, then the longest."""
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, h.start - h.end)):
        if not out or hit.start >= out[-1].end:
            out.append(hit)
    return out


class Matcher:
    """Finds the phrases of a {value: [phrases]} table in a text."""

    def __init__(
        self,
        table: Mapping[Any, list[str]],
        *,
        abbreviations: Mapping | None = None,
        exact: Mapping | None = None,
        optional: Iterable[str] = (),
        spell: bool = False,
    ) -> None:
        self._optional = frozenset(as_words(optional))
        opt = rf"(?:(?:{alternation(self._optional)})\s+)*" if self._optional else ""
        self._lookup, phrases = self._index(table)
        self._regex = re.compile(rf"{WORD_START}(?:{alternation(phrases, opt)}){WORD_END}")
        self._abbr = {
            squash(cased_words(a)): v for v, items in (abbreviations or {}).items() for a in items
        }
        abbr_words = [cased_words(a) for a in self._abbr_items(abbreviations)]
        self._abbr_regex = (
            re.compile(rf"{WORD_START}(?:{alternation(abbr_words)}){WORD_END}")
            if abbr_words
            else None
        )
        self._exact = {squash(w): v for v, items in (exact or {}).items() for w in as_words(items)}
        self._exact.update({k.lower(): v for k, v in self._abbr.items()})
        words = {tok for p in phrases for tok in p.split()}
        self.speller = Speller(words, vocab()["spelling_keep"]) if spell else None

    @staticmethod
    def _abbr_items(abbreviations: Mapping | None) -> list[str]:
        """All abbreviations of a table."""
        return [a for items in (abbreviations or {}).values() for a in items]

    def _index(self, table: Mapping[Any, list[str]]) -> tuple[dict[str, Any], list[str]]:
        """Phrase key -> value, and the phrases; a phrase under two values is an error."""
        lookup: dict[str, Any] = {}
        phrases: list[str] = []
        for value, items in table.items():
            for phrase in as_words(items):
                key = self._key(phrase)
                if lookup.get(key, value) != value:
                    raise ValueError(f"vocabulary phrase {phrase!r} has two meanings")
                lookup[key] = value
                phrases.append(phrase)
        return lookup, phrases

    def _key(self, matched: str) -> str:
        """Lookup key of matched text: no spaces, no optional words."""
        return squash(" ".join(t for t in matched.split() if t not in self._optional))

    def find(self, t: Text, whole: bool = False) -> list[Hit]:
        """Phrases and capitalised abbreviations in the text; with `whole`, exact answers too."""
        low, back = self.speller.correct(t.low) if self.speller else (t.low, same_position)
        hits = [
            Hit(self._lookup[self._key(m.group())], back(m.start()), back(m.end()))
            for m in self._regex.finditer(low)
        ]
        if self._abbr_regex:
            hits += [
                Hit(self._abbr[squash(m.group())], m.start(), m.end())
                for m in self._abbr_regex.finditer(t.cased)
            ]
        if whole and not hits:
            value = self._exact.get(squash(_answer_core(t.low)))
            if value is not None:
                hits.append(Hit(value, 0, len(t.low)))
        return _first_longest(hits)


# ---------------------------------------------------------------------------------------------
# Answers as a whole: unknown, lead-ins, labels


@lru_cache(maxsize=1)
def _unknown() -> re.Pattern[str]:
    """Phrases meaning "I don't know" or "I won't say"."""
    return compile_phrases(as_words(vocab()["unknown"]))


def is_unknown(t: Text) -> bool:
    """True when the answer hedges: an unsure answer must not decide anything."""
    return bool(_unknown().search(t.low))


@lru_cache(maxsize=1)
def _answer_affixes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Lead-in and trailing words around a short answer ("it's OS", "MAP chemo")."""
    v = vocab()
    lead = re.compile(rf"^(?:{alternation(as_words(v['answer_lead_ins']))})\s+")
    tail = re.compile(rf"\s+(?:{alternation(as_words(v['answer_suffixes']))})$")
    return lead, tail


def _answer_core(low: str) -> str:
    """A short answer without punctuation, lead-ins and trailing filler words."""
    s = " ".join(tok for tok in low.split() if tok not in PUNCT)
    lead, tail = _answer_affixes()
    for _ in range(3):
        s = tail.sub("", lead.sub("", s))
    return s


def label_value(parser: str, t: Text) -> Any | None:
    """The value of the button label the answer is (or very nearly is), if any."""
    labels = button_labels().get(parser, {})
    key = " ".join(tok for tok in t.low.split() if tok not in PUNCT)
    if key in labels:
        return labels[key]
    if len(key) >= 20:
        close = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.9)
        if close:
            return labels[close[0]]
    return None
