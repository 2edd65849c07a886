"""Parsers for answers that a plain yes or no does not settle (issue 11).

"I had interferon, nothing like Keytruda" is a truthful answer to the PD-1/PD-L1/CTLA-4
question, and it is a no; "a heart attack 3 months ago" is a yes to "in the past 6 months";
"my doctors haven't talked about surgery yet" is neither yes nor no. These parsers read what
such answers name (drugs, how long ago, what doctors said) before falling back to yes/no.

They build on bot/parsing.py's text forms, matchers and clause rules, and take their words
from bot/content/vocabulary.yaml. Kept apart from bot/parsing.py (which another change will
split into a package) so that they move with it as one piece.

Each `*_named` / `*_evidence` function returns a value only when the answer names something
that decides it (a drug, a time, an event), else None: the conversation logic tries those
first, and only then reads yes/no, so that "actually I'm 46" is never read as a "yes".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial
from typing import Any

from bot import parsing
from bot.catalog import Fact
from bot.values import UNKNOWN

#: Drug classes that make the PD-1 / PD-L1 / CTLA-4 question a yes.
CHECKPOINT = frozenset({"pd1", "pdl1", "ctla4"})
#: Named without saying which target ("a checkpoint inhibitor", OX40) or only as a kind
#: ("immunotherapy"): the answer cannot tell, so it is 'not sure' for the study team.
UNSURE_CLASSES = frozenset({"other_checkpoint", "immunotherapy"})
OTHER_IMMUNOTHERAPY = "other_immunotherapy"


def checkpoint_named(text: str, today: date | None = None) -> bool | str | None:
    """The PD-1/PD-L1/CTLA-4 question from the drugs an answer names.

    A checkpoint drug had: True. A checkpoint drug of unknown target, or 'immunotherapy'
    only: UNKNOWN. Other immunotherapy (interferon, thymosin, mifamurtide, a vaccine, CAR-T)
    and no checkpoint drug had: False, whatever yes the answer says ("yes, interferon").
    Checkpoint drugs only denied: False. Nothing named: None. A checkpoint drug in a hedged
    clause ("nothing like Keytruda", "will I get Keytruda?") counts for nothing; one named
    plainly counts as had, since the question asks what the patient has had.
    """
    t = parsing._text(text)
    hits = parsing._drug_hits(t)
    if not hits:
        return None
    clauses = parsing._Clauses(t.low, [hit for hit, _ in hits])
    named: dict[str, set[str]] = {"had": set(), "denied": set(), "other": set()}
    for hit, drug in hits:
        classes = set(drug.classes)
        denied = clauses.drug_status(hit) == "not had"
        if classes & CHECKPOINT and not clauses.hedged(hit, drug=True):
            named["denied" if denied else "had"] |= classes & CHECKPOINT
        elif classes & UNSURE_CLASSES and not clauses.hedged(hit):
            named["denied" if denied else "had"] |= classes & UNSURE_CLASSES
        elif OTHER_IMMUNOTHERAPY in classes and not denied:
            named["other"].add(OTHER_IMMUNOTHERAPY)
    if named["had"] & CHECKPOINT:
        return True
    if named["had"]:
        return UNKNOWN
    if named["other"] or named["denied"]:
        return False
    return None


def parse_checkpoint(text: str, today: date | None = None) -> bool | str | None:
    """True, False, UNKNOWN or None for the PD-1/PD-L1/CTLA-4 question: a hedge first,
    then the drugs named, then yes/no."""
    t = parsing._text(text)
    if not t.low:
        return None
    if parsing._is_unknown(t):
        return UNKNOWN
    named = checkpoint_named(text, today)
    return named if named is not None else parsing.parse_yes_no(text, today)


# --- what doctors said about surgery -----------------------------------------------------

REMOVABLE, NOT_REMOVABLE, NOT_DISCUSSED = "removable", "not_removable", "not_discussed"


@lru_cache(maxsize=1)
def _surgery_said() -> parsing._Matcher:
    """Wording for 'they said it can / cannot be removed' and 'they have not said'."""
    return parsing._Matcher(parsing._vocab()["surgery_said"])


def parse_surgery_said(text: str, today: date | None = None) -> str | None:
    """removable | not_removable | not_discussed, UNKNOWN, or None.

    'Not talked about yet' wording is read before anything else ("no, they haven't said" is
    not a no). Then a hedge is UNKNOWN; then what was said; a plain yes means they said it
    can be removed. A plain no is None: "no" to "what have your doctors said?" could mean
    "cannot" or "not yet", and only "cannot" may rule a patient out, so it is asked again.
    """
    t = parsing._text(text)
    if not t.low:
        return None
    label = parsing._label_value("surgery_said", t)
    if label is not None:
        return label
    said = {hit.value for hit in _surgery_said().find(t)}
    if NOT_DISCUSSED in said:
        return NOT_DISCUSSED
    if parsing._is_unknown(t):
        return UNKNOWN
    if said:
        return said.pop() if len(said) == 1 else None
    return REMOVABLE if parsing.parse_yes_no(text, today) is True else None


# --- how long ago: questions about the past N days ----------------------------------------

#: Days per unit, and how far either way a stated number of that unit may be off.
_UNITS = {"day": (1, 0), "week": (7, 3), "month": (30, 15), "year": (365, 180)}
_UNIT_WORDS = {
    "day": "day|days|天", "week": "week|weeks|wk|wks|周|星期|个星期",
    "month": "month|months|mo|mos|个月|月", "year": "year|years|yr|yrs|年",
}
_FEW = {"a few": (2, 5), "few": (2, 5), "several": (2, 6), "a couple of": (2, 2),
        "couple of": (2, 2), "a": (1, 1), "an": (1, 1), "one": (1, 1)}
_NAMED_TIMES = {  # (fewest, most) days ago
    "today": (0, 0), "this morning": (0, 0), "yesterday": (1, 1), "this week": (0, 7),
    "last week": (3, 14), "this month": (0, 31), "last month": (15, 62), "last year": (1, 730),
    "今天": (0, 0), "昨天": (1, 1), "这周": (0, 7), "上周": (3, 14), "这个月": (0, 31),
    "上个月": (15, 62), "去年": (1, 730),
}
Span = tuple[float, float]


@lru_cache(maxsize=1)
def _duration_regex() -> re.Pattern[str]:
    units = "|".join(f"(?P<{unit}>{words})" for unit, words in _UNIT_WORDS.items())
    amount = r"(?P<n>\d+(?:\.\d+)?|" + "|".join(sorted(_FEW, key=len, reverse=True)) + ")"
    bound = r"(?:(?P<over>over|more than|longer than)|(?P<under>under|less than))?\s*"
    return re.compile(
        rf"(?<![\w]){bound}{amount}\s*(?:{units})\s*(?:ago|before|back|earlier|以前|之前|前)"
    )


def durations(text: str) -> list[Span]:
    """How many days ago each time an answer names lies, as (fewest, most) days."""
    t = parsing._text(text)
    spans: list[Span] = []
    for m in _duration_regex().finditer(t.digits):
        unit = next(u for u in _UNITS if m.group(u))
        days, slack = _UNITS[unit]
        low, high = (float(m["n"]),) * 2 if m["n"][0].isdigit() else _FEW[m["n"]]
        span = (low * days - slack, high * days + slack)
        if m["over"]:
            span = (low * days, float("inf"))
        elif m["under"]:
            span = (0.0, high * days)
        spans.append((max(span[0], 0.0), span[1]))
    for phrase, (low, high) in _NAMED_TIMES.items():
        if re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", t.low) or (
                not phrase.isascii() and phrase in t.low):
            spans.append((float(low), float(high)))
    return spans


@lru_cache(maxsize=1)
def _events() -> dict[str, parsing._Matcher]:
    """Per fact, the words naming what its question asks about (a heart attack, a vaccine),
    and under NOT_ASKED what it does not ask about though it sounds alike (a flu shot is not a
    live vaccine)."""
    unlike = parsing._vocab().get("recent_unlike") or {}
    return {name: parsing._Matcher({name: phrases, NOT_ASKED: unlike.get(name) or []})
            for name, phrases in parsing._vocab()["recent_events"].items()}


NOT_ASKED = "_not_asked"


def recent_evidence(fact: Fact, text: str, today: date | None = None) -> bool | str | None:
    """A question about the past `window_days` from the times and events an answer names.

    A time counts when the answer names what the question asks about ("a heart attack 3
    months ago") or is short ("yes, 2 weeks ago"): a time in a long answer about something
    else ("I'm 52 and had surgery 2 years ago", to the steroid question) says nothing. Within
    the window: True; all beyond it: False; a time that may be either side: UNKNOWN. The event
    named without a time and without a yes or no ("a heart attack") is a yes. Only something
    the question does not ask about ("a flu shot", to the live-vaccine question) is a no.
    """
    t = parsing._text(text)
    matcher = _events().get(fact.name)
    hits = matcher.find(t) if matcher else []
    clauses = parsing._Clauses(t.low, hits)
    said = {h.value for h in hits if not clauses.negated(h) and not clauses.hedged(h)}
    named = fact.name in said
    if said == {NOT_ASKED}:  # "a flu shot 2 weeks ago", to the live-vaccine question
        return False
    spans = durations(text)
    short = len([w for w in t.low.split() if w not in parsing._PUNCT]) <= SHORT_ANSWER_WORDS
    if spans and (named or short):
        window = float(fact.window_days or 0)
        if any(high <= window for _, high in spans):
            return True
        return False if all(low > window for low, _ in spans) else UNKNOWN
    if named and parsing.parse_yes_no(text, today) is None:
        return True
    return None


SHORT_ANSWER_WORDS = 8


def parse_recent(fact: Fact, text: str, today: date | None = None) -> bool | str | None:
    """A hedge, then the times and events named, then yes/no."""
    t = parsing._text(text)
    if not t.low:
        return None
    if parsing._is_unknown(t):
        return UNKNOWN
    found = recent_evidence(fact, text, today)
    return found if found is not None else parsing.parse_yes_no(text, today)


# --- a Karnofsky score between two ECOG grades --------------------------------------------


def karnofsky_between_grades(text: str) -> int | None:
    """The Karnofsky score an ECOG answer gives, when it fits two ECOG grades (KPS 70, 60 or
    50: vocabulary `karnofsky` null), so the patient can be told why it is asked again."""
    score = parsing._keyword_score(parsing._text(text), "ecog", "karnofsky_keywords")
    table = parsing._vocab()["ecog"]["karnofsky"]
    return score if score in table and table[score] is None else None


# --- which parser reads a fact ------------------------------------------------------------

Parser = Callable[[str, "date | None"], Any]

#: parser name (facts.yaml `parser`) -> the reader of named drugs, times or events, tried
#: before yes/no; and the whole parser. Parsers not named here are bot/parsing.py's.
_EVIDENCE: dict[str, Callable[[Fact, str, date | None], Any]] = {
    "checkpoint": lambda fact, text, today: checkpoint_named(text, today),
    "recent": recent_evidence,
}
_PARSERS: dict[str, Callable[[Fact, str, date | None], Any]] = {
    "checkpoint": lambda fact, text, today: parse_checkpoint(text, today),
    "surgery_said": lambda fact, text, today: parse_surgery_said(text, today),
    "recent": parse_recent,
}


def parser_for(fact: Fact) -> Parser:
    """The function that reads free text for this fact: (text, today) -> value."""
    if fact.parser in _PARSERS:
        return partial(_PARSERS[fact.parser], fact)
    return getattr(parsing, f"parse_{fact.parser}")


def evidence(fact: Fact, text: str, today: date | None = None) -> Any:
    """What the answer's named drugs, times or events say, or None (then yes/no decides)."""
    reader = _EVIDENCE.get(fact.parser)
    if reader is None or parsing._is_unknown(parsing._text(text)):
        return None
    return reader(fact, text, today)
