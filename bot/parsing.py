"""Reading patients' free-text answers into fact values.

Each ``parse_<parser>`` (the ``parser:`` field in content/facts.yaml) returns a valid value for
its fact, UNKNOWN when the person does not know or will not say, or None when the text could not
be understood, so the caller asks again. ``extract_facts`` reads every fact a free message states.

What is recognised (synonyms, drug names, phrasings, number words) is data in
content/vocabulary.yaml; button labels are read from content/facts.yaml, so an edited label still
parses. One rule throughout: never guess. A hedged answer is UNKNOWN, an ambiguous one None, and
extract_facts leaves out whatever is hedged, contradictory or not clearly stated.
"""

from __future__ import annotations

import bisect
import difflib
import html
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.values import UNKNOWN

_CONTENT = Path(__file__).parent / "content"

#: Longer messages are cut: no chat answer is this long, and the cap bounds the parsing time.
_MAX_CHARS = 2000

#: Misspellings are corrected only in words at least this long: short words are too close to
#: each other for a correction to be safe.
_SPELL_MIN = 7

_LATIN = "A-Za-z0-9\u00c0-\u024f"
_B = rf"(?<![{_LATIN}'])"
_E = rf"(?![{_LATIN}'])"
_PUNCT = frozenset(",.;:!?")

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
def _vocab() -> dict[str, Any]:
    """The vocabulary, read once."""
    with open(_CONTENT / "vocabulary.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    _check_strings(data)
    return data


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, Any]]:
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
class _Text:
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


def _words(phrase: str) -> str:
    """A vocabulary phrase in the lower-case word form texts are matched in."""
    return _word_form(_clean(phrase)).lower()


@lru_cache(maxsize=512)
def _prepare(text: str) -> _Text:
    """All forms of one message, computed once (parsers often see the same text twice)."""
    clean = _clean(text)
    cased = _word_form(clean)
    low = cased.lower()
    if len(low) != len(cased):  # rare characters change length when lower-cased
        cased = low
    return _Text(clean=clean.lower(), cased=cased, low=low, digits=_spell_numbers(low))


def _text(text: object) -> _Text:
    """Prepared text; anything that is not a string reads as empty."""
    return _prepare(text if isinstance(text, str) else "")


def _label_key(label: str) -> str:
    """A label without punctuation, for comparing a typed answer with button labels."""
    return " ".join(tok for tok in _words(label).split() if tok not in _PUNCT)


# ---------------------------------------------------------------------------------------------
# Numbers


@lru_cache(maxsize=1)
def _number_words() -> dict[str, Any]:
    """Number vocabulary with the word sets used by the run parser."""
    n = _vocab()["numbers"]
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
    n = _vocab()["numbers"]
    return re.compile("[" + "".join(n["zh_digits"]) + "".join(n["zh_multipliers"]) + "]+")


def _zh_number(run: str) -> int:
    """四十五 -> 45, 十二 -> 12, 一百零五 -> 105, 一九八零 -> 1980."""
    n = _vocab()["numbers"]
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
_NUMBER = re.compile(r"(?<![\d.])\d{1,9}(?:\.\d{1,6})?(?![\d.])")


def parse_number(text: str) -> float | None:
    """The first number in the text, in digits or English or Chinese words; else None."""
    match = _NUMBER.search(_text(text).digits)
    return float(match.group()) if match else None


# ---------------------------------------------------------------------------------------------
# Phrase matching


@dataclass(frozen=True)
class _Hit:
    """A recognised phrase: its value and where it is in the word form."""

    value: Any
    start: int
    end: int


def _squash(s: str) -> str:
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


def _phrase_regex(phrase: str, optional: str = "") -> str:
    """A phrase in word form as a regex (no boundaries); `optional` words may come between."""
    tokens = phrase.split()
    parts = [_token_regex(tokens[0])] if tokens else []
    for prev, tok in itertools.pairwise(tokens):
        joint = prev[-1].isascii() and tok[0].isascii() and prev[-1].isdigit() != tok[0].isdigit()
        parts.append(r"\s*" if joint else rf"\s+{optional}")
        parts.append(_token_regex(tok))
    return "".join(parts)


def _alternation(phrases: Iterable[str], optional: str = "") -> str:
    """Phrases as one alternation, longest first so the longest wins at a position."""
    unique = sorted(set(p for p in phrases if p), key=lambda p: (-len(p), p))
    return "|".join(_phrase_regex(p, optional) for p in unique) or "(?!)"


def _compile(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """Whole-word regex for word-form phrases."""
    return re.compile(rf"{_B}(?:{_alternation(phrases)}){_E}", flags)


def _phrases(items: Iterable[str]) -> list[str]:
    """Vocabulary phrases in lower-case word form."""
    return [w for w in (_words(item) for item in items) if w]


def _first_longest(hits: list[_Hit]) -> list[_Hit]:
    """Non-overlapping hits: the earliest wins, then the longest."""
    out: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, h.start - h.end)):
        if not out or hit.start >= out[-1].end:
            out.append(hit)
    return out


class _Matcher:
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
        self._optional = frozenset(_phrases(optional))
        opt = rf"(?:(?:{_alternation(self._optional)})\s+)*" if self._optional else ""
        self._lookup, phrases = self._index(table)
        self._regex = re.compile(rf"{_B}(?:{_alternation(phrases, opt)}){_E}")
        self._abbr = {
            _squash(_word_form(_clean(a))): v
            for v, items in (abbreviations or {}).items()
            for a in items
        }
        abbr_words = [_word_form(_clean(a)) for a in self._abbr_items(abbreviations)]
        self._abbr_regex = (
            re.compile(rf"{_B}(?:{_alternation(abbr_words)}){_E}") if abbr_words else None
        )
        self._exact = {_squash(w): v for v, items in (exact or {}).items() for w in _phrases(items)}
        self._exact.update({k.lower(): v for k, v in self._abbr.items()})
        words = {tok for p in phrases for tok in p.split()}
        self.speller = _Speller(words, _vocab()["spelling_keep"]) if spell else None

    @staticmethod
    def _abbr_items(abbreviations: Mapping | None) -> list[str]:
        """All abbreviations of a table."""
        return [a for items in (abbreviations or {}).values() for a in items]

    def _index(self, table: Mapping[Any, list[str]]) -> tuple[dict[str, Any], list[str]]:
        """Phrase key -> value, and the phrases; a phrase under two values is an error."""
        lookup: dict[str, Any] = {}
        phrases: list[str] = []
        for value, items in table.items():
            for phrase in _phrases(items):
                key = self._key(phrase)
                if lookup.get(key, value) != value:
                    raise ValueError(f"vocabulary phrase {phrase!r} has two meanings")
                lookup[key] = value
                phrases.append(phrase)
        return lookup, phrases

    def _key(self, matched: str) -> str:
        """Lookup key of matched text: no spaces, no optional words."""
        return _squash(" ".join(t for t in matched.split() if t not in self._optional))

    def find(self, t: _Text, whole: bool = False) -> list[_Hit]:
        """Phrases and capitalised abbreviations in the text; with `whole`, exact answers too."""
        low, back = self.speller.correct(t.low) if self.speller else (t.low, _same)
        hits = [
            _Hit(self._lookup[self._key(m.group())], back(m.start()), back(m.end()))
            for m in self._regex.finditer(low)
        ]
        if self._abbr_regex:
            hits += [
                _Hit(self._abbr[_squash(m.group())], m.start(), m.end())
                for m in self._abbr_regex.finditer(t.cased)
            ]
        if whole and not hits:
            value = self._exact.get(_squash(_answer_core(t.low)))
            if value is not None:
                hits.append(_Hit(value, 0, len(t.low)))
        return _first_longest(hits)


def _same(pos: int) -> int:
    """Identity position map (no spelling corrections)."""
    return pos


# ---------------------------------------------------------------------------------------------
# Spelling


def _deletions(word: str, depth: int) -> set[str]:
    """The word with up to `depth` letters deleted."""
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbouring letters as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _allowed_edits(length: int) -> int:
    """1 edit for words of 7-9 letters, 2 for longer ones: conservative on purpose."""
    return 1 if length <= 9 else 2


#: Longer "words" are not misspellings but garbage, and would be slow to look up.
_SPELL_MAX = 30
_LONG_WORD = re.compile(rf"(?<![{_LATIN}'])[a-z]{{{_SPELL_MIN},{_SPELL_MAX}}}(?![{_LATIN}'])")


class _Speller:
    """Corrects a misspelt long word to the single listed word within the allowed edits."""

    def __init__(self, words: Iterable[str], keep: Iterable[str] = ()) -> None:
        words = frozenset(words)
        self._known = words | frozenset(keep)  # never corrected
        self._index: dict[str, set[str]] = {}
        for word in words:
            if len(word) >= _SPELL_MIN and word.isascii() and word.isalpha():
                for variant in _deletions(word, 2):
                    self._index.setdefault(variant, set()).add(word)
        self._cache: dict[str, str | None] = {}

    def best(self, token: str) -> str | None:
        """The listed word this token is a misspelling of, if exactly one is close enough."""
        if token in self._known:
            return None
        if token not in self._cache:
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[token] = self._search(token)
        return self._cache[token]

    def _search(self, token: str) -> str | None:
        """Nearest listed words by edit distance; None when none or a tie."""
        candidates = {
            w for v in _deletions(token, _allowed_edits(len(token))) for w in self._index.get(v, ())
        }
        scored = sorted((_distance(token, w), w) for w in candidates)
        scored = [(d, w) for d, w in scored if d <= _allowed_edits(min(len(token), len(w)))]
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1]

    def correct(self, low: str) -> tuple[str, Callable[[int], int]]:
        """Corrected text, and a map from its positions back to positions in `low`."""
        parts, ends, deltas, last, delta = [], [], [], 0, 0
        for m in _LONG_WORD.finditer(low):
            fix = self.best(m.group())
            if fix:
                parts += [low[last : m.start()], fix]
                ends.append(m.start() + delta + len(fix))  # end of the fix in the new text
                delta += len(fix) - len(m.group())
                deltas.append(delta)
                last = m.end()
        if not ends:
            return low, _same
        parts.append(low[last:])

        def back(pos: int) -> int:
            i = bisect.bisect_right(ends, pos)
            return pos - (deltas[i - 1] if i else 0)

        return "".join(parts), back


# ---------------------------------------------------------------------------------------------
# Answers as a whole: unknown, lead-ins, labels


@lru_cache(maxsize=1)
def _unknown() -> re.Pattern[str]:
    """Phrases meaning "I don't know" or "I won't say"."""
    return _compile(_phrases(_vocab()["unknown"]))


def _is_unknown(t: _Text) -> bool:
    """True when the answer hedges: an unsure answer must not decide anything."""
    return bool(_unknown().search(t.low))


@lru_cache(maxsize=1)
def _answer_affixes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Lead-in and trailing words around a short answer ("it's OS", "MAP chemo")."""
    v = _vocab()
    lead = re.compile(rf"^(?:{_alternation(_phrases(v['answer_lead_ins']))})\s+")
    tail = re.compile(rf"\s+(?:{_alternation(_phrases(v['answer_suffixes']))})$")
    return lead, tail


def _answer_core(low: str) -> str:
    """A short answer without punctuation, lead-ins and trailing filler words."""
    s = " ".join(tok for tok in low.split() if tok not in _PUNCT)
    lead, tail = _answer_affixes()
    for _ in range(3):
        s = tail.sub("", lead.sub("", s))
    return s


def _label_value(parser: str, t: _Text) -> Any | None:
    """The value of the button label the answer is (or very nearly is), if any."""
    labels = _labels().get(parser, {})
    key = " ".join(tok for tok in t.low.split() if tok not in _PUNCT)
    if key in labels:
        return labels[key]
    if len(key) >= 20:
        close = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.9)
        if close:
            return labels[close[0]]
    return None


# ---------------------------------------------------------------------------------------------
# Clauses, negation and hedges


@lru_cache(maxsize=1)
def _context() -> dict[str, re.Pattern[str]]:
    """Regexes for clause breaks, negators, hedges and treatment wording."""
    x, v = _vocab()["extract"], _vocab()
    joiners = _alternation(_phrases(x["clause_joiners"]))
    subjects = _alternation(_phrases(x["clause_starts"]))
    breaks = (
        rf"(?<!\S)[.;!?](?!\S)|{_B}(?:{_alternation(_phrases(x['clause_breaks']))}){_E}"
        rf"|{_B}(?:{joiners})\s+(?=(?:{subjects}){_E})"
    )
    return {
        "breaks": re.compile(breaks),
        "negators": _compile(_phrases(x["negators"])),
        "hedges": _compile(_phrases(x["hedges"] + v["unknown"])),
        "drug_hedges": _compile(_phrases(x["drug_hedges"])),
        "treated": _compile(_phrases(x["treatment_verbs"])),
        "exposed": _compile(_phrases(x["exposure_after"])),
    }


class _Clauses:
    """A text cut into clauses, to judge each recognised phrase by the words around it."""

    def __init__(self, low: str, hits: Iterable[_Hit]) -> None:
        self._cuts = [0] + [m.end() for m in _context()["breaks"].finditer(low)] + [len(low)]
        chars = list(low)
        for hit in hits:  # other recognised phrases must not count as negation or hedge words
            chars[hit.start : hit.end] = " " * (hit.end - hit.start)
        self._blank = "".join(chars)

    def around(self, hit: _Hit) -> tuple[str, str]:
        """The hit's clause before and after it, with recognised phrases blanked out."""
        i = bisect.bisect_right(self._cuts, hit.start)
        lo, hi = self._cuts[i - 1], self._cuts[min(i, len(self._cuts) - 1)]
        return self._blank[lo : hit.start], self._blank[hit.end : max(hi, hit.end)]

    def negated(self, hit: _Hit) -> bool:
        """A negator comes before the phrase in its clause ("never had gemcitabine")."""
        return bool(_context()["negators"].search(self.around(hit)[0]))

    def hedged(self, hit: _Hit, drug: bool = False) -> bool:
        """The clause is a question, a plan, a doubt or (for drugs) about a trial."""
        before, after = self.around(hit)
        clause = f"{before} {after}"
        c = _context()
        return (
            "?" in clause
            or bool(c["hedges"].search(clause))
            or (drug and bool(c["drug_hedges"].search(clause)))
        )

    def drug_status(self, hit: _Hit) -> str | None:
        """ "had", "not had" or None (not said) for a drug mention.

        Negation or treatment wording before the drug decides; else exposure wording after it
        ("doxorubicin didn't work", "K药用过"), negated by a negator left before that wording
        ("K药没用过"). Exposure phrases are blanked first: "didn't work" is not a negation.
        """
        before, after = self.around(hit)
        c = _context()
        if c["negators"].search(before):
            return "not had"
        if c["treated"].search(before):
            return "had"
        exposure = c["exposed"].search(after)
        if not exposure:
            return None
        return "not had" if c["negators"].search(after[: exposure.start()]) else "had"


def _stated(hits: list[_Hit], t: _Text) -> list[_Hit]:
    """Hits that are not negated in their clause."""
    clauses = _Clauses(t.low, hits)
    return [h for h in hits if not clauses.negated(h)]


def _single(values: Iterable[Any]) -> Any | None:
    """The one value meant, or None when there are none or several (ambiguous)."""
    found = {v for v in values if v != "_ignore"}
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------
# Yes / no


@lru_cache(maxsize=1)
def _yes_no() -> tuple[re.Pattern[str], dict[str, bool]]:
    """One scanning regex for yes and no wording, and the polarity of each plain phrase."""
    yn, v = _vocab()["yes_no"], _vocab()
    plain = {_squash(p): True for p in _phrases(yn["yes"])}
    plain.update({_squash(p): False for p in _phrases(yn["no"])})
    person = rf"(?:{_alternation(v['person_determiners'])})\s+(?:{_alternation(v['persons'])})"
    subj = rf"(?:{_alternation(_phrases(yn['subjects']))}|{person})"
    subj_v = _alternation(_phrases(yn["subjects_with_verb"]))
    verb, negs = _alternation(yn["verbs"]), _alternation(yn["negators"])
    neg_verb = _alternation(_phrases(yn["negated_verbs"]))
    no = rf"{subj}\s+(?:(?:{verb})\s+)?(?:{negs})|(?:{subj_v})\s+(?:{negs})|{subj}\s+(?:{neg_verb})"
    yes = rf"{subj}\s+(?:{verb})|(?:{subj_v})"
    phrases = _alternation(_phrases(yn["yes"] + yn["no"]))
    regex = rf"{_B}(?:(?P<no>{no})|(?P<yes>{yes})|(?P<plain>{phrases})){_E}"
    return re.compile(regex), plain


def _polarities(low: str) -> set[bool]:
    """Every yes (True) and no (False) said in the text."""
    regex, plain = _yes_no()
    found = set()
    for m in regex.finditer(low):
        found.add(plain[_squash(m.group())] if m.group("plain") else bool(m.group("yes")))
    return found


def parse_yes_no(text: str, today: date | None = None) -> bool | str | None:
    """True, False, UNKNOWN for a hedge, or None when unclear or both ("yes and no").

    A hedge anywhere wins ("no, not sure" is UNKNOWN): an unsure answer must not decide
    eligibility. Stretched words ("yess", "noo") are read when nothing else matched.
    """
    t = _text(text)
    if not t.low:
        return None
    if _is_unknown(t):
        return UNKNOWN
    found = _polarities(t.low) or _polarities(re.sub(r"([a-z])\1+", r"\1", t.low))
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------
# Age


@lru_cache(maxsize=1)
def _age_regexes() -> dict[str, Any]:
    """Regexes and word sets for stated ages and dates of birth (vocabulary `age`)."""
    a, v = _vocab()["age"], _vocab()
    determiners = _alternation(v["person_determiners"])
    person = rf"(?:(?:{determiners})\s+)?(?:{_alternation(v['persons'])})"
    person_leads = [
        _phrase_regex(_words(p.replace("{person}", "someone"))).replace("someone", person)
        for p in a["person_lead_ins"]
    ]
    leads = "|".join([_alternation(_phrases(a["lead_ins"])), *person_leads])
    num = r"(\d{1,3}(?:\.\d+)?)(?![\d.])"
    months = _alternation(a["months"])
    born = _alternation(_phrases(a["born"]))
    return {
        "lead": re.compile(rf"{_B}(?:{leads})\s*(?::\s*)?{num}"),
        "old": re.compile(
            rf"(?<![\d.]){num}\s*(?:{_alternation(_phrases(a['old_suffixes']))})"
            rf"(?![{_LATIN}])"
        ),
        "born_before": re.compile(rf"{_B}(?:{born})[\s:,.]*(?:(?:in|on)\s+)?$"),
        "born_after": re.compile(rf"^\s*(?:{_alternation(a['born_after'])})"),
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
        "months": {_words(k): v for k, v in a["months"].items()},
        **{
            key: frozenset(_phrases(a[key]))
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


def _zh_unit_age(number: float, rest: str) -> int | None:
    """An age from "52岁", "18个月"; None when followed by 时 ("when") and the like."""
    r = _age_regexes()
    for units, unit in ((r["year_units"], 1.0), (r["month_units"], 1 / 12), (r["week_units"], 0)):
        for u in units:
            if rest.startswith(u):
                return None if rest[len(u) :].startswith(r["past_after"]) else int(number * unit)
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
    for m in r["old"].finditer(digits):
        after = digits[m.end() :].lstrip()
        if r["past_before"] & set(_preceding(digits, m.start(), 3)) or after.startswith(
            r["past_after"]
        ):
            continue
        ages.add(int(float(m[1])))
    return ages


_NEGATIVE = re.compile(r"(?<![\w.\-\u2212])[-\u2212]\d")


def _stated_ages(t: _Text, today: date, need_born: bool) -> set[int | None]:
    """Every age the text states clearly; None in the set marks an unreadable date or a
    negative number (the word form drops minus signs, so "-5" would otherwise read as 5)."""
    if _NEGATIVE.search(t.clean):
        return {None}
    return _birth_ages(t.clean, today, need_born) | _lead_ages(t.digits) | _old_ages(t.digits)


def _valid_age(ages: set[int | None]) -> int | None:
    """The one age stated, if it is in range; None when none, several or out of range."""
    if len(ages) != 1:
        return None
    age = next(iter(ages))
    return age if age is not None and 0 <= age <= 120 else None


def _plain_age(t: _Text) -> int | None:
    """The only number in an answer to "How old?", with months or weeks read as 0-1 years."""
    r = _age_regexes()
    numbers = list(_NUMBER.finditer(t.digits))
    if len({m.group() for m in numbers}) != 1 or r["past_markers"] & set(t.digits.split()):
        return None
    m = numbers[0]
    first = (t.digits[m.end() :].split() or [""])[0]
    unit = 1 / 12 if first in r["month_units"] else (0 if first in r["week_units"] else 1)
    return int(float(m.group()) * unit)


def parse_age(text: str, today: date | None = None) -> int | str | None:
    """Age in whole years (0-120) from "45", "I'm 45", "forty-five", "born in 1980", a date of
    birth, "18 months"; UNKNOWN for a hedge; None when unclear or out of range.

    A bare 4-digit number is not read as a birth year (it is out of range, so asked again).
    """
    t = _text(text)
    if not t.low:
        return None
    if _is_unknown(t):
        return UNKNOWN
    today = today or date.today()
    stated = _stated_ages(t, today, need_born=False)
    if stated:
        return _valid_age(stated)
    age = _plain_age(t)
    return age if age is not None and 0 <= age <= 120 else None


# ---------------------------------------------------------------------------------------------
# Choice facts: diagnosis, liposarcoma type, local recurrence


def _table_matcher(section: Mapping[Any, Any], **options: Any) -> _Matcher:
    """A matcher for a vocabulary section of {value: [phrases]} plus optional special keys."""
    table = {k: v for k, v in section.items() if k not in ("abbreviations", "exact")}
    return _Matcher(
        table, abbreviations=section.get("abbreviations"), exact=section.get("exact"), **options
    )


@lru_cache(maxsize=1)
def _diagnosis() -> _Matcher:
    """Sarcoma type names, old names, misspellings, Chinese names."""
    return _table_matcher(_vocab()["diagnosis"], spell=True)


@lru_cache(maxsize=1)
def _liposarcoma_type() -> _Matcher:
    """Liposarcoma subtype names."""
    return _table_matcher(_vocab()["liposarcoma_type"], spell=True)


def _parse_choice(parser: str, matcher: _Matcher, text: str) -> Any | None:
    """Label, then UNKNOWN for a hedge, then the one value the phrases name (None if several)."""
    t = _text(text)
    if not t.low:
        return None
    label = _label_value(parser, t)
    if label is not None:
        return label
    if _is_unknown(t):
        return UNKNOWN
    return _single(h.value for h in _stated(matcher.find(t, whole=True), t))


def parse_diagnosis(text: str, today: date | None = None) -> str | None:
    """ups | leiomyosarcoma | myxofibrosarcoma | liposarcoma | osteosarcoma | other, UNKNOWN,
    or None (unrelated, benign look-alikes such as leiomyoma, or two different types named)."""
    return _parse_choice("diagnosis", _diagnosis(), text)


def parse_liposarcoma_type(text: str, today: date | None = None) -> str | None:
    """dedifferentiated | pleomorphic | poorly_differentiated | well_differentiated | myxoid |
    other, UNKNOWN, or None. Two kinds named ("well differentiated with dedifferentiated
    areas") is None: the person should pick what the report calls it."""
    return _parse_choice("liposarcoma_type", _liposarcoma_type(), text)


@lru_cache(maxsize=1)
def _recurrence() -> _Matcher:
    """Wording about the cancer coming back and being removed."""
    return _table_matcher(_vocab()["local_recurrence"])


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
    t = _text(text)
    if not t.low:
        return None
    label = _label_value("local_recurrence", t)
    if label is not None:
        return label
    if _is_unknown(t):
        return UNKNOWN
    kinds = {h.value for h in _stated(_recurrence().find(t), t)}
    if kinds:
        return _recurrence_value(kinds)
    answer = parse_yes_no(text)
    return "no" if answer is False else None if answer is True else answer


# ---------------------------------------------------------------------------------------------
# Performance status: ECOG and Lansky


def _scale_matcher(section: str) -> _Matcher:
    """Descriptive phrases of a scale, keyed by score."""
    return _Matcher(_vocab()[section]["phrases"])


@lru_cache(maxsize=1)
def _ecog_phrases() -> _Matcher:
    """ECOG descriptions."""
    return _scale_matcher("ecog")


@lru_cache(maxsize=1)
def _lansky_phrases() -> _Matcher:
    """Lansky descriptions."""
    return _scale_matcher("lansky")


@lru_cache(maxsize=4)
def _keyword_number(section: str, keywords_key: str) -> re.Pattern[str]:
    """ "<keyword> [is|of|score ...] N [to M]" for a scale; a second number means a range."""
    s = _vocab()[section]
    fillers = _alternation(_phrases(s["number_fillers"]))
    keywords = _alternation(_phrases(s[keywords_key]))
    return re.compile(
        rf"{_B}(?:{keywords})\s*(?:(?:{fillers})\s*)*(\d+)(?![\d.])"
        rf"(?:\s+(?:(?:to|or)\s+)?(\d+)(?![\d.]))?"
    )


#: A score that is there but unusable (a range such as "ECOG 0-1"); no scale accepts it.
_INVALID = -1


def _keyword_score(t: _Text, section: str, keywords_key: str) -> int | None:
    """The number after a scale keyword; None when there is none, _INVALID for a range."""
    m = _keyword_number(section, keywords_key).search(t.digits)
    if not m:
        return None
    return _INVALID if m[2] and m[2] != m[1] else int(m[1])


@lru_cache(maxsize=4)
def _bare_affixes(section: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Words allowed around a bare score ("it's 2", "70%")."""
    s = _vocab()[section]
    lead = re.compile(rf"^(?:(?:{_alternation(_phrases(s['bare_lead_ins']))})\s+)+")
    tail = re.compile(rf"(?:\s+(?:{_alternation(_phrases(s['bare_suffixes']))}))+$")
    return lead, tail


def _bare_score(t: _Text, section: str) -> int | None:
    """A whole answer that is just a number (with a few filler words)."""
    lead, tail = _bare_affixes(section)
    core = " ".join(tok for tok in t.digits.split() if tok not in _PUNCT)
    core = tail.sub("", lead.sub("", core))
    return int(core) if core.isdigit() else None


def _scale(
    parser: str,
    phrases: _Matcher,
    text: str,
    by_number: Callable[[_Text], int | None],
    valid: Callable[[int], bool],
) -> int | str | None:
    """Label, scale keyword with a number, UNKNOWN, descriptions, then a bare number."""
    t = _text(text)
    if not t.low:
        return None
    label = _label_value(parser, t)
    if label is not None:
        return label
    if _is_unknown(t):
        return UNKNOWN
    score = by_number(t)
    if score is not None:
        return score if valid(score) else None
    described = _single(h.value for h in _stated(phrases.find(t), t))
    if described is not None:
        return described
    bare = _bare_score(t, parser)
    return bare if bare is not None and valid(bare) else None


def _ecog_number(t: _Text) -> int | None:
    """ECOG from "ECOG 1", or from a Karnofsky score ("KPS 80" -> 1, clinical.md 1.4); a
    Karnofsky score between two grades (70, 60, 50) is unusable."""
    score = _keyword_score(t, "ecog", "keywords")
    if score is not None:
        return score
    kps = _keyword_score(t, "ecog", "karnofsky_keywords")
    if kps is None:
        return None
    grade = _vocab()["ecog"]["karnofsky"].get(kps, _INVALID)
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


# ---------------------------------------------------------------------------------------------
# Drugs


@dataclass(frozen=True)
class _Drug:
    """A drug or regimen entry of the vocabulary."""

    classes: frozenset[str]
    regimen: bool


@lru_cache(maxsize=1)
def _drugs() -> tuple[_Matcher, tuple[_Drug, ...]]:
    """Drug matcher (values are entry indexes) and the entries."""
    entries = _vocab()["drugs"]["entries"]
    table = {i: e.get("names") or [] for i, e in enumerate(entries)}
    abbreviations = {i: e["abbreviations"] for i, e in enumerate(entries) if e.get("abbreviations")}
    drugs = tuple(_Drug(frozenset(e["classes"]), bool(e.get("regimen"))) for e in entries)
    return _Matcher(table, abbreviations=abbreviations, exact={}, spell=True), drugs


def _with_implied(classes: Iterable[str]) -> set[str]:
    """Classes plus the wider ones they imply (anthracycline -> chemotherapy)."""
    implies = _vocab()["drugs"]["implies"]
    out = set(classes)
    for c in list(out):
        out.update(implies.get(c, []))
    return out


def _drug_hits(t: _Text) -> list[tuple[_Hit, _Drug]]:
    """Each drug mention with its entry (misspellings corrected, exact short answers read)."""
    matcher, drugs = _drugs()
    return [(h, drugs[h.value]) for h in matcher.find(t, whole=True)]


def parse_drug_classes(text: str) -> set[str]:
    """Classes of the drugs named: anthracycline, gemcitabine, pd1, pdl1, ctla4,
    other_checkpoint, bispecific, chemotherapy, immunotherapy. Negation is not judged here.

    A checkpoint inhibitor named without its target counts as other_checkpoint.
    """
    t = _text(text)
    found: set[str] = set()
    for _, drug in _drug_hits(t):
        found |= _with_implied(drug.classes)
    return found - set(_vocab()["drugs"]["internal_classes"]) - {"_ignore"}


# ---------------------------------------------------------------------------------------------
# Several facts from one message


@lru_cache(maxsize=1)
def _findings() -> _Matcher:
    """Wording for metastatic, lung metastases and unresectable disease."""
    x = _vocab()["extract"]
    return _Matcher(x["findings"], optional=x["optional_words"])


def _stated_hits(hits: list[_Hit], clauses: _Clauses) -> list[_Hit]:
    """Hits said plainly: not negated, not hedged."""
    return [h for h in hits if not clauses.negated(h) and not clauses.hedged(h)]


def _diagnosis_facts(diag: list[_Hit], lipo: list[_Hit], clauses: _Clauses) -> dict[str, Any]:
    """diagnosis, and liposarcoma_type when the diagnosis is liposarcoma and one type is named."""
    diagnosis = _single(h.value for h in _stated_hits(diag, clauses))
    if diagnosis is None:
        return {}
    facts: dict[str, Any] = {"diagnosis": diagnosis}
    kind = _single(h.value for h in _stated_hits(lipo, clauses))
    if diagnosis == "liposarcoma" and kind is not None:
        facts["liposarcoma_type"] = kind
    return facts


def _finding_facts(hits: list[_Hit], clauses: _Clauses) -> dict[str, Any]:
    """True for each finding stated; lung or brain spread also means metastatic. Negations are left
    out rather than read as False: the assistant asks, which is safer than a wrong no."""
    values = _vocab()["extract"].get("finding_values") or {}
    facts = {h.value: values.get(h.value, True) for h in _stated_hits(hits, clauses)}
    if facts.get("lung_metastases") or facts.get("brain_metastases"):
        facts["metastatic"] = True
    return facts


def _drug_facts(hits: list[tuple[_Hit, _Drug]], clauses: _Clauses) -> dict[str, Any]:
    """Prior-treatment facts: True when a drug was had, False when negated (True wins)."""
    rules = _vocab()["extract"]["drug_facts"]
    facts: dict[str, Any] = {}
    for hit, drug in hits:
        status = None if clauses.hedged(hit, drug=True) else clauses.drug_status(hit)
        if status == "not had" and not drug.regimen:
            for name, rule in rules.items():
                if drug.classes & set(rule["false_when"]):
                    facts.setdefault(name, False)
        elif status == "had":
            classes = _with_implied(drug.classes)
            facts.update(
                {name: True for name, rule in rules.items() if classes & set(rule["true_when"])}
            )
    return facts


def extract_facts(text: str, today: date | None = None) -> dict[str, object]:
    """Every fact a free message states plainly, as {fact name: value}.

    Ages only from clear phrasings ("I'm 52", "52 years old", "my son is 12", "born in 1980"),
    never from a bare number; several different ages give none. Anything hedged, asked,
    planned or contradictory is left out: a missing fact is asked, a wrong one misleads.
    """
    t = _text(text)
    if not t.low:
        return {}
    today = today or date.today()
    facts: dict[str, object] = {}
    age = _valid_age(_stated_ages(t, today, need_born=True))
    if age is not None:
        facts["age"] = age
    diag, lipo = _diagnosis().find(t), _liposarcoma_type().find(t)
    findings, drugs = _findings().find(t), _drug_hits(t)
    clauses = _Clauses(t.low, diag + lipo + findings + [h for h, _ in drugs])
    facts.update(_diagnosis_facts(diag, lipo, clauses))
    facts.update(_finding_facts(findings, clauses))
    facts.update(_drug_facts(drugs, clauses))
    return facts
