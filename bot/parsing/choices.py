"""Choice facts: diagnosis, liposarcoma type, local recurrence, what doctors said about surgery.

Each reads a button label first, then a hedge, then the one value the phrases name; two values
named is None (asked again), never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from bot.parsing.age import stated_ages
from bot.parsing.clauses import single, stated
from bot.parsing.phrases import Matcher, is_unknown, label_value
from bot.parsing.text import text_forms, vocab
from bot.parsing.yes_no import parse_yes_no
from bot.values import UNKNOWN


def _table_matcher(section: Mapping[Any, Any], **options: Any) -> Matcher:
    """A matcher for a vocabulary section of {value: [phrases]} plus optional special keys."""
    table = {k: v for k, v in section.items() if k not in ("abbreviations", "exact")}
    return Matcher(
        table, abbreviations=section.get("abbreviations"), exact=section.get("exact"), **options
    )


@lru_cache(maxsize=1)
def diagnosis_matcher() -> Matcher:
    """Sarcoma type names, old names, misspellings, Chinese names."""
    return _table_matcher(vocab()["diagnosis"], spell=True)


@lru_cache(maxsize=1)
def liposarcoma_matcher() -> Matcher:
    """Liposarcoma subtype names."""
    return _table_matcher(vocab()["liposarcoma_type"], spell=True)


def _parse_choice(parser: str, matcher: Matcher, text: str) -> Any | None:
    """Label, then UNKNOWN for a hedge, then the one value the phrases name (None if several)."""
    t = text_forms(text)
    if not t.low:
        return None
    label = label_value(parser, t)
    if label is not None:
        return label
    if is_unknown(t):
        return UNKNOWN
    return single(h.value for h in stated(matcher.find(t, whole=True), t))


def parse_diagnosis(text: str, today: date | None = None) -> str | None:
    """ups | leiomyosarcoma | myxofibrosarcoma | liposarcoma | osteosarcoma | other, UNKNOWN,
    or None (unrelated, benign look-alikes such as leiomyoma, or two different types named)."""
    return _parse_choice("diagnosis", diagnosis_matcher(), text)


def parse_liposarcoma_type(text: str, today: date | None = None) -> str | None:
    """dedifferentiated | pleomorphic | poorly_differentiated | well_differentiated | myxoid |
    other, UNKNOWN, or None. Two kinds named ("well differentiated with dedifferentiated
    areas") is None: the person should pick what the report calls it."""
    return _parse_choice("liposarcoma_type", liposarcoma_matcher(), text)


@lru_cache(maxsize=1)
def _recurrence() -> Matcher:
    """Wording about the cancer coming back and being removed."""
    return _table_matcher(vocab()["local_recurrence"])


def _recurrence_value(kinds: set[str]) -> str | None:
    """Decide from what was said: removed, still there, not back. Just "came back" is None:
    whether it was removed again decides the PROMIS criterion, so it is asked (issue 11)."""
    if kinds == {"removed"} or kinds == {"removed", "recurred"}:
        return "removed"
    if "present" in kinds and kinds <= {"present", "recurred"}:
        return "present"
    if kinds == {"no"}:
        return "no"
    return None


def parse_local_recurrence(text: str, today: date | None = None) -> str | None:
    """ "no" | "removed" | "present", UNKNOWN, or None.

    A plain no is "no". A plain yes, or "it came back" without saying whether it was removed
    again, is None: the question is asked again with its buttons. Removed and still-there
    wording together is None too.
    """
    t = text_forms(text)
    if not t.low:
        return None
    label = label_value("local_recurrence", t)
    if label is not None:
        return label
    if is_unknown(t):
        return UNKNOWN
    kinds = {h.value for h in stated(_recurrence().find(t), t)}
    if kinds:
        return _recurrence_value(kinds)
    answer = parse_yes_no(text)
    return "no" if answer is False else None if answer is True else answer


# --- what doctors said about surgery ---------------------------------------------------------

REMOVABLE, NOT_REMOVABLE, NOT_DISCUSSED = "removable", "not_removable", "not_discussed"


@lru_cache(maxsize=1)
def _surgery_said() -> Matcher:
    """Wording for 'they said it can / cannot be removed' and 'they have not said'."""
    return Matcher(vocab()["surgery_said"])


def parse_surgery_said(text: str, today: date | None = None) -> str | None:
    """removable | not_removable | not_discussed, UNKNOWN, or None.

    'Not talked about yet' wording is read before anything else ("no, they haven't said" is
    not a no). Then a hedge is UNKNOWN; then what was said; a plain yes means they said it
    can be removed. A plain no is None: "no" to "what have your doctors said?" could mean
    "cannot" or "not yet", and only "cannot" may rule a patient out, so it is asked again.
    """
    t = text_forms(text)
    if not t.low:
        return None
    label = label_value("surgery_said", t)
    if label is not None:
        return label
    said = {hit.value for hit in _surgery_said().find(t)}
    if NOT_DISCUSSED in said:
        return NOT_DISCUSSED
    if is_unknown(t):
        return UNKNOWN
    if said:
        return said.pop() if len(said) == 1 else None
    if stated_ages(t, today or date.today(), need_born=False):
        return None  # "sorry, I'm 53" corrects the age: its "I am" is no yes to this question
    return REMOVABLE if parse_yes_no(text, today) is True else None
