"""Ages: "45", "I'm 45", "forty-five", "my son is 12", "18 months", a date of birth, a birth year.

`stated_ages` is shared with bot/parsing/extract.py, which reads ages only from clear phrasings.
Chinese: 52岁, 五十二岁, 今年五十二(了), 1973年出生, 73年生的, ５２岁 (the digit form has
Chinese numerals and full-width digits as digits). 虚岁 (nominal age) is handled like an
ambiguous English answer: see `nominal_ages`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.parsing.phrases import alternation, as_words, is_unknown, phrase_regex
from bot.parsing.text import LATIN, NUMBER, WORD_START, Text, text_forms, vocab, words
from bot.values import UNKNOWN


@lru_cache(maxsize=1)
def _age_regexes() -> dict[str, Any]:
    """Regexes and word sets for stated ages and dates of birth (vocabulary `age`)."""
    a, v = vocab()["age"], vocab()
    determiners = alternation(v["person_determiners"])
    person = rf"(?:(?:{determiners})\s+)?(?:{alternation(v['persons'])})"
    person_leads = [
        phrase_regex(words(p.replace("{person}", "someone"))).replace("someone", person)
        for p in a["person_lead_ins"]
    ]
    leads = "|".join([alternation(as_words(a["lead_ins"])), *person_leads])
    num = r"(\d{1,3}(?:\.\d+)?)(?![\d.])"
    months = alternation(a["months"])
    born = alternation(as_words(a["born"]))
    return {
        "lead": re.compile(rf"{WORD_START}(?:{leads})\s*(?::\s*)?{num}"),
        "old": re.compile(
            rf"(?<![\d.]){num}\s*(?:{alternation(as_words(a['old_suffixes']))})"
            rf"(?![{LATIN}])"
        ),
        "born_before": re.compile(rf"{WORD_START}(?:{born})[\s:,.]*(?:(?:in|on)\s+)?$"),
        "born_after": re.compile(rf"^\s*(?:{alternation(a['born_after'])})"),
        "iso": re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
        "dmy": re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)"),
        "zh": re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?"),
        "named_dmy": re.compile(
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?\b({months})\b"
            rf"\.?,?\s+(\d{{4}})(?!\d)"
        ),
        "named_mdy": re.compile(
            rf"\b({months})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})"
            rf"(?!\d)"
        ),
        "named_my": re.compile(rf"\b({months})\b\.?,?\s+(?:of\s+)?(\d{{4}})(?!\d)"),
        "year": re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)"),
        "months": {words(k): v for k, v in a["months"].items()},
        **{
            key: frozenset(as_words(a[key]))
            for key in (
                "follow",
                "year_units",
                "month_units",
                "week_units",
                "not_after",
                "past_before",
                "past_markers",
            )
        },
        "past_after": tuple(a["past_after"]),
    }


def _birth_age(year: int, month: int | None, day: int | None, today: date) -> int | None:
    """Age on `today` of someone born then.

    With only a year we cannot know whether this year's birthday has passed, so the age is
    today.year - year. With a month but no day, the birthday month itself counts as not yet
    passed (the lower of the two possible ages).
    """
    if month is None:
        age = today.year - year
    elif day is None:
        age = today.year - year - (today.month <= month) if 1 <= month <= 12 else -1
    else:
        try:
            born = date(year, month, day)
        except ValueError:
            return None
        age = today.year - year - ((today.month, today.day) < (born.month, born.day))
    return age if 0 <= age <= 120 else None


def _born_context(clean: str, start: int, end: int) -> bool:
    """A date is a date of birth when "born", "DOB", "出生" ... is right next to it."""
    r = _age_regexes()
    return bool(
        r["born_before"].search(clean[max(0, start - 30) : start])
        or r["born_after"].search(clean[end : end + 6])
    )


def _day_month_ages(a: int, b: int, year: int, today: date) -> set[int | None]:
    """Ages for an all-number date, read both day-first and month-first."""
    readings = {(a, b), (b, a)} if a <= 12 and b <= 12 else {(a, b) if b <= 12 else (b, a)}
    return {_birth_age(year, month, day, today) for day, month in readings}


def _dates(clean: str, today: date) -> list[tuple[int, int, set[int | None]]]:
    """(start, end, possible ages) for each date in the text."""
    r, months = _age_regexes(), _age_regexes()["months"]
    out = []
    for m in r["iso"].finditer(clean):
        out.append((m.start(), m.end(), {_birth_age(int(m[1]), int(m[2]), int(m[3]), today)}))
    for m in r["dmy"].finditer(clean):
        out.append((m.start(), m.end(), _day_month_ages(int(m[1]), int(m[2]), int(m[3]), today)))
    for m in r["zh"].finditer(clean):
        day = int(m[3]) if m[3] else None
        out.append((m.start(), m.end(), {_birth_age(int(m[1]), int(m[2]), day, today)}))
    for m in r["named_dmy"].finditer(clean):
        out.append((m.start(), m.end(), {_birth_age(int(m[3]), months[m[2]], int(m[1]), today)}))
    for m in r["named_mdy"].finditer(clean):
        out.append((m.start(), m.end(), {_birth_age(int(m[3]), months[m[1]], int(m[2]), today)}))
    for m in r["named_my"].finditer(clean):
        out.append((m.start(), m.end(), {_birth_age(int(m[2]), months[m[1]], None, today)}))
    return out


def _birth_ages(clean: str, today: date, need_born: bool) -> set[int | None]:
    """Ages from dates of birth and birth years ("born in 1980")."""
    ages: set[int | None] = set()
    spans: list[tuple[int, int]] = []
    for start, end, found in sorted(_dates(clean, today), key=lambda d: (d[0], d[0] - d[1])):
        if any(s <= start < e for s, e in spans):
            continue
        spans.append((start, end))
        if not need_born or _born_context(clean, start, end):
            ages |= {None} if len(found) > 1 else found
    for m in _age_regexes()["year"].finditer(clean):
        inside = any(s <= m.start() < e for s, e in spans)
        if not inside and _born_context(clean, m.start(), m.end()):
            ages.add(_birth_age(int(m[1]), None, None, today))
    return ages


def _unit_age(number: float, rest: list[str]) -> int | None:
    """An age from a number and the words after it ("52 years old", "18 months"), or None."""
    r = _age_regexes()
    first, second = [*rest, "", ""][:2]
    unit, tail = 1.0, first
    if first in r["year_units"] or first in r["month_units"] or first in r["week_units"]:
        unit = 1.0 if first in r["year_units"] else (1 / 12 if first in r["month_units"] else 0)
        tail = second
    elif "\u3400" <= first[:1] <= "\u9fff":  # Chinese: 岁, 个月 ... written without spaces
        return _zh_unit_age(number, first)
    if re.search("[a-z0-9]", tail) and tail not in r["follow"]:
        return None
    return int(number * unit)


def _not_now() -> tuple[str, ...]:
    """Words right after an age that make it past ("10岁时") or approximate ("52岁左右")."""
    return tuple(_age_regexes()["past_after"]) + tuple(vocab()["age"].get("approximate") or ())


def _zh_unit_age(number: float, rest: str) -> int | None:
    """An age from "52岁", "18个月", "五十二了"; None when followed by 时 ("when") and the
    like, or by another word ("五十多": about fifty)."""
    r = _age_regexes()
    if rest.startswith(tuple(vocab()["age"].get("zh_follow") or ())):
        return int(number)
    for units, unit in ((r["year_units"], 1.0), (r["month_units"], 1 / 12), (r["week_units"], 0)):
        for u in units:
            if rest.startswith(u):
                after = rest[len(u) :]
                return None if after.startswith(_not_now()) else int(number * unit)
    return None


def _preceding(digits: str, start: int, count: int) -> list[str]:
    """The last `count` tokens before a position."""
    return digits[:start].split()[-count:]


def _lead_ages(digits: str) -> set[int | None]:
    """Ages after "I'm", "aged", "my son is" ... when the words after fit an age."""
    r = _age_regexes()
    ages: set[int | None] = set()
    for m in r["lead"].finditer(digits):
        if r["not_after"] & set(_preceding(digits, m.start(), 2)):
            continue
        age = _unit_age(float(m[1]), digits[m.end() :].split()[:2])
        if age is not None:
            ages.add(age)
    return ages


def _old_ages(digits: str) -> set[int | None]:
    """Ages written as "52 years old", "52yo", "52岁", unless said of the past."""
    r = _age_regexes()
    ages: set[int | None] = set()
    zh_past = tuple(vocab()["age"].get("zh_past_before") or ())
    for m in r["old"].finditer(digits):
        after = digits[m.end() :].lstrip()
        before = _preceding(digits, m.start(), 3)
        if (
            r["past_before"] & set(before)
            or after.startswith(_not_now())
            or (before and zh_past and before[-1].endswith(zh_past))
        ):
            continue
        ages.add(int(float(m[1])))
    return ages


_NEGATIVE = re.compile(r"(?<![\w.\-\u2212])[-\u2212]\d")


_CONTENT = Path(__file__).parent.parent / "content"
_BOUNDS = {"gte": 0, "lt": 0, "gt": 1, "lte": 1}


def _age_rules(node: Any) -> Iterator[dict[str, Any]]:
    """Every rule about age in a content tree ({fact: age, gte: 18, ...})."""
    if isinstance(node, dict):
        if node.get("fact") == "age":
            yield node
        for value in node.values():
            yield from _age_rules(value)
    elif isinstance(node, list):
        for item in node:
            yield from _age_rules(item)


@lru_cache(maxsize=1)
def age_boundaries() -> frozenset[int]:
    """Each age t at which some question or criterion changes (age >= t differs from t - 1),
    from facts.yaml and the shipped trial files."""
    out: set[int] = set()
    for path in [_CONTENT / "facts.yaml", *sorted((_CONTENT / "trials").glob("*.yaml"))]:
        for rule in _age_rules(yaml.safe_load(path.read_text(encoding="utf-8"))):
            out |= {int(rule[k]) + shift for k, shift in _BOUNDS.items() if k in rule}
    return frozenset(out)


@lru_cache(maxsize=1)
def _nominal_regex() -> re.Pattern[str]:
    """"虚岁53", "虚岁是五十三岁", "53岁(虚岁)" in the digit form."""
    a = _age_regexes()
    nominal = alternation(vocab()["age"]["nominal"])
    units = alternation(sorted(a["year_units"]))
    return re.compile(
        rf"(?:{nominal})\s*(?:是\s*)?(\d{{1,3}})(?![\d.])(?:\s*(?:{units}))?"
        rf"|(?<![\d.])(\d{{1,3}})\s*(?:(?:{units})\s*)?(?:{nominal})"
    )


def nominal_ages(digits: str) -> tuple[set[int | None], str]:
    """Ages from 虚岁 (nominal age), and the digit form with those stated ages blanked out.

    A nominal age N is one or two more than the actual age (one at birth, one more each
    lunar new year), so the actual age is N-2 or N-1. As with an ambiguous English answer,
    N-1 is recorded only when the two readings fall on the same side of every age boundary
    (`age_boundaries`); otherwise both are returned, so no single age is taken: the question
    is asked again, and a free message sets no age.
    """
    ages: set[int | None] = set()

    def actual(m: re.Match[str]) -> str:
        n = int(m[1] or m[2])
        ages.update({n - 1} if (n - 1) not in age_boundaries() else {n - 2, n - 1})
        return " " * len(m.group())

    return ages, _nominal_regex().sub(actual, digits)


_ZH_TWO_DIGIT_YEAR = re.compile(r"(?<![\d.])(\d{2})\s*年\s*(?:出生|生|的\s*$)")


def _two_digit_birth_years(clean: str, today: date) -> set[int | None]:
    """"73年生的": the latest year ending so that is not in the future."""
    ages: set[int | None] = set()
    for m in _ZH_TWO_DIGIT_YEAR.finditer(clean):
        year = 2000 + int(m[1])
        ages.add(_birth_age(year if year <= today.year else year - 100, None, None, today))
    return ages


def stated_ages(t: Text, today: date, need_born: bool) -> set[int | None]:
    """Every age the text states clearly; None in the set marks an unreadable date or a
    negative number (the word form drops minus signs, so "-5" would otherwise read as 5)."""
    if _NEGATIVE.search(t.clean):
        return {None}
    nominal, digits = nominal_ages(t.digits)
    born = _birth_ages(t.clean, today, need_born) | _two_digit_birth_years(t.clean, today)
    return nominal | born | _lead_ages(digits) | _old_ages(digits)


def valid_age(ages: set[int | None]) -> int | None:
    """The one age stated, if it is in range; None when none, several or out of range."""
    if len(ages) != 1:
        return None
    age = next(iter(ages))
    return age if age is not None and 0 <= age <= 120 else None


def _plain_age(t: Text) -> int | None:
    """The only number in an answer to "How old?", with months or weeks read as 0-1 years."""
    r = _age_regexes()
    numbers = list(NUMBER.finditer(t.digits))
    if len({m.group() for m in numbers}) != 1 or r["past_markers"] & set(t.digits.split()):
        return None
    m = numbers[0]
    first = (t.digits[m.end() :].split() or [""])[0]
    if "\u3400" <= first[:1] <= "\u9fff":  # 岁, 个月; 岁时 (then), 多岁 (about) are None
        return _zh_unit_age(float(m.group()), first)
    unit = 1 / 12 if first in r["month_units"] else (0 if first in r["week_units"] else 1)
    return int(float(m.group()) * unit)


def parse_age(text: str, today: date | None = None) -> int | str | None:
    """Age in whole years (0-120) from "45", "I'm 45", "forty-five", "born in 1980", a date of
    birth, "18 months"; UNKNOWN for a hedge; None when unclear or out of range.

    A bare 4-digit number is not read as a birth year (it is out of range, so asked again).
    """
    t = text_forms(text)
    if not t.low:
        return None
    if is_unknown(t):
        return UNKNOWN
    today = today or date.today()
    stated = stated_ages(t, today, need_born=False)
    if stated:
        return valid_age(stated)
    age = _plain_age(t)
    return age if age is not None and 0 <= age <= 120 else None
