"""Text clean-up, the vocabulary, and numbers: the forms every parser reads.

A message is cleaned once (markup, control characters, odd quotes and over-long input removed)
and prepared in a few forms (`Text`); spelled-out numbers, English or Chinese, become digits.
The word patterns shared by all modules (`WORD_START`, `WORD_END`, `PUNCT`) live here.
Chinese: NFKC folds full-width characters (５２ -> 52, ，-> ,), Traditional characters become
Simplified (opencc, in `_clean`, so every parser and vocabulary phrase sees one script), and
Chinese numerals become digits (cn2an) in the digit form, and in the clean form before 年 / 月 /
日 / 号 (一九七三年 -> 1973年), where dates are read.
"""

from __future__ import annotations

import html
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cn2an
import opencc
import yaml

from bot import i18n
from bot.values import MAX_MESSAGE_CHARS

_CONTENT = Path(__file__).parent.parent / "content"

#: Longer messages are cut: no chat answer is this long, and the cap bounds the parsing time.
_MAX_CHARS = MAX_MESSAGE_CHARS

LATIN = "A-Za-z0-9\u00c0-\u024f"
CJK = "\u3400-\u9fff"
#: Word boundaries on Latin letters and digits; a Chinese character is a boundary of its own
#: ("差不多80": 差不多 is a whole phrase though a digit follows).
WORD_START = rf"(?:(?<![{LATIN}'])|(?=[{CJK}]))"
WORD_END = rf"(?:(?![{LATIN}'])|(?<=[{CJK}]))"
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


def _merge_vocabulary(base: Any, extra: Any) -> Any:
    """`extra`'s words added to `base`'s: mappings merged by key, lists extended."""
    if isinstance(base, Mapping) and isinstance(extra, Mapping):
        return {k: _merge_vocabulary(base.get(k), extra.get(k)) for k in {**base, **extra}}
    if isinstance(base, list) and isinstance(extra, list):
        return base + [item for item in extra if item not in base]
    return base if extra is None else extra


def _add_drug_names(data: dict[str, Any], names: Mapping[str, list[str]]) -> None:
    """A translation's drug names, added to the entry whose first name is the key."""
    entries = {e["names"][0]: e for e in data["drugs"]["entries"] if e.get("names")}
    for first, extra in names.items():
        if first not in entries:
            raise ValueError(f"vocabulary drug_names: no drug entry named {first!r}")
        entries[first]["names"] = entries[first]["names"] + list(extra)


@lru_cache(maxsize=1)
def vocab() -> dict[str, Any]:
    """The vocabulary, read once: the English file with every translation's words added.

    Parsers are language-agnostic (a patient may type either language whatever was chosen),
    so content/<language>/vocabulary.yaml only adds phrases; `drug_names` adds names to the
    drug entry named by its first English name.
    """
    with open(_CONTENT / "vocabulary.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    for language in i18n.LANGUAGES:
        path = _CONTENT / language / "vocabulary.yaml"
        if language == i18n.DEFAULT_LANGUAGE or not path.exists():
            continue
        with open(path, encoding="utf-8") as f:
            extra = yaml.safe_load(f) or {}
        _check_strings(extra, f"{language}/vocabulary")
        drug_names = extra.pop("drug_names", None) or {}
        data = _merge_vocabulary(data, extra)
        _add_drug_names(data, drug_names)
    _check_strings(data)
    return data


@lru_cache(maxsize=1)
def button_labels() -> dict[str, dict[str, Any]]:
    """Button label -> value for each choice parser, in every language, so a tapped button
    always round-trips (a tap sends the label)."""
    out: dict[str, dict[str, Any]] = {}
    for language in i18n.LANGUAGES:
        for fact in i18n.load("bot/content/facts.yaml", language)["facts"]:
            for entry in (fact.get("values") or []) + (fact.get("proxy_values") or []):
                labels = out.setdefault(fact["parser"], {})
                labels.setdefault(_label_key(entry["label"]), entry["value"])
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


_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    """Traditional -> Simplified Chinese (families in Hong Kong and Taiwan write too)."""
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """The text with Traditional Chinese characters written in Simplified ones."""
    return _to_simplified().convert(text) if _CJK.search(text) else text


def _clean(text: object) -> str:
    """Plain text: no markup, control characters or odd quotes; single spaces; Simplified."""
    if not isinstance(text, str) or _PAYLOAD.match(text):
        return ""
    s = simplified(unicodedata.normalize("NFKC", text[:_MAX_CHARS]))
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
    clean = _zh_date_numbers(_clean(text))
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
    """四十五 -> 45, 十二 -> 12, 一百零五 -> 105, 一九八零 -> 1980 (cn2an; the vocabulary's
    digit table when cn2an cannot read the run)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = cn2an.cn2an(run, "smart")
        return int(value)
    except (ValueError, KeyError, TypeError):
        pass
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


def _zh_date_numbers(clean: str) -> str:
    """Chinese numerals before 年 / 月 / 日 / 号 as digits (一九七三年五月 -> 1973年5月)."""
    if not _CJK.search(clean):
        return clean
    return re.sub(
        rf"(?:{_zh_numeral().pattern})(?=\s*[年月日号])",
        lambda m: str(_zh_number(m.group())),
        clean,
    )


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
    s = re.sub(rf"百分之({_zh_numeral().pattern})", r"\1 %", " ".join(out))
    s = _zh_numeral().sub(lambda m: f" {_zh_number(m.group())} ", s)
    return " ".join(_CJK_DIGIT.sub(" ", s).split())


#: Numbers of at most 9 digits: anything longer is not an answer to any question here.
NUMBER = re.compile(r"(?<![\d.])\d{1,9}(?:\.\d{1,6})?(?![\d.])")


def parse_number(text: str) -> float | None:
    """The first number in the text, in digits or English or Chinese words; else None."""
    match = NUMBER.search(text_forms(text).digits)
    return float(match.group()) if match else None
