"""Trials as data: one YAML file per NCT ID in bot/content/trials/.

Loading checks every file whole before any of it is used, and one bad file refuses them all
(never half-loaded): a criterion without its verbatim text, or whose text is not the registry
record's word for word (when bot/content/registry/ keeps the record), a criterion of the record
left out, a number used twice, a part that is neither asked nor checked by the study team, a
misspelt key, or a bad rule (wrong shape, unknown fact or operator, a value the fact cannot
take, an order comparison on a fact that is not a number) stops the load with one message
naming the file and the criterion. The servers check this at start-up and refuse to start
(actions/__init__.py, scripts/run.py). A site adds or updates a trial by editing data, never
code; TRIALS_DIR points at another folder of trial files (default bot/content/trials).
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot import i18n, rules
from bot.catalog import CONTENT_DIR, Catalog, Fact, load_catalog
from bot.registry import REGISTRY_DIR, normalise, read_criteria
from bot.settings import content_settings
from bot.values import UNKNOWN

TRIALS_DIR = CONTENT_DIR / "trials"
KINDS = ("inclusion", "exclusion")
CRITERION_KEYS = frozenset({"number", "text", "parts"})
PART_KEYS = frozenset({"summary", "rule", "study_team", "note", "timing", "check", "collect"})
ORDER_OPERATORS = frozenset({"gte", "gt", "lte", "lt"})
#: A status older than this (about 6 months) is said to have possibly changed (issue 11).
STATUS_MAX_AGE_DAYS = 183


class TrialDataError(ValueError):
    """A trial data file is malformed; the message names the file and the criterion."""


@dataclass(frozen=True)
class Part:
    """One separately answered piece of a criterion.

    A patient part has a rule (asked in the chat); a study-team part has `study_team`, the
    check the team will make (labs, scans, consent), and is never asked.
    """

    id: str
    summary: str
    rule: Mapping[str, Any] | None = None
    study_team: str | None = None
    note: str | None = None
    timing: str | None = None  # an exclusion about timing: what the wait is, for the reason
    collect: tuple[str, ...] = ()  # facts asked for the study team while this part is open
    check: str | None = None  # a study-team part: its plain group for patients (check_groups)

    @property
    def asked(self) -> bool:
        return self.rule is not None


@dataclass(frozen=True)
class Criterion:
    id: str  # "inc-3", "exc-12"
    kind: str  # "inclusion" | "exclusion"
    number: int
    text: str  # verbatim from the registry record
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None = None
    email: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class Trial:
    nct_id: str
    title: str
    short_title: str
    summary: str
    phase: str
    sponsor: str
    status: str
    recruiting: bool
    status_recorded: str
    registry_url: str
    contacts: tuple[Contact, ...]
    sites: tuple[Mapping[str, str], ...]
    criteria: tuple[Criterion, ...]
    version: str  # content hash of the data file, stored with every result
    raw: Mapping[str, Any]  # the whole file, for wording other modules read (FAQ answers)

    @property
    def status_date(self) -> date:
        """The date of the record's status (its processing date, else when it was copied)."""
        return date.fromisoformat(self.status_recorded)

    def status_is_old(self, today: date | None = None) -> bool:
        """The record's status is more than STATUS_MAX_AGE_DAYS old: it may have changed."""
        return ((today or date.today()) - self.status_date).days > STATUS_MAX_AGE_DAYS

    @property
    def parts(self) -> list[tuple[Criterion, Part]]:
        return [(criterion, part) for criterion in self.criteria for part in criterion.parts]


def trials_dir() -> Path:
    """The folder of trial files: TRIALS_DIR from the environment, else bot/content/trials."""
    return Path(content_settings().trials_dir or TRIALS_DIR)


def load_trials(directory: Path | None = None, language: str = "en") -> tuple[Trial, ...]:
    """Every trial file in the directory (default `trials_dir()`), checked, in NCT ID order.
    Raises TrialDataError for the first problem found; nothing is returned half-loaded. In
    another language each file's patient wording is its overlay (`<language>/trials/` beside
    the folder); the record's fields, rules and data version stay the English file's."""
    return _load_trials(directory or trials_dir(), language)


@cache
def _load_trials(directory: Path, language: str = "en") -> tuple[Trial, ...]:
    catalog = load_catalog()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise TrialDataError(f"no trial data files in {directory}")
    return tuple(load_trial(path, catalog, language=language) for path in files)


def _overlaid(path: Path, data: Any, language: str) -> Any:
    """The trial's data with its translation laid on (record fields untouched)."""
    overlay_path = path.parent.parent / language / "trials" / path.name
    if language == "en" or not isinstance(data, Mapping) or not overlay_path.is_file():
        return data
    overlay = yaml.safe_load(overlay_path.read_text(encoding="utf-8")) or {}
    merged = dict(data)
    for key, value in overlay.items():
        if key in data and key not in i18n.RECORD_KEYS:
            merged[key] = i18n.merge(data[key], value)
    return merged


def load_trial(path: Path, catalog: Catalog, registry_dir: Path = REGISTRY_DIR,
               language: str = "en") -> Trial:
    """One trial file, checked against the catalog and, when `registry_dir` keeps the trial's
    registry record, against the record's criteria."""
    raw_bytes = path.read_bytes()
    try:
        data = _overlaid(path, yaml.safe_load(raw_bytes), language)
    except yaml.YAMLError as error:
        raise TrialDataError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, Mapping):
        raise TrialDataError(f"{path.name}: expected a mapping at the top level")
    if data.get("nct_id") != path.stem:
        raise TrialDataError(
            f"{path.name}: nct_id {data.get('nct_id')!r} does not match the file name"
        )
    criteria = tuple(
        _criterion(path.name, kind, raw, catalog)
        for kind in KINDS
        for raw in _list(data.get(kind), f"{path.name}: {kind}")
    )
    _check_unique(path.name, criteria)
    record = registry_dir / f"{path.stem}.txt"
    if record.is_file():
        _check_verbatim(path.name, criteria, record)
        _check_quotes(path.name, data.get("quotes"), record)
    try:
        return Trial(
            nct_id=data["nct_id"],
            title=data["title"],
            short_title=data.get("short_title", data["title"]),
            summary=data["summary"],
            phase=data["phase"],
            sponsor=data["sponsor"],
            status=data["status"],
            recruiting=bool(data["recruiting"]),
            status_recorded=date.fromisoformat(str(data["status_recorded"])).isoformat(),
            registry_url=data["registry_url"],
            contacts=tuple(Contact(**c) for c in data.get("contacts") or []),
            sites=tuple(data.get("sites") or []),
            criteria=criteria,
            version=hashlib.sha256(raw_bytes).hexdigest()[:12],
            raw=data,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise TrialDataError(f"{path.name}: missing or malformed field {error}") from error


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TrialDataError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _criterion(file: str, kind: str, raw: Any, catalog: Catalog) -> Criterion:
    if not isinstance(raw, Mapping):
        raise TrialDataError(f"{file}: {kind}: each criterion must be a mapping, got {raw!r}")
    number = raw.get("number")
    where = f"{file}: {kind} criterion {number}"
    _check_keys(where, raw, CRITERION_KEYS)
    text = " ".join(str(raw.get("text") or "").split())
    if not isinstance(number, int) or isinstance(number, bool) or not text:
        raise TrialDataError(f"{where}: needs a number and the verbatim registry text")
    raw_parts = _list(raw.get("parts"), where)
    if not raw_parts:
        raise TrialDataError(f"{where}: needs at least one part (a rule or a study-team check)")
    criterion_id = f"{kind[:3]}-{number}"
    parts = tuple(
        _part(where, _part_id(criterion_id, index, len(raw_parts)), raw_part, catalog)
        for index, raw_part in enumerate(raw_parts)
    )
    return Criterion(criterion_id, kind, number, text, parts)


def _check_keys(where: str, raw: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """A misspelt key ('notes', 'studyteam') would otherwise be silently ignored."""
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        raise TrialDataError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )


def _check_unique(file: str, criteria: tuple[Criterion, ...]) -> None:
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.id in seen:
            raise TrialDataError(
                f"{file}: {criterion.kind} criterion {criterion.number} ({criterion.id}): "
                "the number is used twice"
            )
        seen.add(criterion.id)


def _check_verbatim(file: str, criteria: tuple[Criterion, ...], record: Path) -> None:
    """Every criterion quotes the registry record word for word (whitespace aside), and none
    of the record's criteria is left out, so staff can trace each question to the protocol."""
    expected = {(c.kind, c.number): c.text for c in read_criteria(record.read_text("utf-8"))}
    for criterion in criteria:
        where = f"{file}: {criterion.kind} criterion {criterion.number} ({criterion.id})"
        quoted = expected.get((criterion.kind, criterion.number))
        if quoted is None:
            raise TrialDataError(
                f"{where}: the registry record {record.name} has no such criterion"
            )
        if criterion.text != quoted:
            raise TrialDataError(
                f"{where}: the text is not the registry record's ({record.name}) word for word"
            )
    present = {(c.kind, c.number) for c in criteria}
    for kind, number in expected:
        if (kind, number) not in present:
            raise TrialDataError(
                f"{file}: {kind} criterion {number} ({kind[:3]}-{number}): missing; the registry "
                f"record {record.name} has it, and every criterion must be kept verbatim"
            )


def _check_quotes(file: str, quotes: Any, record: Path) -> None:
    """Record wording quoted to patients (`quotes:`) must be the record's, word for word."""
    if quotes is None:
        return
    if not isinstance(quotes, Mapping):
        raise TrialDataError(f"{file}: quotes: expected a mapping of name to quoted text")
    text = normalise(record.read_text("utf-8"))
    for name, quote in quotes.items():
        if not isinstance(quote, str) or normalise(quote) not in text:
            raise TrialDataError(
                f"{file}: quotes.{name}: not in the registry record {record.name} word for word"
            )


def _part_id(criterion_id: str, index: int, count: int) -> str:
    return criterion_id if count == 1 else f"{criterion_id}{string.ascii_lowercase[index]}"


def _part(where: str, part_id: str, raw: Any, catalog: Catalog) -> Part:
    if not isinstance(raw, Mapping):
        raise TrialDataError(f"{where} ({part_id}): a part must be a mapping, got {raw!r}")
    _check_keys(f"{where} ({part_id})", raw, PART_KEYS)
    rule, study_team = raw.get("rule"), raw.get("study_team")
    if (rule is None) == (study_team is None):
        raise TrialDataError(f"{where} ({part_id}): a part needs either a rule or study_team")
    if not raw.get("summary"):
        raise TrialDataError(f"{where} ({part_id}): a part needs a plain-language summary")
    if rule is not None:
        try:
            rules.check(rule, set(catalog.facts))
            _check_values(rule, catalog)
        except (rules.RuleError, TypeError) as error:  # TypeError: e.g. a list as a fact name
            raise TrialDataError(f"{where} ({part_id}): {error}") from error
    if raw.get("timing") is not None and rule is None:
        raise TrialDataError(f"{where} ({part_id}): timing is for a part with a rule")
    collect = tuple(_list(raw.get("collect"), f"{where} ({part_id}): collect"))
    unknown = [name for name in collect if name not in catalog]
    if unknown or (collect and rule is None):
        raise TrialDataError(f"{where} ({part_id}): collect needs a rule and catalog facts, "
                             f"not {', '.join(map(str, unknown)) or 'a study-team part'}")
    check = raw.get("check")
    if (study_team is None) != (check is None) or (check and check not in check_groups()):
        raise TrialDataError(f"{where} ({part_id}): a study-team part needs 'check', one of "
                             f"{', '.join(check_groups())} (bot/content/conversation.yaml)")
    return Part(part_id, raw["summary"], rule, study_team, raw.get("note"), raw.get("timing"),
                collect, check)


@cache
def check_groups() -> tuple[str, ...]:
    """The plain groups of study-team checks patients see (conversation.yaml check_groups)."""
    data = yaml.safe_load((CONTENT_DIR / "conversation.yaml").read_text(encoding="utf-8"))
    return tuple(data["check_groups"])


def _check_values(rule: Mapping[str, Any], catalog: Catalog) -> None:
    """Every constant a (shape-checked) rule compares a fact with is one the fact can take.

    A misspelt value (`{fact: diagnosis, is: osteosarcom}`) would otherwise make the test
    silently never true, and an order test on a choice of words would never hold: either would
    rule patients in or out wrongly without any error.
    """
    if "fact" not in rule:
        for key in rules.COMBINATORS:
            if key in rule:
                branches = rule[key] if key in ("all", "any") else [rule[key]]
                for branch in branches:
                    _check_values(branch, catalog)
        return
    fact = catalog[rule["fact"]]
    for op, operand in rule.items():
        if op == "fact":
            continue
        if op in ORDER_OPERATORS:
            _check_order_test(fact, op, operand)
            continue
        values = operand if op == "in" else [operand]
        if not values:
            raise rules.RuleError(f"'in' needs at least one value in test on {fact.name!r}")
        for value in values:
            if value == UNKNOWN or not fact.is_valid(value):
                raise rules.RuleError(
                    f"{value!r} is not a value of fact {fact.name!r} ({_allowed(fact)})"
                )


def _check_order_test(fact: Fact, op: str, operand: Any) -> None:
    numeric = fact.type == "int" or (
        fact.type == "choice" and all(_is_number(v) for v in fact.allowed_values())
    )
    if not numeric:
        raise rules.RuleError(f"'{op}' compares numbers, but fact {fact.name!r} is not a number")
    if not _is_number(operand):
        raise rules.RuleError(f"'{op}' needs a number in test on {fact.name!r}, got {operand!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _allowed(fact: Fact) -> str:
    if fact.type == "int":
        return f"a whole number from {fact.minimum} to {fact.maximum}"
    return "allowed: " + ", ".join(repr(v) for v in fact.allowed_values())
