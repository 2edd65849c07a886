"""Text clean-up, the vocabulary, and numbers: the forms every parser reads.

A message is cleaned once (markup, control characters, odd quotes and over-long input removed)
and prepared in a few forms (`Text`); spelled-out numbers, English or Chinese, become digits.
The word patterns shared by all modules (`WORD_START`, `WORD_END`, `PUNCT`) live here.
Language-specific pieces: NFKC folds full-width characters and Chinese numerals are read here
today; a conversion of Traditional characters (issue 13) belongs here too, in `_prepare`, so
every parser sees one normalised text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_CONTENT = Path(__file__).parent.parent / "content"

#: Longer messages are cut: no chat answer is this long, and the cap bounds the parsing time.
_MAX_CHARS = 2000

LATIN = "A-Za-z0-9\u00c0-\u024f"
WORD_START = rf"(?<![{LATIN}'])"
WORD_END = rf"(?![{LATIN}'])"
PUNCT = frozenset(",.;:!?")

# ---------------------------------------------------------------------------------------------
# Loading


def _check_strings(node: Any, path: str = "vocabulary") -> None:
    """Fail on list items YAML read as non-strings (a bare `no` is False) instead of misreading."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            _check_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, Mapping):
                _check_strings(item, f"{path}[{i}]")
            elif not isinstance(item, str):
                raise ValueError(f"{path}[{i}] must be a quoted string, got {item!r}")


@lru_cache(maxsize=1)
def vocab() -> dict[str, Any]:
    """The vocabulary, read once."""
    with open(_CONTENT / "vocabulary.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    _check_strings(data)
    return data


@lru_cache(maxsize=1)
def button_labels() -> dict[str, dict[str, Any]]:
    """Button label -> value for each choice parser, so the button texts always round-trip."""
    with open(_CONTENT / "facts.yaml", encoding="utf-8") as f:
        facts = yaml.safe_load(f)["facts"]
    out: dict[str, dict[str, Any]] = {}
    for fact in facts:
        for entry in (fact.get("values") or []) + (fact.get("proxy_values") or []):
            out.setdefault(fact["parser"], {})[_label_key(entry["label"])] = entry["value"]
    return out


# ---------------------------------------------------------------------------------------------
# Normalising text

_SCRIPTS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^<>]{0,300}>")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "`": "'",
        "\u00b4": "'",
        "\u02bc": "'",
        "\u3002": ".",
        "\u3001": ",",
    }
)
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_DROP = re.compile(
    r"[\"#$&()*+\-/<=>@\[\\\]^_{|}~\u00a1-\u00bf\u2010-\u2027\u2030-\u205e"
    r"\u3000-\u303f\ufe30-\ufe4f\uff5f-\uff65]"
)
_STRAY_APOSTROPHE = re.compile(r"'(?![^\W\d_])|(?<![^\W\d_])'")
_KEPT = re.compile(r"[,.;:!?%]")
_CJK_DIGIT = re.compile(r"(?<=[\u3400-\u9fff])(?=\d)|(?<=\d)(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class Text:
    """One message in the forms the parsers read."""

    clean: str  # lower case, markup and control characters removed; punctuation kept (dates)
    cased: str  # word form with case kept (capitalised abbreviations)
    low: str  # word form: lower case, only , . ; : ! ? % kept, as separate tokens
    digits: str  # word form with number words written as digits


#: "/intent{...}" is Rasa's syntax for a button payload or an injected intent: not words a
#: person typed, so it states nothing ('/affirm{"diagnosis": "osteosarcoma"}' sets no fact).
#: The intent name is anything up to '{' or '@' (Rasa's own payload syntax), or nothing:
#: '/{"liposarcoma_type": null}' and '/affirm/x{"liposarcoma_type": null}' (both found by
#: tests/fuzz) are JSON typed after a slash, not sentences that mention liposarcoma.
_PAYLOAD = re.compile(r"\s*/[^\s{@]*(?:@[\d.]*)?\s*(?:\{|$)")


def _clean(text: object) -> str:
    """Plain text: no markup, control characters or odd quotes; single spaces."""
    if not isinstance(text, str) or _PAYLOAD.match(text):
        return ""
    s = unicodedata.normalize("NFKC", text[:_MAX_CHARS])
    s = html.unescape(_TAGS.sub(" ", _SCRIPTS.sub(" ", s)))
    s = _NEWLINES.sub(" . ", _CONTROL.sub(" ", _ANSI.sub(" ", s))).translate(_QUOTES)
    return " ".join(s.split())


def _word_form(clean: str) -> str:
    """Words separated by single spaces; kept punctuation marks become tokens of their own."""
    s = _DROP.sub(" ", _DECIMAL.sub("\x00", clean))
    s = _KEPT.sub(r" \g<0> ", _STRAY_APOSTROPHE.sub(" ", s)).replace("\x00", ".")
    return " ".join(s.split())


def words(phrase: str) -> str:
    """A vocabulary phrase in the lower-case word form texts are matched in."""
    return cased_words(phrase).lower()


def cased_words(phrase: str) -> str:
    """A vocabulary phrase in word form with its case kept (capitalised abbreviations)."""
    return _word_form(_clean(phrase))


@lru_cache(maxsize=512)
def _prepare(text: str) -> Text:
    """All forms of one message, computed once (parsers often see the same text twice)."""
    clean = _clean(text)
    cased = _word_form(clean)
    low = cased.lower()
    if len(low) != len(cased):  # rare characters change length when lower-cased
        cased = low
    return Text(clean=clean.lower(), cased=cased, low=low, digits=_spell_numbers(low))


def text_forms(text: object) -> Text:
    """Prepared text; anything that is not a string reads as empty."""
    return _prepare(text if isinstance(text, str) else "")


def _label_key(label: str) -> str:
    """A label without punctuation, for comparing a typed answer with button labels."""
    return " ".join(tok for tok in words(label).split() if tok not in PUNCT)


# ---------------------------------------------------------------------------------------------
# Numbers


@lru_cache(maxsize=1)
def _number_words() -> dict[str, Any]:
    """Number vocabulary with the word sets used by the run parser."""
    n = vocab()["numbers"]
    return {
        **n,
        "half": set(n["half"]),
        "articles": set(n["articles"]),
        "joiners": set(n["joiners"]),
    }


def _is_number_word(tok: str) -> bool:
    """A word that can be part of a spelled-out number."""
    n = _number_words()
    return tok in n["words"] or tok in n["multipliers"] or tok in n["half"]


def _half_follows(tokens: list[str], j: int) -> int:
    """Length of "(and) a half" starting at j, or 0."""
    n = _number_words()
    k = j + (j < len(tokens) and tokens[j] in n["joiners"])
    if k + 1 < len(tokens) and tokens[k] in n["articles"] and tokens[k + 1] in n["half"]:
        return k + 2 - j
    return 0


def _word_step(tok: str, last: str | None, current: float) -> tuple[float, str] | None:
    """Add one number word to a running number, or None when it cannot continue it."""
    n = _number_words()
    if tok in n["multipliers"] and last in (None, "small", "tens"):
        return (current or 1) * n["multipliers"][tok], "mult"
    value = n["words"].get(tok)
    if value is None:
        return None
    if value >= 20 and last in (None, "mult"):
        return current + value, "tens"
    if value < 20 and (last in (None, "mult") or (last == "tens" and value < 10)):
        return current + value, "small"
    return None


def _number_run(tokens: list[str], i: int) -> tuple[float, int] | None:
    """The spelled-out number starting at tokens[i] ("forty five", "six and a half")."""
    n = _number_words()
    if re.fullmatch(r"\d+(?:\.\d+)?", tokens[i]):
        half = _half_follows(tokens, i + 1)
        return (float(tokens[i]) + 0.5, i + 1 + half) if half else None
    if tokens[i] in n["half"]:
        return 0.5, i + 1
    j, current, last = i, 0.0, None
    while j < len(tokens):
        tok = tokens[j]
        if tok in n["articles"] and j + 1 < len(tokens) and tokens[j + 1] in n["multipliers"]:
            j += 1
            continue
        if tok in n["joiners"] and last and j + 1 < len(tokens) and _is_number_word(tokens[j + 1]):
            j += 1
            continue
        step = _word_step(tok, last, current)
        if step is None:
            break
        current, last = step
        j += 1
    if last is None:
        return None
    half = _half_follows(tokens, j)
    return current + 0.5 * bool(half), j + half


def _format_number(value: float) -> str:
    """6.0 -> "6", 6.5 -> "6.5"."""
    return str(int(value)) if value == int(value) else str(value)


@lru_cache(maxsize=1)
def _zh_numeral() -> re.Pattern[str]:
    """Runs of Chinese numerals."""
    n = vocab()["numbers"]
    return re.compile("[" + "".join(n["zh_digits"]) + "".join(n["zh_multipliers"]) + "]+")


def _zh_number(run: str) -> int:
    """四十五 -> 45, 十二 -> 12, 一百零五 -> 105, 一九八零 -> 1980."""
    n = vocab()["numbers"]
    digits, mults = n["zh_digits"], n["zh_multipliers"]
    if not any(ch in mults for ch in run):
        return int("".join(str(digits[ch]) for ch in run))
    total = current = 0
    for ch in run:
        if ch in mults:
            total += (current or 1) * mults[ch]
            current = 0
        else:
            current = digits[ch]
    return total + current


def _spell_numbers(low: str) -> str:
    """Word form with spelled-out numbers as digits ("forty five" -> "45", "四十五" -> "45")."""
    tokens, out, i = low.split(" "), [], 0
    while i < len(tokens):
        run = _number_run(tokens, i) if tokens[i] else None
        if run:
            out.append(_format_number(run[0]))
            i = run[1]
        else:
            out.append(tokens[i])
            i += 1
    s = _zh_numeral().sub(lambda m: f" {_zh_number(m.group())} ", " ".join(out))
    return " ".join(_CJK_DIGIT.sub(" ", s).split())


#: Numbers of at most 9 digits: anything longer is not an answer to any question here.
NUMBER = re.compile(r"(?<![\d.])\d{1,9}(?:\.\d{1,6})?(?![\d.])")


def parse_number(text: str) -> float | None:
    """The first number in the text, in digits or English or Chinese words; else None."""
    match = NUMBER.search(text_forms(text).digits)
    return float(match.group()) if match else None
