"""Languages: a translation is an overlay of patient-facing strings on its English file.

The English files stay the single source of every machine field (values, rules, parsers, ids);
a Chinese file under a `zh/` folder beside its English file repeats only the strings a person
reads, under the same keys. `load()` lays the overlay on the English base; `check()` lists what
a translation lacks, adds, or words with other placeholders, so a test can guard every pair.

How the overlay merges (deep, by key):
- a mapping merges key by key; a key absent from the overlay keeps the English value;
- a list of mappings that all carry an identity key (`name`, then `value`, then `number`) is
  matched item by item on that key (a fact by `name`, a choice by `value`, a criterion by
  `number`); the identity key is the one machine field an overlay repeats. Other lists of
  mappings (a criterion's parts) are matched by position;
- a list of strings (buttons, month names) replaces the English list whole, and must have the
  same length;
- vocabulary (the typed-word lists of conversation.yaml, the pattern lists of safety.yaml:
  `Pair.vocabulary`) is what a patient may type, not what they read: the overlay's words are
  added to the English ones, since a patient chatting in Chinese may still type English. The
  checker ignores it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
ROOT = Path(__file__).resolve().parent.parent
IDENTITY_KEYS = ("name", "value", "number")

#: Keys whose values are never translated: machine fields, staff notes and the record's words.
MACHINE_KEYS = frozenset({
    "type", "parser", "min", "max", "ask_when", "ask_unless",
    "derive", "window_days", "sensitive", "rule", "note", "text", "check", "collect",
})
#: A trial file's record fields (top level): the registry's own words and data, kept as they are.
RECORD_KEYS = frozenset({
    "nct_id", "title", "quotes", "phase", "sponsor", "sites", "status", "recruiting",
    "status_recorded", "status_source", "end_date", "registry_url", "contacts",
})


@dataclass(frozen=True)
class Pair:
    """An English file and the translation overlaying it (paths relative to the project)."""

    english: str
    vocabulary: frozenset[str] = frozenset()  # top-level keys of typed words (extended)
    local: frozenset[str] = field(default=frozenset())  # keys only the translation has
    fixed: frozenset[str] = field(default=frozenset())  # top-level keys never translated

    def translated(self, language: str) -> str:
        """The overlay's path: the same name in a `<language>/` folder beside the English."""
        path = Path(self.english)
        if path.parent.name == "trials":
            return str(path.parent.parent / language / "trials" / path.name)
        return str(path.parent / language / path.name)


PAIRS = (
    Pair("bot/content/conversation.yaml",
         vocabulary=frozenset({"closed_choice_words", "delete_confirm_words", "audience_words"})),
    Pair("bot/content/facts.yaml"),
    Pair("bot/content/safety.yaml", vocabulary=frozenset({"self_harm", "urgent"}),
         local=frozenset({"crisis_line"})),
    Pair("bot/content/trials/NCT06114173.yaml", fixed=RECORD_KEYS),
    Pair("bot/content/trials/NCT06114225.yaml", fixed=RECORD_KEYS),
    Pair("bot/web/content.yaml"),
    Pair("bot/web/staff/content.yaml"),
    Pair("rasa_extensions/channels/wording.yaml"),
)


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def is_vocabulary(key: Any, pair: Pair | None = None, top: bool = False) -> bool:
    """Whether a top-level key holds words a patient may type (merged by adding, unchecked)."""
    return bool(top and pair and key in pair.vocabulary)


def _identity(items: list[Any]) -> str | None:
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    return next((key for key in IDENTITY_KEYS if all(key in item for item in items)), None)


def merge(base: Any, overlay: Any, vocabulary: bool = False) -> Any:
    """The English `base` with the translation `overlay` laid on it (rules in the module doc)."""
    if overlay is None:
        return base
    if vocabulary:
        return _merge_words(base, overlay)
    if isinstance(base, Mapping) and isinstance(overlay, Mapping):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(overlay, list):
        return _merge_list(base, overlay)
    return overlay


def _merge_words(base: Any, overlay: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(overlay, Mapping):
        return {key: _merge_words(base.get(key), overlay.get(key)) for key in {**base, **overlay}}
    words = list(base or [])
    return words + [word for word in overlay or [] if word not in words]


def _merge_list(base: list[Any], overlay: list[Any]) -> list[Any]:
    key = _identity(base)
    if key is not None:
        by_id = {item.get(key): item for item in overlay if isinstance(item, Mapping)}
        return [merge(item, by_id.get(item[key])) for item in base]
    if base and isinstance(base[0], Mapping):
        padded = overlay + [None] * (len(base) - len(overlay))
        return [merge(item, extra) for item, extra in zip(base, padded, strict=False)]
    return list(overlay)


def load(english: str | Path, language: str = DEFAULT_LANGUAGE, root: Path = ROOT) -> Any:
    """A content file in `language`: the English file, overlaid by its translation if any."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    pair = next((p for p in PAIRS if p.english == str(english)), Pair(str(english)))
    base = _read(root / pair.english)
    if language == DEFAULT_LANGUAGE:
        return base
    path = root / pair.translated(language)
    overlay = _read(path) if path.exists() else None
    if not isinstance(base, Mapping) or not isinstance(overlay, Mapping):
        return base if overlay is None else merge(base, overlay)
    merged = dict(base)
    for key, value in overlay.items():
        if key in base:
            merged[key] = merge(base[key], value, is_vocabulary(key, pair, top=True))
        else:
            merged[key] = value
    return merged


# --- the checker ----------------------------------------------------------------------------


def placeholders(text: str) -> list[str]:
    """The sorted {placeholders} of a text, as str.format reads them."""
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def strings(data: Any, pair: Pair | None = None, path: str = "",
            id_key: str | None = None) -> Iterator[tuple[str, str]]:
    """Every translatable string of a content tree, with its path ("facts[age].ask.self")."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key in MACHINE_KEYS or key == id_key or is_vocabulary(key, pair, top=not path):
                continue
            if pair and not path and (key in pair.local or key in pair.fixed):
                continue
            yield from strings(value, None, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        id_key = _identity(data)
        for index, item in enumerate(data):
            label = item[id_key] if id_key else index
            yield from strings(item, None, f"{path}[{label}]", id_key)
    elif isinstance(data, str):
        yield path, data


def check(pair: Pair, language: str = "zh", root: Path = ROOT) -> list[str]:
    """Every problem of one translation: missing and extra strings, placeholder mismatches."""
    english = dict(strings(_read(root / pair.english), pair))
    path = root / pair.translated(language)
    if not path.exists():
        return [f"{pair.translated(language)}: missing file"]
    translated = dict(strings(_read(path), pair))
    where = pair.translated(language)
    raw = _read(path)
    problems = [f"{where}: missing {key}" for key in english if key not in translated]
    problems += [f"{where}: missing {key} (this language's own)" for key in sorted(pair.local)
                 if not isinstance(raw, Mapping) or not isinstance(raw.get(key), str)]
    problems += [f"{where}: extra {key} (not in English)" for key in translated
                 if key not in english]
    for key, text in english.items():
        if key in translated and placeholders(text) != placeholders(translated[key]):
            problems.append(f"{where}: {key} has placeholders {placeholders(translated[key])},"
                            f" English has {placeholders(text)}")
    return problems


def check_all(language: str = "zh", root: Path = ROOT) -> list[str]:
    """The checker over every file pair."""
    return [problem for pair in PAIRS for problem in check(pair, language, root)]


_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")


def latin_words(text: str) -> list[str]:
    """The words in Latin letters of a text (for the no-English-left test)."""
    return _LATIN.findall(text)
