"""Reading patients' free-text answers into fact values.

Each parser returns a valid value for its fact, UNKNOWN when the person does not know or will
not say, or None when the text could not be understood, so the caller asks again.
`extract_facts` reads every fact a free message states. `parser_for` finds the function that reads
a fact (the ``parser:`` field of content/facts.yaml).

What is recognised (synonyms, drug names, phrasings, number words) is data in
content/vocabulary.yaml; button labels are read from content/facts.yaml, so an edited label still
parses. One rule throughout: never guess. A hedged answer is UNKNOWN, an ambiguous one None, and
extract_facts leaves out whatever is hedged, contradictory or not clearly stated.

Modules, from the bottom up (each imports only those above it):

- text: clean-up, the vocabulary, prepared text forms, numbers (parse_number)
- spelling, phrases: the spell-checker; phrase matching, hedges ("not sure"), button labels
- clauses: negation and hedges around a recognised phrase
- yes_no, age, choices, scales, drugs, recent: one kind of answer each (choices, drugs and
  recent fall back on yes_no)
- extract: several facts from one message

Languages: English, with the Chinese words the vocabulary already lists (drug and diagnosis
names, 岁, Chinese numerals). Chinese parsing (issue 13) lands here: words in the vocabulary,
and rules that differ by language (Chinese numerals, 虚岁, negation such as 没用过) in the module
of their kind of answer, or in a `zh` module those modules call; the public API stays as is.

No module here imports bot.catalog at run time (the catalog is about facts, not words).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.parsing.age import parse_age
from bot.parsing.choices import (
    NOT_DISCUSSED,
    NOT_REMOVABLE,
    REMOVABLE,
    parse_diagnosis,
    parse_liposarcoma_type,
    parse_local_recurrence,
    parse_surgery_said,
)
from bot.parsing.drugs import checkpoint_named, parse_checkpoint, parse_drug_classes
from bot.parsing.extract import extract_facts
from bot.parsing.phrases import is_unknown
from bot.parsing.recent import durations, parse_recent, recent_evidence
from bot.parsing.scales import karnofsky_between_grades, parse_ecog, parse_lansky
from bot.parsing.text import parse_number, text_forms
from bot.parsing.yes_no import parse_yes_no

if TYPE_CHECKING:
    from bot.catalog import Fact

__all__ = [
    "NOT_DISCUSSED",
    "NOT_REMOVABLE",
    "REMOVABLE",
    "FactParser",
    "checkpoint_named",
    "durations",
    "evidence",
    "extract_facts",
    "karnofsky_between_grades",
    "parse_age",
    "parse_checkpoint",
    "parse_diagnosis",
    "parse_drug_classes",
    "parse_ecog",
    "parse_lansky",
    "parse_liposarcoma_type",
    "parse_local_recurrence",
    "parse_number",
    "parse_recent",
    "parse_surgery_said",
    "parse_yes_no",
    "parser_for",
    "recent_evidence",
]

#: Reads one fact's answer: (fact, text, today) -> value, UNKNOWN or None.
FactParser = Callable[["Fact", str, "date | None"], Any]

#: parser name (facts.yaml `parser`) -> the reader of named drugs, times or events, tried
#: before yes/no; and the whole parser. Parsers not named here are parse_<name>.
_EVIDENCE: dict[str, FactParser] = {
    "checkpoint": lambda fact, text, today: checkpoint_named(text, today),
    "recent": recent_evidence,
}
_PARSERS: dict[str, FactParser] = {
    "checkpoint": lambda fact, text, today: parse_checkpoint(text, today),
    "surgery_said": lambda fact, text, today: parse_surgery_said(text, today),
    "recent": parse_recent,
}


def parser_for(fact: Fact) -> Callable[[str, date | None], Any]:
    """The function that reads free text for this fact: (text, today) -> value."""
    if fact.parser in _PARSERS:
        return partial(_PARSERS[fact.parser], fact)
    return globals()[f"parse_{fact.parser}"]


def evidence(fact: Fact, text: str, today: date | None = None) -> Any:
    """What the answer's named drugs, times or events say, or None (then yes/no decides)."""
    reader = _EVIDENCE.get(fact.parser)
    if reader is None or is_unknown(text_forms(text)):
        return None
    return reader(fact, text, today)
