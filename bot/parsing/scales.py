"""Performance scales: ECOG (0-4, or from a Karnofsky score) and Lansky (10-100).

Read from a button label, a keyword with a number ("ECOG 2", "KPS 80"), a description or a
bare number; a range ("ECOG 0-1") or a Karnofsky score between two ECOG grades is unusable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from bot.parsing.clauses import single, stated
from bot.parsing.phrases import Matcher, alternation, as_words, is_unknown, label_value
from bot.parsing.text import PUNCT, WORD_START, Text, text_forms, vocab
from bot.values import UNKNOWN


def _scale_matcher(section: str) -> Matcher:
    """Descriptive phrases of a scale, keyed by score."""
    return Matcher(vocab()[section]["phrases"])


@lru_cache(maxsize=1)
def _ecog_phrases() -> Matcher:
    """ECOG descriptions."""
    return _scale_matcher("ecog")


@lru_cache(maxsize=1)
def _lansky_phrases() -> Matcher:
    """Lansky descriptions."""
    return _scale_matcher("lansky")


@lru_cache(maxsize=4)
def _keyword_number(section: str, keywords_key: str) -> re.Pattern[str]:
    """ "<keyword> [is|of|score ...] N [to M]" for a scale; a second number means a range."""
    s = vocab()[section]
    fillers = alternation(as_words(s["number_fillers"]))
    keywords = alternation(as_words(s[keywords_key]))
    return re.compile(
        rf"{WORD_START}(?:{keywords})\s*(?:(?:{fillers})\s*)*(\d+)(?![\d.])"
        rf"(?:\s+(?:(?:to|or)\s+)?(\d+)(?![\d.]))?"
    )


#: A score that is there but unusable (a range such as "ECOG 0-1"); no scale accepts it.
_INVALID = -1


def _keyword_score(t: Text, section: str, keywords_key: str) -> int | None:
    """The number after a scale keyword; None when there is none, _INVALID for a range."""
    m = _keyword_number(section, keywords_key).search(t.digits)
    if not m:
        return None
    return _INVALID if m[2] and m[2] != m[1] else int(m[1])


@lru_cache(maxsize=4)
def _bare_affixes(section: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Words allowed around a bare score ("it's 2", "70%")."""
    s = vocab()[section]
    lead = re.compile(rf"^(?:(?:{alternation(as_words(s['bare_lead_ins']))})\s+)+")
    tail = re.compile(rf"(?:\s+(?:{alternation(as_words(s['bare_suffixes']))}))+$")
    return lead, tail


def _bare_score(t: Text, section: str) -> int | None:
    """A whole answer that is just a number (with a few filler words)."""
    lead, tail = _bare_affixes(section)
    core = " ".join(tok for tok in t.digits.split() if tok not in PUNCT)
    core = tail.sub("", lead.sub("", core))
    return int(core) if core.isdigit() else None


def _scale(
    parser: str,
    phrases: Matcher,
    text: str,
    by_number: Callable[[Text], int | None],
    valid: Callable[[int], bool],
) -> int | str | None:
    """Label, scale keyword with a number, UNKNOWN, descriptions, then a bare number."""
    t = text_forms(text)
    if not t.low:
        return None
    label = label_value(parser, t)
    if label is not None:
        return label
    if is_unknown(t):
        return UNKNOWN
    score = by_number(t)
    if score is not None:
        return score if valid(score) else None
    described = single(h.value for h in stated(phrases.find(t), t))
    if described is not None:
        return described
    bare = _bare_score(t, parser)
    return bare if bare is not None and valid(bare) else None


def _ecog_number(t: Text) -> int | None:
    """ECOG from "ECOG 1", or from a Karnofsky score ("KPS 80" -> 1, clinical.md 1.4); a
    Karnofsky score between two grades (70, 60, 50) is unusable."""
    score = _keyword_score(t, "ecog", "keywords")
    if score is not None:
        return score
    kps = _keyword_score(t, "ecog", "karnofsky_keywords")
    if kps is None:
        return None
    grade = vocab()["ecog"]["karnofsky"].get(kps, _INVALID)
    return _INVALID if grade is None else grade  # null: between two grades


def parse_ecog(text: str, today: date | None = None) -> int | str | None:
    """ECOG grade 0-4 from an option label, "ECOG 2", "KPS 80", a description or a bare digit;
    UNKNOWN for a hedge; None when unclear, a range ("ECOG 0-1") or grade 5."""
    return _scale("ecog", _ecog_phrases(), text, _ecog_number, lambda g: 0 <= g <= 4)


def parse_lansky(text: str, today: date | None = None) -> int | str | None:
    """Lansky score 10-100 (steps of 10) from an option label, "lansky 70", a description or
    a bare multiple of 10; UNKNOWN for a hedge; None otherwise (0, "unresponsive", is not an
    answer a parent can give in a chat)."""
    return _scale(
        "lansky",
        _lansky_phrases(),
        text,
        lambda t: _keyword_score(t, "lansky", "keywords"),
        lambda s: 10 <= s <= 100 and s % 10 == 0,
    )


def karnofsky_between_grades(text: str) -> int | None:
    """The Karnofsky score an ECOG answer gives, when it fits two ECOG grades (KPS 70, 60 or
    50: vocabulary `karnofsky` null), so the patient can be told why it is asked again."""
    score = _keyword_score(text_forms(text), "ecog", "karnofsky_keywords")
    table = vocab()["ecog"]["karnofsky"]
    return score if score in table and table[score] is None else None
