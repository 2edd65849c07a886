"""The reading level of every English string a patient can read, by Flesch-Kincaid grade.

DESIGN.md asks for plain language at a 6th to 8th grade reading level. This module lists every
patient-facing string of the content files (questions for each audience, answer buttons, 'why
we ask', result and FAQ wording, the trials' summaries and the reasons built from their parts,
the chat page's text) and grades each with textstat's Flesch-Kincaid formula.

Names a patient has to recognise as written are not the reading level's to judge: drug names
(generic, brand, Chinese), sarcoma type names, the scales' names (ECOG, Lansky, Karnofsky) and
the trials' proper names (NCT IDs, sponsors, sites, contacts) are each replaced by one short
word before grading. Everything else, including words such as 'immunotherapy' or
'investigational' that the wording rules require, is graded as written. Placeholders are
filled with sample values. The registry's verbatim criteria and staff-only text (notes,
study-team checks) are not patient-facing and are left out.

    .venv/bin/python -m scripts.reading_level     every string with its grade (make reading-level)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog import CONTENT_DIR, load_catalog
from bot.trials import load_trials
from bot.values import AUDIENCES
from bot.wording import say

GRADE_LIMIT = 8.0
NAME_STAND_IN = "name"
WEB_CONTENT = Path(__file__).parent / "web" / "content.yaml"

#: Keys of the content that hold words patients type, or values the code reads, not words
#: patients read.
NOT_SHOWN = {"audience_words", "closed_choice_words", "value", "months", "date_format"}
#: Flesch-Kincaid measures running text; below this many words (a button, a heading) its
#: grade says nothing about reading ease ("Continuing your conversation." is grade 21). Such
#: strings are reported with their grade but not held to the limit.
MIN_WORDS = 5
VERBATIM = "(verbatim from the record)"
#: Sample values for the placeholders of conversation.yaml and bot/web/content.yaml.
SAMPLES = {
    "emergency_number": "120", "crisis_line": "the crisis line", "person": "your child",
    "trial": "PROMIS", "nct_id": "NCT06114225", "sponsor": "Ruijin Hospital",
    "registry_url": "https://clinicaltrials.gov/study/NCT06114225", "label": "Age",
    "value": "52", "status": "Recruiting", "limit": "2000", "as_of": "12 Nov 2024",
    "date": "12 Nov 2024", "day": "12", "month": "Nov", "year": "2024", "score": "70",
    "trials": "PROMIS", "closed": "NCT06114173",
}


@dataclass(frozen=True)
class Graded:
    where: str
    text: str
    grade: float

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def held_to_limit(self) -> bool:
        """Sentences, not labels; and not the record's own words quoted as they are."""
        return self.words >= MIN_WORDS and VERBATIM not in self.where


def grade(text: str) -> float:
    """Flesch-Kincaid grade of a text, with names replaced (see the module docstring)."""
    import textstat  # a test and report dependency only; the servers never import it

    return float(textstat.flesch_kincaid_grade(without_names(text)))


def without_names(text: str) -> str:
    return _names().sub(NAME_STAND_IN, text)


def graded() -> list[Graded]:
    """Every patient-facing string with its grade, in file order."""
    return [Graded(where, text, grade(text)) for where, text in patient_strings()]


def over_limit(limit: float = GRADE_LIMIT) -> list[Graded]:
    """The strings held to the limit whose grade is above it."""
    return [item for item in graded() if item.held_to_limit and item.grade > limit]


def patient_strings() -> list[tuple[str, str]]:
    """(where, text) for every English string a patient can read; duplicates once."""
    seen: dict[str, str] = {}
    for where, text in [*_catalog_strings(), *_content_strings(), *_trial_strings()]:
        text = " ".join(str(text).split())
        if text and text not in seen:
            seen[text] = where
    return [(where, text) for text, where in seen.items()]


def _catalog_strings() -> Iterator[tuple[str, str]]:
    catalog = load_catalog()
    for fact in catalog:
        where = f"facts.yaml {fact.name}"
        for audience in AUDIENCES:
            yield f"{where} ask ({audience})", fact.question(audience, catalog.persons)
            for option in fact.choices(audience):
                yield f"{where} choice", option.label
        yield f"{where} why", fact.why
        # a label is read in a reason ("You told us: Age: 52.") and on a 'change' button
        yield f"{where} label (in a reason)", say("told_us", answers=f"{fact.label}: yes")
        if fact.hint:
            yield f"{where} hint", fact.hint


def _content_strings() -> Iterator[tuple[str, str]]:
    conversation = yaml.safe_load((CONTENT_DIR / "conversation.yaml").read_text("utf-8"))
    web = yaml.safe_load(WEB_CONTENT.read_text("utf-8"))
    for name, data in (("conversation.yaml", conversation), ("web/content.yaml", web)):
        for key, text in _leaves(data, name):
            yield key, _filled(text)


def _trial_strings() -> Iterator[tuple[str, str]]:
    for trial in load_trials():
        where = f"trials/{trial.nct_id}.yaml"
        yield f"{where} short_title", trial.short_title
        yield f"{where} summary", trial.summary
        for _, part in trial.parts:
            if part.rule is not None:  # study-team parts are shown to staff only
                yield f"{where} {part.id} summary", part.summary
            if part.timing:
                yield f"{where} {part.id} timing", part.timing
        for key, quote in (trial.raw.get("quotes") or {}).items():
            yield f"{where} quotes.{key} {VERBATIM}", quote


def _leaves(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key not in NOT_SHOWN:
                yield from _leaves(value, f"{where} {key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _leaves(item, f"{where}[{index}]")


def _filled(text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES.get(m.group(1), m.group(0)), text)


@cache
def _names() -> re.Pattern[str]:
    """One regex for every name the grade leaves out, longest first, whole words only."""
    names = {name for name in _vocabulary_names() | _trial_names() if len(name) > 1}
    parts = [_name_regex(name) for name in sorted(names, key=len, reverse=True)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def _name_regex(name: str) -> str:
    """Vocabulary names are written with spaces for any punctuation ("pd 1" is "PD-1")."""
    return r"[\s\-']*".join(re.escape(word) for word in name.split())


def _vocabulary_names() -> set[str]:
    vocabulary = yaml.safe_load((CONTENT_DIR / "vocabulary.yaml").read_text("utf-8"))
    names: set[str] = set()
    for entry in vocabulary["drugs"]["entries"]:
        if "_ignore" not in entry["classes"]:
            names.update(entry.get("names") or [])
            names.update(entry.get("abbreviations") or [])
    for section in ("diagnosis", "liposarcoma_type"):
        for value, phrases in vocabulary[section].items():
            if value not in ("_ignore", "abbreviations", "exact") and value != "other":
                names.update(phrases)
    for scale in ("ecog", "lansky"):
        names.update(vocabulary[scale]["keywords"])
    names.update(vocabulary["ecog"]["karnofsky_keywords"])
    return {str(name) for name in names if not re.search(r"[\u3400-\u9fff]", str(name))}


def _trial_names() -> set[str]:
    names: set[str] = set()
    for trial in load_trials():
        names.update({trial.nct_id, trial.sponsor, trial.registry_url})
        names.update(site["name"] for site in trial.sites)
        names.update(c.name for c in trial.contacts)
    return names
