"""Reading patients' free-text answers into fact values.

Each parser returns a valid value for its fact, UNKNOWN when the person does not know or will
not say, or None when the text could not be understood, so the caller asks again.
`extract_facts` reads every fact a free message states. `PARSERS` maps the ``parser:`` field
of content/facts.yaml to the function that reads that fact; the catalog refuses any other name.

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

Languages: every parser reads English and Chinese, whatever the chat's language (no
language argument). text.py writes Traditional characters as Simplified (opencc), full-width
digits as ASCII (NFKC) and Chinese numerals as digits (cn2an); the Chinese phrases are
vocabulary, in content/vocabulary.yaml and content/zh/vocabulary.yaml (added to the English
lists); the Chinese button labels of content/zh/facts.yaml parse like the English ones. Rules
that differ by language live in the module of their kind of answer: a comma before Chinese
text ends a clause (clauses), 虚岁 and 73年生的 (age). Tests: tests/parsing/test_chinese.py.

No module here imports bot.catalog at run time: the catalog imports this package to check
parser names, so the import would be a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
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
from bot.parsing.yes_no import is_agreement, parse_yes_no

if TYPE_CHECKING:
    from bot.catalog import Fact

__all__ = [
    "EVIDENCE",
    "NOT_DISCUSSED",
    "NOT_REMOVABLE",
    "PARSERS",
    "REMOVABLE",
    "FactParser",
    "checkpoint_named",
    "durations",
    "evidence",
    "extract_facts",
    "is_agreement",
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
    "recent_evidence",
]

#: Reads one fact's answer: (fact, text, today) -> value, UNKNOWN or None.
FactParser = Callable[["Fact", str, "date | None"], Any]


def _text_only(parse: Callable[[str, date | None], Any]) -> FactParser:
    """A parser that needs only the text, called the way every fact parser is."""
    return lambda fact, text, today: parse(text, today)


#: parser name (facts.yaml `parser:`) -> the function that reads that fact's answers.
PARSERS: dict[str, FactParser] = {
    "yes_no": _text_only(parse_yes_no),
    "age": _text_only(parse_age),
    "diagnosis": _text_only(parse_diagnosis),
    "liposarcoma_type": _text_only(parse_liposarcoma_type),
    "local_recurrence": _text_only(parse_local_recurrence),
    "surgery_said": _text_only(parse_surgery_said),
    "ecog": _text_only(parse_ecog),
    "lansky": _text_only(parse_lansky),
    "checkpoint": _text_only(parse_checkpoint),
    "recent": parse_recent,
}

#: parser name -> the reader of the drugs, times or events an answer names, tried before
#: yes/no (so "yes, interferon" is a no to the checkpoint question).
EVIDENCE: dict[str, FactParser] = {
    "checkpoint": _text_only(checkpoint_named),
    "recent": recent_evidence,
}


def evidence(fact: Fact, text: str, today: date | None = None) -> Any:
    """What the answer's named drugs, times or events say, or None (then yes/no decides)."""
    reader = EVIDENCE.get(fact.parser)
    if reader is None or is_unknown(text_forms(text)):
        return None
    return reader(fact, text, today)
